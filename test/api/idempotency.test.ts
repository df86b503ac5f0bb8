import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCloud } from "../../shared/local/cloud.js";
import {
  call,
  createWorld,
  nasBody,
  packageBody,
  startTestCloud,
  subscriberBody,
  type TenantWorld,
  tenantItems,
} from "../support/api.js";

let cloud: LocalCloud;
let world: TenantWorld;

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "idempotency");
});
afterAll(async () => {
  await cloud?.stop();
});

const count = async (prefix: string) =>
  (await tenantItems(cloud, world.tenantId)).filter(
    (i) => String(i.SK).startsWith(prefix) || String(i.entity) === prefix,
  ).length;

describe("Idempotency-Key on POST", () => {
  const creates = () =>
    [
      ["/v1/packages", packageBody(), "PKG#"],
      ["/v1/sites", { name: "Idempotent site" }, "SITE#"],
      [`/v1/sites/${world.siteId}/nas`, nasBody(), "NAS#"],
      ["/v1/subscribers", subscriberBody(world.packageId, world.siteId), "subscriber"],
      ["/v1/api-keys", { name: "idem", role: "support" }, "KEY#"],
    ] as const;

  it("the same POST with the same key twice creates one record and replays the first answer", async () => {
    for (const [path, body, kind] of creates()) {
      const before = await count(kind);
      const headers = { "idempotency-key": `twice-${path}` };
      const first = await call(cloud, "POST", path, { token: world.keys.owner, body, headers });
      const second = await call(cloud, "POST", path, { token: world.keys.owner, body, headers });
      expect(first.status, JSON.stringify(first.json)).toBe(201);
      expect(second.status).toBe(201);
      expect(second.json.id).toBe(first.json.id);
      expect(second.headers.get("idempotent-replayed")).toBe("true");
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      expect(await count(kind)).toBe(before + 1);
    }
  });

  it("20 concurrent POSTs with one key create exactly one subscriber", async () => {
    const before = await count("subscriber");
    const body = subscriberBody(world.packageId, world.siteId);
    const headers = { "idempotency-key": "burst-1" };
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(cloud, "POST", "/v1/subscribers", { token: world.keys.owner, body, headers }),
      ),
    );
    const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.json.id));
    expect(
      results.every((r) => r.status === 201),
      JSON.stringify(results.map((r) => r.status)),
    ).toBe(true);
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.headers.get("idempotent-replayed") === null)).toHaveLength(1);
    expect(await count("subscriber")).toBe(before + 1);
  });

  it("refuses a key reused for a different request and writes nothing", async () => {
    const headers = { "idempotency-key": "reuse-1" };
    const first = await call(cloud, "POST", "/v1/sites", {
      token: world.keys.owner,
      body: { name: "First" },
      headers,
    });
    expect(first.status).toBe(201);
    const before = await tenantItems(cloud, world.tenantId);
    const other = await call(cloud, "POST", "/v1/sites", {
      token: world.keys.owner,
      body: { name: "Second" },
      headers,
    });
    expect(other.status).toBe(422);
    expect(other.headers.get("content-type")).toBe("application/problem+json");
    expect(await tenantItems(cloud, world.tenantId)).toEqual(before);
  });

  it("does not show an API key's secret again on replay", async () => {
    const headers = { "idempotency-key": "key-replay" };
    const first = await call(cloud, "POST", "/v1/api-keys", {
      token: world.keys.owner,
      body: { name: "k", role: "readonly" },
      headers,
    });
    const again = await call(cloud, "POST", "/v1/api-keys", {
      token: world.keys.owner,
      body: { name: "k", role: "readonly" },
      headers,
    });
    expect(first.json.secret).toBeTypeOf("string");
    expect(again.json.id).toBe(first.json.id);
    expect(again.json.secret).toBeUndefined();
  });

  it("scopes keys per tenant: the same key in two tenants creates two records", async () => {
    const other = await createWorld(cloud.deps, "idempotency-other");
    const headers = { "idempotency-key": "shared-key" };
    const mine = await call(cloud, "POST", "/v1/sites", {
      token: world.keys.owner,
      body: { name: "S" },
      headers,
    });
    const theirs = await call(cloud, "POST", "/v1/sites", {
      token: other.keys.owner,
      body: { name: "S" },
      headers,
    });
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.json.id).not.toBe(mine.json.id);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
  });

  it("rejects a malformed Idempotency-Key", async () => {
    const res = await call(cloud, "POST", "/v1/sites", {
      token: world.keys.owner,
      body: { name: "S" },
      headers: { "idempotency-key": "x".repeat(300) },
    });
    expect(res.status).toBe(400);
    expect(res.json.errors[0]).toMatchObject({ in: "header", path: "Idempotency-Key" });
  });
});

describe("optimistic locking", () => {
  it("of two updates with the same version exactly one wins and the other gets 409", async () => {
    for (let round = 0; round < 15; round++) {
      const created = await call(cloud, "POST", "/v1/subscribers", {
        token: world.keys.owner,
        body: subscriberBody(world.packageId, world.siteId),
      });
      const path = `/v1/subscribers/${created.json.id}`;
      const [x, y] = await Promise.all([
        call(cloud, "PATCH", path, { token: world.keys.owner, body: { version: 1, name: "Writer X" } }),
        call(cloud, "PATCH", path, { token: world.keys.owner, body: { version: 1, name: "Writer Y" } }),
      ]);
      const statuses = [x.status, y.status].sort();
      expect(statuses).toEqual([200, 409]);
      const winner = x.status === 200 ? x : y;
      const loser = x.status === 200 ? y : x;
      expect(loser.headers.get("content-type")).toBe("application/problem+json");
      expect(winner.json.version).toBe(2);
      const stored = await call(cloud, "GET", path, { token: world.keys.owner });
      expect(stored.json.name).toBe(winner.json.name);
      expect(stored.json.version).toBe(2);
      const timeline = await call(cloud, "GET", `${path}/timeline`, { token: world.keys.owner });
      expect(timeline.json.items.map((e: { type: string }) => e.type)).toEqual([
        "subscriber.updated",
        "subscriber.created",
      ]);
    }
  });

  it("a stale version gets 409 with the current version; the right one succeeds", async () => {
    const path = `/v1/packages/${world.packageId}`;
    const current = await call(cloud, "GET", path, { token: world.keys.owner });
    const stale = await call(cloud, "PATCH", path, {
      token: world.keys.owner,
      body: { version: current.json.version + 5, name: "Nope" },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.currentVersion).toBe(current.json.version);
    const ok = await call(cloud, "PATCH", path, {
      token: world.keys.owner,
      body: { version: current.json.version, name: "Yes" },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.version).toBe(current.json.version + 1);
  });

  it("a username change moves the reservation atomically and a taken username is a 409", async () => {
    const one = await call(cloud, "POST", "/v1/subscribers", {
      token: world.keys.owner,
      body: subscriberBody(world.packageId, world.siteId, undefined, "alpha1"),
    });
    const two = await call(cloud, "POST", "/v1/subscribers", {
      token: world.keys.owner,
      body: subscriberBody(world.packageId, world.siteId, undefined, "beta1"),
    });
    expect(two.status).toBe(201);
    const dup = await call(cloud, "POST", "/v1/subscribers", {
      token: world.keys.owner,
      body: subscriberBody(world.packageId, world.siteId, undefined, "ALPHA1"),
    });
    expect(dup.status).toBe(409);
    const taken = await call(cloud, "PATCH", `/v1/subscribers/${two.json.id}`, {
      token: world.keys.owner,
      body: { version: 1, username: "alpha1" },
    });
    expect(taken.status).toBe(409);
    const moved = await call(cloud, "PATCH", `/v1/subscribers/${one.json.id}`, {
      token: world.keys.owner,
      body: { version: 1, username: "gamma1" },
    });
    expect(moved.status).toBe(200);
    const reuse = await call(cloud, "PATCH", `/v1/subscribers/${two.json.id}`, {
      token: world.keys.owner,
      body: { version: 1, username: "alpha1" },
    });
    expect(reuse.status).toBe(200);
  });
});
