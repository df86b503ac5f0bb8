import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allOperations } from "../../functions/api/catalog.js";
import { packageOperations } from "../../functions/api/operations/packages.js";
import { createGatewayDirectory } from "../../shared/adapters/gateways/directory.js";
import { LocalSecretBox } from "../../shared/adapters/secrets/local-secret-box.js";
import { systemClock } from "../../shared/domain/clock.js";
import { type ApiEvent, createApiHandler } from "../../shared/http/api-handler.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { createLogger } from "../../shared/logger.js";
import type { Repositories } from "../../shared/ports/repositories.js";
import { call, startTestCloud } from "../support/api.js";

let cloud: LocalCloud;
beforeAll(async () => {
  process.env.CORS_ALLOWED_ORIGINS = "https://admin.example.net";
  cloud = await startTestCloud();
});
afterAll(async () => {
  await cloud?.stop();
});

describe("OpenAPI document", () => {
  it("describes every route, and every $ref resolves", async () => {
    const res = await call(cloud, "GET", "/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(doc.openapi).toBe("3.1.0");
    for (const op of allOperations()) {
      const entry = doc.paths[op.path]?.[op.method.toLowerCase()];
      expect(entry, `${op.method} ${op.path}`).toBeDefined();
      expect(entry.operationId).toBe(op.id);
    }
    const refs = JSON.stringify(doc).match(/"\$ref":"#\/components\/schemas\/[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const name = ref.split("/").pop()?.replace(/"$/, "") ?? "";
      expect(doc.components.schemas[name], name).toBeDefined();
    }
    const create = doc.paths["/v1/packages"].post;
    expect(create.parameters.map((p: { name: string }) => p.name)).toContain("Idempotency-Key");
    expect(create.requestBody.content["application/json"].schema).toBeDefined();
    expect(doc.paths["/v1/health"].get.security).toEqual([]);
  });
});

describe("CORS", () => {
  it("answers a preflight from an allowed origin and labels responses, but not for others", async () => {
    const pre = await call(cloud, "OPTIONS", "/v1/packages", {
      headers: { origin: "https://admin.example.net", "access-control-request-method": "POST" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://admin.example.net");
    expect(pre.headers.get("access-control-allow-headers")).toContain("idempotency-key");
    const get = await call(cloud, "GET", "/v1/health", { headers: { origin: "https://admin.example.net" } });
    expect(get.headers.get("access-control-allow-origin")).toBe("https://admin.example.net");
    const evil = await call(cloud, "GET", "/v1/health", { headers: { origin: "https://evil.example" } });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("internal errors", () => {
  it("are a bare 500 problem that hides the cause", async () => {
    const failing = new Proxy({} as Repositories, {
      get: () =>
        new Proxy(
          {},
          {
            get: () => () =>
              Promise.reject(new Error("ProvisionedThroughputExceeded on table isp-prod: secret=abc123")),
          },
        ),
    });
    const deps = {
      repos: failing,
      clock: systemClock,
      logger: createLogger({}, "silent"),
      scheduler: { upsert: async () => undefined, remove: async () => undefined },
      queue: { send: async () => undefined, provision: async () => "" },
      notifier: { send: async () => ({}) },
      payments: {
        gateways: createGatewayDirectory(),
        secrets: new LocalSecretBox(LocalSecretBox.generateKey()),
      },
    };
    const handler = createApiHandler(packageOperations, { deps: () => deps });
    const event = {
      routeKey: "GET /v1/packages",
      rawPath: "/v1/packages",
      headers: {},
      requestContext: {
        authorizer: { lambda: { tenantId: "ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C", role: "owner", keyId: "key_x" } },
      },
    } as unknown as ApiEvent;
    const out = await handler(event, { awsRequestId: "r1" } as Context);
    expect(out.statusCode).toBe(500);
    expect(out.headers?.["content-type"]).toBe("application/problem+json");
    expect(out.body).not.toMatch(/Provisioned|secret|abc123|isp-prod/);
    expect(JSON.parse(out.body ?? "{}").title).toBe("Internal error");
  });
});
