import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { allOperations } from "../../functions/api/catalog.js";
import type { Operation } from "../../shared/http/operation.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { call, createWorld, startTestCloud, type TenantWorld, tenantItems } from "../support/api.js";
import { scenarios } from "../support/scenarios.js";

let cloud: LocalCloud;
let world: TenantWorld;

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "bad input");
});
afterAll(async () => {
  await cloud?.stop();
});

interface Mutation {
  label: string;
  body: unknown;
  /** The field path the problem must name. */
  path: string;
}

type Json = Record<string, unknown>;

function wrongTypeFor(value: unknown): unknown {
  if (typeof value === "string") return 12345;
  if (typeof value === "number") return "12";
  if (typeof value === "boolean") return "yes";
  if (Array.isArray(value)) return "not-a-list";
  return "not-an-object";
}

/**
 * Mutations of a valid body: each required field dropped, each field given a wrong type, each string
 * oversized, each id malformed, plus an unknown field. Nested objects are walked one level down.
 */
function mutations(schema: z.ZodObject, valid: Json): Mutation[] {
  const out: Mutation[] = [{ label: "unknown field", body: { ...valid, zzUnknown: 1 }, path: "zzUnknown" }];
  for (const [field, value] of Object.entries(valid)) {
    const fieldSchema = schema.shape[field] as z.ZodType | undefined;
    if (fieldSchema && !fieldSchema.safeParse(undefined).success) {
      const { [field]: _dropped, ...rest } = valid;
      out.push({ label: `missing ${field}`, body: rest, path: field });
    }
    out.push({ label: `wrong type ${field}`, body: { ...valid, [field]: wrongTypeFor(value) }, path: field });
    if (typeof value === "string") {
      out.push({ label: `oversized ${field}`, body: { ...valid, [field]: "x".repeat(5000) }, path: field });
      if (/^(pkg|site|nas|sub|key|ten)_/.test(value)) {
        out.push({
          label: `bad id ${field}`,
          body: { ...valid, [field]: `${value.split("_")[0]}_nope` },
          path: field,
        });
      }
    }
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value as Json)) {
        out.push({
          label: `wrong type ${field}.${inner}`,
          body: { ...valid, [field]: { ...(value as Json), [inner]: wrongTypeFor(innerValue) } },
          path: `${field}.${inner}`,
        });
      }
      out.push({
        label: `unknown ${field}.zz`,
        body: { ...valid, [field]: { ...(value as Json), zz: 1 } },
        path: `${field}.zz`,
      });
    }
  }
  return out;
}

const writeOps = allOperations().filter((op): op is Operation & { body: z.ZodType } => op.body !== undefined);

/** The object schema a valid body matches: the body itself, or the union member it selects. */
function objectSchemaFor(schema: z.ZodType, valid: Json): z.ZodObject {
  if ("shape" in schema) return schema as unknown as z.ZodObject;
  const options = (schema as unknown as { options: z.ZodObject[] }).options;
  const match = options.find((o) => o.safeParse(valid).success);
  if (!match) throw new Error("no union member accepts the valid body");
  return match;
}

describe("bad input on every write route", () => {
  it("has a scenario for every write route", () => {
    expect(writeOps.map((op) => op.id).filter((id) => !scenarios[id])).toEqual([]);
    expect(writeOps.length).toBeGreaterThanOrEqual(9);
  });

  it.each(writeOps.map((op) => [op.id, op] as const))(
    "%s: every mutation is a 400 naming the field, and nothing is written",
    async (opId, op) => {
      const scenario = scenarios[opId];
      if (!scenario) throw new Error(opId);
      const request = await scenario(world, cloud.deps);
      const valid = request.body as Json;
      expect(op.body.safeParse(valid).success).toBe(true);
      const before = await tenantItems(cloud, world.tenantId);
      const list = mutations(objectSchemaFor(op.body, valid), valid).filter(
        (m) => !(m.path === "action" && m.label.startsWith("oversized")),
      );
      // Every body has at least an unknown-field and a wrong-type mutation per field.
      expect(list.length).toBeGreaterThan(2);
      for (const m of list) {
        const res = await call(cloud, request.method, request.path, {
          token: world.keys.owner,
          body: m.body,
        });
        expect(res.status, `${opId} ${m.label}: ${JSON.stringify(res.json)}`).toBe(400);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        const paths: string[] = res.json.errors.map((e: { path: string }) => e.path);
        expect(
          paths.some((p) => p === m.path || p.startsWith(`${m.path}.`)),
          `${opId} ${m.label}: got ${paths.join(", ")}`,
        ).toBe(true);
      }
      expect(await tenantItems(cloud, world.tenantId)).toEqual(before);
    },
  );

  it("answers malformed JSON, a wrong content type, an oversized body and an empty body with clear errors", async () => {
    const before = await tenantItems(cloud, world.tenantId);
    const token = world.keys.owner;
    const json = { "content-type": "application/json" };
    const broken = await call(cloud, "POST", "/v1/sites", { token, rawBody: '{"name": ', headers: json });
    expect(broken.status).toBe(400);
    expect(broken.json.errors[0]).toMatchObject({ in: "body", message: "is not valid JSON" });
    const form = await call(cloud, "POST", "/v1/sites", {
      token,
      rawBody: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    const huge = await call(cloud, "POST", "/v1/sites", {
      token,
      body: { name: "x", description: "y".repeat(70_000) },
    });
    expect(huge.status).toBe(413);
    const empty = await call(cloud, "POST", "/v1/sites", { token, headers: json });
    expect(empty.status).toBe(400);
    const array = await call(cloud, "POST", "/v1/sites", { token, body: [1, 2] });
    expect(array.status).toBe(400);
    expect(await tenantItems(cloud, world.tenantId)).toEqual(before);
  });

  it("names malformed path ids and query parameters", async () => {
    const token = world.keys.owner;
    const path = await call(cloud, "PATCH", "/v1/subscribers/sub_123", {
      token,
      body: { version: 1, name: "x" },
    });
    expect(path.status).toBe(400);
    expect(path.json.errors[0]).toMatchObject({ in: "path", path: "subscriberId" });
    const query = await call(cloud, "GET", "/v1/subscribers?status=sleeping&limit=1000&colour=red", {
      token,
    });
    expect(query.status).toBe(400);
    const fields = query.json.errors.map((e: { path: string }) => e.path).sort();
    expect(fields).toEqual(["colour", "limit", "status"]);
  });

  it("keeps secrets out: a NAS body carrying a secret is refused and the secret is not echoed", async () => {
    const res = await call(cloud, "POST", `/v1/sites/${world.siteId}/nas`, {
      token: world.keys.owner,
      body: { name: "r1", address: "10.0.0.9", method: "radius", secret: "hunter2-radius-secret" },
    });
    expect(res.status).toBe(400);
    expect(res.json.errors).toContainEqual({ in: "body", path: "secret", message: "is not a known field" });
    expect(JSON.stringify(res.json)).not.toContain("hunter2");
  });
});
