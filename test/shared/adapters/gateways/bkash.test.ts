import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BkashCredentials, createBkashGateway } from "../../../../shared/adapters/gateways/bkash.js";
import { GatewayError } from "../../../../shared/adapters/gateways/errors.js";
import { ValidationError } from "../../../../shared/domain/errors.js";
import { type BkashStandIn, startBkashStandIn } from "../../../../shared/local/gateways/bkash-standin.js";
import type {
  CheckoutRequest,
  GatewayContext,
  GatewayNotification,
  InboundRequest,
  PaymentGateway,
  PaymentRef,
} from "../../../../shared/ports/payment-gateway.js";

type PaymentNotification = Extract<GatewayNotification, { kind: "payment" }>;

const PAYMENT_ID = "01JPAYMENT0000000000000001";
const RETURN_URL = `https://api.isp.example/v1/t/tenant-1/payments/bkash/return?pid=${PAYMENT_ID}`;

function checkoutRequest(amount = 50050): CheckoutRequest {
  return {
    paymentId: PAYMENT_ID,
    amount: { amount, currency: "BDT" },
    description: "Internet 20 Mbps, March",
    customer: { name: "Rahim", phone: "01770618575" },
    returnUrl: RETURN_URL,
    notifyUrl: "https://api.isp.example/v1/t/tenant-1/payments/bkash/notify",
  };
}

/** The payer's browser: open bKash's page, follow it back to our return URL. */
async function payerVisits(redirectUrl: string): Promise<InboundRequest> {
  const res = await fetch(redirectUrl, { redirect: "manual" });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get("location") ?? "");
  expect(`${back.origin}${back.pathname}`).toBe(RETURN_URL.split("?")[0]);
  return { method: "GET", headers: {}, query: Object.fromEntries(back.searchParams), rawBody: "" };
}

function paymentOf(notification: GatewayNotification): PaymentNotification {
  if (notification.kind !== "payment") throw new Error(`ignored: ${notification.reason}`);
  return notification;
}

function expectNoSecrets(error: unknown, credentials: BkashCredentials): void {
  const texts = [(error as Error).message, String(error)];
  for (const text of texts) {
    expect(text).not.toContain(credentials.appSecret);
    expect(text).not.toContain(credentials.password);
  }
}

describe("bKash tokenized checkout", () => {
  let standIn: BkashStandIn;
  let gateway: PaymentGateway<BkashCredentials>;
  let clock: number;
  let ctx: GatewayContext<BkashCredentials>;

  beforeEach(async () => {
    standIn = await startBkashStandIn();
    clock = Date.parse("2026-03-01T10:00:00Z");
    gateway = createBkashGateway({ now: () => clock });
    ctx = {
      tenantId: "tenant-1",
      credentials: standIn.credentials,
      baseUrl: standIn.baseUrl,
      timeoutMs: 2000,
    };
  });

  afterEach(async () => {
    await standIn.close();
  });

  async function checkedOut(amount?: number): Promise<PaymentRef> {
    const checkout = await gateway.createCheckout(ctx, checkoutRequest(amount));
    return { paymentId: PAYMENT_ID, gatewayRef: checkout.gatewayRef, createdAt: "2026-03-01T10:00:00.000Z" };
  }

  function claim(payment: PaymentRef, claimed: PaymentNotification["claimed"]): PaymentNotification {
    return { kind: "payment", paymentId: payment.paymentId, gatewayRef: payment.gatewayRef, claimed };
  }

  it("creates a BDT sale with our id as the invoice number and the return URL as callback", async () => {
    const checkout = await gateway.createCheckout(ctx, checkoutRequest());

    expect(checkout.redirectUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/checkout\?paymentId=/);
    expect(standIn.payments.get(checkout.gatewayRef)).toMatchObject({
      amount: "500.50",
      merchantInvoiceNumber: PAYMENT_ID,
      payerReference: "01770618575",
      callbackURL: RETURN_URL,
      status: "Initiated",
    });
  });

  it("settles create -> approve -> callback -> confirm with the amount in poisha and the trxID", async () => {
    const checkout = await gateway.createCheckout(ctx, checkoutRequest());
    const callback = await payerVisits(checkout.redirectUrl);

    const notification = await gateway.readNotification(ctx, callback);
    expect(notification).toEqual({
      kind: "payment",
      paymentId: PAYMENT_ID,
      gatewayRef: checkout.gatewayRef,
      claimed: "success",
    });
    const payment = {
      paymentId: PAYMENT_ID,
      gatewayRef: checkout.gatewayRef,
      createdAt: "2026-03-01T10:00:00Z",
    };
    const verdict = await gateway.confirm(ctx, payment, paymentOf(notification));

    const trxID = standIn.payments.get(checkout.gatewayRef)?.trxID;
    expect(trxID).toMatch(/^[0-9A-F]{10}$/);
    expect(verdict).toEqual({
      status: "completed",
      gatewayTxnId: trxID,
      amount: { amount: 50050, currency: "BDT" },
      paymentId: PAYMENT_ID,
    });
  });

  it("refuses other currencies before calling bKash", async () => {
    const request = { ...checkoutRequest(), amount: { amount: 1000, currency: "USD" as const } };

    const error = await gateway.createCheckout(ctx, request).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([expect.objectContaining({ path: "amount.currency" })]);
    expect(standIn.calls.grant).toBe(0);
  });

  it("takes the amount from bKash, not from the order or the callback", async () => {
    const payment = await checkedOut(50050);
    standIn.setPaidAmount("1.00");
    const callback = await payerVisits(redirectOf(payment));

    const verdict = await gateway.confirm(
      ctx,
      payment,
      paymentOf(await gateway.readNotification(ctx, callback)),
    );

    expect(verdict).toMatchObject({ status: "completed", amount: { amount: 100, currency: "BDT" } });
  });

  describe("the token", () => {
    it("is granted once and shared by later and concurrent calls", async () => {
      const payment = await checkedOut();

      await Promise.all([
        gateway.query(ctx, payment),
        gateway.query(ctx, payment),
        gateway.query(ctx, payment),
      ]);
      await gateway.createCheckout(ctx, checkoutRequest());

      expect(standIn.calls.grant).toBe(1);
      expect(standIn.calls.refresh).toBe(0);
      expect(standIn.calls.status).toBe(3);
    });

    it("is refreshed with the refresh_token shortly before it expires", async () => {
      const payment = await checkedOut();
      clock += 56 * 60_000;

      await expect(gateway.query(ctx, payment)).resolves.toMatchObject({ status: "pending" });
      await gateway.query(ctx, payment);

      expect(standIn.calls.grant).toBe(1);
      expect(standIn.calls.refresh).toBe(1);
    });

    it("is granted anew, once, when bKash answers that it has expired", async () => {
      const payment = await checkedOut();
      standIn.expireTokens();

      await expect(gateway.query(ctx, payment)).resolves.toMatchObject({ status: "pending" });

      expect(standIn.calls.grant).toBe(2);
      expect(standIn.calls.status).toBe(2);
    });

    it("is cached per credentials: other credentials get their own grant", async () => {
      await checkedOut();
      const other = { ...ctx, credentials: { ...ctx.credentials, appSecret: "wrong-secret-value-123" } };

      const error = await gateway.createCheckout(other, checkoutRequest()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({
        retryable: false,
        message: expect.stringContaining("2001 Invalid App Key"),
      });
      expectNoSecrets(error, other.credentials);
      expect(standIn.calls.grant).toBe(2);
    });
  });

  describe("confirm", () => {
    it("queries after an execute that timed out and still settles the payment", async () => {
      const payment = await checkedOut();
      const callback = await payerVisits(redirectOf(payment));
      standIn.failNext("execute", "timeout");

      const verdict = await gateway.confirm(
        { ...ctx, timeoutMs: 300 },
        payment,
        paymentOf(await gateway.readNotification(ctx, callback)),
      );

      expect(verdict).toMatchObject({ status: "completed", amount: { amount: 50050, currency: "BDT" } });
      expect(standIn.calls.execute).toBe(1);
      expect(standIn.calls.status).toBe(1);
    });

    it("leaves the payment pending when execute fails with a 500, and settles it on the next callback", async () => {
      const payment = await checkedOut();
      await payerVisits(redirectOf(payment));
      standIn.failNext("execute", "500");

      await expect(gateway.confirm(ctx, payment, claim(payment, "success"))).resolves.toMatchObject({
        status: "pending",
      });
      await expect(gateway.confirm(ctx, payment, claim(payment, "success"))).resolves.toMatchObject({
        status: "completed",
      });
    });

    it("does not settle a forged success callback for a payment the payer never approved", async () => {
      const payment = await checkedOut();

      const verdict = await gateway.confirm(ctx, payment, claim(payment, "success"));

      expect(verdict.status).toBe("pending");
      expect(verdict.gatewayTxnId).toBeUndefined();
      expect(standIn.payments.get(payment.gatewayRef)?.status).toBe("Initiated");
    });

    it("answers a repeated success callback from the status (bKash refuses a second execute)", async () => {
      const payment = await checkedOut();
      await payerVisits(redirectOf(payment));
      const first = await gateway.confirm(ctx, payment, claim(payment, "success"));

      const second = await gateway.confirm(ctx, payment, claim(payment, "success"));

      expect(second).toEqual(first);
      expect(standIn.calls.execute).toBe(2);
    });

    it("only queries when the payer cancelled", async () => {
      const payment = await checkedOut();
      standIn.setPayerAction("cancel");
      const callback = await payerVisits(redirectOf(payment));
      const notification = paymentOf(await gateway.readNotification(ctx, callback));

      const verdict = await gateway.confirm(ctx, payment, notification);

      expect(notification.claimed).toBe("cancel");
      expect(verdict.status).toBe("cancelled");
      expect(standIn.calls.execute).toBe(0);
    });

    it("reports a failed payment as failed", async () => {
      const payment = await checkedOut();
      standIn.setPayerAction("failure");
      await payerVisits(redirectOf(payment));

      await expect(gateway.confirm(ctx, payment, claim(payment, "failure"))).resolves.toMatchObject({
        status: "failed",
      });
    });

    it("does not execute when the callback names another bKash payment", async () => {
      const payment = await checkedOut();
      await payerVisits(redirectOf(payment));

      const verdict = await gateway.confirm(ctx, payment, {
        ...claim(payment, "success"),
        gatewayRef: "TR0011other",
      });

      expect(verdict.status).toBe("pending");
      expect(standIn.calls.execute).toBe(0);
    });
  });

  it("query never executes an approved payment", async () => {
    const payment = await checkedOut();
    await payerVisits(redirectOf(payment));

    await expect(gateway.query(ctx, payment)).resolves.toMatchObject({
      status: "pending",
      paymentId: PAYMENT_ID,
    });

    expect(standIn.calls.execute).toBe(0);
  });

  describe("transport failures are GatewayErrors without secrets", () => {
    it.each(["500", "garbage"] as const)("create answering %s is retryable", async (kind) => {
      standIn.failNext("create", kind);

      const error = await gateway.createCheckout(ctx, checkoutRequest()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ retryable: true, timedOut: false });
      expectNoSecrets(error, ctx.credentials);
    });

    it("a status query that times out is retryable and says so", async () => {
      const payment = await checkedOut();
      standIn.failNext("status", "timeout");

      const error = await gateway.query({ ...ctx, timeoutMs: 200 }, payment).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ retryable: true, timedOut: true });
    });

    it("a garbage grant answer is retryable", async () => {
      standIn.failNext("grant", "garbage");

      const error = await gateway.createCheckout(ctx, checkoutRequest()).catch((e: unknown) => e);

      expect(error).toMatchObject({ retryable: true });
      expectNoSecrets(error, ctx.credentials);
    });

    it("a wrong password is refused, not retried, and never quoted", async () => {
      const bad = { ...ctx, credentials: { ...ctx.credentials, password: "pa55-w0rd-that-is-wrong" } };

      const error = await gateway.createCheckout(bad, checkoutRequest()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ retryable: false });
      expectNoSecrets(error, bad.credentials);
    });
  });

  describe("readNotification", () => {
    it.each([
      [{ status: "success", pid: PAYMENT_ID }, "paymentID"],
      [{ paymentID: "TR0011abc", pid: PAYMENT_ID }, "status"],
      [{ paymentID: "TR0011abc", status: "approved", pid: PAYMENT_ID }, "status"],
      [{ paymentID: "TR0011abc", status: "success" }, "pid"],
    ])("rejects %j (bad %s)", async (query, field) => {
      const error = await gateway
        .readNotification(ctx, { method: "GET", headers: {}, query, rawBody: "" })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([
        expect.objectContaining({ in: "query", path: field }),
      ]);
    });
  });

  describe("credentials", () => {
    it("parses the four non-empty strings and rejects anything else without quoting values", () => {
      expect(gateway.parseCredentials(standIn.credentials)).toEqual(standIn.credentials);
      const error = (() => {
        try {
          return gateway.parseCredentials({ ...standIn.credentials, appSecret: "", extra: "s3cr3t-extra" });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect(JSON.stringify((error as ValidationError).issues)).not.toContain("s3cr3t-extra");
    });

    it("describes the app key masked and the username", () => {
      const described = gateway.describeCredentials({
        ...standIn.credentials,
        appKey: "4f6o0cjiki2rfm34kfdadl1eqq",
      });

      expect(described).toEqual({ appKey: "4f…qq", username: standIn.credentials.username });
    });
  });

  function redirectOf(payment: PaymentRef): string {
    return `${new URL(standIn.baseUrl).origin}/checkout?paymentId=${payment.gatewayRef}`;
  }
});
