import { createHmac } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type LocalCloud, startLocalCloud } from "../../shared/local/cloud.js";
import { PROJECT_ROOT } from "../../shared/local/dynamodb-local.js";
import { call, createWorld, type TenantWorld } from "../support/api.js";

/**
 * The outbound events end to end on the local cloud: DynamoDB Local's stream, the outbound-events
 * handler, the delivery queue with its retries, and loopback receivers checked with the README's
 * own verification recipe. A table of its own, so no other test's events reach this stream.
 */

interface Received {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly answered: number;
}

interface Receiver {
  readonly url: string;
  readonly requests: Received[];
  close(): Promise<void>;
}

/** Answers `failFirst` requests with 503, then 204. */
async function startReceiver(failFirst = 0): Promise<Receiver> {
  const requests: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const answered = requests.length < failFirst ? 503 : 204;
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), answered });
      res.statusCode = answered;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

type Verify = (rawBody: string, header: string, secret: string, toleranceSeconds?: number) => boolean;

/** The verification snippet exactly as the README documents it, loaded as a module. */
async function readmeRecipe(): Promise<Verify> {
  const readme = await readFile(join(PROJECT_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Events for frontends"));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error("README has no js block under Events for frontends");
  const file = join(tmpdir(), `verify-webhook-${process.pid}.mjs`);
  await writeFile(file, code);
  try {
    const module = (await import(pathToFileURL(file).href)) as { verifyWebhook: Verify };
    return module.verifyWebhook;
  } finally {
    await rm(file, { force: true });
  }
}

async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const header = (r: Received, name: string) => String(r.headers[name.toLowerCase()] ?? "");

let cloud: LocalCloud;
let a: TenantWorld;
let b: TenantWorld;
let receiverA: Receiver;
let receiverB: Receiver;
let secretA: string;
let verify: Verify;

beforeAll(async () => {
  cloud = await startLocalCloud({
    dynamoEndpoint: inject("dynamoEndpoint"),
    tableName: "isp-test-outbound",
    port: 0,
    seed: false,
    // Retries after ~1 s and ~4 s instead of 30 s and 2 min: the same code, a shorter base.
    outboundEvents: { retryBaseSeconds: 1 },
  });
  [a, b] = await Promise.all([createWorld(cloud.deps, "hooks A"), createWorld(cloud.deps, "hooks B")]);
  [receiverA, receiverB] = await Promise.all([startReceiver(2), startReceiver(0)]);
  verify = await readmeRecipe();
  const putA = await call(cloud, "PUT", "/v1/event-subscription", {
    token: a.keys.owner,
    body: { url: receiverA.url, events: ["subscriber.suspended", "subscriber.restored"] },
  });
  expect(putA.status, JSON.stringify(putA.json)).toBe(201);
  secretA = putA.json.secret;
  const putB = await call(cloud, "PUT", "/v1/event-subscription", {
    token: b.keys.owner,
    body: { url: receiverB.url, events: ["*"] },
  });
  expect(putB.status).toBe(201);
}, 60_000);

afterAll(async () => {
  await cloud?.stop();
  await receiverA?.close();
  await receiverB?.close();
});

async function subscriberVersion(w: TenantWorld): Promise<number> {
  return (await call(cloud, "GET", `/v1/subscribers/${w.subscriberId}`, { token: w.keys.owner })).json
    .version;
}

async function act(w: TenantWorld, body: Record<string, unknown>) {
  const res = await call(cloud, "POST", `/v1/subscribers/${w.subscriberId}/actions`, {
    token: w.keys.owner,
    body: { ...body, version: await subscriberVersion(w) },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
}

async function busEvents(): Promise<{ "detail-type": string; detail: { id: string; tenantId: string } }[]> {
  const text = await readFile(cloud.outbound?.eventsFile ?? "", "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe("outbound webhooks on the local cloud", () => {
  let suspendedId: string;

  it("retries a failing receiver and delivers on the third attempt, once, signed as the README says", async () => {
    await act(a, { action: "suspend", note: "unpaid cable bill" });
    const delivered = await waitFor("a 2xx answer at receiver A", () =>
      receiverA.requests.find((r) => r.answered === 204),
    );
    const attempts = receiverA.requests.filter(
      (r) => header(r, "Webhook-Id") === header(delivered, "Webhook-Id"),
    );
    expect(attempts.map((r) => r.answered)).toEqual([503, 503, 204]);

    const event = JSON.parse(delivered.body);
    suspendedId = event.id;
    expect(event).toMatchObject({
      type: "subscriber.suspended",
      schemaVersion: 1,
      tenantId: a.tenantId,
      data: { subscriberId: a.subscriberId, status: "suspended", cause: "subscriber.suspended" },
    });
    expect(header(delivered, "Webhook-Id")).toBe(event.id);
    expect(header(delivered, "Content-Type")).toBe("application/json");

    // The README's recipe, on the raw body as received.
    const signature = header(delivered, "Webhook-Signature");
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verify(delivered.body, signature, secretA)).toBe(true);
    // Tampering with the body, the timestamp or the signature, or another secret, fails.
    expect(verify(delivered.body.replace('"suspended"', '"active"'), signature, secretA)).toBe(false);
    expect(verify(`${delivered.body} `, signature, secretA)).toBe(false);
    const t = Number(/t=(\d+)/.exec(signature)?.[1]);
    expect(verify(delivered.body, signature.replace(`t=${t}`, `t=${t + 1}`), secretA)).toBe(false);
    expect(
      verify(
        delivered.body,
        signature.replace(/v1=(.)/, (_, c: string) => `v1=${c === "0" ? "1" : "0"}`),
        secretA,
      ),
    ).toBe(false);
    expect(verify(delivered.body, signature, `${secretA}x`)).toBe(false);
    // Each attempt is signed afresh (its own t), all with the same secret.
    for (const attempt of attempts)
      expect(verify(attempt.body, header(attempt, "Webhook-Signature"), secretA)).toBe(true);

    // The tolerance: a correctly signed but old (or future) timestamp is refused.
    const old = Math.floor(Date.now() / 1000) - 301;
    const sign = (ts: number) =>
      `t=${ts},v1=${createHmac("sha256", secretA).update(`${ts}.${delivered.body}`).digest("hex")}`;
    expect(verify(delivered.body, sign(old), secretA)).toBe(false);
    expect(verify(delivered.body, sign(old + 2), secretA)).toBe(true);
    expect(verify(delivered.body, sign(Math.floor(Date.now() / 1000) + 301), secretA)).toBe(false);

    // One successful delivery recorded, and no more attempts after it.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(receiverA.requests.filter((r) => header(r, "Webhook-Id") === event.id)).toHaveLength(3);
    const deliveries = await call(cloud, "GET", "/v1/event-subscription/deliveries", {
      token: a.keys.readonly,
    });
    expect(deliveries.status).toBe(200);
    const records = deliveries.json.items.filter((d: { eventId: string }) => d.eventId === event.id);
    expect(records).toEqual([
      expect.objectContaining({
        type: "subscriber.suspended",
        status: "delivered",
        attempts: 3,
        lastStatusCode: 204,
      }),
    ]);
  }, 60_000);

  it("puts every public event on the bus but sends the webhook only the types it asked for", async () => {
    const paid = await call(cloud, "POST", `/v1/subscribers/${a.subscriberId}/payments`, {
      token: a.keys.owner,
      body: { amount: { amount: 50_000, currency: "BDT" }, method: "cash" },
    });
    expect(paid.status).toBe(201);
    const settled = await waitFor("payment.settled of A on the bus", async () =>
      (await busEvents()).find(
        (e) => e["detail-type"] === "payment.settled" && e.detail.tenantId === a.tenantId,
      ),
    );
    // A is subscribed to suspended/restored only: the settlement is on the bus, never at its webhook.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(receiverA.requests.some((r) => header(r, "Webhook-Id") === settled.detail.id)).toBe(false);
    expect(receiverA.requests.some((r) => r.body.includes("payment.settled"))).toBe(false);
    expect((await busEvents()).some((e) => e.detail.id === suspendedId)).toBe(true);
  }, 30_000);

  it("never sends one tenant's events to another tenant's webhook", async () => {
    await act(b, { action: "suspend" });
    const atB = await waitFor("B's suspension at receiver B", () =>
      receiverB.requests.find((r) => r.body.includes("subscriber.suspended")),
    );
    expect(JSON.parse(atB.body).tenantId).toBe(b.tenantId);
    await act(a, { action: "resume" });
    await waitFor("A's restoration at receiver A", () =>
      receiverA.requests.find((r) => r.body.includes("subscriber.restored")),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    for (const r of receiverB.requests) {
      expect(JSON.parse(r.body).tenantId).toBe(b.tenantId);
      expect(r.body).not.toContain(a.tenantId);
    }
    for (const r of receiverA.requests) expect(r.body).not.toContain(b.tenantId);
    const deliveriesB = await call(cloud, "GET", "/v1/event-subscription/deliveries", {
      token: b.keys.owner,
    });
    expect(JSON.stringify(deliveriesB.json)).not.toContain(suspendedId);
  }, 30_000);

  it("signs with both secrets while a rotated-out one is kept, then with the new one alone", async () => {
    const rotated = await call(cloud, "POST", "/v1/event-subscription/rotate-secret", {
      token: a.keys.owner,
      body: { keepPreviousForHours: 24 },
    });
    expect(rotated.status).toBe(200);
    const newSecret: string = rotated.json.secret;
    expect(newSecret).not.toBe(secretA);
    const before = receiverA.requests.length;
    await act(a, { action: "suspend" });
    const next = await waitFor("a delivery after rotation", () =>
      receiverA.requests.slice(before).find((r) => r.answered === 204),
    );
    const signature = header(next, "Webhook-Signature");
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verify(next.body, signature, newSecret)).toBe(true);
    expect(verify(next.body, signature, secretA)).toBe(true);

    const dropped = await call(cloud, "POST", "/v1/event-subscription/rotate-secret", {
      token: a.keys.owner,
      body: { keepPreviousForHours: 0 },
    });
    const latest: string = dropped.json.secret;
    const mark = receiverA.requests.length;
    await act(a, { action: "resume" });
    const last = await waitFor("a delivery after the second rotation", () =>
      receiverA.requests.slice(mark).find((r) => r.answered === 204),
    );
    expect(verify(last.body, header(last, "Webhook-Signature"), latest)).toBe(true);
    expect(verify(last.body, header(last, "Webhook-Signature"), newSecret)).toBe(false);
    expect(verify(last.body, header(last, "Webhook-Signature"), secretA)).toBe(false);
  }, 30_000);
});
