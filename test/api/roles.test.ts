import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allOperations } from "../../functions/api/catalog.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { call, createWorld, ROLES, startTestCloud, type TenantWorld } from "../support/api.js";
import { allowedRoles, scenarios } from "../support/scenarios.js";

let cloud: LocalCloud;
let world: TenantWorld;

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "roles");
});
afterAll(async () => {
  await cloud?.stop();
});

describe("role matrix", () => {
  const protectedOps = allOperations().filter((op) => op.permission !== "public");

  it("covers every authenticated operation", () => {
    const missing = protectedOps.map((op) => op.id).filter((id) => !scenarios[id] || !allowedRoles[id]);
    expect(missing).toEqual([]);
  });

  const cases = Object.keys(allowedRoles).flatMap((opId) => ROLES.map((role) => [opId, role] as const));
  it.each(cases)("%s as %s", async (opId, role) => {
    const scenario = scenarios[opId];
    if (!scenario) throw new Error(`no scenario for ${opId}`);
    const request = await scenario(world, cloud.deps);
    const res = await call(cloud, request.method, request.path, {
      token: world.keys[role],
      body: request.body,
    });
    if (allowedRoles[opId]?.includes(role)) {
      expect(res.status, JSON.stringify(res.json)).toBeGreaterThanOrEqual(200);
      expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
    } else {
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.json.title).toBe("Forbidden");
    }
  });

  it("rejects a missing, malformed, unknown or revoked key like API Gateway does", async () => {
    expect((await call(cloud, "GET", "/v1/packages")).status).toBe(401);
    expect((await call(cloud, "GET", "/v1/packages", { token: "not-a-key" })).status).toBe(403);
    const forged = world.keys.owner.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    expect((await call(cloud, "GET", "/v1/packages", { token: forged })).status).toBe(403);

    const created = await call(cloud, "POST", "/v1/api-keys", {
      token: world.keys.owner,
      body: { name: "temp", role: "admin" },
    });
    expect(created.status).toBe(201);
    expect((await call(cloud, "GET", "/v1/packages", { token: created.json.secret })).status).toBe(200);
    const revoked = await call(cloud, "DELETE", `/v1/api-keys/${created.json.id}`, {
      token: world.keys.owner,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.json.revokedAt).toBeTypeOf("string");
    expect((await call(cloud, "GET", "/v1/packages", { token: created.json.secret })).status).toBe(403);
  });

  it("shows a new key's secret once and never stores or lists it", async () => {
    const created = await call(cloud, "POST", "/v1/api-keys", {
      token: world.keys.owner,
      body: { name: "once", role: "billing" },
    });
    expect(created.json.secret).toMatch(/^isp\.ten_/);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const list = await call(cloud, "GET", "/v1/api-keys?limit=100", { token: world.keys.owner });
    const text = JSON.stringify(list.json);
    expect(text).toContain(created.json.id);
    expect(text).not.toContain(created.json.secret.split(".")[3]);
    expect(text).not.toContain("secretHash");
  });

  it("does not let a key revoke itself", async () => {
    const res = await call(cloud, "DELETE", `/v1/api-keys/${world.keyIds.owner}`, {
      token: world.keys.owner,
    });
    expect(res.status).toBe(409);
  });
});
