import type * as z from "zod";
import { GatewayError } from "./errors.js";

/** Gateway answers are small; anything beyond this is not read (and would not parse). */
const MAX_RESPONSE_CHARS = 256 * 1024;

export interface GatewayHttpRequest {
  /** The gateway's name, the prefix of every error message ("bkash", "sslcommerz", ...). */
  readonly gateway: string;
  /** Build it with `gatewayUrl` so a base URL with a path prefix keeps its prefix. */
  readonly url: URL;
  /** Defaults to POST when there is a body, GET otherwise. */
  readonly method?: "GET" | "POST" | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Sent as `application/json`. At most one of `json` and `form`. */
  readonly json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  readonly form?: Readonly<Record<string, string>> | undefined;
  /** The whole budget (connect, headers and body), enforced with `AbortSignal.timeout`. */
  readonly timeoutMs: number;
  /** An extra signal from the caller (e.g. the Lambda's remaining time). */
  readonly signal?: AbortSignal | undefined;
}

/** A 2xx or 4xx answer whose body is JSON. What a 4xx means is the gateway module's call. */
export interface GatewayHttpResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * One request to a gateway's API, with a JSON answer. Throws `GatewayError`:
 * - retryable, `timedOut` set: the budget ran out;
 * - retryable: network failure, 5xx, 408/429, a 2xx/3xx that is not JSON;
 * - not retryable: any other 4xx whose body is not JSON.
 * A 4xx with a JSON body is returned, because gateways put their refusal codes there.
 * Messages carry the gateway, the URL path and the status only: never the query string (SSLCommerz
 * sends its password there), headers, request or response bodies. Redirects are not followed.
 */
export async function gatewayRequest(req: GatewayHttpRequest): Promise<GatewayHttpResponse> {
  const where = req.url.pathname;
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  const headers: Record<string, string> = { accept: "application/json", ...req.headers };
  let body: string | undefined;
  if (req.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(req.json);
  } else if (req.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(req.form).toString();
  }
  let status: number;
  let text: string;
  try {
    const res = await fetch(req.url, {
      method: req.method ?? (body === undefined ? "GET" : "POST"),
      headers,
      body,
      signal,
      redirect: "manual",
    });
    status = res.status;
    text = (await res.text()).slice(0, MAX_RESPONSE_CHARS);
  } catch (error) {
    throw transportError(req, error, timeout.aborted);
  }
  if (status >= 500 || status === 408 || status === 429) {
    throw new GatewayError(req.gateway, `${where} answered HTTP ${status}`, true);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const refused = status >= 400;
    throw new GatewayError(req.gateway, `${where} answered HTTP ${status} without JSON`, !refused);
  }
  if (status < 200 || (status >= 300 && status < 400)) {
    throw new GatewayError(req.gateway, `${where} answered HTTP ${status}`, true);
  }
  return { status, body: json };
}

/**
 * Checks a gateway's answer against the fields the module reads; a mismatch is a malformed answer
 * (retryable). The message names the failing fields, never their values.
 */
export function parseGatewayBody<S extends z.ZodType>(
  gateway: string,
  schema: S,
  body: unknown,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => i.path.join(".") || "body");
  throw new GatewayError(gateway, `malformed ${what} answer (${[...new Set(fields)].join(", ")})`, true);
}

/**
 * `baseUrl` + `path` (+ query). Unlike `new URL(path, base)` it keeps a path prefix in the base
 * (bKash's `https://tokenized.sandbox.bka.sh/v1.2.0-beta`).
 */
export function gatewayUrl(baseUrl: string, path: string, query?: Readonly<Record<string, string>>): URL {
  const url = new URL(`${baseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`);
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
  return url;
}

function transportError(req: GatewayHttpRequest, error: unknown, timedOut: boolean): GatewayError {
  const where = req.url.pathname;
  if (timedOut) {
    return new GatewayError(req.gateway, `${where} timed out after ${req.timeoutMs} ms`, true, {
      cause: error,
      timedOut: true,
    });
  }
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const what =
    error instanceof Error && error.name === "AbortError"
      ? "was aborted"
      : `failed${typeof code === "string" ? ` (${code})` : ""}`;
  return new GatewayError(req.gateway, `${where} ${what}`, true, { cause: error });
}
