import { createHmac, randomBytes } from "node:crypto";

/**
 * How a webhook delivery is signed (the recipe receivers follow is in the README, "Events for
 * frontends"): `Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, the
 * key being the whole secret string as UTF-8. While a rotated-out secret is still honoured, a second
 * `v1=` signed with it follows, so a receiver that has not switched yet keeps verifying.
 */
export const SIGNATURE_HEADER = "Webhook-Signature";
/** The event id: the same on every retry of the same event, for the receiver's de-duplication. */
export const WEBHOOK_ID_HEADER = "Webhook-Id";
/** What the README tells receivers to accept between `t` and their own clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const SECRET_PREFIX = "whsec_";

/** 256 random bits; shown once to the admin, stored only sealed. */
export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** Enough to tell two secrets apart in a listing, far too little to guess one. */
export function secretHint(secret: string): string {
  return `${SECRET_PREFIX}...${secret.slice(-4)}`;
}

export function signatureHeader(secrets: readonly string[], timestampSeconds: number, body: string): string {
  if (secrets.length === 0) throw new Error("a webhook is signed with at least one secret");
  const signed = `${timestampSeconds}.${body}`;
  const parts = secrets.map((s) => `v1=${createHmac("sha256", s).update(signed, "utf8").digest("hex")}`);
  return [`t=${timestampSeconds}`, ...parts].join(",");
}
