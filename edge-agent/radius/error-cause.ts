import type { DaResult } from "./result.js";

/** Error-Cause (101) values from RFC 5176 section 3.6. */
export const ERROR_CAUSES = {
  201: "Residual Session Context Removed",
  202: "Invalid EAP Packet (Ignored)",
  401: "Unsupported Attribute",
  402: "Missing Attribute",
  403: "NAS Identification Mismatch",
  404: "Invalid Request",
  405: "Unsupported Service",
  406: "Unsupported Extension",
  407: "Invalid Attribute Value",
  501: "Administratively Prohibited",
  502: "Request Not Routable (Proxy)",
  503: "Session Context Not Found",
  504: "Session Context Not Removable",
  505: "Other Proxy Processing Error",
  506: "Resources Unavailable",
  507: "Request Initiated",
  508: "Multiple Session Selection Unsupported",
} as const satisfies Record<number, string>;

export type KnownErrorCause = keyof typeof ERROR_CAUSES;

export const SESSION_CONTEXT_NOT_FOUND = 503;

export function errorCauseName(code: number): string | undefined {
  return Object.hasOwn(ERROR_CAUSES, code) ? ERROR_CAUSES[code as KnownErrorCause] : undefined;
}

/**
 * RFC 5176 ranges: 2xx the request completed with a remark, 4xx the request itself is wrong
 * (resending it unchanged will fail again), 5xx the NAS or a proxy could not act on it.
 */
export function errorCauseClass(code: number): "success" | "request-error" | "nas-error" | "unknown" {
  if (code >= 200 && code < 300) return "success";
  if (code >= 400 && code < 500) return "request-error";
  if (code >= 500 && code < 600) return "nas-error";
  return "unknown";
}

/**
 * A Disconnect-NAK with Error-Cause 503 means the NAS has no such session: the subscriber is
 * already off. Callers enforcing expiry or suspension treat that as done (and then read back).
 */
export function isAlreadyOff(result: DaResult): boolean {
  return result.kind === "nak" && result.code === 42 && result.errorCause === SESSION_CONTEXT_NOT_FOUND;
}
