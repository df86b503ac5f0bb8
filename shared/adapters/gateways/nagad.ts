import {
  constants,
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from "node:crypto";
import * as z from "zod";
import { type FieldIssue, ValidationError } from "../../domain/errors.js";
import { formatMajor, parseMajor } from "../../domain/money.js";
import type { GatewayContext, GatewayVerdict, PaymentGateway } from "../../ports/payment-gateway.js";
import { parseGatewayCredentials } from "./credentials.js";
import { GatewayError } from "./errors.js";
import { gatewayRequest, gatewayUrl, parseGatewayBody } from "./http.js";

/**
 * Nagad's merchant checkout (API v-0.2.0): initialize, complete, redirect, then verify.
 * Public material is thin (Nagad's PHP sample and community SDKs); what this module assumes:
 * - `sensitiveData` is base64 RSA PKCS#1 v1.5 encryption of a compact JSON object and
 *   `signature` is base64 SHA256withRSA over the same JSON text, both ways;
 * - refusals are JSON with `reason` and `message` (sometimes with HTTP 200);
 * - the callback carries `payment_ref_id`, `order_id` and `status`, unsigned; the verify answer
 *   (`status`, `orderId`, `amount` in major units, `issuerPaymentRefNo`) is unsigned too and is
 *   trusted because it comes over TLS from Nagad, for the reference we stored, not the callback's;
 * - `X-KM-IP-V4` should carry the payer's IP, which the port does not provide: see `clientIp`.
 * There is no server-to-server notification: the pending sweep relies on `query`.
 */
const GATEWAY = "nagad";
const API_VERSION = "v-0.2.0";
const BDT_NUMERIC = "050";

const merchantKey = keyField("private");
const nagadKey = keyField("public");

export const NagadCredentialsSchema = z
  .object({
    merchantId: z.string().regex(/^\d{6,20}$/, "must be the numeric merchant id Nagad issued"),
    merchantPrivateKey: merchantKey,
    nagadPublicKey: nagadKey,
    /** The merchant's Nagad wallet number, sent as `accountNumber` when present. */
    accountNumber: z
      .string()
      .regex(/^01\d{9}$/, "must be an 11-digit number starting 01")
      .optional(),
  })
  .strict();
export type NagadCredentials = z.infer<typeof NagadCredentialsSchema>;

type Ctx = GatewayContext<NagadCredentials>;

const SealedSchema = z.object({ sensitiveData: z.string().min(1), signature: z.string().min(1) });
const InitializedSchema = z.object({ paymentReferenceId: z.string().min(1), challenge: z.string().min(1) });
const CompletedSchema = z.object({ status: z.string(), callBackUrl: z.url().optional() });
const RefusalSchema = z.object({ reason: z.unknown(), message: z.string().optional() });
const VerifySchema = z.object({
  status: z.string(),
  statusCode: z.string().nullish(),
  merchantId: z.string().nullish(),
  orderId: z.string().nullish(),
  paymentRefId: z.string().nullish(),
  amount: z.union([z.string(), z.number()]).nullish(),
  issuerPaymentRefNo: z.string().nullish(),
});
const CallbackSchema = z.object({
  payment_ref_id: z.string().min(1),
  status: z.string().min(1),
  order_id: z.string().optional(),
  pid: z.string().optional(),
});

export interface NagadOptions {
  /** Sent as `X-KM-IP-V4`. The port carries no payer IP; Nagad accepts the merchant server's. */
  readonly clientIp?: string;
  readonly now?: () => Date;
}

export function createNagadGateway(options: NagadOptions = {}): PaymentGateway<NagadCredentials> {
  const clientIp = options.clientIp ?? "127.0.0.1";
  const now = options.now ?? (() => new Date());

  async function api(ctx: Ctx, path: string, json?: unknown): Promise<unknown> {
    const res = await gatewayRequest({
      gateway: GATEWAY,
      url: gatewayUrl(ctx.baseUrl, path),
      method: json === undefined ? "GET" : "POST",
      json,
      headers: {
        "X-KM-Api-Version": API_VERSION,
        "X-KM-IP-V4": clientIp,
        "X-KM-Client-Type": "PC_WEB",
        "X-KM-MC-Id": ctx.credentials.merchantId,
      },
      timeoutMs: ctx.timeoutMs,
    });
    const refusal = RefusalSchema.safeParse(res.body);
    if (res.status >= 400 || (refusal.success && refusal.data.reason !== undefined)) {
      const said = refusal.success
        ? [refusal.data.reason, refusal.data.message].filter(Boolean).join(": ")
        : "";
      const where = path.split("/").slice(0, 5).join("/");
      throw new GatewayError(
        GATEWAY,
        `${where} refused (HTTP ${res.status}${said ? `, ${said}` : ""})`,
        false,
      );
    }
    return res.body;
  }

  async function verify(ctx: Ctx, ref: string): Promise<GatewayVerdict> {
    const body = await api(ctx, `/api/dfs/verify/payment/${encodeURIComponent(ref)}`);
    const v = parseGatewayBody(GATEWAY, VerifySchema, body, "verify");
    if (
      (v.paymentRefId && v.paymentRefId !== ref) ||
      (v.merchantId && v.merchantId !== ctx.credentials.merchantId)
    ) {
      throw new GatewayError(GATEWAY, "verify answered for another payment or merchant", false);
    }
    const paymentId = v.orderId ?? undefined;
    const detail = `Nagad says ${v.status}${v.statusCode ? ` (${v.statusCode})` : ""}`;
    switch (v.status.toLowerCase()) {
      case "success": {
        if (!v.issuerPaymentRefNo || v.amount === undefined || v.amount === null) {
          throw new GatewayError(GATEWAY, "malformed verify answer (issuerPaymentRefNo, amount)", true);
        }
        return { status: "completed", gatewayTxnId: v.issuerPaymentRefNo, amount: bdt(v.amount), paymentId };
      }
      case "aborted":
      case "cancelled":
        return { status: "cancelled", paymentId, detail };
      case "failed":
        return { status: "failed", paymentId, detail };
      default:
        return { status: "pending", paymentId, detail };
    }
  }

  return {
    name: GATEWAY,

    parseCredentials(input) {
      return parseGatewayCredentials(NagadCredentialsSchema, "Nagad", input);
    },

    describeCredentials(c) {
      return { merchantId: c.merchantId, ...(c.accountNumber ? { accountNumber: c.accountNumber } : {}) };
    },

    async createCheckout(ctx, request) {
      if (request.amount.currency !== "BDT") {
        throw new ValidationError("Nagad takes BDT only", [
          { path: "amount.currency", message: "must be BDT" },
        ]);
      }
      const keys = keysOf(ctx.credentials);
      const { merchantId, accountNumber } = ctx.credentials;
      const orderId = request.paymentId;
      const dateTime = dhakaDateTime(now());
      const challenge = randomBytes(20).toString("hex");
      const initialized = await api(
        ctx,
        `/api/dfs/check-out/initialize/${merchantId}/${encodeURIComponent(orderId)}`,
        {
          ...(accountNumber ? { accountNumber } : {}),
          dateTime,
          ...seal(keys, { merchantId, datetime: dateTime, orderId, challenge }),
        },
      );
      const answer = parseGatewayBody(GATEWAY, InitializedSchema, open(keys, initialized), "initialize");
      const paymentReferenceId = answer.paymentReferenceId;
      const order = {
        merchantId,
        orderId,
        currencyCode: BDT_NUMERIC,
        amount: formatMajor(request.amount.amount),
        challenge: answer.challenge,
      };
      const completed = await api(
        ctx,
        `/api/dfs/check-out/complete/${encodeURIComponent(paymentReferenceId)}`,
        {
          ...seal(keys, order),
          merchantCallbackURL: request.returnUrl,
          additionalMerchantInfo: { description: request.description.slice(0, 200) },
        },
      );
      const done = parseGatewayBody(GATEWAY, CompletedSchema, completed, "complete");
      if (done.status !== "Success" || !done.callBackUrl) {
        throw new GatewayError(GATEWAY, `complete answered status ${done.status}`, false);
      }
      return { redirectUrl: done.callBackUrl, gatewayRef: paymentReferenceId };
    },

    async readNotification(_ctx, request) {
      const parsed = CallbackSchema.safeParse(request.query);
      if (!parsed.success)
        throw new ValidationError("Malformed Nagad callback", issues(parsed.error, "query"));
      const q = parsed.data;
      const paymentId = q.pid || q.order_id;
      if (!paymentId) {
        throw new ValidationError("Malformed Nagad callback", [
          { in: "query", path: "pid", message: "the return URL must name the payment" },
        ]);
      }
      const status = q.status.toLowerCase();
      const claimed =
        status === "success"
          ? "success"
          : status === "aborted" || status === "cancelled"
            ? "cancel"
            : status === "failed"
              ? "failure"
              : "unknown";
      return { kind: "payment", paymentId, gatewayRef: q.payment_ref_id, claimed };
    },

    // The callback is unsigned: verify the reference we stored at checkout, never the callback's.
    confirm: (ctx, payment) => verify(ctx, payment.gatewayRef),
    query: (ctx, payment) => verify(ctx, payment.gatewayRef),
  };
}

export const nagadGateway = createNagadGateway();

interface Keys {
  readonly merchant: KeyObject;
  readonly nagad: KeyObject;
}

function keysOf(c: NagadCredentials): Keys {
  return { merchant: createPrivateKey(c.merchantPrivateKey), nagad: createPublicKey(c.nagadPublicKey) };
}

function seal(keys: Keys, data: Record<string, string>): { sensitiveData: string; signature: string } {
  const text = JSON.stringify(data);
  return { sensitiveData: rsaEncrypt(keys.nagad, text), signature: rsaSign(keys.merchant, text) };
}

/** Decrypts an answer's sensitiveData and checks Nagad's signature over it. */
function open(keys: Keys, body: unknown): unknown {
  const sealed = parseGatewayBody(GATEWAY, SealedSchema, body, "initialize");
  let text: string;
  try {
    text = rsaDecrypt(keys.merchant, sealed.sensitiveData);
  } catch {
    throw new GatewayError(GATEWAY, "initialize answer does not decrypt with the merchant key", false);
  }
  if (!rsaVerify(keys.nagad, text, sealed.signature)) {
    throw new GatewayError(GATEWAY, "initialize answer is not signed by the configured Nagad key", false);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError(GATEWAY, "malformed initialize answer (sensitiveData)", true);
  }
}

/** RSA PKCS#1 v1.5 encryption, base64. */
export function rsaEncrypt(key: KeyObject, text: string): string {
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(text, "utf8")).toString(
    "base64",
  );
}

/**
 * RSA PKCS#1 v1.5 decryption. Node 20 (OpenSSL 3.0) refuses this padding for private decryption
 * since CVE-2023-46809 (the Marvin timing attack), but Nagad answers with it. We decrypt raw and
 * remove the padding (RFC 8017 §7.2.2) ourselves. Only answers to our own requests, received over
 * TLS from Nagad, are decrypted, and every padding fault is the same error, so no outsider can
 * drive a padding oracle through this.
 */
export function rsaDecrypt(key: KeyObject, base64: string): string {
  const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, Buffer.from(base64, "base64"));
  let separator = 0;
  for (let i = 2; i < em.length; i++) {
    if (separator === 0 && em[i] === 0) separator = i;
  }
  // EM = 0x00 || 0x02 || PS (at least 8 non-zero bytes) || 0x00 || M
  if (em[0] !== 0 || em[1] !== 2 || separator < 10) throw new Error("RSA decryption failed");
  return em.subarray(separator + 1).toString("utf8");
}

/** SHA256withRSA (PKCS#1 v1.5), base64. */
export function rsaSign(key: KeyObject, text: string): string {
  return createSign("sha256").update(text, "utf8").sign(key, "base64");
}

export function rsaVerify(key: KeyObject, text: string, signature: string): boolean {
  return createVerify("sha256").update(text, "utf8").verify(key, signature, "base64");
}

/** yyyyMMddHHmmss on the Dhaka clock: Bangladesh has kept UTC+6 without DST since 2009. */
export function dhakaDateTime(at: Date): string {
  return new Date(at.getTime() + 6 * 3_600_000).toISOString().replace(/\D/g, "").slice(0, 14);
}

function bdt(amount: string | number) {
  try {
    return { amount: parseMajor(amount), currency: "BDT" as const };
  } catch {
    throw new GatewayError(GATEWAY, "malformed verify answer (amount)", true);
  }
}

/**
 * An RSA key as PEM (or the bare base64 DER Nagad hands out), stored back as PEM. Issues say
 * what is wrong, never echo the key.
 */
function keyField(kind: "private" | "public") {
  const message = `must be an RSA ${kind} key of at least 2048 bits (PEM)`;
  return z
    .string()
    .min(1)
    .max(16_384)
    .transform((value, ctx) => {
      const text = value.trim();
      const der = !text.startsWith("-----BEGIN");
      if (kind === "public" && /PRIVATE KEY/.test(text)) {
        ctx.addIssue({ code: "custom", message: "must be Nagad's public key, not a private key" });
        return z.NEVER;
      }
      const key = parseKey(kind, text, der);
      if (key?.asymmetricKeyType !== "rsa" || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
        ctx.addIssue({ code: "custom", message });
        return z.NEVER;
      }
      return key.export(
        kind === "private" ? { type: "pkcs8", format: "pem" } : { type: "spki", format: "pem" },
      ) as string;
    });
}

function parseKey(kind: "private" | "public", text: string, der: boolean): KeyObject | undefined {
  const bytes = Buffer.from(text.replace(/\s+/g, ""), "base64");
  const attempts: (() => KeyObject)[] = !der
    ? [() => (kind === "private" ? createPrivateKey(text) : createPublicKey(text))]
    : kind === "public"
      ? [() => createPublicKey({ key: bytes, format: "der", type: "spki" })]
      : ["pkcs8" as const, "pkcs1" as const].map(
          (type) => () => createPrivateKey({ key: bytes, format: "der", type }),
        );
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // not this encoding; the caller reports one issue that never echoes the key
    }
  }
  return undefined;
}

function issues(error: z.ZodError, where: FieldIssue["in"]): FieldIssue[] {
  return error.issues.map((i) => ({
    in: where,
    path: i.path.map(String).join(".") || "body",
    message: i.message,
  }));
}
