import {
  constants,
  createPublicKey,
  createSign,
  createVerify,
  generateKeyPair,
  publicEncrypt,
  randomBytes,
} from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { rsaDecrypt } from "../../adapters/gateways/nagad.js";

/**
 * A loopback Nagad checkout: initialize and complete (RSA-sealed both ways, signatures checked),
 * a hosted page that pays or cancels and redirects to the merchant callback, and verify. It has
 * its own key pair and checks the merchant's signatures with the merchant public key it is given.
 * Only PKCS#1 v1.5 decryption is borrowed from the module (Node 20 has no built-in one).
 */
export type NagadRoute = "initialize" | "complete" | "verify" | "hostedPage";
/** `bad-signature`: the next initialize answer is signed with a key that is not Nagad's. */
export type NagadFailure = "timeout" | "500" | "garbage" | "bad-signature";

export interface NagadStandInOptions {
  /** The merchant's public key (PEM), to check its request signatures. */
  readonly merchantPublicKey: string;
  readonly merchantId?: string;
  readonly delayMs?: number;
}

export interface NagadStandIn {
  readonly baseUrl: string;
  readonly merchantId: string;
  /** Nagad's public key (PEM), what the merchant configures as `nagadPublicKey`. */
  readonly nagadPublicKey: string;
  readonly calls: Readonly<Record<NagadRoute, number>>;
  failNext(route: NagadRoute, how: NagadFailure): void;
  setDelay(ms: number): void;
  /** The next payment on the hosted page is for this many poisha instead of the ordered amount. */
  payAmountNext(poisha: number): void;
  close(): Promise<void>;
}

interface Checkout {
  orderId: string;
  challenge: string;
  dateTime: string;
  status: "Initiated" | "Ready" | "Success" | "Aborted";
  amount?: string;
  paidAmount?: string;
  callbackUrl?: string;
  issuerPaymentRefNo?: string;
  paidAt?: string;
}

type Json = Record<string, unknown>;
const keyPair = promisify(generateKeyPair);

export async function startNagadStandIn(opts: NagadStandInOptions): Promise<NagadStandIn> {
  const merchantId = opts.merchantId ?? "683002007104225";
  const merchantKey = createPublicKey(opts.merchantPublicKey);
  const [nagad, rogue] = await Promise.all([
    keyPair("rsa", { modulusLength: 2048 }),
    keyPair("rsa", { modulusLength: 2048 }),
  ]);
  let delayMs = opts.delayMs ?? 0;
  let payAmount: number | undefined;
  const calls: Record<NagadRoute, number> = { initialize: 0, complete: 0, verify: 0, hostedPage: 0 };
  const failures = new Map<NagadRoute, NagadFailure>();
  const checkouts = new Map<string, Checkout>();

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { reason: "SystemError", message: "stand-in fault" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? "/", baseUrl);
    const match = route(req.method ?? "GET", url.pathname);
    if (!match) return send(res, 404, refusal("NotFound", "No such endpoint"));
    calls[match.route]++;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const failure = failures.get(match.route);
    failures.delete(match.route);
    if (failure === "timeout") return; // never answers
    if (failure === "500") return send(res, 500, refusal("SystemError", "Internal server error"));
    if (failure === "garbage") {
      res.writeHead(200, { "content-type": "text/html" }).end("<html>maintenance</html>");
      return;
    }
    if (match.route === "hostedPage") {
      return hostedPage(res, match.ids[0] ?? "", url.searchParams.get("action"));
    }
    if (
      req.headers["x-km-api-version"] !== "v-0.2.0" ||
      !req.headers["x-km-ip-v4"] ||
      !req.headers["x-km-client-type"]
    ) {
      return send(res, 400, refusal("InvalidHeader", "Mandatory header missing"));
    }
    if (match.route === "verify") return verify(res, match.ids[0] ?? "");
    const body = parseJson(raw);
    const plain = body ? unseal(body) : undefined;
    if (!plain) {
      return send(res, 400, refusal("InvalidSignature", "Please verify provided data and try again"));
    }
    if (match.route === "initialize")
      return initialize(res, match.ids, body as Json, plain, failure === "bad-signature");
    return complete(res, match.ids[0] ?? "", body as Json, plain);
  }

  /** Decrypts sensitiveData and checks the merchant's signature over it; undefined if either fails. */
  function unseal(body: Json): Json | undefined {
    if (typeof body.sensitiveData !== "string" || typeof body.signature !== "string") return undefined;
    try {
      const text = rsaDecrypt(nagad.privateKey, body.sensitiveData);
      const ok = createVerify("sha256").update(text).verify(merchantKey, body.signature, "base64");
      return ok ? (JSON.parse(text) as Json) : undefined;
    } catch {
      return undefined;
    }
  }

  function initialize(res: ServerResponse, ids: string[], body: Json, plain: Json, forge: boolean) {
    const [mid, orderId] = ids;
    if (mid !== merchantId || plain.merchantId !== merchantId) {
      return send(res, 400, refusal("InvalidMerchant", "Invalid merchant"));
    }
    if (
      orderId === undefined ||
      plain.orderId !== orderId ||
      plain.datetime !== body.dateTime ||
      typeof plain.challenge !== "string"
    ) {
      return send(res, 400, refusal("InvalidRequest", "Sensitive data does not match the request"));
    }
    if (!recent(String(plain.datetime))) {
      return send(res, 400, refusal("InvalidDateTime", "Request is expired"));
    }
    if ([...checkouts.values()].some((c) => c.orderId === orderId)) {
      return send(res, 400, refusal("DuplicateOrderId", "Order id already used"));
    }
    const ref = `MDT${randomBytes(9).toString("hex").toUpperCase()}`;
    const checkout: Checkout = {
      orderId,
      challenge: randomBytes(20).toString("hex"),
      dateTime: String(plain.datetime),
      status: "Initiated",
    };
    checkouts.set(ref, checkout);
    const text = JSON.stringify({
      paymentReferenceId: ref,
      challenge: checkout.challenge,
      acceptDateTime: dhakaNow(),
    });
    const sensitiveData = publicEncrypt(
      { key: merchantKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from(text),
    );
    const signer = forge ? rogue.privateKey : nagad.privateKey;
    const signature = createSign("sha256").update(text).sign(signer, "base64");
    send(res, 200, { sensitiveData: sensitiveData.toString("base64"), signature });
  }

  function complete(res: ServerResponse, ref: string, body: Json, plain: Json) {
    const checkout = checkouts.get(ref);
    if (checkout?.status !== "Initiated") {
      return send(res, 400, refusal("InvalidPaymentRefId", "Invalid payment reference"));
    }
    const wellFormed =
      plain.merchantId === merchantId &&
      plain.orderId === checkout.orderId &&
      plain.challenge === checkout.challenge &&
      plain.currencyCode === "050" &&
      typeof plain.amount === "string" &&
      /^\d{1,9}\.\d{2}$/.test(plain.amount) &&
      typeof body.merchantCallbackURL === "string" &&
      URL.canParse(body.merchantCallbackURL);
    if (!wellFormed) {
      return send(res, 400, refusal("InvalidRequest", "Please verify provided data and try again"));
    }
    checkout.amount = plain.amount as string;
    checkout.callbackUrl = body.merchantCallbackURL as string;
    checkout.status = "Ready";
    send(res, 200, { status: "Success", callBackUrl: `${baseUrl}/check-out/${ref}` });
  }

  function hostedPage(res: ServerResponse, ref: string, action: string | null) {
    const checkout = checkouts.get(ref);
    if (!checkout?.callbackUrl || checkout.status !== "Ready") {
      return send(res, 400, refusal("InvalidPaymentRefId", "Not payable"));
    }
    const paid = action !== "cancel";
    checkout.status = paid ? "Success" : "Aborted";
    if (paid) {
      checkout.issuerPaymentRefNo = randomBytes(5).toString("hex").toUpperCase();
      checkout.paidAmount = payAmount === undefined ? checkout.amount : major(payAmount);
      checkout.paidAt = dhakaNow();
      payAmount = undefined;
    }
    const back = new URL(checkout.callbackUrl);
    const params: Record<string, string> = {
      merchant: merchantId,
      order_id: checkout.orderId,
      payment_ref_id: ref,
      status: checkout.status,
      status_code: paid ? "00_0000_000" : "00_1111_001",
      message: paid ? "Successful Transaction" : "Aborted by the customer",
      payment_dt: dhakaNow(),
      issuer_payment_ref: checkout.issuerPaymentRefNo ?? "",
    };
    for (const [k, v] of Object.entries(params)) back.searchParams.set(k, v);
    res.writeHead(302, { location: back.toString() }).end();
  }

  function verify(res: ServerResponse, ref: string) {
    const c = checkouts.get(ref);
    if (!c) return send(res, 400, refusal("InvalidPaymentRefId", "Payment reference not found"));
    const success = c.status === "Success";
    send(res, 200, {
      merchantId,
      orderId: c.orderId,
      paymentRefId: ref,
      amount: (success ? c.paidAmount : c.amount) ?? "0.00",
      clientMobileNo: success ? "017****0001" : null,
      merchantMobileNo: "01700000000",
      orderDateTime: c.dateTime,
      issuerPaymentDateTime: c.paidAt ?? null,
      issuerPaymentRefNo: c.issuerPaymentRefNo ?? null,
      additionalMerchantInfo: null,
      status: c.status,
      statusCode: success ? "000" : "001",
      cancelIssuerDateTime: null,
      cancelIssuerRefNo: null,
    });
  }

  return {
    baseUrl,
    merchantId,
    nagadPublicKey: nagad.publicKey.export({ type: "spki", format: "pem" }) as string,
    calls,
    failNext(r, how) {
      failures.set(r, how);
    },
    setDelay(ms) {
      delayMs = ms;
    },
    payAmountNext(poisha) {
      payAmount = poisha;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function route(method: string, path: string): { route: NagadRoute; ids: string[] } | undefined {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const at = (prefix: string) =>
    parts.join("/").startsWith(prefix) ? parts.slice(prefix.split("/").length) : undefined;
  const init = at("api/dfs/check-out/initialize");
  if (method === "POST" && init?.length === 2) return { route: "initialize", ids: init };
  const done = at("api/dfs/check-out/complete");
  if (method === "POST" && done?.length === 1) return { route: "complete", ids: done };
  const check = at("api/dfs/verify/payment");
  if (method === "GET" && check?.length === 1) return { route: "verify", ids: check };
  const page = at("check-out");
  if (method === "GET" && page?.length === 1) return { route: "hostedPage", ids: page };
  return undefined;
}

/** Nagad's refusal body. */
function refusal(reason: string, message: string): Json {
  return { reason, message, devMessage: message };
}

function dhakaNow(): string {
  return new Date(Date.now() + 6 * 3_600_000).toISOString().replace(/\D/g, "").slice(0, 14);
}

/** A yyyyMMddHHmmss Dhaka time within five minutes of now. */
function recent(stamp: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp);
  if (!m) return false;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const utc = Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s) - 6 * 3_600_000;
  return Math.abs(Date.now() - utc) < 5 * 60_000;
}

function major(poisha: number): string {
  return `${Math.floor(poisha / 100)}.${String(poisha % 100).padStart(2, "0")}`;
}

function parseJson(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
