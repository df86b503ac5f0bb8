import type { RadiusAttribute } from "./attributes.js";
import { RadiusEncodeError } from "./errors.js";

/**
 * Which session a request is about. RFC 5176 section 3: a request that matches several sessions
 * applies to all of them, so send every identifier known (User-Name + Acct-Session-Id +
 * Framed-IP-Address where possible). NAS-IP-Address names the NAS, not a session.
 */
export interface SessionIdentification {
  readonly userName?: string;
  readonly acctSessionId?: string;
  readonly framedIpAddress?: string;
  readonly nasIpAddress?: string;
}

/** What a CoA-Request may change on a MikroTik session. */
export interface AuthorizationChange {
  /** Mikrotik-Rate-Limit (14988/8), e.g. "10M/10M". */
  readonly mikrotikRateLimit?: string;
  /** Session-Timeout in seconds. */
  readonly sessionTimeout?: number;
}

export interface RequestExtras {
  /** Event-Timestamp, which helps the NAS detect replays (it needs NTP to use it). */
  readonly eventTimestamp?: Date;
}

export function sessionAttributes(session: SessionIdentification): RadiusAttribute[] {
  const out: RadiusAttribute[] = [];
  if (session.userName !== undefined) out.push({ name: "User-Name", value: session.userName });
  if (session.acctSessionId !== undefined)
    out.push({ name: "Acct-Session-Id", value: session.acctSessionId });
  if (session.framedIpAddress !== undefined)
    out.push({ name: "Framed-IP-Address", value: session.framedIpAddress });
  if (out.length === 0) {
    throw new RadiusEncodeError("a session needs a userName, acctSessionId or framedIpAddress");
  }
  if (session.nasIpAddress !== undefined) out.push({ name: "NAS-IP-Address", value: session.nasIpAddress });
  return out;
}

function extraAttributes(extras: RequestExtras): RadiusAttribute[] {
  return extras.eventTimestamp === undefined
    ? []
    : [{ name: "Event-Timestamp", value: extras.eventTimestamp }];
}

/** A Disconnect-Request carries only session identification; anything else earns Error-Cause 401. */
export function disconnectAttributes(
  session: SessionIdentification,
  extras: RequestExtras = {},
): RadiusAttribute[] {
  return [...sessionAttributes(session), ...extraAttributes(extras)];
}

export function coaAttributes(
  session: SessionIdentification,
  change: AuthorizationChange,
  extras: RequestExtras = {},
): RadiusAttribute[] {
  const changes: RadiusAttribute[] = [];
  if (change.mikrotikRateLimit !== undefined) {
    changes.push({ name: "Mikrotik-Rate-Limit", value: change.mikrotikRateLimit });
  }
  if (change.sessionTimeout !== undefined)
    changes.push({ name: "Session-Timeout", value: change.sessionTimeout });
  if (changes.length === 0) throw new RadiusEncodeError("a CoA-Request needs at least one change");
  return [...sessionAttributes(session), ...changes, ...extraAttributes(extras)];
}
