import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { signFields } from "../../shared/local/gateways/sslcommerz-standin.js";
import { applyVerdict } from "../../shared/services/payments/settle.js";
import { sweepPendingPayments } from "../../shared/services/payments/sweep.js";
import { call, createWorld, startTestCloud, type TenantWorld, tenantItems } from "../support/api.js";
import {
  createPayLink,
  enableGateway,
  freshSubscriber as freshSubscriberOf,
  gatewaysOf,
  later,
  paymentsOf as paymentsOfSubscriber,
  payThrough,
  timelineTypes,
} from "../support/payments.js";

let cloud: LocalCloud;
let world: TenantWorld;

beforeAll(async () => {
  // A short gateway budget keeps the timeout cases quick.
  process.env.GATEWAY_TIMEOUT_MS = "800";
  cloud = await startTestCloud({ ownTable: true });
  world = await createWorld(cloud.deps, "forgery");
  for (const g of ["bkash", "sslcommerz", "razorpay"] as const) await enableGateway(cloud, world, g);
}, 60_000);
afterAll(async () => {
  delete process.env.GATEWAY_TIMEOUT_MS;
  await cloud?.stop();
});

const freshSubscriber = () => freshSubscriberOf(cloud, world);

const paymentsOf = (id: string) => paymentsOfSubscriber(cloud, world, id);

/** A deterministic PRNG, so a failing mutation can be reproduced from the seed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function mutateText(text: string, rand: () => number): string {
  const i = Math.floor(rand() * text.length);
  const c = text.charCodeAt(i);
  const replacement = String.fromCharCode(c === 0x30 ? 0x31 : c ^ (1 << Math.floor(rand() * 5)));
  return text.slice(0, i) + replacement + text.slice(i + 1);
}

describe("forged and tampered notifications", () => {
  it("1,000 random mutations of signature, body, amount, currency and transaction id are 4xx and change nothing", async () => {
    const rzp = gatewaysOf(cloud).razorpay;
    const ssl = gatewaysOf(cloud).sslcommerz;
    // A genuine Razorpay payment whose webhooks are captured, not delivered.
    const id = await freshSubscriber();
    const link = await createPayLink(cloud, world, id);
    rzp.setWebhookUrl(`${cloud.url}/v1/webhooks/none/x`);
    await payThrough(link.url, "razorpay", { stopBefore: /\/v1\/pay\/return\// });
    const genuine = rzp.webhooks.at(-1);
    if (!genuine) throw new Error("no webhook captured");
    // A correctly shaped SSLCommerz IPN for a pending order, signed with the store password.
    const id2 = await freshSubscriber();
    const link2 = await createPayLink(cloud, world, id2);
    await payThrough(link2.url, "sslcommerz", { stopBefore: /./ });
    const pending = (await paymentsOf(id2))[0];
    const ipn = signFields(
      {
        tran_id: pending.id,
        val_id: "2611211200001abcd",
        amount: "500.00",
        currency: "BDT",
        status: "VALID",
        bank_tran_id: "2611211200001",
        store_amount: "490.00",
      },
      ssl.credentials.storePassword,
    );
    const before = await tenantItems(cloud, world.tenantId);
    const rand = prng(20261121);
    const rzpUrl = `${cloud.url}/v1/webhooks/razorpay/${world.tenantId}`;
    const sslUrl = `${cloud.url}/v1/webhooks/sslcommerz/${world.tenantId}`;
    const body = JSON.parse(genuine.body);
    const entity = body.payload.payment.entity;
    const kinds: Record<string, number> = {};
    const statuses = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const kind = [
        "signature",
        "body",
        "amount",
        "currency",
        "txn",
        "ipn-amount",
        "ipn-currency",
        "ipn-txn",
        "ipn-sign",
      ][i % 9] as string;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      let res: Response;
      if (!kind.startsWith("ipn")) {
        let sent = genuine.body;
        let signature = genuine.signature;
        if (kind === "signature") signature = mutateText(signature, rand);
        if (kind === "body") sent = mutateText(sent, rand);
        const changed = structuredClone(body);
        const target = changed.payload.payment.entity;
        if (kind === "amount") target.amount = entity.amount + 1 + Math.floor(rand() * 100_000);
        if (kind === "currency") target.currency = ["USD", "EUR", "bdt", "INR"][Math.floor(rand() * 4)];
        if (kind === "txn") target.id = `pay_${Math.floor(rand() * 1e12).toString(36)}`;
        if (["amount", "currency", "txn"].includes(kind)) sent = JSON.stringify(changed);
        res = await fetch(rzpUrl, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-razorpay-signature": signature,
            "x-razorpay-event-id": `evt_forged_${i}`,
          },
          body: sent,
        });
      } else {
        const fields: Record<string, string> = { ...ipn };
        // Never the signed 500.00: a mutation must change what was signed.
        if (kind === "ipn-amount") fields.amount = `${501 + Math.floor(rand() * 9499)}.00`;
        if (kind === "ipn-currency") fields.currency = ["USD", "INR", "EUR"][Math.floor(rand() * 3)] ?? "USD";
        if (kind === "ipn-txn") fields.bank_tran_id = String(Math.floor(rand() * 1e12));
        if (kind === "ipn-sign") fields.verify_sign = mutateText(fields.verify_sign ?? "", rand);
        res = await fetch(sslUrl, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(fields).toString(),
        });
      }
      await res.arrayBuffer();
      statuses.add(res.status);
      expect(res.status, `mutation ${i} (${kind})`).toBeGreaterThanOrEqual(400);
      expect(res.status, `mutation ${i} (${kind})`).toBeLessThan(500);
    }
    process.stdout.write(`forgery: ${JSON.stringify(kinds)} -> statuses ${[...statuses].join(",")}\n`);
    expect(await tenantItems(cloud, world.tenantId)).toEqual(before);
    // The genuine webhook still settles: the rejections were about the tampering, not the route.
    const real = await fetch(rzpUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-razorpay-signature": genuine.signature,
        "x-razorpay-event-id": genuine.eventId,
      },
      body: genuine.body,
    });
    expect(await real.json()).toEqual({ outcome: "settled" });
  }, 120_000);

  it("a forged bKash success redirect for an unpaid checkout settles nothing", async () => {
    const id = await freshSubscriber();
    const link = await createPayLink(cloud, world, id);
    // The payer reaches bKash's page but never approves; the return URL is then forged.
    const { pendingUrl } = await payThrough(link.url, "bkash", { stopBefore: /\/checkout/ });
    const payment = (await paymentsOf(id))[0];
    const forged = `${cloud.url}/v1/pay/return/bkash/${world.tenantId}/${payment.id}?paymentID=${payment.gatewayRef}&status=success`;
    expect(pendingUrl).toBeDefined();
    const page = await (await fetch(forged)).text();
    expect(page).not.toContain("Payment received");
    const after = (await paymentsOf(id))[0];
    expect(after.status).toBe("pending");
    expect(await timelineTypes(cloud, world, id)).not.toContain("payment.settled");
    // Another payment's checkout id on this payment's return URL is refused outright.
    const mixed = await fetch(
      `${cloud.url}/v1/pay/return/bkash/${world.tenantId}/${payment.id}?paymentID=TR0011someoneElse&status=success`,
    );
    expect(mixed.status).toBe(400);
  });

  it("a gateway that times out during execute is queried later by the sweep and settles exactly once", async () => {
    const bkash = gatewaysOf(cloud).bkash;
    const id = await freshSubscriber();
    const link = await createPayLink(cloud, world, id);
    const { pendingUrl } = await payThrough(link.url, "bkash", { stopBefore: /\/v1\/pay\/return\// });
    bkash.failNext("execute", "timeout");
    bkash.failNext("status", "500");
    const page = await (await fetch(pendingUrl ?? "")).text();
    expect(page).toContain("being confirmed");
    expect((await paymentsOf(id))[0].status).toBe("pending");
    // Not due yet: the sweep leaves it alone.
    expect((await sweepPendingPayments(cloud.deps)).settled).toBe(0);
    const report = await sweepPendingPayments(later(cloud.deps, 5 * 60_000));
    expect(report.settled).toBeGreaterThanOrEqual(1);
    const again = await sweepPendingPayments(later(cloud.deps, 60 * 60_000));
    expect(again.settled).toBe(0);
    expect((await paymentsOf(id))[0].status).toBe("settled");
    const types = await timelineTypes(cloud, world, id);
    expect(types.filter((t) => t === "payment.settled")).toHaveLength(1);
    expect(types.filter((t) => t === "subscriber.renewed")).toHaveLength(1);
  }, 30_000);

  it("holds a different amount for review and refuses another currency, applying neither", async () => {
    const rzp = gatewaysOf(cloud).razorpay;
    const id = await freshSubscriber();
    const before = (await call(cloud, "GET", `/v1/subscribers/${id}`, { token: world.keys.readonly })).json;
    const link = await createPayLink(cloud, world, id);
    rzp.setWebhookUrl(undefined);
    rzp.payAmountNext(40_000);
    const { page } = await payThrough(link.url, "razorpay");
    expect(page).toContain("under review");
    const held = (await paymentsOf(id))[0];
    expect(held).toMatchObject({ status: "held", paidAmount: { amount: 40_000, currency: "BDT" } });
    expect(await timelineTypes(cloud, world, id)).toContain("payment.held");

    const id2 = await freshSubscriber();
    const link2 = await createPayLink(cloud, world, id2);
    await payThrough(link2.url, "bkash", { stopBefore: /\/checkout/ });
    const pending = (await paymentsOf(id2))[0];
    const outcome = await applyVerdict(
      cloud.deps,
      { tenantId: world.tenantId, id: pending.id },
      { status: "completed", gatewayTxnId: "TRX-USD-1", amount: { amount: 50_000, currency: "USD" } },
      { kind: "gateway", id: "bkash" },
    );
    expect(outcome.outcome).toBe("rejected");
    for (const sid of [id, id2]) {
      const now = (await call(cloud, "GET", `/v1/subscribers/${sid}`, { token: world.keys.readonly })).json;
      expect(now.expiresAt).toBe(sid === id ? before.expiresAt : now.expiresAt);
      expect(await timelineTypes(cloud, world, sid)).not.toContain("payment.settled");
    }
  }, 30_000);
});
