import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  publicEncrypt,
  verify,
} from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../../../../shared/adapters/gateways/errors.js";
import {
  dhakaDateTime,
  type NagadCredentials,
  nagadGateway,
  rsaDecrypt,
  rsaSign,
} from "../../../../shared/adapters/gateways/nagad.js";
import { ValidationError } from "../../../../shared/domain/errors.js";
import { type NagadStandIn, startNagadStandIn } from "../../../../shared/local/gateways/nagad-standin.js";
import type {
  CheckoutRequest,
  GatewayContext,
  GatewayNotification,
  InboundRequest,
  PaymentRef,
} from "../../../../shared/ports/payment-gateway.js";

type Payment = Extract<GatewayNotification, { kind: "payment" }>;

const pem = (k: { export(o: object): string | Buffer }, type: "pkcs8" | "spki") =>
  k.export({ type, format: "pem" }).toString();
const merchant = generateKeyPairSync("rsa", { modulusLength: 2048 });
const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });
const MERCHANT_PEM = pem(merchant.privateKey, "pkcs8");
const STRANGER_PEM = pem(stranger.privateKey, "pkcs8");
/** A stretch of each private key's body: none of it may appear in any error. */
const SECRET_SNIPPETS = [MERCHANT_PEM, STRANGER_PEM].map((p) => p.split("\n")[3] ?? "x");

let standIn: NagadStandIn;
let ctx: GatewayContext<NagadCredentials>;
let seq = 0;

beforeAll(async () => {
  standIn = await startNagadStandIn({ merchantPublicKey: pem(merchant.publicKey, "spki") });
  ctx = {
    tenantId: "ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C",
    baseUrl: standIn.baseUrl,
    timeoutMs: 2_000,
    credentials: nagadGateway.parseCredentials({
      merchantId: standIn.merchantId,
      merchantPrivateKey: MERCHANT_PEM,
      nagadPublicKey: standIn.nagadPublicKey,
    }),
  };
});

afterAll(() => standIn.close());
afterEach(() => standIn.setDelay(0));

function checkout(amount = 50_050): CheckoutRequest {
  const paymentId = `pay_01JD3Q7Z8K5V6W9XR2T4N0Q${String(++seq).padStart(3, "0")}`;
  return {
    paymentId,
    amount: { amount, currency: "BDT" },
    description: "Padma Net 20 Mbps, March",
    customer: { name: "Rahim Uddin", phone: "01711000001" },
    returnUrl: `https://isp.example/pay/return?tenant=ten_1&pid=${paymentId}`,
    notifyUrl: "https://isp.example/hooks/nagad",
  };
}

async function start(amount?: number): Promise<{ ref: PaymentRef; redirectUrl: string }> {
  const request = checkout(amount);
  const created = await nagadGateway.createCheckout(ctx, request);
  const ref = {
    paymentId: request.paymentId,
    gatewayRef: created.gatewayRef,
    createdAt: new Date().toISOString(),
  };
  return { ref, redirectUrl: created.redirectUrl };
}

/** The payer's browser on Nagad's page; returns the callback it is sent to. */
async function visit(redirectUrl: string, action?: "cancel"): Promise<InboundRequest> {
  const res = await fetch(action ? `${redirectUrl}?action=${action}` : redirectUrl, { redirect: "manual" });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get("location") ?? "");
  expect(back.origin + back.pathname).toBe("https://isp.example/pay/return");
  return { method: "GET", headers: {}, query: Object.fromEntries(back.searchParams), rawBody: "" };
}

function callback(query: Record<string, string>): InboundRequest {
  return { method: "GET", headers: {}, query, rawBody: "" };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (e: unknown) => e,
  );
}

function expectNoSecrets(error: unknown): void {
  const text = JSON.stringify({
    message: (error as Error).message,
    issues: (error as ValidationError).issues,
  });
  expect(text).not.toContain("PRIVATE KEY");
  for (const snippet of SECRET_SNIPPETS) expect(text).not.toContain(snippet);
}

describe("Nagad crypto", () => {
  it("decrypts PKCS#1 v1.5 and refuses a ciphertext that is not", () => {
    const sealed = publicEncrypt(
      { key: merchant.publicKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from("হ্যাঁ {}"),
    );
    expect(rsaDecrypt(merchant.privateKey, sealed.toString("base64"))).toBe("হ্যাঁ {}");
    const oaep = publicEncrypt(
      { key: merchant.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING },
      Buffer.from("x"),
    );
    expect(() => rsaDecrypt(merchant.privateKey, oaep.toString("base64"))).toThrow();
    expect(() => rsaDecrypt(stranger.privateKey, sealed.toString("base64"))).toThrow();
  });

  it("signs SHA256withRSA and writes Dhaka time as yyyyMMddHHmmss", () => {
    const signature = rsaSign(merchant.privateKey, '{"a":"b"}');
    expect(
      verify("sha256", Buffer.from('{"a":"b"}'), merchant.publicKey, Buffer.from(signature, "base64")),
    ).toBe(true);
    expect(dhakaDateTime(new Date("2026-01-31T18:30:05.900Z"))).toBe("20260201003005");
  });
});

describe("Nagad checkout", () => {
  it("initializes, completes, is paid on the hosted page and verifies as completed", async () => {
    const { ref, redirectUrl } = await start(50_050);
    expect(ref.gatewayRef).toMatch(/^MDT/);
    expect(redirectUrl.startsWith(standIn.baseUrl)).toBe(true);

    const note = (await nagadGateway.readNotification(ctx, await visit(redirectUrl))) as Payment;
    expect(note).toEqual({
      kind: "payment",
      paymentId: ref.paymentId,
      gatewayRef: ref.gatewayRef,
      claimed: "success",
    });

    const verdict = await nagadGateway.confirm(ctx, ref, note);
    expect(verdict).toEqual({
      status: "completed",
      gatewayTxnId: expect.stringMatching(/^[0-9A-F]{10}$/),
      amount: { amount: 50_050, currency: "BDT" },
      paymentId: ref.paymentId,
    });
    expect(await nagadGateway.query(ctx, ref)).toEqual(verdict);
  });

  it("reads a cancel on the hosted page as claimed cancel and verifies it cancelled", async () => {
    const { ref, redirectUrl } = await start();
    const note = (await nagadGateway.readNotification(ctx, await visit(redirectUrl, "cancel"))) as Payment;
    expect(note.claimed).toBe("cancel");
    expect(await nagadGateway.confirm(ctx, ref, note)).toMatchObject({
      status: "cancelled",
      paymentId: ref.paymentId,
    });
  });

  it("reports the amount Nagad says was paid, not the ordered one", async () => {
    const { ref, redirectUrl } = await start(50_000);
    standIn.payAmountNext(1_000);
    const note = (await nagadGateway.readNotification(ctx, await visit(redirectUrl))) as Payment;
    expect((await nagadGateway.confirm(ctx, ref, note)).amount).toEqual({ amount: 1_000, currency: "BDT" });
  });

  it("falls back to order_id when the return URL names no pid", async () => {
    const note = await nagadGateway.readNotification(
      ctx,
      callback({ payment_ref_id: "MDT1", order_id: "pay_x", status: "Failed" }),
    );
    expect(note).toMatchObject({ paymentId: "pay_x", claimed: "failure" });
    const error = await rejection(
      nagadGateway.readNotification(ctx, callback({ payment_ref_id: "MDT1", status: "x" })),
    );
    expect(error).toBeInstanceOf(ValidationError);
  });
});

describe("Nagad forged callbacks", () => {
  it("never completes a payment from a callback naming another payment's reference", async () => {
    const paid = await start();
    await visit(paid.redirectUrl);
    const victim = await start();
    const swapped = callback({
      pid: victim.ref.paymentId,
      payment_ref_id: paid.ref.gatewayRef,
      status: "Success",
    });
    const note = (await nagadGateway.readNotification(ctx, swapped)) as Payment;
    expect(note).toMatchObject({
      paymentId: victim.ref.paymentId,
      gatewayRef: paid.ref.gatewayRef,
      claimed: "success",
    });
    const verdict = await nagadGateway.confirm(ctx, victim.ref, note);
    expect(verdict.status).toBe("pending");
    expect(verdict.paymentId).toBe(victim.ref.paymentId);
  });

  it("never completes an unpaid reference whose callback claims Success", async () => {
    const unpaid = await start();
    const forged = callback({
      pid: unpaid.ref.paymentId,
      payment_ref_id: unpaid.ref.gatewayRef,
      status: "Success",
    });
    const note = (await nagadGateway.readNotification(ctx, forged)) as Payment;
    expect(await nagadGateway.confirm(ctx, unpaid.ref, note)).toMatchObject({ status: "pending" });
    expect(await nagadGateway.query(ctx, unpaid.ref)).toMatchObject({ status: "pending" });
  });
});

describe("Nagad refusals and failures", () => {
  it("is refused when signing with a key Nagad does not know, without showing it", async () => {
    const wrong = { ...ctx, credentials: { ...ctx.credentials, merchantPrivateKey: STRANGER_PEM } };
    const error = await rejection(nagadGateway.createCheckout(wrong, checkout()));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining("InvalidSignature") });
    expectNoSecrets(error);
  });

  it("rejects an initialize answer not signed by the configured Nagad key", async () => {
    standIn.failNext("initialize", "bad-signature");
    const before = standIn.calls.complete;
    const error = await rejection(nagadGateway.createCheckout(ctx, checkout()));
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining("not signed") });
    expect(standIn.calls.complete).toBe(before);
  });

  it("maps timeouts, 500s and non-JSON answers to retryable GatewayErrors", async () => {
    const { ref } = await start();
    const short = { ...ctx, timeoutMs: 150 };
    standIn.failNext("verify", "timeout");
    const timedOut = await rejection(nagadGateway.query(short, ref));
    expect(timedOut).toBeInstanceOf(GatewayError);
    expect(timedOut).toMatchObject({ retryable: true, timedOut: true });
    for (const [route, how] of [
      ["verify", "500"],
      ["verify", "garbage"],
      ["initialize", "500"],
      ["complete", "garbage"],
    ] as const) {
      standIn.failNext(route, how);
      const call =
        route === "verify" ? nagadGateway.query(ctx, ref) : nagadGateway.createCheckout(ctx, checkout());
      const error = await rejection(call);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ retryable: true, timedOut: false });
      expectNoSecrets(error);
    }
    standIn.setDelay(300);
    expect(await rejection(nagadGateway.createCheckout(short, checkout()))).toMatchObject({ timedOut: true });
  });

  it("refuses a reference Nagad does not know, and a currency other than BDT", async () => {
    const ref = { paymentId: "pay_x", gatewayRef: "MDTNOPE", createdAt: "2026-03-01T00:00:00.000Z" };
    expect(await rejection(nagadGateway.query(ctx, ref))).toMatchObject({ retryable: false });
    const inr = { ...checkout(), amount: { amount: 100, currency: "INR" as const } };
    expect(await rejection(nagadGateway.createCheckout(ctx, inr))).toBeInstanceOf(ValidationError);
  });
});

describe("Nagad credentials", () => {
  it("accepts PEM or bare base64 keys and shows only the merchant id", () => {
    const der = (k: string) => k.replace(/-----[^-]+-----|\s/g, "");
    const parsed = nagadGateway.parseCredentials({
      merchantId: "683002007104225",
      merchantPrivateKey: der(MERCHANT_PEM),
      nagadPublicKey: der(standIn.nagadPublicKey),
    });
    expect(createPrivateKey(parsed.merchantPrivateKey).asymmetricKeyType).toBe("rsa");
    expect(createPublicKey(parsed.nagadPublicKey).asymmetricKeyType).toBe("rsa");
    expect(nagadGateway.describeCredentials(parsed)).toEqual({ merchantId: "683002007104225" });
  });

  it("rejects unparseable or misplaced keys without echoing them", () => {
    const cases = [
      { merchantPrivateKey: MERCHANT_PEM.slice(0, 400), nagadPublicKey: standIn.nagadPublicKey },
      { merchantPrivateKey: MERCHANT_PEM, nagadPublicKey: STRANGER_PEM },
      { merchantPrivateKey: STRANGER_PEM.replace("PRIVATE", "PUBLIC"), nagadPublicKey: "not a key" },
    ];
    for (const keys of cases) {
      let error: unknown;
      try {
        nagadGateway.parseCredentials({ merchantId: "683002007104225", ...keys });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.length).toBeGreaterThan(0);
      expectNoSecrets(error);
    }
  });
});
