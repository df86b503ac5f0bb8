import { ConfigError } from "../../config.js";
import {
  NotificationError,
  type Notifier,
  type OutgoingMessage,
  type SendOptions,
  type SendResult,
} from "../../ports/notifier.js";
import {
  fillJson,
  type HttpSmsGatewayConfig,
  HttpSmsGatewayConfigSchema,
  type ParsedHttpSmsGatewayConfig,
  valueAt,
} from "./http-gateway-config.js";
import { toE164 } from "./phone.js";
import { wrongChannel } from "./sdk-errors.js";

/** Enough of an answer to find a status field or a message id; the rest is not read. */
const MAX_RESPONSE_CHARS = 64 * 1024;

/**
 * SMS through a local gateway's HTTP API. A 2xx answer (and, when configured, the expected value
 * in its JSON) is a success; 5xx, 408, 429, timeouts and network failures are retryable; other
 * answers are not. Redirects are not followed, so the API key never travels to another host.
 * Errors carry the gateway name and status only: never the key, the request or the answer body.
 */
export class HttpSmsGatewayNotifier implements Notifier {
  private readonly config: ParsedHttpSmsGatewayConfig;

  constructor(config: HttpSmsGatewayConfig) {
    const parsed = HttpSmsGatewayConfigSchema.safeParse(config);
    if (!parsed.success) {
      // The issues name fields and rules, never values, so the key cannot leak through them.
      const fields = parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`);
      throw new ConfigError(`SMS gateway config: ${fields.join("; ")}`);
    }
    this.config = parsed.data;
  }

  async send(message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
    const { name, timeoutMs } = this.config;
    if (message.channel !== "sms") throw wrongChannel(name, "sms");
    const to = this.phone(message.to);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let status: number;
    let text: string;
    try {
      const res = await fetch(this.config.url, {
        method: "POST",
        headers: this.headers(message),
        body: this.body(to, message),
        signal,
        redirect: "manual",
      });
      status = res.status;
      text = (await res.text()).slice(0, MAX_RESPONSE_CHARS);
    } catch (error) {
      throw this.transportError(error, timeout.aborted);
    }
    if (status < 200 || status >= 300) {
      throw new NotificationError(`${name}: HTTP ${status}`, {
        retryable: status >= 500 || status === 408 || status === 429,
        provider: name,
        channel: "sms",
        status,
      });
    }
    return this.judge(text, status);
  }

  private phone(stored: string): string {
    const { phoneFormat, defaultCallingCode, name } = this.config;
    if (phoneFormat === "as-is") return stored;
    const e164 = toE164(stored, defaultCallingCode);
    if (!e164) {
      throw new NotificationError(`${name}: the phone number is not in international form`, {
        retryable: false,
        provider: name,
        channel: "sms",
      });
    }
    return phoneFormat === "e164" ? e164 : e164.slice(1);
  }

  private headers(message: OutgoingMessage): Record<string, string> {
    const { encoding, apiKeyIn, apiKey, idempotencyHeader } = this.config;
    const headers: Record<string, string> = {
      ...this.config.headers,
      accept: "application/json",
      "content-type": encoding === "json" ? "application/json" : "application/x-www-form-urlencoded",
    };
    if (apiKeyIn.in === "header") headers[apiKeyIn.name] = `${apiKeyIn.prefix}${apiKey}`;
    if (idempotencyHeader) headers[idempotencyHeader] = message.idempotencyKey;
    return headers;
  }

  private body(to: string, message: OutgoingMessage): string {
    const { encoding, apiKeyIn, apiKey } = this.config;
    const vars = { to, message: message.body, idempotencyKey: message.idempotencyKey };
    const filled = fillJson(this.config.body, vars) as Record<string, unknown>;
    if (apiKeyIn.in === "field") filled[apiKeyIn.name] = apiKey;
    if (encoding === "json") return JSON.stringify(filled);
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(filled)) form.append(k, String(v));
    return form.toString();
  }

  private judge(text: string, status: number): SendResult {
    const { success, providerIdPath, name } = this.config;
    if (!success && !providerIdPath) return {};
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      if (!success) return {};
      throw new NotificationError(`${name}: the answer is not JSON`, {
        retryable: false,
        provider: name,
        channel: "sms",
        status,
      });
    }
    if (success) {
      const actual = valueAt(json, success.path);
      if (String(actual) !== String(success.equals)) {
        throw new NotificationError(
          `${name}: ${success.path} was ${this.describe(actual)}, not ${JSON.stringify(success.equals)}`,
          { retryable: false, provider: name, channel: "sms", status },
        );
      }
    }
    const id = providerIdPath ? valueAt(json, providerIdPath) : undefined;
    return typeof id === "string" || typeof id === "number" ? { providerId: String(id) } : {};
  }

  /** A short rendering of a gateway's status value, with the key blanked should it be echoed. */
  private describe(value: unknown): string {
    const text = value === undefined ? "missing" : (JSON.stringify(value) ?? "missing");
    return text.split(this.config.apiKey).join("[redacted]").slice(0, 80);
  }

  private transportError(error: unknown, timedOut: boolean): NotificationError {
    const { name, timeoutMs } = this.config;
    const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
    const what = timedOut
      ? `timed out after ${timeoutMs} ms`
      : error instanceof Error && error.name === "AbortError"
        ? "aborted"
        : `request failed${typeof code === "string" ? ` (${code})` : ""}`;
    return new NotificationError(`${name}: ${what}`, {
      retryable: true,
      provider: name,
      channel: "sms",
      cause: error,
    });
  }
}
