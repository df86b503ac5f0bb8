import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import { type FieldIssue, UnauthorizedError, ValidationError } from "../../domain/errors.js";
import { CurrencySchema, type Money } from "../../domain/schemas/common.js";
import type {
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

/**
 * Razorpay through hosted Payment Links rather than Orders: an order needs Razorpay's JS widget on
 * a page of ours, while a link's `short_url` is a plain redirect, which is what our pay link does.
 * The link id (`plink_...`) is the checkout's gatewayRef; our payment id travels as the link's
 * `reference_id` and in its notes. Amounts are integer paise, i.e. our minor units.
 */
const GATEWAY = "razorpay";

export const RazorpayCredentialsSchema = z
  .object({
    keyId: z.string().regex(/^rzp_(test|live)_[A-Za-z0-9]+$/, "must be a key id like rzp_live_..."),
    keySecret: z.string().min(1).max(256),
    webhookSecret: z.string().min(1).max(256),
  })
  .strict();
export type RazorpayCredentials = z.infer<typeof RazorpayCredentialsSchema>;

type Ctx = GatewayContext<RazorpayCredentials>;

/** Razorpay's signature: lower-case hex HMAC-SHA256 of `payload` with `secret`. */
export function razorpaySignature(payload: string, secret: string): string {
  return createHmac("sha256", secret).update(payload, "utf8").digest("hex");
}

/** Constant-time check; anything but 64 lower-case hex digits is refused before comparing. */
export function verifyRazorpaySignature(payload: string, signature: string | undefined, secret: string) {
  if (signature === undefined || !/^[0-9a-f]{64}$/.test(signature)) return false;
  const expected = createHmac("sha256", secret).update(payload, "utf8").digest();
  const given = Buffer.from(signature, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Razorpay sends `notes: []` when a entity has none. */
const NotesSchema = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullish();
type Notes = z.infer<typeof NotesSchema>;

const PaymentSchema = z.object({
  id: z.string().startsWith("pay_"),
  amount: z.number().int().nonnegative(),
  currency: z.string(),
  status: z.string(),
  order_id: z.string().nullish(),
  notes: NotesSchema,
  error_description: z.string().nullish(),
});

const LinkSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  currency: z.string(),
  reference_id: z.string().nullish(),
  notes: NotesSchema,
  payments: z
    .array(
      z.object({ payment_id: z.string().min(1), amount: z.number().int().nonnegative(), status: z.string() }),
    )
    .nullish(),
});

const CreatedLinkSchema = z.object({ id: z.string().startsWith("plink_"), short_url: z.url() });

const WebhookSchema = z.object({ event: z.string().min(1), payload: z.unknown() });
const PaidPayloadSchema = z.object({
  payment: z.object({ entity: PaymentSchema }),
  payment_link: z
    .object({ entity: LinkSchema.pick({ id: true, reference_id: true, notes: true }) })
    .optional(),
  order: z
    .object({
      entity: z.object({ id: z.string().min(1), receipt: z.string().nullish(), notes: NotesSchema }),
    })
    .optional(),
});

const CallbackSchema = z.object({
  razorpay_payment_id: z.string().min(1),
  razorpay_payment_link_id: z.string().min(1),
  razorpay_payment_link_reference_id: z.string().min(1, "must name the payment"),
  razorpay_payment_link_status: z.string().min(1),
});

const ErrorBodySchema = z.object({
  error: z.object({ code: z.string().optional(), description: z.string().optional() }),
});

/** The events that say something about a payment, and what they claim. */
const EVENT_CLAIMS: Readonly<Record<string, "success" | "failure">> = {
  "payment_link.paid": "success",
  "order.paid": "success",
  "payment.captured": "success",
  "payment.failed": "failure",
};

const PAYMENT_STATUS: Readonly<Record<string, GatewayVerdict["status"]>> = {
  captured: "completed",
  authorized: "pending",
  created: "pending",
  failed: "failed",
};

export const razorpayGateway: PaymentGateway<RazorpayCredentials> = {
  name: GATEWAY,

  parseCredentials(input) {
    return parseGatewayCredentials(RazorpayCredentialsSchema, "Razorpay", input);
  },

  describeCredentials(credentials) {
    return { keyId: credentials.keyId };
  },

  async createCheckout(ctx, request) {
    const { customer } = request;
    const body = await api(ctx, "POST", "/v1/payment_links", {
      amount: request.amount.amount,
      currency: request.amount.currency,
      accept_partial: false,
      reference_id: request.paymentId,
      description: request.description.slice(0, 2048),
      customer: {
        name: customer.name,
        contact: customer.phone,
        ...(customer.email ? { email: customer.email } : {}),
      },
      notify: { sms: false, email: false },
      reminder_enable: false,
      notes: { paymentId: request.paymentId, tenantId: ctx.tenantId },
      callback_url: request.returnUrl,
      callback_method: "get",
    });
    const link = parseGatewayBody(GATEWAY, CreatedLinkSchema, body, "payment link");
    return { redirectUrl: link.short_url, gatewayRef: link.id };
  },

  async readNotification(ctx, request) {
    const method = request.method.toUpperCase();
    if (method === "POST") return readWebhook(ctx, request);
    if (method === "GET") return readCallback(ctx.credentials, request.query);
    throw new ValidationError("Invalid Razorpay notification", [
      { path: "method", message: "must be GET (callback) or POST (webhook)" },
    ]);
  },

  async confirm(ctx, payment, notification) {
    const payId = notification.evidence?.payment_id;
    if (typeof payId !== "string" || payId === "") return query(ctx, payment);
    // A signed webhook is authentic, but only Razorpay's current view of the payment settles it.
    const body = await api(ctx, "GET", `/v1/payments/${encodeURIComponent(payId)}`);
    const p = parseGatewayBody(GATEWAY, PaymentSchema, body, "payment");
    const status = PAYMENT_STATUS[p.status] ?? "pending";
    return {
      status,
      gatewayTxnId: p.id,
      amount: money(p.amount, p.currency),
      paymentId: note(p.notes, "paymentId") ?? notification.paymentId,
      ...(status === "completed" ? {} : { detail: p.error_description ?? `payment is ${p.status}` }),
    };
  },

  query,
};

/** The sweep: the payment link's own status, never a payment the payer has not made. */
async function query(ctx: Ctx, payment: PaymentRef): Promise<GatewayVerdict> {
  const body = await api(ctx, "GET", `/v1/payment_links/${encodeURIComponent(payment.gatewayRef)}`);
  const link = parseGatewayBody(GATEWAY, LinkSchema, body, "payment link");
  const paymentId = nonEmpty(link.reference_id) ?? note(link.notes, "paymentId");
  const detail = `payment link is ${link.status}`;
  switch (link.status) {
    case "paid": {
      const paid = link.payments?.find((p) => p.status === "captured") ?? link.payments?.[0];
      if (!paid)
        throw new GatewayError(GATEWAY, "malformed payment link answer (paid without payments)", true);
      return {
        status: "completed",
        gatewayTxnId: paid.payment_id,
        amount: money(paid.amount, link.currency),
        paymentId,
      };
    }
    case "expired":
    case "cancelled":
      return { status: "cancelled", paymentId, detail };
    default: // created, partially_paid
      return { status: "pending", paymentId, detail };
  }
}

function readWebhook(ctx: Ctx, request: InboundRequest): GatewayNotification {
  const signature = request.headers["x-razorpay-signature"];
  if (!verifyRazorpaySignature(request.rawBody, signature, ctx.credentials.webhookSecret)) {
    throw new UnauthorizedError("Razorpay webhook signature does not match");
  }
  const envelope = parseInbound(WebhookSchema, json(request.rawBody), "body");
  const claimed = EVENT_CLAIMS[envelope.event];
  if (!claimed) return { kind: "ignored", reason: `event ${envelope.event} is not handled` };
  const payload = parseInbound(PaidPayloadSchema, envelope.payload, "body", "payload");
  const p = payload.payment.entity;
  const link = payload.payment_link?.entity;
  const order = payload.order?.entity;
  const tenantId =
    note(link?.notes, "tenantId") ?? note(order?.notes, "tenantId") ?? note(p.notes, "tenantId");
  if (tenantId !== undefined && tenantId !== ctx.tenantId) {
    return { kind: "ignored", reason: "the payment belongs to another tenant" };
  }
  const paymentId =
    note(link?.notes, "paymentId") ??
    nonEmpty(link?.reference_id) ??
    note(order?.notes, "paymentId") ??
    nonEmpty(order?.receipt) ??
    note(p.notes, "paymentId");
  if (!paymentId) return { kind: "ignored", reason: "the payment names none of our payments" };
  const eventId = request.headers["x-razorpay-event-id"];
  return {
    kind: "payment",
    paymentId,
    // A bare payment event names only the link's internal order, not the plink id we stored.
    gatewayRef: link?.id ?? order?.id,
    eventId: eventId === "" ? undefined : eventId,
    claimed,
    evidence: {
      payment_id: p.id,
      amount: p.amount,
      currency: p.currency,
      status: p.status,
      ...(p.order_id ? { order_id: p.order_id } : {}),
    },
  };
}

/** The payer's browser back from the hosted page, signed with the key secret. */
function readCallback(c: RazorpayCredentials, query: InboundRequest["query"]): GatewayNotification {
  const signature = query.razorpay_signature;
  if (signature === undefined || signature === "")
    throw new UnauthorizedError("Razorpay callback is not signed");
  const q = parseInbound(CallbackSchema, query, "query");
  const signed = [
    q.razorpay_payment_link_id,
    q.razorpay_payment_link_reference_id,
    q.razorpay_payment_link_status,
    q.razorpay_payment_id,
  ].join("|");
  if (!verifyRazorpaySignature(signed, signature, c.keySecret)) {
    throw new UnauthorizedError("Razorpay callback signature does not match");
  }
  const status = q.razorpay_payment_link_status;
  const claimed =
    status === "paid" ? "success" : status === "cancelled" || status === "expired" ? "cancel" : "unknown";
  return {
    kind: "payment",
    paymentId: q.razorpay_payment_link_reference_id,
    gatewayRef: q.razorpay_payment_link_id,
    claimed,
    evidence: { payment_id: q.razorpay_payment_id, link_status: status },
  };
}

async function api(ctx: Ctx, method: "GET" | "POST", path: string, json?: unknown): Promise<unknown> {
  const { keyId, keySecret } = ctx.credentials;
  const res = await gatewayRequest({
    gateway: GATEWAY,
    url: gatewayUrl(ctx.baseUrl, path),
    method,
    json,
    headers: { authorization: `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString("base64")}` },
    timeoutMs: ctx.timeoutMs,
  });
  if (res.status < 400) return res.body;
  const error = ErrorBodySchema.safeParse(res.body);
  const said = error.success
    ? [error.data.error.code, error.data.error.description].filter(Boolean).join(": ")
    : "";
  const message = `${path} refused (HTTP ${res.status}${said ? `, ${said}` : ""})`;
  throw new GatewayError(GATEWAY, redact(message, ctx.credentials), false);
}

/** Razorpay's descriptions are its own words; still, no secret leaves through them. */
function redact(text: string, c: RazorpayCredentials): string {
  return text.replaceAll(c.keySecret, "[redacted]").replaceAll(c.webhookSecret, "[redacted]");
}

function money(amount: number, currency: string): Money {
  const parsed = CurrencySchema.safeParse(currency);
  if (!parsed.success) throw new GatewayError(GATEWAY, `answered in unsupported currency ${currency}`, false);
  return { amount, currency: parsed.data };
}

function note(notes: Notes, key: string): string | undefined {
  if (!notes || Array.isArray(notes)) return undefined;
  const value = notes[key];
  return typeof value === "string" ? nonEmpty(value) : undefined;
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === "" ? undefined : value;
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError("Malformed Razorpay webhook", [
      { in: "body", path: "body", message: "must be JSON" },
    ]);
  }
}

function parseInbound<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: "body" | "query",
  prefix?: string,
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    `Malformed Razorpay ${where === "body" ? "webhook" : "callback"}`,
    issues(parsed.error, where, prefix),
  );
}

function issues(error: z.ZodError, where: FieldIssue["in"], prefix?: string): FieldIssue[] {
  // zod's messages name the rule, never the value, so no secret can leave through them.
  return error.issues.map((i) => ({
    in: where,
    path: [prefix, ...i.path.map(String)].filter(Boolean).join(".") || "body",
    message: i.message,
  }));
}
