import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/*
 * The two secrets of agent enrollment. Both name the tenant and site they belong to, so the cloud
 * finds the one stored item with a GetItem (tenant id leads the key, no index, no scan); only a
 * SHA-256 of the random part is stored. The random parts carry 128 and 256 bits, so a fast hash is
 * enough: there is nothing to brute-force.
 *
 *   enrollment code  ENR-<tenantId>-<siteId>-<26 Crockford base32 characters>   (one use, minutes)
 *   agent token      agt.<tenantId>.<siteId>.<generation>.<43 base64url characters>
 */

const TENANT = "ten_[0-9A-HJKMNP-TV-Z]{26}";
const SITE = "site_[0-9A-HJKMNP-TV-Z]{26}";
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export const ENROLLMENT_CODE_RE = new RegExp(`^ENR-(${TENANT})-(${SITE})-([0-9A-HJKMNP-TV-Z]{26})$`);
export const AGENT_TOKEN_RE = new RegExp(
  `^agt\\.(${TENANT})\\.(${SITE})\\.([1-9][0-9]{0,9})\\.([A-Za-z0-9_-]{43})$`,
);

export interface SecretParts {
  readonly tenantId: string;
  readonly siteId: string;
  readonly secret: string;
}

export interface AgentTokenParts extends SecretParts {
  readonly generation: number;
}

export function sha256Hex(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** 128 random bits as 26 Crockford base32 characters: no padding, no look-alike letters. */
function crockford128(): string {
  let bits = 0n;
  for (const byte of randomBytes(16)) bits = (bits << 8n) | BigInt(byte);
  bits <<= 2n; // 130 bits = 26 characters of 5
  let out = "";
  for (let i = 25; i >= 0; i--) out += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)];
  return out;
}

export function mintEnrollmentCode(tenantId: string, siteId: string): { code: string; hash: string } {
  const secret = crockford128();
  return { code: `ENR-${tenantId}-${siteId}-${secret}`, hash: sha256Hex(secret) };
}

export function parseEnrollmentCode(code: string): SecretParts | undefined {
  const [, tenantId, siteId, secret] = ENROLLMENT_CODE_RE.exec(code.trim()) ?? [];
  return tenantId && siteId && secret ? { tenantId, siteId, secret } : undefined;
}

export function mintAgentToken(
  tenantId: string,
  siteId: string,
  generation: number,
): { token: string; hash: string } {
  const secret = randomBytes(32).toString("base64url");
  return { token: `agt.${tenantId}.${siteId}.${generation}.${secret}`, hash: sha256Hex(secret) };
}

export function parseAgentToken(token: string): AgentTokenParts | undefined {
  const [, tenantId, siteId, generation, secret] = AGENT_TOKEN_RE.exec(token) ?? [];
  if (!tenantId || !siteId || !generation || !secret) return undefined;
  return { tenantId, siteId, generation: Number(generation), secret };
}
