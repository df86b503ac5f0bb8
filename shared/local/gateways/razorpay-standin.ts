import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback Razorpay: Payment Links (create, fetch, a hosted page that pays), payment fetch, and
 * signed webhooks to a URL the test names. It signs with node:crypto directly, not with the module
 * under test, so a wrong signing rule in the module cannot agree with itself.
 */
export type RazorpayRoute = "createLink" | "fetchLink" | "fetchPayment" | "hostedPage";
export type StandInFailure = "timeout" | "500" | "garbage";

export interface RazorpayStandInOptions {
  readonly keyId?: string;
  readonly keySecret?: string;
  readonly webhookSecret?: string;
  /** Where the hosted page POSTs `payment_link.paid` and `payment.captured` after paying. */
  readonly webhookUrl?: string;
  /** Deliver every webhook twice with the same event id (Razorpay retries do this). */
  readonly duplicateWebhooks?: boolean;
  /** Delay before every answer, in ms. */
  readonly delayMs?: number;
}

export interface WebhookDelivery {
  readonly event: string;
  readonly eventId: string;
  readonly status: number;
  /** Exactly what was sent, so a test can replay it. */
  readonly body: string;
  readonly signature: string;
}

export interface RazorpayStandIn {
  readonly baseUrl: string;
  readonly keyId: string;
  readonly keySecret: string;
  readonly webhookSecret: string;
  /** Requests per route (including failed ones). */
  readonly calls: Readonly<Record<RazorpayRoute, number>>;
  readonly webhooks: readonly WebhookDelivery[];
  failNext(route: RazorpayRoute, how: StandInFailure): void;
  setDelay(ms: number): void;
  setWebhookUrl(url: string | undefined): void;
  setDuplicateWebhooks(on: boolean): void;
  /** The next payment on a hosted page is for this many paise instead of the link's amount. */
  payAmountNext(paise: number): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

interface Link {
  id: string;
  amount: number;
  currency: string;
  reference_id: string;
  notes: Json;
  callback_url: string;
  status: string;
  amount_paid: number;
  payments: Json[] | null;
  short_url: string;
}

export async function startRazorpayStandIn(opts: RazorpayStandInOptions = {}): Promise<RazorpayStandIn> {
  const keyId = opts.keyId ?? "rzp_test_StandIn0001";
  const keySecret = opts.keySecret ?? "standin-key-secret-0001";
  const webhookSecret = opts.webhookSecret ?? "standin-webhook-secret";
  let delayMs = opts.delayMs ?? 0;
  let webhookUrl = opts.webhookUrl;
  let duplicate = opts.duplicateWebhooks ?? false;
  let payAmount: number | undefined;
  const calls: Record<RazorpayRoute, number> = {
    createLink: 0,
    fetchLink: 0,
    fetchPayment: 0,
    hostedPage: 0,
  };
  const failures = new Map<RazorpayRoute, StandInFailure>();
  const webhooks: WebhookDelivery[] = [];
  const links = new Map<string, Link>();
  const bySlug = new Map<string, Link>();
  const payments = new Map<string, Json>();

  const server = createServer((req, res) => {
    handle(req, res).catch(() =>
      send(res, 500, { error: { code: "SERVER_ERROR", description: "stand-in fault" } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", baseUrl);
    const match = route(req.method ?? "GET", url.pathname);
    if (!match) return send(res, 404, badRequest("The requested URL was not found on the server."));
    calls[match.route]++;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const failure = failures.get(match.route);
    if (failure) {
      failures.delete(match.route);
      if (failure === "timeout") return; // never answers; the client's budget runs out
      if (failure === "500")
        return send(res, 500, { error: { code: "SERVER_ERROR", description: "try later" } });
      res.writeHead(200, { "content-type": "text/html" }).end("<html>upstream hiccup</html>");
      return;
    }
    if (match.route === "hostedPage") return hostedPage(res, match.id);
    if (!authorised(req.headers.authorization)) return send(res, 401, badRequest("Authentication failed"));
    if (match.route === "createLink") return createLink(res, body);
    const found = match.route === "fetchLink" ? links.get(match.id) : payments.get(match.id);
    if (!found) return send(res, 400, badRequest("The id provided does not exist"));
    return send(res, 200, match.route === "fetchLink" ? linkEntity(found as Link) : found);
  }

  function authorised(header: string | undefined): boolean {
    const [scheme, token] = (header ?? "").split(" ");
    if (scheme !== "Basic" || !token) return false;
    return Buffer.from(token, "base64").toString("utf8") === `${keyId}:${keySecret}`;
  }

  function createLink(res: ServerResponse, raw: string) {
    let b: Json;
    try {
      b = JSON.parse(raw) as Json;
    } catch {
      return send(res, 400, badRequest("The request body is not valid JSON"));
    }
    if (!Number.isInteger(b.amount) || (b.amount as number) < 100) {
      return send(res, 400, badRequest("The amount must be atleast INR 1.00", "amount"));
    }
    if (typeof b.currency !== "string" || typeof b.callback_url !== "string" || b.callback_method !== "get") {
      return send(res, 400, badRequest("currency, callback_url and callback_method are required"));
    }
    const reference = typeof b.reference_id === "string" ? b.reference_id : "";
    if ([...links.values()].some((l) => reference !== "" && l.reference_id === reference)) {
      return send(
        res,
        400,
        badRequest(`Payment Link with reference ${reference} already exists`, "reference_id"),
      );
    }
    const slug = randomBytes(4).toString("hex");
    const link: Link = {
      id: id("plink"),
      amount: b.amount as number,
      currency: b.currency,
      reference_id: reference,
      notes: (b.notes as Json | undefined) ?? {},
      callback_url: b.callback_url,
      status: "created",
      amount_paid: 0,
      payments: null,
      short_url: `${baseUrl}/rzp/${slug}`,
    };
    links.set(link.id, link);
    bySlug.set(slug, link);
    send(res, 200, linkEntity(link));
  }

  async function hostedPage(res: ServerResponse, slug: string): Promise<void> {
    const link = bySlug.get(slug);
    if (!link) return send(res, 404, badRequest("Payment link not found"));
    if (link.status !== "created") {
      res.writeHead(200, { "content-type": "text/html" }).end(`<p>This link is ${link.status}</p>`);
      return;
    }
    const amount = payAmount ?? link.amount;
    payAmount = undefined;
    const payment: Json = {
      id: id("pay"),
      entity: "payment",
      amount,
      currency: link.currency,
      status: "captured",
      order_id: id("order"),
      method: "upi",
      captured: true,
      notes: link.notes,
      error_description: null,
      created_at: now(),
    };
    payments.set(payment.id as string, payment);
    link.status = "paid";
    link.amount_paid = amount;
    const { id: pid, status } = payment;
    link.payments = [
      { payment_id: pid, amount, status, plink_id: link.id, method: "upi", created_at: now() },
    ];
    const order = { id: payment.order_id, entity: "order", amount, status: "paid", receipt: null, notes: [] };
    await deliver("payment_link.paid", { payment_link: link, order, payment });
    await deliver("payment.captured", { payment });
    const signed = `${link.id}|${link.reference_id}|paid|${pid}`;
    const back = new URL(link.callback_url);
    back.searchParams.set("razorpay_payment_id", pid as string);
    back.searchParams.set("razorpay_payment_link_id", link.id);
    back.searchParams.set("razorpay_payment_link_reference_id", link.reference_id);
    back.searchParams.set("razorpay_payment_link_status", "paid");
    back.searchParams.set("razorpay_signature", hmac(signed, keySecret));
    res.writeHead(302, { location: back.toString() }).end();
  }

  async function deliver(event: string, entities: Record<string, unknown>): Promise<void> {
    if (!webhookUrl) return;
    const payload = Object.fromEntries(
      Object.entries(entities).map(([k, v]) => [
        k,
        { entity: k === "payment_link" ? linkEntity(v as Link) : v },
      ]),
    );
    const body = JSON.stringify({
      entity: "event",
      account_id: "acc_StandIn0001",
      event,
      contains: Object.keys(entities),
      payload,
      created_at: now(),
    });
    const eventId = id("evt");
    for (let i = 0; i < (duplicate ? 2 : 1); i++) {
      const res = await fetch(webhookUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-razorpay-signature": hmac(body, webhookSecret),
          "x-razorpay-event-id": eventId,
        },
        body,
      });
      await res.arrayBuffer();
      webhooks.push({ event, eventId, status: res.status, body, signature: hmac(body, webhookSecret) });
    }
  }

  return {
    baseUrl,
    keyId,
    keySecret,
    webhookSecret,
    calls,
    webhooks,
    failNext(r, how) {
      failures.set(r, how);
    },
    setDelay(ms) {
      delayMs = ms;
    },
    setWebhookUrl(url) {
      webhookUrl = url;
    },
    setDuplicateWebhooks(on) {
      duplicate = on;
    },
    payAmountNext(paise) {
      payAmount = paise;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function route(method: string, path: string): { route: RazorpayRoute; id: string } | undefined {
  if (method === "POST" && path === "/v1/payment_links") return { route: "createLink", id: "" };
  const m = /^\/(v1\/payment_links|v1\/payments|rzp)\/([^/]+)$/.exec(path);
  if (method !== "GET" || !m?.[2]) return undefined;
  const id = decodeURIComponent(m[2]);
  if (m[1] === "rzp") return { route: "hostedPage", id };
  return { route: m[1] === "v1/payments" ? "fetchPayment" : "fetchLink", id };
}

function linkEntity(l: Link): Json {
  return { ...l, entity: "payment_link", accept_partial: false, created_at: now(), updated_at: now() };
}

/** Razorpay's error body. */
function badRequest(description: string, field?: string): Json {
  const error = {
    code: "BAD_REQUEST_ERROR",
    description,
    source: "NA",
    step: "NA",
    reason: "NA",
    metadata: {},
  };
  return { error: field ? { ...error, field } : error };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function hmac(payload: string, secret: string): string {
  return createHmac("sha256", secret).update(payload).digest("hex");
}

function id(prefix: string): string {
  return `${prefix}_${randomBytes(7).toString("base64url").replace(/[-_]/g, "x")}`;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
