import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SslcommerzCredentials } from "../../adapters/gateways/sslcommerz.js";
import { formatMajor, parseMajor } from "../../domain/money.js";

/**
 * A loopback SSLCommerz v4: session API, a hosted page that plays the payer, the IPN it then POSTs
 * (signed with verify_sign/verify_key), and the validation and transaction-query APIs. The
 * browser return is a 302 to success_url/fail_url/cancel_url with the IPN fields in the query
 * (SSLCommerz itself has the browser POST them).
 */
export type SslcommerzRoute = "session" | "pay" | "validation" | "query";
export type StandInFailure = "timeout" | "500" | "garbage";
export type SslcommerzPayerAction = "pay" | "fail" | "cancel" | "pending";

export interface SslcommerzAttempt {
  status: "VALID" | "VALIDATED" | "FAILED" | "CANCELLED" | "PENDING";
  /** The fields as the IPN carried them (without the signature). */
  readonly fields: Readonly<Record<string, string>>;
}

export interface SslcommerzStandInTransaction {
  readonly form: Readonly<Record<string, string>>;
  readonly sessionkey: string;
  readonly attempts: SslcommerzAttempt[];
}

export interface SslcommerzIpn {
  readonly url: string;
  /** The form body exactly as sent. */
  readonly body: string;
  /** The receiver's HTTP status, or "error" when it could not be reached. */
  readonly outcome: number | "error";
}

export interface SslcommerzStandIn {
  readonly baseUrl: string;
  readonly credentials: SslcommerzCredentials;
  readonly calls: Readonly<Record<SslcommerzRoute, number>>;
  /** By tran_id. */
  readonly transactions: ReadonlyMap<string, SslcommerzStandInTransaction>;
  /** Every IPN sent, in order. `${baseUrl}/ipn-sink` accepts them when a test needs no receiver. */
  readonly ipns: readonly SslcommerzIpn[];
  /** As for bKash: "500"/"garbage" do nothing; "timeout" does the work and never answers. */
  failNext(route: SslcommerzRoute, kind: StandInFailure): void;
  setDelay(ms: number): void;
  /** What the payer does on later visits to the hosted page (default "pay"). */
  setPayerAction(action: SslcommerzPayerAction): void;
  /** Later payments record this (order-currency) amount as paid; undefined resets. */
  setPaidAmount(amount: string | undefined): void;
  close(): Promise<void>;
}

/** Adds verify_key (every field) and verify_sign as SSLCommerz computes them. */
export function signFields(fields: Record<string, string>, storePassword: string): Record<string, string> {
  const keys = Object.keys(fields).sort();
  const signed: Record<string, string> = { ...fields, store_passwd: md5(storePassword) };
  const text = [...keys, "store_passwd"]
    .sort()
    .map((k) => `${k}=${signed[k]}`)
    .join("&");
  return { ...fields, verify_key: keys.join(","), verify_sign: md5(text) };
}

/** BDT per unit, in hundredths, for orders in other currencies. */
const RATES: Record<string, number> = { BDT: 100, USD: 11000, INR: 130 };
// biome-ignore format: a list
const REQUIRED = [
  "total_amount", "currency", "tran_id", "success_url", "fail_url", "cancel_url", "cus_name", "cus_email",
  "cus_add1", "cus_city", "cus_country", "cus_phone", "shipping_method", "product_name", "product_category",
  "product_profile",
];

interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly location?: string;
}

export async function startSslcommerzStandIn(
  options: { credentials?: Partial<SslcommerzCredentials> } = {},
): Promise<SslcommerzStandIn> {
  const credentials = {
    storeId: "isp5f0c1d2e3a4b5",
    storePassword: "isp5f0c1d2e3a4b5@ssl",
    ...options.credentials,
  };
  const calls: Record<SslcommerzRoute, number> = { session: 0, pay: 0, validation: 0, query: 0 };
  const failures = new Map<SslcommerzRoute, StandInFailure[]>();
  const transactions = new Map<string, SslcommerzStandInTransaction>();
  const ipns: SslcommerzIpn[] = [];
  let delayMs = 0;
  let payerAction: SslcommerzPayerAction = "pay";
  let paidAmount: string | undefined;
  let origin = "";

  const authentic = (p: URLSearchParams | Record<string, string | undefined>) => {
    const get = (k: string) => (p instanceof URLSearchParams ? p.get(k) : p[k]);
    return get("store_id") === credentials.storeId && get("store_passwd") === credentials.storePassword;
  };

  const session = (form: Record<string, string>): Reply => {
    const failed = (failedreason: string): Reply => ({
      status: 200,
      body: { status: "FAILED", failedreason },
    });
    if (!authentic(form)) return failed("Store Credential Error Or Store is De-active");
    const missing = REQUIRED.find((k) => !form[k]);
    if (missing) return failed(`Invalid Information: ${missing} is missing`);
    const minor = /^\d+(\.\d{1,2})?$/.test(form.total_amount ?? "")
      ? parseMajor(form.total_amount ?? "")
      : -1;
    if (minor < 0 || (form.currency === "BDT" && (minor < 10_00 || minor > 500_000_00)))
      return failed("Invalid amount");
    if (RATES[form.currency ?? ""] === undefined) return failed("Invalid currency");
    const sessionkey = randomBytes(16).toString("hex").toUpperCase();
    transactions.set(form.tran_id ?? "", { form, sessionkey, attempts: [] });
    const GatewayPageURL = `${origin}/EasyCheckOut/${sessionkey}`;
    return {
      status: 200,
      body: { status: "SUCCESS", failedreason: "", sessionkey, GatewayPageURL, desc: [] },
    };
  };

  /** The payer on the hosted page: pays (or fails, cancels, stalls); then the IPN, then the browser back. */
  const pay = async (sessionkey: string): Promise<Reply> => {
    const txn = [...transactions.values()].find((t) => t.sessionkey === sessionkey);
    if (!txn) return { status: 404, body: { message: "Not Found" } };
    const currency = txn.form.currency ?? "BDT";
    const orderMinor = parseMajor(paidAmount ?? txn.form.total_amount ?? "");
    const bdtMinor = Math.round((orderMinor * (RATES[currency] ?? 100)) / 100);
    const status = ({ pay: "VALID", fail: "FAILED", cancel: "CANCELLED", pending: "PENDING" } as const)[
      payerAction
    ];
    const fields: Record<string, string> = {
      status,
      tran_date: new Date().toISOString().slice(0, 19).replace("T", " "),
      tran_id: txn.form.tran_id ?? "",
      ...(status === "VALID"
        ? {
            val_id: `${Date.now()}${randomBytes(4).toString("hex")}`,
            bank_tran_id: randomBytes(8).toString("hex"),
          }
        : { error: status === "FAILED" ? "Declined by the issuer" : "Cancelled by the customer" }),
      amount: formatMajor(bdtMinor),
      store_amount: formatMajor(bdtMinor),
      currency: "BDT",
      card_type: "BKASH-BKash",
      card_brand: "MOBILEBANKING",
      currency_type: currency,
      currency_amount: formatMajor(orderMinor),
      currency_rate: formatMajor(RATES[currency] ?? 100),
      value_a: "",
      risk_level: "0",
      risk_title: "Safe",
    };
    txn.attempts.push({ status, fields });
    if (status === "PENDING") return { status: 200, body: { message: "Your payment is being processed" } };
    const signed = signFields(fields, credentials.storePassword);
    const body = new URLSearchParams(signed).toString();
    const ipnUrl = txn.form.ipn_url;
    if (ipnUrl) {
      const outcome = await fetch(ipnUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
        signal: AbortSignal.timeout(2000),
      }).then(
        (r) => r.status,
        () => "error" as const,
      );
      ipns.push({ url: ipnUrl, body, outcome });
    }
    const target = { VALID: txn.form.success_url, FAILED: txn.form.fail_url, CANCELLED: txn.form.cancel_url }[
      status
    ];
    const back = new URL(target ?? "");
    for (const [k, v] of Object.entries(signed)) back.searchParams.set(k, v);
    return { status: 302, location: back.toString() };
  };

  const validation = (q: URLSearchParams): Reply => {
    if (!authentic(q)) return { status: 200, body: { APIConnect: "FAILED" } };
    const valId = q.get("val_id");
    if (!valId) return { status: 200, body: { APIConnect: "INVALID_REQUEST" } };
    const attempt = [...transactions.values()]
      .flatMap((t) => t.attempts)
      .find((a) => a.fields.val_id === valId);
    if (!attempt) return { status: 200, body: { status: "INVALID_TRANSACTION", APIConnect: "DONE" } };
    const status = attempt.status;
    if (status === "VALID") attempt.status = "VALIDATED"; // later validations say "already validated"
    return {
      status: 200,
      body: { ...attempt.fields, status, APIConnect: "DONE", validated_on: new Date().toISOString() },
    };
  };

  const query = (q: URLSearchParams): Reply => {
    if (!authentic(q)) return { status: 200, body: { APIConnect: "FAILED" } };
    const attempts = transactions.get(q.get("tran_id") ?? "")?.attempts ?? [];
    const element = attempts.map((a) => ({ ...a.fields, status: a.status }));
    return { status: 200, body: { APIConnect: "DONE", no_of_trans_found: element.length, element } };
  };

  const route = (method: string, path: string): SslcommerzRoute | "sink" | undefined => {
    if (method === "POST" && path === "/gwprocess/v4/api.php") return "session";
    if (method === "GET" && path.startsWith("/EasyCheckOut/")) return "pay";
    if (method === "GET" && path === "/validator/api/validationserverAPI.php") return "validation";
    if (method === "GET" && path === "/validator/api/merchantTransIDvalidationAPI.php") return "query";
    if (method === "POST" && path === "/ipn-sink") return "sink";
    return undefined;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://standin");
      const which = route(req.method ?? "GET", url.pathname);
      const text = await readText(req);
      if (which === "sink") return send(res, { status: 200, body: { received: true } });
      if (!which) return send(res, { status: 404, body: { message: "Not Found" } });
      calls[which] += 1;
      const failure = failures.get(which)?.shift();
      if (failure === "500") return send(res, { status: 500, body: { message: "Internal Server Error" } });
      if (failure === "garbage") {
        res.writeHead(200, { "content-type": "text/html" }).end("<html><body>Gateway Timeout</body>");
        return;
      }
      const reply =
        which === "session"
          ? session(Object.fromEntries(new URLSearchParams(text)))
          : which === "pay"
            ? await pay(url.pathname.slice("/EasyCheckOut/".length))
            : which === "validation"
              ? validation(url.searchParams)
              : query(url.searchParams);
      if (failure === "timeout") return;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      send(res, reply);
    })().catch((error: unknown) => send(res, { status: 500, body: { message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: origin,
    credentials,
    calls,
    transactions,
    ipns,
    failNext: (r, kind) => failures.set(r, [...(failures.get(r) ?? []), kind]),
    setDelay: (ms) => {
      delayMs = ms;
    },
    setPayerAction: (action) => {
      payerAction = action;
    },
    setPaidAmount: (amount) => {
      paidAmount = amount;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function md5(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  if (reply.location) {
    res.writeHead(reply.status, { location: reply.location }).end();
    return;
  }
  res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body ?? {}));
}
