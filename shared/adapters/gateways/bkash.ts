import { createHash } from "node:crypto";
import * as z from "zod";
import { ValidationError } from "../../domain/errors.js";
import { formatMajor, parseMajor } from "../../domain/money.js";
import { CurrencySchema } from "../../domain/schemas/common.js";
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

const NAME = "bkash";
const PREFIX = "/tokenized/checkout";
/** Renew this long before bKash's stated expiry so a token never runs out mid-request. */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** bKash's "System Error" and "under maintenance" codes: worth asking again later. */
const TRANSIENT_CODES = new Set(["9999", "503"]);

export const BkashCredentialsSchema = z.strictObject({
  appKey: z.string().min(1),
  appSecret: z.string().min(1),
  username: z.string().min(1),
  password: z.string().min(1),
});
export type BkashCredentials = z.infer<typeof BkashCredentialsSchema>;

type Ctx = GatewayContext<BkashCredentials>;
type PaymentNotification = Extract<GatewayNotification, { kind: "payment" }>;

const Code = z.union([z.string(), z.number()]).transform(String);
/** Every tokenized answer carries statusCode/statusMessage; older APIs used errorCode/errorMessage. */
const StatusSchema = z.looseObject({
  statusCode: Code.optional(),
  statusMessage: z.string().optional(),
  errorCode: Code.optional(),
  errorMessage: z.string().optional(),
});
const TokenSchema = z.looseObject({
  id_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().int().positive(),
});
const CallbackSchema = z.object({
  paymentID: z.string().min(1).max(100),
  pid: z.string().min(1).max(100),
  status: z.enum(["success", "failure", "cancel"]),
});
const CreateSchema = z.looseObject({
  paymentID: z.string().min(1),
  bkashURL: z.url({ protocol: /^https?$/ }),
});
const PaymentSchema = z.looseObject({
  paymentID: z.string().optional(),
  transactionStatus: z.string().optional(),
  trxID: z.string().min(1).optional(),
  amount: z.union([z.string(), z.number()]).optional(),
  currency: z.string().optional(),
  merchantInvoiceNumber: z.string().optional(),
});

interface Token {
  readonly idToken: string;
  readonly refreshToken: string | undefined;
  readonly expiresAt: number;
}

export interface BkashGatewayOptions {
  /** Milliseconds since the epoch; tests move it to age the cached token. */
  readonly now?: () => number;
}

/**
 * bKash Tokenized Checkout (v1.2.0-beta paths under the context's base URL). The id_token is
 * cached per credentials, shared by concurrent calls, refreshed with the refresh_token shortly
 * before it expires, and granted anew once when bKash answers 401. The browser callback is only a
 * hint: `confirm` executes (and queries when that fails) and only `transactionStatus: Completed`
 * settles a payment.
 */
export function createBkashGateway(options: BkashGatewayOptions = {}): PaymentGateway<BkashCredentials> {
  const now = options.now ?? Date.now;
  const tokens = new Map<string, Token>();
  const renewals = new Map<string, Promise<Token>>();

  /** A usable id_token; `rejected` is one bKash has just refused, which forces a new grant. */
  async function idToken(ctx: Ctx, rejected?: string): Promise<string> {
    const key = cacheKey(ctx);
    const cached = tokens.get(key);
    const usable = cached && cached.idToken !== rejected ? cached : undefined;
    if (usable && now() < usable.expiresAt - REFRESH_MARGIN_MS) return usable.idToken;
    let renewal = renewals.get(key);
    if (!renewal) {
      renewal = renew(ctx, usable)
        .then((token) => {
          tokens.set(key, token);
          return token;
        })
        .finally(() => renewals.delete(key));
      renewals.set(key, renewal);
    }
    return (await renewal).idToken;
  }

  async function renew(ctx: Ctx, current: Token | undefined): Promise<Token> {
    if (current?.refreshToken) {
      try {
        return await tokenCall(ctx, "/token/refresh", current.refreshToken);
      } catch (error) {
        // A refused refresh (expired refresh_token) is answered by a new grant; an outage is not.
        if (!(error instanceof GatewayError) || error.retryable) throw error;
      }
    }
    return tokenCall(ctx, "/token/grant", undefined);
  }

  async function tokenCall(ctx: Ctx, path: string, refreshToken: string | undefined): Promise<Token> {
    const { appKey, appSecret, username, password } = ctx.credentials;
    const res = await gatewayRequest({
      gateway: NAME,
      url: gatewayUrl(ctx.baseUrl, PREFIX + path),
      headers: { username, password },
      json: {
        app_key: appKey,
        app_secret: appSecret,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
      },
      timeoutMs: ctx.timeoutMs,
    });
    if (res.status >= 400) throw new GatewayError(NAME, `${path} refused (HTTP ${res.status})`, false);
    throwOnRefusal(res.body, path);
    const token = parseGatewayBody(NAME, TokenSchema, res.body, path);
    return {
      idToken: token.id_token,
      refreshToken: token.refresh_token,
      expiresAt: now() + token.expires_in * 1000,
    };
  }

  /** One authorised call; a 401 (expired or revoked token) earns one retry with a new grant. */
  async function call(ctx: Ctx, path: string, body: Record<string, string>): Promise<unknown> {
    let token = await idToken(ctx);
    for (let attempt = 1; ; attempt++) {
      const res = await gatewayRequest({
        gateway: NAME,
        url: gatewayUrl(ctx.baseUrl, PREFIX + path),
        headers: { authorization: token, "x-app-key": ctx.credentials.appKey },
        json: body,
        timeoutMs: ctx.timeoutMs,
      });
      if (res.status === 401 && attempt === 1) {
        token = await idToken(ctx, token);
        continue;
      }
      if (res.status >= 400) throw new GatewayError(NAME, `${path} refused (HTTP ${res.status})`, false);
      return res.body;
    }
  }

  async function query(ctx: Ctx, payment: PaymentRef): Promise<GatewayVerdict> {
    const body = await call(ctx, "/payment/status", { paymentID: payment.gatewayRef });
    const refusal = refusalOf(body, "/payment/status");
    if (refusal) {
      if (refusal.transient) throw new GatewayError(NAME, refusal.text, true);
      return { status: "failed", detail: refusal.text };
    }
    return verdictOf(body, payment);
  }

  return {
    name: NAME,

    parseCredentials(input: unknown): BkashCredentials {
      return parseGatewayCredentials(BkashCredentialsSchema, "bKash", input);
    },

    describeCredentials(credentials: BkashCredentials): Record<string, string> {
      return { appKey: mask(credentials.appKey), username: credentials.username };
    },

    async createCheckout(ctx: Ctx, request: CheckoutRequest): Promise<Checkout> {
      if (request.amount.currency !== "BDT") {
        throw new ValidationError("bKash takes BDT only", [
          { in: "body", path: "amount.currency", message: "bKash settles in BDT only" },
        ]);
      }
      const body = await call(ctx, "/create", {
        mode: "0011",
        payerReference: request.customer.phone,
        callbackURL: request.returnUrl,
        amount: formatMajor(request.amount.amount),
        currency: "BDT",
        intent: "sale",
        merchantInvoiceNumber: request.paymentId,
      });
      throwOnRefusal(body, "/create");
      const created = parseGatewayBody(NAME, CreateSchema, body, "/create");
      return { redirectUrl: created.bkashURL, gatewayRef: created.paymentID };
    },

    async readNotification(_ctx: Ctx, request: InboundRequest): Promise<GatewayNotification> {
      // The service puts our payment id into callbackURL as `pid`; bKash appends paymentID and status.
      const parsed = CallbackSchema.safeParse(request.query);
      if (!parsed.success) {
        throw new ValidationError(
          "Malformed bKash callback",
          parsed.error.issues.map((i) => ({ in: "query", path: i.path.join("."), message: i.message })),
        );
      }
      const { paymentID, status, pid } = parsed.data;
      return { kind: "payment", paymentId: pid, gatewayRef: paymentID, claimed: status };
    },

    async confirm(ctx: Ctx, payment: PaymentRef, notification: PaymentNotification): Promise<GatewayVerdict> {
      const ours = notification.gatewayRef === undefined || notification.gatewayRef === payment.gatewayRef;
      if (notification.claimed === "success" && ours) {
        try {
          const body = await call(ctx, "/execute", { paymentID: payment.gatewayRef });
          if (!refusalOf(body, "/execute")) {
            const verdict = verdictOf(body, payment);
            if (verdict.status === "completed") return verdict;
          }
          // Refused ("already executed", "invalid state") or not completed: the status decides.
        } catch (error) {
          // A timeout or an outage may hide a completed execute: the status decides.
          if (!(error instanceof GatewayError) || !error.retryable) throw error;
        }
      }
      return query(ctx, payment);
    },

    query,
  };
}

/** The module-wide instance: its token cache is shared by every tenant in this process. */
export const bkashGateway: PaymentGateway<BkashCredentials> = createBkashGateway();

function verdictOf(body: unknown, payment: PaymentRef): GatewayVerdict {
  const p = parseGatewayBody(NAME, PaymentSchema, body, "payment");
  if (
    (p.paymentID && p.paymentID !== payment.gatewayRef) ||
    (p.merchantInvoiceNumber ?? payment.paymentId) !== payment.paymentId
  ) {
    throw new GatewayError(NAME, "the answer names another payment", false);
  }
  const paymentId = p.merchantInvoiceNumber;
  switch (p.transactionStatus) {
    case "Completed": {
      if (!p.trxID || p.amount === undefined) {
        throw new GatewayError(NAME, "malformed payment answer (trxID, amount)", true);
      }
      return { status: "completed", gatewayTxnId: p.trxID, amount: money(p.amount, p.currency), paymentId };
    }
    case "Initiated":
    case "Authorized":
      return { status: "pending", paymentId, detail: p.transactionStatus };
    case "Cancelled":
      return { status: "cancelled", paymentId, detail: p.transactionStatus };
    case "Failed":
    case "Expired":
      return { status: "failed", paymentId, detail: p.transactionStatus };
    default:
      return {
        status: "pending",
        paymentId,
        detail: `transactionStatus ${p.transactionStatus ?? "missing"}`,
      };
  }
}

function money(amount: string | number, currency: string | undefined): { amount: number; currency: "BDT" } {
  const parsedCurrency = CurrencySchema.safeParse(currency ?? "BDT");
  if (!parsedCurrency.success || parsedCurrency.data !== "BDT") {
    throw new GatewayError(NAME, "malformed payment answer (currency)", true);
  }
  try {
    return { amount: parseMajor(amount), currency: "BDT" };
  } catch (error) {
    throw new GatewayError(NAME, "malformed payment answer (amount)", true, { cause: error });
  }
}

interface Refusal {
  readonly text: string;
  readonly transient: boolean;
}

function refusalOf(body: unknown, path: string): Refusal | undefined {
  const parsed = StatusSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const code = parsed.data.statusCode ?? parsed.data.errorCode;
  if (code === undefined || code === "0000") return undefined;
  const message = (parsed.data.statusMessage ?? parsed.data.errorMessage ?? "").slice(0, 120);
  return { text: `${path} refused: ${code} ${message}`.trim(), transient: TRANSIENT_CODES.has(code) };
}

function throwOnRefusal(body: unknown, path: string): void {
  const refusal = refusalOf(body, path);
  if (refusal) throw new GatewayError(NAME, refusal.text, refusal.transient);
}

/**
 * Tokens are cached per base URL and credentials. The key is a hash, so no secret sits in a
 * map key; changing any credential (a rotated secret) starts from a new grant.
 */
function cacheKey(ctx: Ctx): string {
  const { appKey, appSecret, username, password } = ctx.credentials;
  return createHash("sha256")
    .update([ctx.baseUrl, appKey, username, appSecret, password].join("\u0000"))
    .digest("hex");
}

function mask(value: string): string {
  return value.length <= 6 ? "…" : `${value.slice(0, 2)}…${value.slice(-2)}`;
}
