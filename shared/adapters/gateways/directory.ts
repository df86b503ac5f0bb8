import type { GatewayDirectory, GatewayName, PaymentGateway } from "../../ports/payment-gateway.js";
import { bkashGateway } from "./bkash.js";
import { nagadGateway } from "./nagad.js";
import { razorpayGateway } from "./razorpay.js";
import { sslcommerzGateway } from "./sslcommerz.js";

/** The gateways' published API hosts. */
export const GATEWAY_BASE_URLS: Record<GatewayName, Record<"sandbox" | "live", string>> = {
  bkash: {
    sandbox: "https://tokenized.sandbox.bka.sh/v1.2.0-beta",
    live: "https://tokenized.pay.bka.sh/v1.2.0-beta",
  },
  sslcommerz: { sandbox: "https://sandbox.sslcommerz.com", live: "https://securepay.sslcommerz.com" },
  razorpay: { sandbox: "https://api.razorpay.com", live: "https://api.razorpay.com" },
  nagad: {
    sandbox: "http://sandbox.mynagad.com:10080/remote-payment-gateway-1.0",
    live: "https://api.mynagad.com",
  },
};

const MODULES: Record<GatewayName, PaymentGateway> = {
  bkash: bkashGateway as PaymentGateway,
  sslcommerz: sslcommerzGateway as PaymentGateway,
  razorpay: razorpayGateway as PaymentGateway,
  nagad: nagadGateway as PaymentGateway,
};

export interface GatewayDirectoryOptions {
  /**
   * Replaces the published hosts (tests and `npm start` point at loopback stand-ins). Set by the
   * deployer's environment only, never by a tenant, so no tenant can aim our calls elsewhere.
   */
  readonly baseUrls?: Partial<Record<GatewayName, string>>;
  readonly modules?: Partial<Record<GatewayName, PaymentGateway>>;
  /** Per gateway request. @default 4000 (Razorpay wants a webhook answered within 5 s) */
  readonly timeoutMs?: number;
}

export function createGatewayDirectory(options: GatewayDirectoryOptions = {}): GatewayDirectory {
  return {
    timeoutMs: options.timeoutMs ?? 4000,
    gateway: (name) => options.modules?.[name] ?? MODULES[name],
    baseUrl: (name, mode) => options.baseUrls?.[name] ?? GATEWAY_BASE_URLS[name][mode],
  };
}

/** `GATEWAY_BASE_URLS` is JSON like {"bkash":"http://127.0.0.1:4100"}; anything else is refused. */
export function parseBaseUrlOverrides(json: string | undefined): Partial<Record<GatewayName, string>> {
  if (!json) return {};
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== "object" || parsed === null)
    throw new Error("GATEWAY_BASE_URLS must be a JSON object");
  const out: Partial<Record<GatewayName, string>> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!(k in GATEWAY_BASE_URLS) || typeof v !== "string" || !/^https?:\/\//.test(v)) {
      throw new Error(`GATEWAY_BASE_URLS: ${k} must be a known gateway with an http(s) URL`);
    }
    out[k as GatewayName] = v.replace(/\/$/, "");
  }
  return out;
}
