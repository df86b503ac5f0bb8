import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { reminderPayLink } from "../../shared/services/payments/pay-links.js";
import { sweepPendingPayments } from "../../shared/services/payments/sweep.js";
import { call, createWorld, startTestCloud, type TenantWorld, tenantItems } from "../support/api.js";
import {
  createPayLink,
  drainSiteCommands,
  enableGateway,
  freshSubscriber as freshSubscriberOf,
  gatewaysOf,
  later,
  paymentsOf,
  payThrough,
  timelineTypes,
} from "../support/payments.js";

let cloud: LocalCloud;
let world: TenantWorld;
let other: TenantWorld;

beforeAll(async () => {
  cloud = await startTestCloud({ ownTable: true });
  [world, other] = await Promise.all([createWorld(cloud.deps, "payments"), createWorld(cloud.deps, "other")]);
  for (const g of ["bkash", "sslcommerz", "razorpay", "nagad"] as const) await enableGateway(cloud, world, g);
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
});

const freshSubscriber = () => freshSubscriberOf(cloud, world);

async function subscriber(id: string) {
  return (await call(cloud, "GET", `/v1/subscribers/${id}`, { token: world.keys.readonly })).json;
}

describe("gateway settings", () => {
  it("stores credentials sealed, never returns them, and shows the webhook URL", async () => {
    const creds = gatewaysOf(cloud).credentials;
    const list = await call(cloud, "GET", "/v1/gateways", { token: world.keys.readonly });
    expect(list.status).toBe(200);
    expect(list.json.items.map((g: { gateway: string }) => g.gateway).sort()).toEqual([
      "bkash",
      "nagad",
      "razorpay",
      "sslcommerz",
    ]);
    const text = JSON.stringify(list.json) + JSON.stringify(await tenantItems(cloud, world.tenantId));
    for (const secret of [
      creds.bkash.appSecret,
      creds.bkash.password,
      creds.sslcommerz.storePassword,
      creds.razorpay.keySecret,
      creds.razorpay.webhookSecret,
    ]) {
      expect(secret && text.includes(secret)).toBe(false);
    }
    expect(text).not.toContain("PRIVATE KEY");
    const razorpay = list.json.items.find((g: { gateway: string }) => g.gateway === "razorpay");
    expect(razorpay.webhookUrl).toBe(`${cloud.url}/v1/webhooks/razorpay/${world.tenantId}`);
  });

  it("refuses bad credentials naming the field, and one tenant's PUT never touches another", async () => {
    const before = await tenantItems(cloud, other.tenantId);
    const bad = await call(cloud, "PUT", "/v1/gateways/bkash", {
      token: world.keys.owner,
      body: { mode: "sandbox", credentials: { appKey: "k" } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { path: string }) => e.path).join(" ")).toMatch(/credentials\./);
    expect(await tenantItems(cloud, other.tenantId)).toEqual(before);
  });
});

describe("manual payments", () => {
  it("renews by whole periods, keeps the rest as wallet credit, and replays an Idempotency-Key", async () => {
    const id = await freshSubscriber();
    const before = await subscriber(id);
    const body = { amount: { amount: 120_000, currency: "BDT" }, method: "cash", reference: "R-77" };
    const headers = { "idempotency-key": `cash-${id}` };
    const first = await call(cloud, "POST", `/v1/subscribers/${id}/payments`, {
      token: world.keys.billing,
      body,
      headers,
    });
    const again = await call(cloud, "POST", `/v1/subscribers/${id}/payments`, {
      token: world.keys.billing,
      body,
      headers,
    });
    expect(first.status).toBe(201);
    expect(again.json.id).toBe(first.json.id);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(first.json).toMatchObject({ status: "settled", applied: { periods: 2, walletAfter: 20_000 } });
    const after = await subscriber(id);
    expect(after.walletBalance).toBe(20_000);
    expect(Date.parse(after.expiresAt) - Date.parse(before.expiresAt)).toBe(60 * 86_400_000);
    // A partial payment waits in the wallet; the one that completes a period renews.
    const partial = await call(cloud, "POST", `/v1/subscribers/${id}/payments`, {
      token: world.keys.billing,
      body: { amount: { amount: 20_000, currency: "BDT" }, method: "bank" },
    });
    expect(partial.json.applied).toEqual({ periods: 0, walletAfter: 40_000 });
    const completes = await call(cloud, "POST", `/v1/subscribers/${id}/payments`, {
      token: world.keys.billing,
      body: { amount: { amount: 10_000, currency: "BDT" }, method: "bank" },
    });
    expect(completes.json.applied).toEqual({ periods: 1, walletAfter: 0 });
    const list = await call(cloud, "GET", `/v1/subscribers/${id}/payments`, { token: world.keys.readonly });
    expect(list.json.items).toHaveLength(3);
  });

  it("refuses another currency and a support role, and records refunds within what was paid", async () => {
    const id = await freshSubscriber();
    const inr = await call(cloud, "POST", `/v1/subscribers/${id}/payments`, {
      token: world.keys.billing,
      body: { amount: { amount: 50_000, currency: "INR" }, method: "cash" },
    });
    expect(inr.status).toBe(400);
    expect(inr.json.errors[0].path).toBe("amount.currency");
    const support = await call(cloud, "POST", `/v1/subscribers/${id}/payments`, {
      token: world.keys.support,
      body: { amount: { amount: 50_000, currency: "BDT" }, method: "cash" },
    });
    expect(support.status).toBe(403);
    const paid = await call(cloud, "POST", `/v1/subscribers/${id}/payments`, {
      token: world.keys.billing,
      body: { amount: { amount: 50_000, currency: "BDT" }, method: "cash" },
    });
    const refund = (amount: number) =>
      call(cloud, "POST", `/v1/payments/${paid.json.id}/refunds`, {
        token: world.keys.billing,
        body: { amount: { amount, currency: "BDT" }, reason: "Paid twice at the counter" },
      });
    expect((await refund(30_000)).json.refundedAmount).toBe(30_000);
    const tooMuch = await refund(30_000);
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.json.errors[0].path).toBe("amount.amount");
    expect(await timelineTypes(cloud, world, id)).toContain("payment.refund_recorded");
  });
});

describe("pay link with each gateway's stand-in", () => {
  it.each(["bkash", "sslcommerz", "razorpay", "nagad"] as const)(
    "%s: pay page, checkout, return verified with the gateway, renewal, restore command and receipt",
    async (gateway) => {
      const id = await freshSubscriber();
      const before = await subscriber(id);
      const link = await createPayLink(cloud, world, id);
      expect(link.amount).toEqual({ amount: 50_000, currency: "BDT" });
      const page = await fetch(link.url);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(html).toContain("500.00");
      expect(html).toContain(`/${gateway}"`);
      const { steps, page: result } = await payThrough(link.url, gateway);
      expect(steps[0]?.status).toBe(303);
      expect(result).toContain("Payment received");
      const after = await subscriber(id);
      expect(Date.parse(after.expiresAt) - Date.parse(before.expiresAt)).toBe(30 * 86_400_000);
      const payments = await call(cloud, "GET", `/v1/payments?subscriberId=${id}`, {
        token: world.keys.readonly,
      });
      expect(payments.json.items).toEqual([
        expect.objectContaining({ gateway, status: "settled", amount: { amount: 50_000, currency: "BDT" } }),
      ]);
      const types = await timelineTypes(cloud, world, id);
      for (const t of ["payment.started", "payment.settled", "subscriber.renewed", "receipt.sent"])
        expect(types).toContain(t);
    },
    20_000,
  );

  it("an expired or unknown link is a page saying so, never a payment", async () => {
    const unknown = await fetch(`${cloud.url}/v1/pay/${world.tenantId}.${"A".repeat(32)}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("not valid");
  });
});

describe("paying invoices through a gateway", () => {
  async function bill(id: string, amount: number, day: string) {
    const res = await call(cloud, "POST", `/v1/subscribers/${id}/invoices`, {
      token: world.keys.billing,
      body: {
        lines: [{ kind: "adjustment", description: `Installation ${day}`, amount }],
        period: { start: `${day}T00:00:00.000Z`, end: `${day}T23:59:59.000Z` },
        dueAt: `${day}T12:00:00.000Z`,
        notify: false,
      },
    });
    expect(res.status).toBe(201);
    return res.json as { id: string; number: string; total: number };
  }

  const invoiceOf = async (invoiceId: string) =>
    (await call(cloud, "GET", `/v1/invoices/${invoiceId}`, { token: world.keys.readonly })).json;

  it("an invoice's own link pays that invoice; a subscriber's link asks for what is still owed", async () => {
    const id = await freshSubscriber();
    const before = await subscriber(id);
    const older = await bill(id, 20_000, "2026-01-05");
    const newer = await bill(id, 30_000, "2026-01-06");
    const tenant = await cloud.deps.repos.tenants.get(world.tenantId);
    if (!tenant) throw new Error("no tenant");
    const own = await reminderPayLink(cloud.deps, tenant, before, newer.id);
    if (!own) throw new Error("no invoice link");
    const page = await (await fetch(own)).text();
    expect(page).toContain("300.00");
    expect(page).toContain(newer.number);

    const { page: result } = await payThrough(own, "bkash");

    expect(result).toContain("Payment received");
    expect(await invoiceOf(newer.id)).toMatchObject({ status: "paid", amountPaid: 30_000 });
    expect(await invoiceOf(older.id)).toMatchObject({ status: "open", amountPaid: 0 });
    const link = await createPayLink(cloud, world, id);
    expect(link.amount).toEqual({ amount: 20_000, currency: "BDT" });
    await payThrough(link.url, "razorpay");
    expect(await invoiceOf(older.id)).toMatchObject({ status: "paid", amountPaid: 20_000 });
    // Those bills were not the ones the entitlement waits on: the paid-until instant is as it was.
    const after = await subscriber(id);
    expect(after.expiresAt).toBe(before.expiresAt);
    expect(after.walletBalance ?? 0).toBe(0);
    const payments = await paymentsOf(cloud, world, id);
    expect(
      payments.map((p: { applied: { invoices: { invoiceId: string }[] } }) => p.applied.invoices),
    ).toEqual([
      [expect.objectContaining({ invoiceId: older.id, amount: 20_000, status: "paid" })],
      [expect.objectContaining({ invoiceId: newer.id, amount: 30_000, status: "paid" })],
    ]);
    const types = await timelineTypes(cloud, world, id);
    expect(types.filter((t) => t === "invoice.paid")).toHaveLength(2);
    // Nothing is owed any more: a link goes back to buying periods.
    expect((await createPayLink(cloud, world, id)).amount).toEqual({ amount: 50_000, currency: "BDT" });
  }, 30_000);
});

describe("exactly once", () => {
  it("a Razorpay event id is acted on once: its redelivery after settling is a duplicate", async () => {
    const standIn = gatewaysOf(cloud).razorpay;
    const id = await freshSubscriber();
    const link = await createPayLink(cloud, world, id);
    standIn.setWebhookUrl(`${cloud.url}/v1/webhooks/none/x`);
    await payThrough(link.url, "razorpay", { stopBefore: /\/v1\/pay\/return\// });
    const captured = standIn.webhooks.slice(-2).find((w) => w.event === "payment.captured");
    expect(captured).toBeDefined();
    const deliver = async (eventId: string) => {
      const res = await fetch(`${cloud.url}/v1/webhooks/razorpay/${world.tenantId}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-razorpay-signature": captured?.signature ?? "",
          "x-razorpay-event-id": eventId,
        },
        body: captured?.body,
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { outcome: string }).outcome;
    };
    const eventId = captured?.eventId ?? "";
    expect(await deliver(eventId)).toBe("settled");
    // The event was remembered in the settlement's own transaction.
    expect(await deliver(eventId)).toBe("duplicate");
    // Another delivery id for the same payment finds it settled (answered from the payment alone).
    expect(await deliver(`${eventId}-again`)).toBe("already_settled");
    const types = await timelineTypes(cloud, world, id);
    expect(types.filter((t) => t === "payment.settled")).toHaveLength(1);
  });

  it("50 concurrent deliveries of one Razorpay payment (webhooks, redirects, sweep) settle once", async () => {
    const standIn = gatewaysOf(cloud).razorpay;
    const id = await freshSubscriber();
    await drainSiteCommands(cloud, world);
    const link = await createPayLink(cloud, world, id);
    // Capture the webhooks and the redirect instead of delivering them, then replay them all at once.
    standIn.setWebhookUrl(`${cloud.url}/v1/webhooks/none/x`);
    const { pendingUrl } = await payThrough(link.url, "razorpay", { stopBefore: /\/v1\/pay\/return\// });
    expect(pendingUrl).toBeDefined();
    const webhooks = standIn.webhooks.slice(-2);
    expect(webhooks.map((w) => w.event).sort()).toEqual(["payment.captured", "payment_link.paid"]);
    const hookUrl = `${cloud.url}/v1/webhooks/razorpay/${world.tenantId}`;
    const deliveries = Array.from({ length: 50 }, (_, i) => {
      if (i % 3 === 0) return fetch(pendingUrl ?? "").then((r) => r.status);
      if (i % 3 === 1) {
        const w = webhooks[i % 2];
        return fetch(hookUrl, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-razorpay-signature": w?.signature ?? "",
            "x-razorpay-event-id": `${w?.eventId}-${i}`,
          },
          body: w?.body,
        }).then((r) => r.status);
      }
      return sweepPendingPayments(later(cloud.deps, 10 * 60_000)).then(() => 200);
    });
    const statuses = await Promise.all(deliveries);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const payments = (
      await call(cloud, "GET", `/v1/subscribers/${id}/payments`, { token: world.keys.readonly })
    ).json.items;
    expect(payments).toHaveLength(1);
    expect(payments[0].status).toBe("settled");
    const types = await timelineTypes(cloud, world, id);
    expect(types.filter((t) => t === "payment.settled")).toHaveLength(1);
    expect(types.filter((t) => t === "subscriber.renewed")).toHaveLength(1);
    expect(types.filter((t) => t === "receipt.sent")).toHaveLength(1);
    const commands = (await drainSiteCommands(cloud, world)).filter((c) => c.subscriberId === id);
    expect(commands.filter((c) => c.reason === "renewed")).toHaveLength(1);
  }, 60_000);
});
