import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GatewayError } from "../../../../shared/adapters/gateways/errors.js";
import {
  type SslcommerzCredentials,
  sslcommerzGateway,
} from "../../../../shared/adapters/gateways/sslcommerz.js";
import { UnauthorizedError, ValidationError } from "../../../../shared/domain/errors.js";
import type { Money } from "../../../../shared/domain/schemas/common.js";
import {
  type SslcommerzStandIn,
  signFields,
  startSslcommerzStandIn,
} from "../../../../shared/local/gateways/sslcommerz-standin.js";
import type {
  CheckoutRequest,
  GatewayContext,
  GatewayNotification,
  InboundRequest,
  PaymentRef,
} from "../../../../shared/ports/payment-gateway.js";

type PaymentNotification = Extract<GatewayNotification, { kind: "payment" }>;

const gateway = sslcommerzGateway;
const PAYMENT_ID = "01JPAYMENT0000000000000002";
const RETURN_URL = "https://api.isp.example/v1/t/tenant-1/payments/sslcommerz/return";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

function form(fields: Record<string, string>): InboundRequest {
  return { method: "POST", headers: FORM, query: {}, rawBody: new URLSearchParams(fields).toString() };
}

function paymentOf(notification: GatewayNotification): PaymentNotification {
  if (notification.kind !== "payment") throw new Error(`ignored: ${notification.reason}`);
  return notification;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error("expected a failure"),
    (error: unknown) => error,
  );
}

function expectNoSecrets(error: unknown, credentials: SslcommerzCredentials): void {
  expect((error as Error).message).not.toContain(credentials.storePassword);
  expect(String(error)).not.toContain(credentials.storePassword);
}

describe("SSLCommerz v4", () => {
  let standIn: SslcommerzStandIn;
  let ctx: GatewayContext<SslcommerzCredentials>;

  beforeEach(async () => {
    standIn = await startSslcommerzStandIn();
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

  function checkoutRequest(
    amount: Money = { amount: 50050, currency: "BDT" },
    email?: string,
  ): CheckoutRequest {
    return {
      paymentId: PAYMENT_ID,
      amount,
      description: "Internet 20 Mbps, March",
      customer: { name: "Karim", phone: "01711000000", email },
      returnUrl: RETURN_URL,
      notifyUrl: `${standIn.baseUrl}/ipn-sink`,
    };
  }

  const ref = (gatewayRef = "session"): PaymentRef => ({
    paymentId: PAYMENT_ID,
    gatewayRef,
    createdAt: "2026-03-01T10:00:00.000Z",
  });

  /** Create, let the payer act on the hosted page; returns the payment and the browser's return. */
  async function paid(amount?: Money): Promise<{ payment: PaymentRef; browser: InboundRequest }> {
    const checkout = await gateway.createCheckout(ctx, checkoutRequest(amount));
    const res = await fetch(checkout.redirectUrl, { redirect: "manual" });
    const back = new URL(res.headers.get("location") ?? RETURN_URL);
    const browser = { method: "GET", headers: {}, query: Object.fromEntries(back.searchParams), rawBody: "" };
    return { payment: ref(checkout.gatewayRef), browser };
  }

  function lastIpn(): InboundRequest {
    const ipn = standIn.ipns.at(-1);
    expect(ipn?.outcome).toBe(200);
    return { method: "POST", headers: FORM, query: {}, rawBody: ipn?.body ?? "" };
  }

  it("opens a session with the documented v4 form and returns the hosted page", async () => {
    const checkout = await gateway.createCheckout(ctx, checkoutRequest());

    expect(checkout.redirectUrl).toBe(`${standIn.baseUrl}/EasyCheckOut/${checkout.gatewayRef}`);
    expect(standIn.transactions.get(PAYMENT_ID)?.form).toMatchObject({
      store_id: standIn.credentials.storeId,
      total_amount: "500.50",
      currency: "BDT",
      tran_id: PAYMENT_ID,
      success_url: RETURN_URL,
      fail_url: RETURN_URL,
      cancel_url: RETURN_URL,
      ipn_url: `${standIn.baseUrl}/ipn-sink`,
      cus_name: "Karim",
      cus_phone: "01711000000",
      cus_email: "noreply@invalid.example",
      product_profile: "non-physical-goods",
      shipping_method: "NO",
      num_of_item: "1",
    });
  });

  it("passes the payer's e-mail when there is one", async () => {
    await gateway.createCheckout(ctx, checkoutRequest(undefined, "karim@example.com"));

    expect(standIn.transactions.get(PAYMENT_ID)?.form.cus_email).toBe("karim@example.com");
  });

  it.each([999, 500_000_01])("refuses %i poisha before calling SSLCommerz", async (amount) => {
    const error = await failureOf(gateway.createCheckout(ctx, checkoutRequest({ amount, currency: "BDT" })));

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([expect.objectContaining({ path: "amount.amount" })]);
    expect(standIn.calls.session).toBe(0);
  });

  it.each([10_00, 500_000_00])("accepts %i poisha, the limits themselves", async (amount) => {
    await expect(
      gateway.createCheckout(ctx, checkoutRequest({ amount, currency: "BDT" })),
    ).resolves.toBeDefined();
  });

  it("refuses a currency SSLCommerz does not take", async () => {
    const error = await failureOf(
      gateway.createCheckout(ctx, checkoutRequest({ amount: 1000, currency: "PKR" })),
    );

    expect(error).toBeInstanceOf(ValidationError);
  });

  it("reports a FAILED session as a refusal with SSLCommerz's reason and no password", async () => {
    const bad = { ...ctx, credentials: { ...ctx.credentials, storePassword: "wrong-store-password-9" } };

    const error = await failureOf(gateway.createCheckout(bad, checkoutRequest()));

    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({
      retryable: false,
      message: expect.stringContaining("Store Credential Error"),
    });
    expectNoSecrets(error, bad.credentials);
  });

  it("settles create -> pay -> IPN -> validation with bank_tran_id and the amount in poisha", async () => {
    const { payment } = await paid();

    const notification = paymentOf(await gateway.readNotification(ctx, lastIpn()));
    const verdict = await gateway.confirm(ctx, payment, notification);

    const attempt = standIn.transactions.get(PAYMENT_ID)?.attempts[0];
    expect(notification).toEqual({
      kind: "payment",
      paymentId: PAYMENT_ID,
      claimed: "success",
      evidence: { val_id: attempt?.fields.val_id },
    });
    expect(verdict).toEqual({
      status: "completed",
      gatewayTxnId: attempt?.fields.bank_tran_id,
      amount: { amount: 50050, currency: "BDT" },
      paymentId: PAYMENT_ID,
    });
  });

  it("reads the browser's return from the query string as it reads the IPN", async () => {
    const { browser } = await paid();

    const fromBrowser = await gateway.readNotification(ctx, browser);

    expect(fromBrowser).toEqual(await gateway.readNotification(ctx, lastIpn()));
  });

  it("answers VALIDATED (already validated) as completed too", async () => {
    const { payment } = await paid();
    const notification = paymentOf(await gateway.readNotification(ctx, lastIpn()));
    const first = await gateway.confirm(ctx, payment, notification);

    await expect(gateway.confirm(ctx, payment, notification)).resolves.toEqual(first);
  });

  it("reports the order's currency and amount for a converted payment (currency_type/currency_amount)", async () => {
    const { payment } = await paid({ amount: 10_00, currency: "USD" });

    const verdict = await gateway.confirm(
      ctx,
      payment,
      paymentOf(await gateway.readNotification(ctx, lastIpn())),
    );

    expect(standIn.transactions.get(PAYMENT_ID)?.attempts[0]?.fields).toMatchObject({ amount: "1100.00" });
    expect(verdict.amount).toEqual({ amount: 10_00, currency: "USD" });
  });

  describe("amount and currency come from SSLCommerz", () => {
    it("a signed notification claiming another amount does not change the verdict", async () => {
      const { payment } = await paid();
      const fields = Object.fromEntries(new URLSearchParams(lastIpn().rawBody));
      const { verify_key: _k, verify_sign: _s, ...claimed } = fields;
      const resigned = signFields(
        { ...claimed, amount: "1.00", currency_amount: "1.00" },
        ctx.credentials.storePassword,
      );

      const verdict = await gateway.confirm(
        ctx,
        payment,
        paymentOf(await gateway.readNotification(ctx, form(resigned))),
      );

      expect(verdict.amount).toEqual({ amount: 50050, currency: "BDT" });
    });

    it("an underpayment is reported as paid, for the service to compare", async () => {
      standIn.setPaidAmount("20.00");
      const { payment } = await paid();

      const verdict = await gateway.confirm(
        ctx,
        payment,
        paymentOf(await gateway.readNotification(ctx, lastIpn())),
      );

      expect(verdict).toMatchObject({ status: "completed", amount: { amount: 2000, currency: "BDT" } });
    });
  });

  describe("verify_sign", () => {
    it("rejects every single-field change, removal and a missing signature", async () => {
      await paid();
      const fields = Object.fromEntries(new URLSearchParams(lastIpn().rawBody));
      const variants: Record<string, string>[] = [];
      for (const key of Object.keys(fields)) {
        variants.push({ ...fields, [key]: `${fields[key]}x` });
        const { [key]: _removed, ...rest } = fields;
        variants.push(rest);
      }
      expect(variants.length).toBeGreaterThan(20);

      for (const variant of variants) {
        const error = await failureOf(gateway.readNotification(ctx, form(variant)));
        expect(error, JSON.stringify(variant)).toBeInstanceOf(UnauthorizedError);
      }
      await expect(gateway.readNotification(ctx, form(fields))).resolves.toMatchObject({
        claimed: "success",
      });
    });

    it("rejects a signature made with another store password", async () => {
      const forged = signFields({ status: "VALID", tran_id: PAYMENT_ID, val_id: "v1" }, "guessed-password");

      await expect(gateway.readNotification(ctx, form(forged))).rejects.toBeInstanceOf(UnauthorizedError);
    });

    it("rejects a signature that does not cover tran_id", async () => {
      const signed = signFields({ status: "VALID", val_id: "v1" }, ctx.credentials.storePassword);

      const error = await failureOf(gateway.readNotification(ctx, form({ ...signed, tran_id: PAYMENT_ID })));

      expect(error).toBeInstanceOf(UnauthorizedError);
    });

    it("a valid signature is not enough: an unknown val_id validates as INVALID_TRANSACTION -> failed", async () => {
      const forged = signFields(
        {
          status: "VALID",
          tran_id: PAYMENT_ID,
          val_id: "260301000000bogus",
          amount: "500.50",
          currency: "BDT",
        },
        ctx.credentials.storePassword,
      );
      const notification = paymentOf(await gateway.readNotification(ctx, form(forged)));

      const verdict = await gateway.confirm(ctx, ref(), notification);

      expect(verdict).toEqual({ status: "failed", detail: "INVALID_TRANSACTION" });
    });
  });

  describe("readNotification", () => {
    it("requires val_id when the status is VALID", async () => {
      const signed = signFields({ status: "VALID", tran_id: PAYMENT_ID }, ctx.credentials.storePassword);

      const error = await failureOf(gateway.readNotification(ctx, form(signed)));

      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([expect.objectContaining({ path: "val_id" })]);
    });

    it("refuses a body that is not a form, and repeated fields", async () => {
      const json = {
        method: "POST",
        headers: { "content-type": "application/json" },
        query: {},
        rawBody: "{}",
      };
      const repeated = { ...form({ tran_id: "a" }), rawBody: "tran_id=a&tran_id=b" };

      await expect(gateway.readNotification(ctx, json)).rejects.toBeInstanceOf(ValidationError);
      await expect(gateway.readNotification(ctx, repeated)).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe("a payer who fails or cancels", () => {
    it.each([
      ["fail", "failure", "failed"],
      ["cancel", "cancel", "cancelled"],
    ] as const)("%s: the return claims %s and the query says %s", async (action, claimed, status) => {
      standIn.setPayerAction(action);
      const { payment, browser } = await paid();

      const notification = paymentOf(await gateway.readNotification(ctx, browser));
      const verdict = await gateway.confirm(ctx, payment, notification);

      expect(notification).toMatchObject({ claimed, evidence: undefined });
      expect(verdict).toMatchObject({ status, paymentId: PAYMENT_ID });
      expect(standIn.calls.validation).toBe(0);
      expect(standIn.calls.query).toBe(1);
    });
  });

  describe("query (the pending sweep)", () => {
    it("is pending before the payer acts, completed once paid", async () => {
      const checkout = await gateway.createCheckout(ctx, checkoutRequest());
      await expect(gateway.query(ctx, ref(checkout.gatewayRef))).resolves.toMatchObject({
        status: "pending",
      });

      await fetch(checkout.redirectUrl, { redirect: "manual" });

      await expect(gateway.query(ctx, ref(checkout.gatewayRef))).resolves.toMatchObject({
        status: "completed",
        amount: { amount: 50050, currency: "BDT" },
        paymentId: PAYMENT_ID,
      });
    });

    it("is pending while SSLCommerz says PENDING", async () => {
      standIn.setPayerAction("pending");
      const { payment } = await paid();

      await expect(gateway.query(ctx, payment)).resolves.toMatchObject({
        status: "pending",
        detail: "PENDING",
      });
    });
  });

  describe("transport failures are GatewayErrors without the store password", () => {
    it.each(["500", "garbage"] as const)("validation answering %s is retryable", async (kind) => {
      const { payment } = await paid();
      const notification = paymentOf(await gateway.readNotification(ctx, lastIpn()));
      standIn.failNext("validation", kind);

      const error = await failureOf(gateway.confirm(ctx, payment, notification));

      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ retryable: true, timedOut: false });
      expectNoSecrets(error, ctx.credentials);
    });

    it("a query that times out is retryable and says so", async () => {
      standIn.failNext("query", "timeout");

      const error = await failureOf(gateway.query({ ...ctx, timeoutMs: 200 }, ref()));

      expect(error).toMatchObject({ retryable: true, timedOut: true });
      expectNoSecrets(error, ctx.credentials);
    });

    it("a session answering 500 is retryable", async () => {
      standIn.failNext("session", "500");

      const error = await failureOf(gateway.createCheckout(ctx, checkoutRequest()));

      expect(error).toMatchObject({ retryable: true });
      expectNoSecrets(error, ctx.credentials);
    });

    it("validation refusing the store credentials (APIConnect FAILED) is not retryable", async () => {
      const bad = { ...ctx, credentials: { ...ctx.credentials, storePassword: "wrong-store-password-9" } };

      const error = await failureOf(gateway.query(bad, ref()));

      expect(error).toMatchObject({ retryable: false, message: expect.stringContaining("FAILED") });
      expectNoSecrets(error, bad.credentials);
    });
  });

  describe("credentials", () => {
    it("parses store id and password, rejects anything else", () => {
      expect(gateway.parseCredentials(standIn.credentials)).toEqual(standIn.credentials);
      expect(() => gateway.parseCredentials({ storeId: "x" })).toThrow(ValidationError);
      expect(() => gateway.parseCredentials({ ...standIn.credentials, extra: 1 })).toThrow(ValidationError);
    });

    it("describes the store id only", () => {
      expect(gateway.describeCredentials(standIn.credentials)).toEqual({
        storeId: standIn.credentials.storeId,
      });
    });
  });
});
