import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../shared/domain/ids.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { call, createWorld, startTestCloud, type TenantWorld, tenantItems } from "../support/api.js";

let cloud: LocalCloud;
let a: TenantWorld;
let b: TenantWorld;

beforeAll(async () => {
  cloud = await startTestCloud();
  [a, b] = await Promise.all([createWorld(cloud.deps, "events A"), createWorld(cloud.deps, "events B")]);
});
afterAll(async () => {
  await cloud?.stop();
});

const path = "/v1/event-subscription";
const body = { url: "https://hooks.example.com/isp", events: ["subscriber.suspended"] };

describe("the events webhook (PUT/GET/DELETE /v1/event-subscription)", () => {
  it("creates with a server-made secret shown once, stores it only sealed, and keeps it on replace", async () => {
    const created = await call(cloud, "PUT", path, { token: a.keys.owner, body });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const secret: string = created.json.secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.json).toMatchObject({
      tenantId: a.tenantId,
      enabled: true,
      version: 1,
      secretHint: `whsec_...${secret.slice(-4)}`,
    });

    const read = await call(cloud, "GET", path, { token: a.keys.readonly });
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ url: body.url, events: body.events, enabled: true });
    expect(JSON.stringify(read.json)).not.toContain(secret);
    expect(JSON.stringify(read.json)).not.toMatch(/ciphertext/i);
    const stored = JSON.stringify(await tenantItems(cloud, a.tenantId));
    expect(stored).toContain("secretCiphertext");
    expect(stored).not.toContain(secret.slice(6));

    const replaced = await call(cloud, "PUT", path, {
      token: a.keys.owner,
      body: { url: "https://hooks.example.com/v2", events: ["*"], enabled: false },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json.secret).toBeUndefined();
    expect(replaced.json).toMatchObject({
      events: ["*"],
      enabled: false,
      version: 2,
      secretHint: created.json.secretHint,
    });
  });

  it("accepts only public https URLs (loopback is for local mode), and a valid selection of events", async () => {
    for (const url of [
      "http://hooks.example.com/isp",
      "https://127.0.0.1/x",
      "http://127.0.0.1:8080/x",
      "https://169.254.169.254/latest",
      "https://10.0.0.5/hook",
      "https://user:pw@hooks.example.com/",
    ]) {
      const res = await call(cloud, "PUT", path, { token: b.keys.owner, body: { ...body, url } });
      expect(res.status, url).toBe(400);
      expect(res.json.errors[0]).toMatchObject({ in: "body", path: "url" });
    }
    for (const events of [[], ["subscriber.renewed"], ["*", "payment.settled"]]) {
      const res = await call(cloud, "PUT", path, { token: b.keys.owner, body: { ...body, events } });
      expect(res.status, JSON.stringify(events)).toBe(400);
      expect(res.json.errors[0].path).toMatch(/^events/);
    }
    expect((await call(cloud, "GET", path, { token: b.keys.owner })).status).toBe(404);
  });

  it("rotates the secret: shown once, the old one kept only as long as asked", async () => {
    const first = await call(cloud, "PUT", path, { token: b.keys.owner, body });
    const kept = await call(cloud, "POST", `${path}/rotate-secret`, {
      token: b.keys.owner,
      body: { keepPreviousForHours: 24 },
    });
    expect(kept.status).toBe(200);
    expect(kept.headers.get("cache-control")).toBe("no-store");
    expect(kept.json.secret).toMatch(/^whsec_/);
    expect(kept.json.secret).not.toBe(first.json.secret);
    expect(Date.parse(kept.json.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    const dropped = await call(cloud, "POST", `${path}/rotate-secret`, {
      token: b.keys.owner,
      body: { keepPreviousForHours: 0 },
    });
    expect(dropped.json.previousSecretExpiresAt).toBeUndefined();
    const read = await call(cloud, "GET", path, { token: b.keys.owner });
    expect(read.json.secretHint).toBe(`whsec_...${dropped.json.secret.slice(-4)}`);
    expect(JSON.stringify(read.json)).not.toContain(dropped.json.secret);
    const missing = await call(cloud, "POST", `${path}/rotate-secret`, {
      token: b.keys.owner,
      body: { keepPreviousForHours: "24" },
    });
    expect(missing.status).toBe(400);
  });

  it("is per tenant: a tenant's writes never touch another's webhook", async () => {
    const beforeB = await tenantItems(cloud, b.tenantId);
    await call(cloud, "PUT", path, {
      token: a.keys.owner,
      body: { ...body, url: "https://a.example.com/h" },
    });
    await call(cloud, "POST", `${path}/rotate-secret`, {
      token: a.keys.owner,
      body: { keepPreviousForHours: 0 },
    });
    expect(await tenantItems(cloud, b.tenantId)).toEqual(beforeB);
    const readB = await call(cloud, "GET", path, { token: b.keys.owner });
    expect(readB.json.url).toBe(body.url);
    expect(JSON.stringify(readB.json)).not.toContain(a.tenantId);
  });

  it("deletes the webhook and its secret", async () => {
    expect((await call(cloud, "DELETE", path, { token: b.keys.owner })).status).toBe(204);
    expect((await call(cloud, "GET", path, { token: b.keys.owner })).status).toBe(404);
    expect((await call(cloud, "DELETE", path, { token: b.keys.owner })).status).toBe(404);
    expect(JSON.stringify(await tenantItems(cloud, b.tenantId))).not.toContain("EVSUB");
  });
});

describe("delivery records", () => {
  it("record a success once: a duplicate job cannot add a second, and failures after it are refused", async () => {
    const repo = cloud.deps.repos.eventSubscriptions;
    const eventId = newId("event");
    const base = { tenantId: a.tenantId, eventId, type: "payment.settled" as const };
    expect(
      await repo.recordAttempt({
        ...base,
        attempt: 1,
        at: new Date().toISOString(),
        outcome: "retrying",
        statusCode: 500,
      }),
    ).toBe(true);
    expect(
      await repo.recordAttempt({
        ...base,
        attempt: 2,
        at: new Date().toISOString(),
        outcome: "delivered",
        statusCode: 200,
      }),
    ).toBe(true);
    expect(
      await repo.recordAttempt({
        ...base,
        attempt: 2,
        at: new Date().toISOString(),
        outcome: "delivered",
        statusCode: 200,
      }),
    ).toBe(false);
    expect(
      await repo.recordAttempt({ ...base, attempt: 3, at: new Date().toISOString(), outcome: "failed" }),
    ).toBe(false);
    const listed = await call(cloud, "GET", "/v1/event-subscription/deliveries", { token: a.keys.support });
    expect(listed.json.items).toEqual([
      expect.objectContaining({ eventId, status: "delivered", attempts: 2, lastStatusCode: 200 }),
    ]);
    expect(listed.json.items[0].lastError).toBeUndefined();
    const other = await call(cloud, "GET", "/v1/event-subscription/deliveries", { token: b.keys.owner });
    expect(other.json.items).toEqual([]);
  });
});
