import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { BkashCredentials } from "../../adapters/gateways/bkash.js";

/**
 * A loopback bKash Tokenized Checkout (v1.2.0-beta paths) for tests and local mode. It checks the
 * grant headers and body, id_tokens (401 "Unauthorized" / "The incoming token has expired") and
 * X-APP-Key (403), and answers in bKash's statusCode/statusMessage form. Its checkout page plays
 * the payer: a GET approves (or cancels, or fails) and 302s to callbackURL with paymentID and status.
 */
export type BkashRoute = "grant" | "refresh" | "create" | "execute" | "status" | "checkout";
export type StandInFailure = "timeout" | "500" | "garbage";
export type BkashPayerAction = "approve" | "cancel" | "failure";

export interface BkashStandInPayment {
  readonly paymentID: string;
  readonly amount: string;
  readonly merchantInvoiceNumber: string;
  readonly payerReference: string;
  readonly callbackURL: string;
  /** "Authorized" is internal (the payer approved, not executed yet); bKash shows it as "Initiated". */
  status: "Initiated" | "Authorized" | "Completed" | "Cancelled" | "Failed";
  /** What the payer actually paid; normally the ordered amount. */
  paidAmount: string;
  trxID?: string;
}

export interface BkashStandIn {
  /** Includes the version prefix, like https://tokenized.sandbox.bka.sh/v1.2.0-beta. */
  readonly baseUrl: string;
  /** The credentials it accepts. */
  readonly credentials: BkashCredentials;
  /** Requests received per route, failed ones included. */
  readonly calls: Readonly<Record<BkashRoute, number>>;
  readonly payments: ReadonlyMap<string, BkashStandInPayment>;
  /**
   * The next request to `route` fails: "500" and "garbage" (HTML with 200) without doing anything;
   * "timeout" does the work and never answers (the connection is dropped on close).
   */
  failNext(route: BkashRoute, kind: StandInFailure): void;
  /** Every answer waits this long first. */
  setDelay(ms: number): void;
  /** What the payer does on later checkout page visits (default "approve"). */
  setPayerAction(action: BkashPayerAction): void;
  /** Later approvals record this amount as paid instead of the ordered one; undefined resets. */
  setPaidAmount(amount: string | undefined): void;
  /** Every id_token issued so far expires now; refresh tokens stay valid. */
  expireTokens(): void;
  close(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly location?: string;
}

const OK = { statusCode: "0000", statusMessage: "Successful" };
const ROUTES: Record<string, BkashRoute> = {
  "/tokenized/checkout/token/grant": "grant",
  "/tokenized/checkout/token/refresh": "refresh",
  "/tokenized/checkout/create": "create",
  "/tokenized/checkout/execute": "execute",
  "/tokenized/checkout/payment/status": "status",
  "/checkout": "checkout",
};

export async function startBkashStandIn(
  options: { credentials?: Partial<BkashCredentials>; tokenTtlSeconds?: number } = {},
): Promise<BkashStandIn> {
  const credentials: BkashCredentials = {
    appKey: "standin-app-key-4f6o0cjiki",
    appSecret: "standin-app-secret-2is7hdktrek",
    username: "sandboxTokenizedUser02",
    password: "standin-password-12345",
    ...options.credentials,
  };
  const ttl = options.tokenTtlSeconds ?? 3600;
  const prefix = "/v1.2.0-beta";
  const calls = Object.fromEntries(Object.values(ROUTES).map((r) => [r, 0])) as Record<BkashRoute, number>;
  const failures = new Map<BkashRoute, StandInFailure[]>();
  const payments = new Map<string, BkashStandInPayment>();
  const idTokens = new Map<string, number>(); // id_token -> expiry (ms)
  const refreshTokens = new Set<string>();
  let delayMs = 0;
  let payerAction: BkashPayerAction = "approve";
  let paidAmount: string | undefined;
  let origin = "";

  const issue = (): Reply => {
    const idToken = `id.${randomBytes(16).toString("hex")}`;
    const refreshToken = `rf.${randomBytes(16).toString("hex")}`;
    idTokens.set(idToken, Date.now() + ttl * 1000);
    refreshTokens.add(refreshToken);
    const token = { id_token: idToken, token_type: "Bearer", expires_in: ttl, refresh_token: refreshToken };
    return { status: 200, body: { ...OK, ...token } };
  };

  const tokenRoute = (req: IncomingMessage, body: Record<string, unknown>, refresh: boolean): Reply => {
    if (req.headers.username !== credentials.username || req.headers.password !== credentials.password) {
      return { status: 401, body: { message: "Unauthorized" } };
    }
    if (body.app_key !== credentials.appKey || body.app_secret !== credentials.appSecret) {
      return { status: 200, body: { statusCode: "2001", statusMessage: "Invalid App Key" } };
    }
    if (refresh && !refreshTokens.has(String(body.refresh_token))) {
      return { status: 401, body: { message: "Unauthorized" } };
    }
    return issue();
  };

  /** API Gateway in front of bKash: the id_token, then the app key. */
  const authorise = (req: IncomingMessage): Reply | undefined => {
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    const expiry = idTokens.get(token);
    if (expiry === undefined) return { status: 401, body: { message: "Unauthorized" } };
    if (expiry <= Date.now()) return { status: 401, body: { message: "The incoming token has expired" } };
    if (req.headers["x-app-key"] !== credentials.appKey)
      return { status: 403, body: { message: "Forbidden" } };
    return undefined;
  };

  const refusal = (statusCode: string, statusMessage: string): Reply => ({
    status: 200,
    body: { statusCode, statusMessage },
  });

  const view = (p: BkashStandInPayment) => ({
    paymentID: p.paymentID,
    mode: "0011",
    payerReference: p.payerReference,
    amount: p.status === "Completed" ? p.paidAmount : p.amount,
    currency: "BDT",
    intent: "sale",
    merchantInvoiceNumber: p.merchantInvoiceNumber,
    transactionStatus: p.status === "Authorized" ? "Initiated" : p.status,
    ...(p.trxID ? { trxID: p.trxID, customerMsisdn: "01770618575" } : {}),
    ...OK,
  });

  const create = (body: Record<string, unknown>): Reply => {
    const { mode, payerReference, callbackURL, amount, currency, intent, merchantInvoiceNumber } = body;
    if (
      typeof payerReference !== "string" ||
      typeof callbackURL !== "string" ||
      typeof merchantInvoiceNumber !== "string"
    ) {
      return refusal("2065", "Mandatory field missing");
    }
    if (mode !== "0011") return refusal("2063", "Mode is not valid as per request data");
    if (typeof amount !== "string" || !/^\d+(\.\d{1,2})?$/.test(amount))
      return refusal("2006", "Invalid amount");
    if (currency !== "BDT") return refusal("2007", "Invalid currency");
    if (intent !== "sale") return refusal("2008", "Invalid intent");
    const paymentID = `TR0011${randomBytes(8).toString("hex")}`;
    const payment: BkashStandInPayment = {
      paymentID,
      amount,
      merchantInvoiceNumber,
      payerReference,
      callbackURL,
      status: "Initiated",
      paidAmount: amount,
    };
    payments.set(paymentID, payment);
    const bkashURL = `${origin}/checkout?paymentId=${paymentID}`;
    return { status: 200, body: { ...view(payment), bkashURL, callbackURL } };
  };

  const execute = (body: Record<string, unknown>): Reply => {
    const payment = payments.get(String(body.paymentID));
    if (!payment) return refusal("2002", "Invalid Payment ID");
    if (payment.status === "Completed")
      return refusal("2117", "Payment execution already been called before");
    if (payment.status !== "Authorized") return refusal("2056", "Invalid Payment State");
    payment.status = "Completed";
    payment.trxID = randomBytes(5).toString("hex").toUpperCase();
    return { status: 200, body: { ...view(payment), paymentExecuteTime: new Date().toISOString() } };
  };

  const status = (body: Record<string, unknown>): Reply => {
    const payment = payments.get(String(body.paymentID));
    return payment ? { status: 200, body: view(payment) } : refusal("2002", "Invalid Payment ID");
  };

  /** The payer's browser on bKash's page: approve, cancel or fail, then back to the merchant. */
  const checkout = (url: URL): Reply => {
    const payment = payments.get(url.searchParams.get("paymentId") ?? "");
    if (payment?.status !== "Initiated") return { status: 404, body: { message: "Not Found" } };
    const outcome = { approve: "success", cancel: "cancel", failure: "failure" } as const;
    const next = { approve: "Authorized", cancel: "Cancelled", failure: "Failed" } as const;
    payment.status = next[payerAction];
    if (payerAction === "approve") payment.paidAmount = paidAmount ?? payment.amount;
    const back = new URL(payment.callbackURL);
    back.searchParams.set("paymentID", payment.paymentID);
    back.searchParams.set("status", outcome[payerAction]);
    return { status: 302, location: back.toString() };
  };

  const handle = async (req: IncomingMessage, url: URL, route: BkashRoute): Promise<Reply> => {
    if (route === "checkout") return checkout(url);
    const body = await readJson(req);
    if (!body) return { status: 400, body: { message: "Could not parse request body" } };
    if (route === "grant" || route === "refresh") return tokenRoute(req, body, route === "refresh");
    const denied = authorise(req);
    if (denied) return denied;
    if (route === "create") return create(body);
    if (route === "execute") return execute(body);
    return status(body);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://standin");
      const route =
        ROUTES[url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname];
      if (!route) return send(res, { status: 404, body: { message: "Not Found" } });
      calls[route] += 1;
      const failure = failures.get(route)?.shift();
      if (failure === "500") return send(res, { status: 500, body: { message: "Internal server error" } });
      if (failure === "garbage") {
        res.writeHead(200, { "content-type": "text/html" }).end("<html><body>Service Unavailable</body>");
        return;
      }
      const reply = await handle(req, url, route);
      if (failure === "timeout") return; // done, but the answer never comes
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      send(res, reply);
    })().catch((error: unknown) => send(res, { status: 500, body: { message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: `${origin}${prefix}`,
    credentials,
    calls,
    payments,
    failNext: (route, kind) => failures.set(route, [...(failures.get(route) ?? []), kind]),
    setDelay: (ms) => {
      delayMs = ms;
    },
    setPayerAction: (action) => {
      payerAction = action;
    },
    setPaidAmount: (amount) => {
      paidAmount = amount;
    },
    expireTokens: () => {
      for (const token of idTokens.keys()) idTokens.set(token, 0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  if (reply.location) {
    res.writeHead(reply.status, { location: reply.location }).end();
    return;
  }
  res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body ?? {}));
}
