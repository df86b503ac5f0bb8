import { isIP } from "node:net";

export interface WebhookUrlPolicy {
  /** Local mode only: plain http to this machine's loopback (npm start, tests). */
  readonly allowLoopback: boolean;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Why a tenant's webhook URL is refused, or undefined when it is fine. Deliveries leave from our
 * functions, so a URL must not aim them at private or link-local addresses (SSRF); in the cloud it
 * must be https. The hostname is not resolved here: functions outside a VPC cannot reach private
 * networks anyway, this only refuses what is visibly internal.
 */
export function webhookUrlProblem(raw: string, policy: WebhookUrlPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  if (url.username || url.password) return "must not carry credentials";
  if (url.hash) return "must not have a fragment";
  const host = url.hostname.toLowerCase();
  const loopback = LOOPBACK_HOSTS.has(host);
  if (loopback) {
    return policy.allowLoopback && (url.protocol === "http:" || url.protocol === "https:")
      ? undefined
      : "must not point at this machine";
  }
  if (url.protocol !== "https:") return "must be an https URL";
  if (host.endsWith(".localhost") || host.endsWith(".internal") || host.endsWith(".local")) {
    return "must be a public host name";
  }
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare) && isPrivateAddress(bare)) return "must not be a private, loopback or link-local address";
  return undefined;
}

function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 6) {
    const v6 = ip.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
    if (mapped?.[1]) return isPrivateAddress(mapped[1]);
    // The URL parser writes an IPv4-mapped address in hex: ::ffff:a00:1 is 10.0.0.1.
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
    if (hex?.[1] && hex[2]) {
      const hi = Number.parseInt(hex[1], 16);
      const lo = Number.parseInt(hex[2], 16);
      return isPrivateAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    }
    return v6 === "::" || v6 === "::1" || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6);
  }
  const [a = 0, b = 0] = ip.split(".").map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224
  );
}
