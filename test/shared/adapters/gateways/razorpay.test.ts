import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../../../../shared/adapters/gateways/errors.js";
import {
  type RazorpayCredentials,
  razorpayGateway,
  razorpaySignature,
  verifyRazorpaySignature,
} from "../../../../shared/adapters/gateways/razorpay.js";
import { UnauthorizedError, ValidationError } from "../../../../shared/domain/errors.js";
import {
  type RazorpayStandIn,
  startRazorpayStandIn,
} from "../../../../shared/local/gateways/razorpay-standin.js";
import type {
  CheckoutRequest,
  GatewayContext,
  GatewayNotification,
  InboundRequest,
} from "../../../../shared/ports/payment-gateway.js";

const VECTOR_BODY = '{"a":1,"b":2,"c":{"d":3}}';
const VECTOR_SIGNATURE = "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc";

type Payment = Extract<GatewayNotification, { kind: "payment" }>;

/** Receives the stand-in's webhooks exactly as sent (raw body, lower-case headers). */
const received: InboundRequest[] = [];
let receiver: Server;
let webhookUrl: string;
let standIn: RazorpayStandIn;
let ctx: GatewayContext<RazorpayCredentials>;
let seq = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      received.push({
        method: req.method ?? "POST",
        headers,
        query: {},
        rawBody: Buffer.concat(chunks).toString(),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/razorpay`;
  standIn = await startRazorpayStandIn({ webhookUrl });
  ctx = {
    tenantId: "ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C",
    baseUrl: standIn.baseUrl,
    timeoutMs: 2_000,
    credentials: razorpayGateway.parseCredentials({
      keyId: standIn.keyId,
      keySecret: standIn.keySecret,
      webhookSecret: standIn.webhookSecret,
    }),
  };
});

afterAll(async () => {
  await standIn.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});

afterEach(() => {
  received.length = 0;
  standIn.setDuplicateWebhooks(false);
  standIn.setDelay(0);
});

function checkout(amount = 50_050): CheckoutRequest {
  const paymentId = `pay_01JD3Q7Z8K5V6W9XR2T4N0P${String(++seq).padStart(3, "0")}`;
  return {
    paymentId,
    amount: { amount, currency: "INR" },
    description: "Padma Net 20 Mbps, March",
    customer: { name: "Rahim Uddin", phone: "+919999999999" },
    returnUrl: `https://isp.example/pay/ten_1/${paymentId}/return`,
    notifyUrl: "https://isp.example/hooks/razorpay",
  };
}

/** The payer opens the link and pays; returns the browser's callback as an inbound request. */
async function pay(redirectUrl: string): Promise<InboundRequest> {
  const res = await fetch(redirectUrl, { redirect: "manual" });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get("location") ?? "");
  return { method: "GET", headers: {}, query: Object.fromEntries(back.searchParams), rawBody: "" };
}

function webhook(body: string, secret = standIn.webhookSecret, eventId = "evt_test"): InboundRequest {
  const signature = createHmac("sha256", secret).update(body).digest("hex");
  return {
    method: "POST",
    headers: { "x-razorpay-signature": signature, "x-razorpay-event-id": eventId },
    query: {},
    rawBody: body,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (e: unknown) => e,
  );
}

describe("Razorpay signatures", () => {
  it("matches Razorpay's published webhook example", () => {
    expect(razorpaySignature(VECTOR_BODY, "123456")).toBe(VECTOR_SIGNATURE);
    expect(verifyRazorpaySignature(VECTOR_BODY, VECTOR_SIGNATURE, "123456")).toBe(true);
  });

  it("rejects every single-bit flip of the signature, in its text and in its bytes", async () => {
    const vectorCtx = { ...ctx, credentials: { ...ctx.credentials, webhookSecret: "123456" } };
    const read = (signature: string) =>
      razorpayGateway.readNotification(vectorCtx, {
        method: "POST",
        headers: { "x-razorpay-signature": signature },
        query: {},
        rawBody: VECTOR_BODY,
      });
    // The genuine signature passes the check and only then fails on the body's shape.
    expect(await rejection(read(VECTOR_SIGNATURE))).toBeInstanceOf(ValidationError);
    const flipped: string[] = [];
    for (let i = 0; i < VECTOR_SIGNATURE.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const c = String.fromCharCode(VECTOR_SIGNATURE.charCodeAt(i) ^ (1 << bit));
        flipped.push(VECTOR_SIGNATURE.slice(0, i) + c + VECTOR_SIGNATURE.slice(i + 1));
      }
    }
    const bytes = Buffer.from(VECTOR_SIGNATURE, "hex");
    for (let i = 0; i < bytes.length * 8; i++) {
      const copy = Buffer.from(bytes);
      copy[i >> 3] = (copy[i >> 3] ?? 0) ^ (1 << (i & 7));
      flipped.push(copy.toString("hex"));
    }
    expect(flipped).toHaveLength(64 * 8 + 256);
    for (const signature of flipped) {
      expect(await rejection(read(signature))).toBeInstanceOf(UnauthorizedError);
    }
  });

  it("rejects a body changed by one byte, a missing, short, long or upper-case signature", async () => {
    const vectorCtx = { ...ctx, credentials: { ...ctx.credentials, webhookSecret: "123456" } };
    const read = (rawBody: string, signature?: string) =>
      razorpayGateway.readNotification(vectorCtx, {
        method: "POST",
        headers: { "x-razorpay-signature": signature },
        query: {},
        rawBody,
      });
    for (let i = 0; i < VECTOR_BODY.length; i++) {
      const changed =
        VECTOR_BODY.slice(0, i) +
        String.fromCharCode(VECTOR_BODY.charCodeAt(i) ^ 1) +
        VECTOR_BODY.slice(i + 1);
      expect(await rejection(read(changed, VECTOR_SIGNATURE))).toBeInstanceOf(UnauthorizedError);
    }
    for (const bad of [
      undefined,
      "",
      VECTOR_SIGNATURE.slice(2),
      `${VECTOR_SIGNATURE}00`,
      VECTOR_SIGNATURE.toUpperCase(),
    ]) {
      expect(await rejection(read(VECTOR_BODY, bad))).toBeInstanceOf(UnauthorizedError);
    }
  });
});

describe("Razorpay payment link flow", () => {
  it("creates a link, is paid, reads the webhooks and callback, and confirms in minor units", async () => {
    const request = checkout(50_050);
    const created = await razorpayGateway.createCheckout(ctx, request);
    expect(created.gatewayRef).toMatch(/^plink_/);
    expect(created.redirectUrl.startsWith(standIn.baseUrl)).toBe(true);

    const callback = await pay(created.redirectUrl);
    expect(received.map((r) => JSON.parse(r.rawBody).event)).toEqual([
      "payment_link.paid",
      "payment.captured",
    ]);
    const ref = {
      paymentId: request.paymentId,
      gatewayRef: created.gatewayRef,
      createdAt: new Date().toISOString(),
    };

    const linkPaid = (await razorpayGateway.readNotification(ctx, received[0] as InboundRequest)) as Payment;
    expect(linkPaid).toMatchObject({
      kind: "payment",
      paymentId: request.paymentId,
      gatewayRef: created.gatewayRef,
      eventId: standIn.webhooks[0]?.eventId,
      claimed: "success",
      evidence: { amount: 50_050, currency: "INR", status: "captured" },
    });
    const captured = (await razorpayGateway.readNotification(ctx, received[1] as InboundRequest)) as Payment;
    expect(captured).toMatchObject({ kind: "payment", paymentId: request.paymentId, claimed: "success" });
    expect(captured.evidence?.payment_id).toBe(linkPaid.evidence?.payment_id);

    const verdict = await razorpayGateway.confirm(ctx, ref, linkPaid);
    expect(verdict).toEqual({
      status: "completed",
      gatewayTxnId: linkPaid.evidence?.payment_id,
      amount: { amount: 50_050, currency: "INR" },
      paymentId: request.paymentId,
    });

    const fromBrowser = (await razorpayGateway.readNotification(ctx, callback)) as Payment;
    expect(fromBrowser).toMatchObject({
      paymentId: request.paymentId,
      gatewayRef: created.gatewayRef,
      claimed: "success",
    });
    expect(await razorpayGateway.confirm(ctx, ref, fromBrowser)).toEqual(verdict);
    expect(await razorpayGateway.query(ctx, ref)).toEqual(verdict);
  });

  it("surfaces the same event id on a duplicated delivery", async () => {
    standIn.setDuplicateWebhooks(true);
    const created = await razorpayGateway.createCheckout(ctx, checkout());
    await pay(created.redirectUrl);
    expect(received).toHaveLength(4);
    const [first, second] = await Promise.all(
      received.slice(0, 2).map((r) => razorpayGateway.readNotification(ctx, r)),
    );
    expect((first as Payment).eventId).toBeDefined();
    expect((second as Payment).eventId).toBe((first as Payment).eventId);
  });

  it("reports what was paid when it differs from the link's amount", async () => {
    const request = checkout(50_000);
    const created = await razorpayGateway.createCheckout(ctx, request);
    standIn.payAmountNext(100);
    await pay(created.redirectUrl);
    const note = (await razorpayGateway.readNotification(ctx, received[0] as InboundRequest)) as Payment;
    const ref = {
      paymentId: request.paymentId,
      gatewayRef: created.gatewayRef,
      createdAt: "2026-03-01T00:00:00.000Z",
    };
    expect((await razorpayGateway.confirm(ctx, ref, note)).amount).toEqual({ amount: 100, currency: "INR" });
  });

  it("queries an unpaid link as pending", async () => {
    const request = checkout();
    const created = await razorpayGateway.createCheckout(ctx, request);
    const ref = {
      paymentId: request.paymentId,
      gatewayRef: created.gatewayRef,
      createdAt: "2026-03-01T00:00:00.000Z",
    };
    expect(await razorpayGateway.query(ctx, ref)).toMatchObject({
      status: "pending",
      paymentId: request.paymentId,
    });
  });
});

describe("Razorpay notifications", () => {
  it("checks the callback signature over link id, reference, status and payment id", async () => {
    const created = await razorpayGateway.createCheckout(ctx, checkout());
    const callback = await pay(created.redirectUrl);
    const tampered = [
      { razorpay_payment_link_reference_id: "pay_01JD3Q7Z8K5V6W9XR2T4N0PB1C" },
      { razorpay_payment_link_status: "partially_paid" },
      { razorpay_payment_id: "pay_Other000001" },
      { razorpay_signature: undefined },
    ];
    for (const change of tampered) {
      const forged = { ...callback, query: { ...callback.query, ...change } };
      expect(await rejection(razorpayGateway.readNotification(ctx, forged))).toBeInstanceOf(
        UnauthorizedError,
      );
    }
    // Signed with the webhook secret instead of the key secret.
    const q = callback.query;
    const wrongKey = createHmac("sha256", standIn.webhookSecret)
      .update(
        `${q.razorpay_payment_link_id}|${q.razorpay_payment_link_reference_id}|paid|${q.razorpay_payment_id}`,
      )
      .digest("hex");
    const forged = { ...callback, query: { ...q, razorpay_signature: wrongKey } };
    expect(await rejection(razorpayGateway.readNotification(ctx, forged))).toBeInstanceOf(UnauthorizedError);
  });

  it("ignores events it does not act on and reads payment.failed as a claimed failure", async () => {
    const refund = JSON.stringify({
      event: "refund.processed",
      payload: { refund: { entity: { id: "rfnd_1" } } },
    });
    expect(await razorpayGateway.readNotification(ctx, webhook(refund))).toEqual({
      kind: "ignored",
      reason: "event refund.processed is not handled",
    });
    const entity = {
      id: "pay_Failed000001",
      amount: 50_050,
      currency: "INR",
      status: "failed",
      order_id: null,
      notes: { paymentId: "pay_01JD3Q7Z8K5V6W9XR2T4N0PB1C", tenantId: ctx.tenantId },
      error_description: "Payment failed",
    };
    const failed = JSON.stringify({ event: "payment.failed", payload: { payment: { entity } } });
    expect(await razorpayGateway.readNotification(ctx, webhook(failed, undefined, "evt_9"))).toMatchObject({
      kind: "payment",
      paymentId: "pay_01JD3Q7Z8K5V6W9XR2T4N0PB1C",
      gatewayRef: undefined,
      eventId: "evt_9",
      claimed: "failure",
    });
    const otherTenant = JSON.stringify({
      event: "payment.captured",
      payload: {
        payment: {
          entity: { ...entity, status: "captured", notes: { paymentId: "pay_x", tenantId: "ten_other" } },
        },
      },
    });
    expect(await razorpayGateway.readNotification(ctx, webhook(otherTenant))).toMatchObject({
      kind: "ignored",
    });
  });

  it("refuses a signed webhook whose body is not a Razorpay event", async () => {
    const notJson = await rejection(razorpayGateway.readNotification(ctx, webhook("not json")));
    expect(notJson).toBeInstanceOf(ValidationError);
    const noPayment = JSON.stringify({ event: "payment.captured", payload: {} });
    const error = await rejection(razorpayGateway.readNotification(ctx, webhook(noPayment)));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]).toMatchObject({ in: "body", path: "payload.payment" });
  });
});

describe("Razorpay failures", () => {
  const ref = {
    paymentId: "pay_01JD3Q7Z8K5V6W9XR2T4N0PB1C",
    gatewayRef: "plink_missing",
    createdAt: "2026-03-01T00:00:00.000Z",
  };

  it("maps a timeout, a 500 and a non-JSON answer to retryable GatewayErrors", async () => {
    const short = { ...ctx, timeoutMs: 150 };
    standIn.failNext("fetchLink", "timeout");
    const timedOut = await rejection(razorpayGateway.query(short, ref));
    expect(timedOut).toBeInstanceOf(GatewayError);
    expect(timedOut).toMatchObject({ retryable: true, timedOut: true });
    for (const how of ["500", "garbage"] as const) {
      standIn.failNext("createLink", how);
      const error = await rejection(razorpayGateway.createCheckout(ctx, checkout()));
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ retryable: true, timedOut: false });
    }
    standIn.setDelay(300);
    expect(await rejection(razorpayGateway.query(short, ref))).toMatchObject({ timedOut: true });
  });

  it("refuses without retry on bad credentials or an unknown link, and never shows a secret", async () => {
    const wrong = { ...ctx, credentials: { ...ctx.credentials, keySecret: "wrong-secret-value-123" } };
    const auth = await rejection(razorpayGateway.createCheckout(wrong, checkout()));
    expect(auth).toBeInstanceOf(GatewayError);
    expect(auth).toMatchObject({
      retryable: false,
      message: expect.stringContaining("Authentication failed"),
    });
    const missing = await rejection(razorpayGateway.query(ctx, ref));
    expect(missing).toMatchObject({ retryable: false, message: expect.stringContaining("does not exist") });
    const badCreds = await rejection(
      Promise.resolve().then(() =>
        razorpayGateway.parseCredentials({
          keyId: "nope",
          keySecret: "",
          webhookSecret: 7,
          extra: standIn.keySecret,
        }),
      ),
    );
    expect(badCreds).toBeInstanceOf(ValidationError);
    for (const error of [auth, missing, badCreds]) {
      const text = JSON.stringify({
        message: (error as Error).message,
        issues: (error as ValidationError).issues,
      });
      for (const secret of [standIn.keySecret, standIn.webhookSecret, "wrong-secret-value-123"]) {
        expect(text).not.toContain(secret);
      }
    }
    expect(razorpayGateway.describeCredentials(ctx.credentials)).toEqual({ keyId: standIn.keyId });
  });
});
