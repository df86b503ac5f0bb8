import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allOperations } from "../../functions/api/catalog.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import {
  call,
  createWorld,
  packageBody,
  startTestCloud,
  subscriberBody,
  type TenantWorld,
  tenantItems,
} from "../support/api.js";
import { scenarios } from "../support/scenarios.js";

let cloud: LocalCloud;
let a: TenantWorld;
let b: TenantWorld;

beforeAll(async () => {
  cloud = await startTestCloud();
  [a, b] = await Promise.all([createWorld(cloud.deps, "tenant A"), createWorld(cloud.deps, "tenant B")]);
});
afterAll(async () => {
  await cloud?.stop();
});

/** Operations with no tenant-B resource in their path: checked by what they return or create. */
const LIST_OPS = [
  "listPackages",
  "listSubscribers",
  "listSites",
  "listApiKeys",
  "listPayments",
  "listInvoices",
];
const CREATE_OPS = ["createPackage", "createSite", "createApiKey", "createSubscriber"];
/**
 * Path parameters that name a setting of the caller's own tenant (a gateway), not a record of B's;
 * test/api/payments.test.ts checks that they only ever touch the caller's tenant.
 */
const OWN_SETTING_OPS = ["putGateway", "deleteGateway"];

describe("tenant isolation", () => {
  it("covers every operation", () => {
    const uncovered = allOperations()
      .filter((op) => op.permission !== "public")
      .map((op) => op.id)
      .filter((id) => !scenarios[id]);
    expect(uncovered).toEqual([]);
  });

  const targeted = allOperations()
    .filter(
      (op) =>
        op.permission !== "public" &&
        op.path.includes("{") &&
        !LIST_OPS.includes(op.id) &&
        !OWN_SETTING_OPS.includes(op.id),
    )
    .map((op) => op.id);

  it.each(targeted)(
    "%s with tenant A's owner key on tenant B's resource is 404 and changes nothing",
    async (opId) => {
      const scenario = scenarios[opId];
      if (!scenario) throw new Error(opId);
      // The request is built against B's world (fresh B resources for mutations), then sent with A's key.
      const request = await scenario(b, cloud.deps);
      const before = await tenantItems(cloud, b.tenantId);
      const res = await call(cloud, request.method, request.path, {
        token: a.keys.owner,
        body: request.body,
      });
      expect([403, 404]).toContain(res.status);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(JSON.stringify(res.json)).not.toContain(b.tenantId);
      expect(await tenantItems(cloud, b.tenantId)).toEqual(before);
    },
  );

  it.each(LIST_OPS)("%s never shows tenant B's records to tenant A", async (opId) => {
    const scenario = scenarios[opId];
    if (!scenario) throw new Error(opId);
    const request = await scenario(a, cloud.deps);
    const res = await call(cloud, request.method, `${request.path}?limit=100`, { token: a.keys.owner });
    expect(res.status).toBe(200);
    expect(res.json.items.length).toBeGreaterThan(0);
    const text = JSON.stringify(res.json);
    expect(text).not.toContain(b.tenantId);
    for (const id of [b.packageId, b.siteId, b.nasId, b.subscriberId, ...Object.values(b.keyIds)])
      expect(text).not.toContain(id);
  });

  it.each(CREATE_OPS)("%s with tenant A's key writes only into tenant A", async (opId) => {
    const scenario = scenarios[opId];
    if (!scenario) throw new Error(opId);
    const before = await tenantItems(cloud, b.tenantId);
    const request = await scenario(a, cloud.deps);
    const res = await call(cloud, request.method, request.path, { token: a.keys.owner, body: request.body });
    expect(res.status).toBe(201);
    expect(res.json.tenantId).toBe(a.tenantId);
    expect(await tenantItems(cloud, b.tenantId)).toEqual(before);
  });

  it("refuses to attach tenant A's subscriber to tenant B's package, site or NAS", async () => {
    const beforeA = await tenantItems(cloud, a.tenantId);
    const beforeB = await tenantItems(cloud, b.tenantId);
    const bodies = [
      subscriberBody(b.packageId, a.siteId),
      subscriberBody(a.packageId, b.siteId),
      subscriberBody(a.packageId, a.siteId, b.nasId),
    ];
    for (const body of bodies) {
      const res = await call(cloud, "POST", "/v1/subscribers", { token: a.keys.owner, body });
      expect([400, 404]).toContain(res.status);
    }
    const patch = await call(cloud, "PATCH", `/v1/subscribers/${a.subscriberId}`, {
      token: a.keys.owner,
      body: { version: 1, packageId: b.packageId },
    });
    expect(patch.status).toBe(404);
    expect(await tenantItems(cloud, a.tenantId)).toEqual(beforeA);
    expect(await tenantItems(cloud, b.tenantId)).toEqual(beforeB);
  });

  it("rejects a cursor that points into another tenant's data", async () => {
    const forge = (key: Record<string, string>) => Buffer.from(JSON.stringify(key)).toString("base64url");
    const packagesCursor = forge({ PK: `T#${b.tenantId}`, SK: "PKG#" });
    const subscribersCursor = forge({
      GSI1PK: `T#${b.tenantId}#SUB`,
      GSI1SK: "sub_",
      PK: "x",
      SK: "PROFILE",
    });
    for (const path of [
      `/v1/packages?cursor=${packagesCursor}`,
      `/v1/subscribers?cursor=${subscribersCursor}`,
    ]) {
      const res = await call(cloud, "GET", path, { token: a.keys.owner });
      expect(res.status).toBe(400);
      expect(res.json.errors[0].path).toBe("cursor");
    }
  });

  it("pages through a tenant's own records with the cursor it returned", async () => {
    for (let i = 0; i < 5; i++)
      await call(cloud, "POST", "/v1/packages", { token: a.keys.owner, body: packageBody() });
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await call(cloud, "GET", `/v1/packages?limit=2${cursor ? `&cursor=${cursor}` : ""}`, {
        token: a.keys.owner,
      });
      expect(res.status).toBe(200);
      for (const item of res.json.items) seen.add(item.id);
      cursor = res.json.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen.size).toBeGreaterThanOrEqual(6);
    expect(seen.has(b.packageId)).toBe(false);
  });
});
