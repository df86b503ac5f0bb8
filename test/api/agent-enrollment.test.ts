import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnauthorizedError } from "../../shared/domain/errors.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import type { ServiceDeps } from "../../shared/services/caller.js";
import {
  createEnrollmentCode,
  ENROLLMENT_CODE_TTL_MS,
  enrollAgent,
} from "../../shared/services/site-agents.js";
import { createSite } from "../../shared/services/sites.js";
import { call, createWorld, startTestCloud, type TenantWorld, tenantItems } from "../support/api.js";

let cloud: LocalCloud;
let a: TenantWorld;
let b: TenantWorld;

beforeAll(async () => {
  cloud = await startTestCloud();
  [a, b] = await Promise.all([createWorld(cloud.deps, "enroll A"), createWorld(cloud.deps, "enroll B")]);
});
afterAll(async () => {
  await cloud?.stop();
});

async function freshSite(world: TenantWorld): Promise<string> {
  return (await createSite(cloud.deps, world.owner, { name: "Agent site" })).resource.id;
}

async function issueCode(world: TenantWorld, siteId: string, token = world.keys.admin) {
  const res = await call(cloud, "POST", `/v1/sites/${siteId}/enrollments`, { token });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res;
}

const device = { hostname: "pop1-agent", agentVersion: "1.2.3" };
const enroll = (code: string) => call(cloud, "POST", "/v1/agent/enroll", { body: { code, device } });
const credentials = (token?: string) => call(cloud, "POST", "/v1/agent/credentials", { token });

function at(deps: ServiceDeps, offsetMs: number): ServiceDeps {
  return { ...deps, clock: { now: () => new Date(Date.now() + offsetMs) } };
}

describe("agent enrollment", () => {
  it("issues a code once, exchanges it once for a token, and stores neither in the clear", async () => {
    const siteId = await freshSite(a);
    const issued = await issueCode(a, siteId);
    expect(issued.headers.get("cache-control")).toBe("no-store");
    expect(issued.json).toMatchObject({ tenantId: a.tenantId, siteId });
    expect(issued.json.code).toMatch(/^ENR-ten_[0-9A-Z]{26}-site_[0-9A-Z]{26}-[0-9A-Z]{26}$/);
    const ttl = Date.parse(issued.json.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(ENROLLMENT_CODE_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(ENROLLMENT_CODE_TTL_MS);

    const first = await enroll(issued.json.code);
    expect(first.status, JSON.stringify(first.json)).toBe(201);
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(first.json).toMatchObject({ tenantId: a.tenantId, siteId, generation: 1 });
    expect(first.json.token).toMatch(new RegExp(`^agt\\.${a.tenantId}\\.${siteId}\\.1\\.[A-Za-z0-9_-]{43}$`));

    const again = await enroll(issued.json.code);
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(again.json.detail).toMatch(/already used/);

    const stored = JSON.stringify(await tenantItems(cloud, a.tenantId));
    expect(stored).not.toContain(issued.json.code.split("-").pop());
    expect(stored).not.toContain(first.json.token.split(".").pop());
  });

  it("lets exactly one of two concurrent exchanges of the same code win", async () => {
    const { json } = await issueCode(a, await freshSite(a));
    const results = await Promise.all([enroll(json.code), enroll(json.code), enroll(json.code)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  it("refuses an expired code (30 minutes, by the injected clock)", async () => {
    const siteId = await freshSite(a);
    const { code } = await createEnrollmentCode(cloud.deps, a.owner, siteId);
    const late = enrollAgent(at(cloud.deps, ENROLLMENT_CODE_TTL_MS + 1_000), code);
    await expect(late).rejects.toThrow(UnauthorizedError);
    await expect(late).rejects.toThrow(/expired/);

    // Issued 31 minutes ago: the real clock of the API finds it expired too.
    const old = await createEnrollmentCode(
      at(cloud.deps, -(ENROLLMENT_CODE_TTL_MS + 60_000)),
      a.owner,
      siteId,
    );
    const res = await enroll(old.code);
    expect(res.status).toBe(401);
    expect(res.json.detail).toMatch(/expired/);
    // Still fresh a minute before the end.
    const fresh = enrollAgent(at(cloud.deps, ENROLLMENT_CODE_TTL_MS - 60_000), code);
    await expect(fresh).resolves.toMatchObject({ siteId, generation: 1 });
  });

  it("refuses an unknown code (401) and a malformed one (400)", async () => {
    const siteId = await freshSite(a);
    const { json } = await issueCode(a, siteId);
    const forged = json.code.replace(/.$/, (c: string) => (c === "A" ? "B" : "A"));
    expect((await enroll(forged)).status).toBe(401);
    expect((await enroll("ENR-nope")).status).toBe(400);
  });
});

describe("agent credentials", () => {
  it("gives an enrolled agent short-lived credentials (the local queue's, locally)", async () => {
    const siteId = await freshSite(a);
    const { json } = await issueCode(a, siteId);
    const { token } = (await enroll(json.code)).json;

    const res = await credentials(token);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.json).toMatchObject({
      accessKeyId: "local",
      secretAccessKey: "local",
      sessionToken: "local",
      region: "local",
      endpoint: cloud.sqsEndpoint,
    });
    const lifetime = Date.parse(res.json.expiration) - Date.now();
    expect(lifetime).toBeGreaterThan(3500_000);
    expect(lifetime).toBeLessThanOrEqual(3600_000);
  });

  it("refuses a missing, malformed or forged token, and an API key", async () => {
    const { json } = await issueCode(a, await freshSite(a));
    const { token } = (await enroll(json.code)).json;
    const forged = token.replace(/.$/, (c: string) => (c === "A" ? "B" : "A"));
    for (const bad of [undefined, "agt.nope", forged, a.keys.owner]) {
      const res = await credentials(bad);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    // The same secret presented for another site (or another tenant) matches nothing.
    const otherSite = token.replace(/\.site_[0-9A-Z]{26}\./, `.${a.siteId}.`);
    const otherTenant = token.replace(a.tenantId, b.tenantId);
    for (const bad of [otherSite, otherTenant]) expect((await credentials(bad)).status).toBe(401);
  });
});

describe("revocation", () => {
  it("refuses a revoked agent's token at once, voids unused codes, and takes a new enrollment", async () => {
    const siteId = await freshSite(a);
    const { token } = (await enroll((await issueCode(a, siteId)).json.code)).json;
    const unused = (await issueCode(a, siteId)).json.code;
    expect((await credentials(token)).status).toBe(200);

    const revoked = await call(cloud, "DELETE", `/v1/sites/${siteId}/agent`, { token: a.keys.admin });
    expect(revoked.status, JSON.stringify(revoked.json)).toBe(200);
    expect(revoked.json).toMatchObject({
      tenantId: a.tenantId,
      siteId,
      status: "revoked",
      generation: 2,
      device,
    });
    expect(JSON.stringify(revoked.json)).not.toContain("tokenHash");

    const refused = await credentials(token);
    expect(refused.status).toBe(401);
    expect(refused.json.detail).toMatch(/revoked/);
    const stale = await enroll(unused);
    expect(stale.status).toBe(401);
    expect(stale.json.detail).toMatch(/voided/);

    const renewed = await enroll((await issueCode(a, siteId)).json.code);
    expect(renewed.status).toBe(201);
    expect(renewed.json.generation).toBe(3);
    expect((await credentials(renewed.json.token)).status).toBe(200);
    expect((await credentials(token)).status).toBe(401);
  });

  it("lets a new enrollment replace the site's previous agent", async () => {
    const siteId = await freshSite(a);
    const first = (await enroll((await issueCode(a, siteId)).json.code)).json.token;
    const second = (await enroll((await issueCode(a, siteId)).json.code)).json.token;
    expect((await credentials(first)).status).toBe(401);
    expect((await credentials(second)).status).toBe(200);
  });

  it("voids a code issued before another code was used", async () => {
    const siteId = await freshSite(a);
    const [one, two] = [(await issueCode(a, siteId)).json.code, (await issueCode(a, siteId)).json.code];
    expect((await enroll(one)).status).toBe(201);
    expect((await enroll(two)).status).toBe(401);
  });

  it("refuses codes and credentials once the site is archived", async () => {
    const siteId = await freshSite(a);
    const { token } = (await enroll((await issueCode(a, siteId)).json.code)).json;
    const code = (await issueCode(a, siteId)).json.code;
    const archived = await call(cloud, "DELETE", `/v1/sites/${siteId}`, { token: a.keys.admin });
    expect(archived.status).toBe(200);
    expect((await credentials(token)).status).toBe(401);
    expect((await enroll(code)).status).toBe(409);
    expect(
      (await call(cloud, "POST", `/v1/sites/${siteId}/enrollments`, { token: a.keys.admin })).status,
    ).toBe(409);
  });
});

describe("tenant isolation", () => {
  it("does not let tenant B's admin enroll or revoke tenant A's site, and A's agent keeps working", async () => {
    const siteId = await freshSite(a);
    const { token } = (await enroll((await issueCode(a, siteId)).json.code)).json;
    const before = await tenantItems(cloud, a.tenantId);

    const code = await call(cloud, "POST", `/v1/sites/${siteId}/enrollments`, { token: b.keys.admin });
    const revoke = await call(cloud, "DELETE", `/v1/sites/${siteId}/agent`, { token: b.keys.owner });
    for (const res of [code, revoke]) {
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.json)).not.toContain(a.tenantId);
    }
    expect(await tenantItems(cloud, a.tenantId)).toEqual(before);
    expect((await credentials(token)).status).toBe(200);
  });

  it("does not let a readonly or support key issue codes or revoke", async () => {
    const siteId = await freshSite(a);
    for (const role of ["readonly", "support", "billing"] as const) {
      expect(
        (await call(cloud, "POST", `/v1/sites/${siteId}/enrollments`, { token: a.keys[role] })).status,
      ).toBe(403);
      expect((await call(cloud, "DELETE", `/v1/sites/${siteId}/agent`, { token: a.keys[role] })).status).toBe(
        403,
      );
    }
  });
});
