import { createHash } from "node:crypto";

/** Raised by a repository when the Idempotency-Key of a create was already claimed. */
export class IdempotencyKeyClaimed extends Error {
  constructor(readonly keyHash: string) {
    super("Idempotency-Key already used");
    this.name = "IdempotencyKeyClaimed";
  }
}

/** How long a key is remembered: a day, like the payment APIs our users know. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export function hashIdempotencyKey(tenantId: string, key: string): string {
  return createHash("sha256").update(`${tenantId}\n${key}`).digest("hex");
}

/** The request a key was first used with: same route, same body (canonical JSON). */
export function requestFingerprint(routeKey: string, path: string, body: unknown): string {
  return createHash("sha256")
    .update(`${routeKey}\n${path}\n${canonicalJson(body)}`)
    .digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
