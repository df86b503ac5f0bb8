import { createHash, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import { UnauthorizedError, ValidationError } from "../../domain/errors.js";
import { formatMajor, parseMajor } from "../../domain/money.js";
import { type Currency, CurrencySchema, type Money } from "../../domain/schemas/common.js";
import type {
  Checkout,
  CheckoutRequest,
  GatewayContext,
  GatewayNotification,
  GatewayVerdict,
  InboundRequest,
  PaymentGateway,
  PaymentRef,
} from "../../ports/payment-gateway.js";
import { parseGatewayCredentials } from "./credentials.js";
import { GatewayError } from "./errors.js";
import { gatewayRequest, gatewayUrl, parseGatewayBody } from "./http.js";

const NAME = "sslcommerz";
const SESSION_PATH = "/gwprocess/v4/api.php";
const VALIDATION_PATH = "/validator/api/validationserverAPI.php";
const QUERY_PATH = "/validator/api/merchantTransIDvalidationAPI.php";
/** SSLCommerz's limits for one BDT transaction, in poisha. */
const MIN_BDT = 10_00;
const MAX_BDT = 500_000_00;
/** Of our currencies, the ones SSLCommerz takes. */
const CURRENCIES: ReadonlySet<Currency> = new Set(["BDT", "USD", "INR"]);
/** v4 requires an e-mail address; a payer without one gets an address that can never receive mail. */
const NO_EMAIL = "noreply@invalid.example";

export const SslcommerzCredentialsSchema = z.strictObject({
  storeId: z.string().min(1),
  storePassword: z.string().min(1),
});
export type SslcommerzCredentials = z.infer<typeof SslcommerzCredentialsSchema>;

type Ctx = GatewayContext<SslcommerzCredentials>;
type PaymentNotification = Extract<GatewayNotification, { kind: "payment" }>;

const Decimal = z.union([z.string(), z.number()]);
const SessionSchema = z.looseObject({
  status: z.string(),
  failedreason: z.string().nullish(),
  sessionkey: z.string().nullish(),
  GatewayPageURL: z.string().nullish(),
});
const ReadySessionSchema = z.looseObject({
  sessionkey: z.string().min(1),
  GatewayPageURL: z.url({ protocol: /^https?$/ }),
});
/** One transaction as the validation and transaction-query APIs describe it. */
const TransactionSchema = z.looseObject({
  status: z.string(),
  tran_id: z.string().optional(),
  val_id: z.string().optional(),
  bank_tran_id: z.string().nullish(),
  amount: Decimal.nullish(),
  currency: z.string().nullish(),
  currency_type: z.string().nullish(),
  currency_amount: Decimal.nullish(),
  risk_level: z.union([z.string(), z.number()]).nullish(),
  risk_title: z.string().nullish(),
  error: z.string().nullish(),
});
const ApiSchema = z.looseObject({ APIConnect: z.string().optional() });
const QuerySchema = z.looseObject({ element: z.array(TransactionSchema).nullish() });

/**
 * SSLCommerz v4 hosted checkout. IPNs and browser returns are authenticated with `verify_sign`,
 * but settle nothing: `confirm` asks the validation API about the `val_id`, and `query` asks the
 * transaction-query API about our `tran_id`. Store credentials travel in the query string of those
 * APIs, so errors name paths only (see http.ts).
 */
export const sslcommerzGateway: PaymentGateway<SslcommerzCredentials> = {
  name: NAME,

  parseCredentials(input: unknown): SslcommerzCredentials {
    return parseGatewayCredentials(SslcommerzCredentialsSchema, "SSLCommerz", input);
  },

  describeCredentials(credentials: SslcommerzCredentials): Record<string, string> {
    return { storeId: credentials.storeId };
  },

  async createCheckout(ctx: Ctx, request: CheckoutRequest): Promise<Checkout> {
    const { amount, currency } = request.amount;
    if (!CURRENCIES.has(currency)) {
      throw new ValidationError("SSLCommerz does not take this currency", [
        { in: "body", path: "amount.currency", message: `must be one of ${[...CURRENCIES].join(", ")}` },
      ]);
    }
    if (currency === "BDT" && (amount < MIN_BDT || amount > MAX_BDT)) {
      throw new ValidationError("Amount outside SSLCommerz limits", [
        { in: "body", path: "amount.amount", message: "must be between 10 and 500,000 BDT" },
      ]);
    }
    const { storeId, storePassword } = ctx.credentials;
    const res = await gatewayRequest({
      gateway: NAME,
      url: gatewayUrl(ctx.baseUrl, SESSION_PATH),
      form: {
        store_id: storeId,
        store_passwd: storePassword,
        total_amount: formatMajor(amount),
        currency,
        tran_id: request.paymentId,
        success_url: request.returnUrl,
        fail_url: request.returnUrl,
        cancel_url: request.returnUrl,
        ipn_url: request.notifyUrl,
        cus_name: request.customer.name,
        cus_phone: request.customer.phone,
        cus_email: request.customer.email ?? NO_EMAIL,
        // Mandatory in v4; the port carries no postal address and nothing is shipped.
        cus_add1: "N/A",
        cus_city: "N/A",
        cus_postcode: "0000",
        cus_country: "Bangladesh",
        shipping_method: "NO",
        num_of_item: "1",
        product_name: request.description.slice(0, 255) || "Internet service",
        product_category: "Internet service",
        product_profile: "non-physical-goods",
      },
      timeoutMs: ctx.timeoutMs,
    });
    if (res.status >= 400)
      throw new GatewayError(NAME, `${SESSION_PATH} refused (HTTP ${res.status})`, false);
    const session = parseGatewayBody(NAME, SessionSchema, res.body, "session");
    if (session.status !== "SUCCESS") {
      const reason = redact(session.failedreason ?? session.status, ctx.credentials);
      throw new GatewayError(NAME, `session refused: ${reason}`, false);
    }
    const ready = parseGatewayBody(NAME, ReadySessionSchema, res.body, "session");
    return { redirectUrl: ready.GatewayPageURL, gatewayRef: ready.sessionkey };
  },

  async readNotification(ctx: Ctx, request: InboundRequest): Promise<GatewayNotification> {
    const fields = notificationFields(request);
    verifySignature(fields, ctx.credentials.storePassword);
    const { tran_id: tranId, val_id: valId, status } = fields;
    const issues = [
      ...(tranId ? [] : [{ path: "tran_id", message: "is required" }]),
      ...(status ? [] : [{ path: "status", message: "is required" }]),
      ...(!valId && (status === "VALID" || status === "VALIDATED")
        ? [{ path: "val_id", message: "is required when status is VALID" }]
        : []),
    ];
    if (!tranId || !status || issues.length > 0)
      throw new ValidationError("Malformed SSLCommerz notification", issues);
    return {
      kind: "payment",
      paymentId: tranId,
      claimed: claimOf(status, valId),
      evidence: valId ? { val_id: valId } : undefined,
    };
  },

  async confirm(ctx: Ctx, payment: PaymentRef, notification: PaymentNotification): Promise<GatewayVerdict> {
    const valId = notification.evidence?.val_id;
    if (typeof valId !== "string" || valId === "") return sslcommerzGateway.query(ctx, payment);
    const body = await api(ctx, VALIDATION_PATH, { val_id: valId });
    const txn = parseGatewayBody(NAME, TransactionSchema, body, "validation");
    if (txn.status === "VALID" || txn.status === "VALIDATED") return completed(txn, payment);
    if (txn.status === "INVALID_TRANSACTION") return { status: "failed", detail: txn.status };
    return { status: "pending", detail: `validation status ${txn.status}` };
  },

  async query(ctx: Ctx, payment: PaymentRef): Promise<GatewayVerdict> {
    const body = await api(ctx, QUERY_PATH, { tran_id: payment.paymentId });
    const txns = parseGatewayBody(NAME, QuerySchema, body, "transaction query").element ?? [];
    const paid = txns.find((t) => t.status === "VALID" || t.status === "VALIDATED");
    if (paid) return completed(paid, payment);
    const last = txns.at(-1);
    if (!last || txns.some((t) => t.status === "PENDING")) {
      return {
        status: "pending",
        paymentId: payment.paymentId,
        detail: last ? "PENDING" : "no transaction yet",
      };
    }
    const detail = last.error ? `${last.status}: ${last.error.slice(0, 120)}` : last.status;
    if (last.status === "CANCELLED") return { status: "cancelled", paymentId: payment.paymentId, detail };
    if (last.status === "FAILED" || last.status === "EXPIRED") {
      return { status: "failed", paymentId: payment.paymentId, detail };
    }
    return { status: "pending", paymentId: payment.paymentId, detail };
  },
};

/** A GET on one of the validator APIs; the store credentials go in the query string, as documented. */
async function api(ctx: Ctx, path: string, params: Record<string, string>): Promise<unknown> {
  const { storeId, storePassword } = ctx.credentials;
  const res = await gatewayRequest({
    gateway: NAME,
    url: gatewayUrl(ctx.baseUrl, path, {
      ...params,
      store_id: storeId,
      store_passwd: storePassword,
      format: "json",
    }),
    timeoutMs: ctx.timeoutMs,
  });
  if (res.status >= 400) throw new GatewayError(NAME, `${path} refused (HTTP ${res.status})`, false);
  const connect = parseGatewayBody(NAME, ApiSchema, res.body, path).APIConnect;
  // INVALID_REQUEST, FAILED (authentication) and INACTIVE (store) are refusals, not outages.
  if (connect !== undefined && connect !== "DONE")
    throw new GatewayError(NAME, `${path} refused: ${connect}`, false);
  return res.body;
}

function completed(txn: z.infer<typeof TransactionSchema>, payment: PaymentRef): GatewayVerdict {
  if (txn.tran_id !== payment.paymentId)
    throw new GatewayError(NAME, "the answer names another transaction", false);
  if (!txn.bank_tran_id) throw new GatewayError(NAME, "malformed answer (bank_tran_id)", true);
  const risky = String(txn.risk_level ?? "0") !== "0";
  return {
    status: "completed",
    gatewayTxnId: txn.bank_tran_id,
    amount: paidAmount(txn),
    paymentId: txn.tran_id,
    ...(risky ? { detail: `risk_level ${txn.risk_level}: ${txn.risk_title ?? ""}`.trim() } : {}),
  };
}

/** The order's own currency and amount: currency_type/currency_amount when SSLCommerz converted. */
function paidAmount(txn: z.infer<typeof TransactionSchema>): Money {
  const converted = txn.currency_type && txn.currency_amount !== undefined && txn.currency_amount !== null;
  const currency = CurrencySchema.safeParse(converted ? txn.currency_type : txn.currency);
  const amount = converted ? txn.currency_amount : txn.amount;
  if (!currency.success || amount === undefined || amount === null) {
    throw new GatewayError(NAME, "malformed answer (amount, currency)", true);
  }
  try {
    return { amount: parseMajor(amount), currency: currency.data };
  } catch (error) {
    throw new GatewayError(NAME, "malformed answer (amount)", true, { cause: error });
  }
}

/** The POSTed form (IPN, browser return) or, for a GET return, the query string. */
function notificationFields(request: InboundRequest): Record<string, string> {
  const type = request.headers["content-type"];
  if (request.rawBody.trim() === "") {
    return Object.fromEntries(
      Object.entries(request.query).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
  }
  if (type !== undefined && !type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw new ValidationError("SSLCommerz notifications are form posts", [
      { in: "header", path: "content-type", message: "must be application/x-www-form-urlencoded" },
    ]);
  }
  const fields: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(request.rawBody)) {
    // A repeated field could be signed under one value and read under another.
    if (Object.hasOwn(fields, key))
      throw new ValidationError("Repeated field", [{ in: "body", path: key, message: "is repeated" }]);
    fields[key] = value;
  }
  return fields;
}

/**
 * verify_sign = md5 of `key=value&...` over the fields named in verify_key (those present), plus
 * store_passwd=md5(password), sorted by key. The fields we act on must be among the signed ones.
 */
function verifySignature(fields: Record<string, string>, storePassword: string): void {
  const { verify_sign: sign, verify_key: keyList } = fields;
  if (!sign || !keyList) throw new UnauthorizedError("SSLCommerz notification is not signed");
  const keys = new Set(keyList.split(","));
  const needed = ["tran_id", "status", ...(fields.val_id === undefined ? [] : ["val_id"])];
  if (needed.some((k) => !keys.has(k)))
    throw new UnauthorizedError("SSLCommerz signature does not cover the payment");
  const signed: Record<string, string> = {};
  for (const key of keys) {
    const value = fields[key];
    if (value !== undefined) signed[key] = value;
  }
  signed.store_passwd = md5(storePassword);
  const text = Object.keys(signed)
    .sort()
    .map((k) => `${k}=${signed[k]}`)
    .join("&");
  const expected = Buffer.from(md5(text), "utf8");
  const given = Buffer.from(sign, "utf8");
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new UnauthorizedError("SSLCommerz signature does not match");
  }
}

function claimOf(status: string, valId: string | undefined): PaymentNotification["claimed"] {
  if ((status === "VALID" || status === "VALIDATED") && valId) return "success";
  if (status === "CANCELLED") return "cancel";
  if (status === "FAILED" || status === "EXPIRED" || status === "UNATTEMPTED") return "failure";
  return "unknown";
}

function md5(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

/** SSLCommerz's own words, without the store's credentials should it ever echo them. */
function redact(text: string, credentials: SslcommerzCredentials): string {
  return text.split(credentials.storePassword).join("[redacted]").slice(0, 160);
}
