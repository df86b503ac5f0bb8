import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toOutboundEvent } from "../../shared/domain/outbound-events/catalogue.js";
import { InvoiceSchema } from "../../shared/domain/schemas/invoice.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { invoiceCreatedEvent } from "../../shared/services/invoices/events.js";
import { createSubscriber } from "../../shared/services/subscribers.js";
import {
  call,
  createWorld,
  packageBody,
  startTestCloud,
  subscriberBody,
  type TenantWorld,
} from "../support/api.js";

let cloud: LocalCloud;
let world: TenantWorld;
let other: TenantWorld;

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "invoice writes");
  other = await createWorld(cloud.deps, "invoice writes, other ISP");
});
afterAll(async () => {
  await cloud?.stop();
});

async function subscriber(email?: string): Promise<string> {
  const body = { ...subscriberBody(world.packageId, world.siteId, world.nasId), ...(email ? { email } : {}) };
  return (await createSubscriber(cloud.deps, world.owner, body)).resource.id;
}

async function withWallet(id: string, walletBalance: number) {
  const sub = await cloud.deps.repos.subscribers.get(world.tenantId, id);
  if (!sub) throw new Error("no subscriber");
  await cloud.deps.repos.subscribers.save(sub, { ...sub, walletBalance }, []);
}

async function timeline(id: string) {
  const res = await call(cloud, "GET", `/v1/subscribers/${id}/timeline?limit=100`, {
    token: world.keys.readonly,
  });
  return res.json.items as { type: string; data?: Record<string, unknown> }[];
}

const installation = {
  lines: [{ kind: "adjustment", description: "Installation and router", amount: 150_000 }],
};

describe("POST /v1/subscribers/{id}/invoices", () => {
  it("bills custom lines now, takes wallet credit, sends it, and records invoice.created", async () => {
    const id = await subscriber("karim@example.net");
    await withWallet(id, 20_000);

    const res = await call(cloud, "POST", `/v1/subscribers/${id}/invoices`, {
      token: world.keys.billing,
      body: { ...installation, note: "new connection" },
    });

    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(InvoiceSchema.parse(res.json)).toBeTruthy();
    expect(res.headers.get("location")).toBe(`/v1/invoices/${res.json.id}`);
    expect(res.json).toMatchObject({
      subscriberId: id,
      total: 150_000,
      amountPaid: 20_000,
      status: "partially_paid",
      number: expect.stringMatching(/^INV-\d{6}$/),
    });
    const sub = await call(cloud, "GET", `/v1/subscribers/${id}`, { token: world.keys.readonly });
    expect(sub.json.walletBalance).toBe(0);
    const events = await timeline(id);
    expect(events.find((e) => e.type === "invoice.created")?.data).toMatchObject({
      invoiceId: res.json.id,
      note: "new connection",
    });
    expect(events.filter((e) => e.type === "invoice.sent").map((e) => e.data?.channel)).toEqual(
      expect.arrayContaining(["sms", "email"]),
    );
  });

  it("replays the first answer for a repeated Idempotency-Key", async () => {
    const id = await subscriber();
    const send = () =>
      call(cloud, "POST", `/v1/subscribers/${id}/invoices`, {
        token: world.keys.admin,
        body: { ...installation, notify: false },
        headers: { "idempotency-key": `inv-${id}` },
      });
    const first = await send();
    const again = await send();
    expect(again.status).toBe(201);
    expect(again.json.id).toBe(first.json.id);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const list = await call(cloud, "GET", `/v1/subscribers/${id}/invoices`, { token: world.keys.readonly });
    expect(list.json.items).toHaveLength(1);
  });

  it("bills a migrated cycle once: the same period again is a 409 naming the invoice", async () => {
    const id = await subscriber();
    const period = { start: "2026-01-31T18:00:00.000Z", end: "2026-02-28T18:00:00.000Z" };
    const first = await call(cloud, "POST", `/v1/subscribers/${id}/invoices`, {
      token: world.keys.owner,
      body: { period, notify: false },
    });
    expect(first.status, JSON.stringify(first.json)).toBe(201);
    expect(first.json.lines).toEqual([
      { kind: "package", description: "Home 10 Mbps (2026-02-01 to 2026-02-28)", amount: 50_000 },
    ]);
    const second = await call(cloud, "POST", `/v1/subscribers/${id}/invoices`, {
      token: world.keys.owner,
      body: { period, notify: false },
    });
    expect(second.status).toBe(409);
    expect(second.json.detail).toContain(first.json.number);
  });

  it("is for billing roles and above, and only for the caller's own subscribers", async () => {
    const id = await subscriber();
    const support = await call(cloud, "POST", `/v1/subscribers/${id}/invoices`, {
      token: world.keys.support,
      body: installation,
    });
    expect(support.status).toBe(403);
    const foreign = await call(cloud, "POST", `/v1/subscribers/${id}/invoices`, {
      token: other.keys.owner,
      body: installation,
    });
    expect(foreign.status).toBe(404);
  });

  it("refuses a tax line and a discount above zero, naming the line", async () => {
    const id = await subscriber();
    const res = await call(cloud, "POST", `/v1/subscribers/${id}/invoices`, {
      token: world.keys.owner,
      body: {
        lines: [
          { kind: "package", description: "Home", amount: 50_000 },
          { kind: "tax", description: "VAT", amount: 7_500 },
          { kind: "discount", description: "Loyalty", amount: 100 },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["lines.1.kind", "lines.2.amount"]),
    );
  });

  it("publishes invoice.created as the outbound catalogue describes it", async () => {
    const id = await subscriber();
    const res = await call(cloud, "POST", `/v1/subscribers/${id}/invoices`, {
      token: world.keys.owner,
      body: { ...installation, notify: false },
    });
    const event = invoiceCreatedEvent({ kind: "system", id: "test" }, res.json, "Asia/Dhaka");
    expect(toOutboundEvent(world.tenantId, event)).toMatchObject({
      type: "invoice.created",
      data: { invoiceId: res.json.id, subscriberId: id, amount: { amount: 150_000, currency: "BDT" } },
    });
  });
});

describe("package changes mid-cycle", () => {
  let plus: string;
  beforeAll(async () => {
    const res = await call(cloud, "POST", "/v1/packages", {
      token: world.keys.owner,
      body: { ...packageBody(), name: "Home 20 Mbps", price: { amount: 80_000, currency: "BDT" } },
    });
    plus = res.json.id;
  });

  it("bills an upgrade's difference for the time left and credits a downgrade's unused part", async () => {
    const id = await subscriber();
    const up = await call(cloud, "PATCH", `/v1/subscribers/${id}`, {
      token: world.keys.billing,
      body: { version: 1, packageId: plus },
    });
    expect(up.status, JSON.stringify(up.json)).toBe(200);
    const invoices = await call(cloud, "GET", `/v1/subscribers/${id}/invoices`, {
      token: world.keys.readonly,
    });
    expect(invoices.json.items).toHaveLength(1);
    // 30 of 30 days left: 800.00 for the new package less 500.00 unused of the old one.
    expect(invoices.json.items[0]).toMatchObject({ total: 30_000, packageId: plus, status: "open" });
    expect(
      invoices.json.items[0].lines.map((l: { kind: string; amount: number }) => [l.kind, l.amount]),
    ).toEqual([
      ["proration", 80_000],
      ["adjustment", -50_000],
    ]);

    const down = await call(cloud, "POST", `/v1/subscribers/${id}/actions`, {
      token: world.keys.billing,
      body: { action: "change-package", version: up.json.version, packageId: world.packageId },
    });
    expect(down.status, JSON.stringify(down.json)).toBe(200);
    // The credit pays the upgrade's open invoice in the same write (wallet credit pays bills as
    // soon as there is one): nothing is left in the wallet, nothing owed.
    expect(down.json).toMatchObject({ packageId: world.packageId, walletBalance: 0 });
    const upgrade = await call(cloud, "GET", `/v1/invoices/${invoices.json.items[0].id}`, {
      token: world.keys.readonly,
    });
    expect(upgrade.json).toMatchObject({ total: 30_000, amountPaid: 30_000, status: "paid" });
    const events = await timeline(id);
    expect(events.find((e) => e.type === "subscriber.package_change_credited")?.data).toMatchObject({
      walletCredit: 30_000,
      charge: 50_000,
      credit: 80_000,
    });
    expect(events.find((e) => e.type === "invoice.paid")?.data).toMatchObject({
      invoiceId: upgrade.json.id,
      by: "wallet",
    });
  });

  it("bills no upgrade while billing is paused, but still credits a paid-for downgrade", async () => {
    const id = await subscriber("paused@example.net");
    const paused = await call(cloud, "POST", `/v1/subscribers/${id}/billing/pause`, {
      token: world.keys.billing,
      body: { version: 1, reason: "complimentary month" },
    });
    expect(paused.status, JSON.stringify(paused.json)).toBe(200);

    const up = await call(cloud, "PATCH", `/v1/subscribers/${id}`, {
      token: world.keys.billing,
      body: { version: paused.json.version, packageId: plus },
    });

    expect(up.status, JSON.stringify(up.json)).toBe(200);
    expect(up.json).toMatchObject({ packageId: plus });
    const invoices = await call(cloud, "GET", `/v1/subscribers/${id}/invoices`, {
      token: world.keys.readonly,
    });
    expect(invoices.json.items).toEqual([]);
    const events = await timeline(id);
    expect(events.some((e) => e.type.startsWith("invoice."))).toBe(false);
    expect(events.find((e) => e.type === "subscriber.package_change_not_billed")?.data).toMatchObject({
      notBilled: 30_000,
      billingPaused: true,
    });

    // A subscriber whose time on the dearer package is paid moves down while paused: credited.
    const onPlus = (
      await createSubscriber(cloud.deps, world.owner, subscriberBody(plus, world.siteId, world.nasId))
    ).resource.id;
    const pausedPlus = await call(cloud, "POST", `/v1/subscribers/${onPlus}/billing/pause`, {
      token: world.keys.billing,
      body: { version: 1, reason: "dispute" },
    });
    const down = await call(cloud, "POST", `/v1/subscribers/${onPlus}/actions`, {
      token: world.keys.billing,
      body: { action: "change-package", version: pausedPlus.json.version, packageId: world.packageId },
    });
    expect(down.status, JSON.stringify(down.json)).toBe(200);
    expect(down.json).toMatchObject({ packageId: world.packageId, walletBalance: 30_000 });
    expect(
      (await timeline(onPlus)).find((e) => e.type === "subscriber.package_change_credited")?.data,
    ).toMatchObject({ walletCredit: 30_000 });
  });
});
