import type { RouterDriver, RouterRow, RouterTransport, SuspensionPolicy } from "./driver.js";
import {
  isNotFoundMessage,
  RouterAuthError,
  RouterCommandError,
  RouterConnectionError,
  type RouterError,
  type RouterErrorContext,
  RouterNotFoundError,
  RouterTimeoutError,
} from "./errors.js";
import { SubscriberDriver } from "./subscriber-driver.js";

export interface RestTransportOptions {
  /** e.g. "https://10.0.0.1" (www-ssl) or "http://10.0.0.1:8080" (www, 7.9+, local networks only). */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  /** RouterOS itself gives up after 60 s. @default 10_000 */
  readonly timeoutMs?: number;
  /** For tests or a custom dispatcher (self-signed certificates). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** print/set/add/remove over the RouterOS v7 REST API (GET, PATCH, PUT, DELETE on /rest/...). */
export class RestTransport implements RouterTransport {
  readonly router: string;
  private readonly base: URL;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: RestTransportOptions) {
    this.base = new URL(options.baseUrl);
    if (this.base.username || this.base.password)
      throw new TypeError("put credentials in options, not the URL");
    this.router = this.base.host;
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  async print(menu: string, where: Readonly<Record<string, string>> = {}, proplist?: readonly string[]) {
    const query = new URLSearchParams(where);
    if (proplist) query.set(".proplist", proplist.join(","));
    const body = await this.request("GET", menu, `${menu}/print`, undefined, query);
    if (!Array.isArray(body)) throw this.malformed(`${menu}/print`);
    return body.map(toRow);
  }

  async set(menu: string, id: string, values: Readonly<Record<string, string>>): Promise<void> {
    await this.request("PATCH", `${menu}/${encodeURIComponent(id)}`, `${menu}/set`, values);
  }

  async add(menu: string, values: Readonly<Record<string, string>>): Promise<string> {
    const body = await this.request("PUT", menu, `${menu}/add`, values);
    const id = toRow(body)[".id"];
    if (id === undefined) throw this.malformed(`${menu}/add`);
    return id;
  }

  async remove(menu: string, id: string): Promise<void> {
    await this.request("DELETE", `${menu}/${encodeURIComponent(id)}`, `${menu}/remove`);
  }

  async close(): Promise<void> {}

  private async request(
    method: string,
    path: string,
    command: string,
    body?: unknown,
    query?: URLSearchParams,
  ): Promise<unknown> {
    const ctx = { router: this.router, command };
    const url = new URL(`/rest${path}`, this.base);
    if (query) url.search = query.toString();
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers: {
          authorization: this.authorization,
          ...(body !== undefined && { "content-type": "application/json" }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      throw this.transportError(cause, ctx);
    }
    const json = parseJson(text);
    if (response.ok) return json;
    throw errorFor(response.status, json, ctx);
  }

  private transportError(cause: unknown, ctx: RouterErrorContext): RouterError {
    const name = cause instanceof Error ? cause.name : "";
    if (name === "TimeoutError" || name === "AbortError")
      return new RouterTimeoutError(this.timeoutMs, ctx, { cause });
    return new RouterConnectionError("request failed", ctx, { cause });
  }

  private malformed(command: string): RouterError {
    return new RouterConnectionError("unexpected REST reply shape", { router: this.router, command });
  }
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** RouterOS error bodies look like {"error":404,"message":"Not Found","detail":"no such item"}. */
function errorFor(status: number, json: unknown, ctx: RouterErrorContext): RouterError {
  const detail = field(json, "detail") ?? field(json, "message") ?? `HTTP ${status}`;
  if (status === 401 || status === 403) return new RouterAuthError("REST credentials rejected", ctx);
  if (status === 404 || isNotFoundMessage(detail)) return new RouterNotFoundError(detail, ctx, { status });
  return new RouterCommandError(detail, ctx, { status, retryable: status >= 500 });
}

function field(json: unknown, key: string): string | undefined {
  const value: unknown = json && typeof json === "object" ? Reflect.get(json, key) : undefined;
  return typeof value === "string" && value !== "" ? value : undefined;
}

function toRow(raw: unknown): RouterRow {
  const row: Record<string, string> = {};
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    for (const [key, value] of Object.entries(raw)) row[key] = String(value);
  }
  return row;
}

export interface RestDriverOptions extends RestTransportOptions {
  readonly policy: SuspensionPolicy;
}

export function createRestDriver(options: RestDriverOptions): RouterDriver {
  const transport = new RestTransport(options);
  return new SubscriberDriver(transport, options.policy, transport.router);
}
