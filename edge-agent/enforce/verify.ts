import type { DesiredState } from "../../shared/domain/schemas/edge-command.js";
import type { RateMethod } from "../config.js";
import type {
  RouterSession,
  RouterSubscriberState,
  SuspensionPolicy,
  SuspensionStyle,
} from "../routeros/driver.js";

export interface Expectation {
  readonly desired: DesiredState;
  readonly style: SuspensionStyle;
  readonly policy: SuspensionPolicy;
  readonly rate: RateMethod;
  /** The simple queue max-limit an active subscriber must have when the rate goes by queue. */
  readonly maxLimit: string | undefined;
  /** The account must exist on the router (it may not on a RADIUS NAS: RADIUS users are remote). */
  readonly requireAccount: boolean;
  /** State read before acting, to tell the sessions that had to go from ones opened since. */
  readonly before: RouterSubscriberState | undefined;
}

/**
 * Sessions that contradict the desired state. A disabled account must have none at all. With the
 * profile and address-list styles the subscriber may redial at once into the walled state, so only
 * sessions that were up before the action count (RouterOS gives a new session a new `.id`).
 */
export function staleSessions(state: RouterSubscriberState, e: Expectation): readonly RouterSession[] {
  if (e.desired.state === "active") return [];
  const walled = e.desired.state === "suspended" && e.style !== "disable" && state.exists;
  if (!walled || e.before === undefined) return state.sessions;
  const old = new Set(e.before.sessions.map((s) => s.id));
  return state.sessions.filter((s) => old.has(s.id));
}

/** What the router says that contradicts the desired state; empty means verified. */
export function mismatches(state: RouterSubscriberState, e: Expectation): string[] {
  const out: string[] = [];
  if (e.requireAccount && !state.exists) return ["the account does not exist on the router"];
  const { desired } = e;
  if (desired.state !== "active") {
    const stale = staleSessions(state, e);
    if (stale.length > 0) out.push(`still online (${stale.length} session(s) remained)`);
    if (!state.exists) return out;
    const style = desired.state === "disconnected" ? "disable" : e.style;
    if (style === "disable" && !state.disabled) out.push("the account is not disabled");
    if (style === "profile" && state.profile !== e.policy.suspendedProfile) {
      out.push(`the profile is "${state.profile ?? ""}", not "${e.policy.suspendedProfile}"`);
    }
    if (style === "address-list" && !state.inSuspendedList)
      out.push("the address is not in the suspended list");
    return out;
  }
  if (state.disabled) out.push("the account is disabled");
  if (state.inSuspendedList) out.push("the address is still in the suspended list");
  if (state.exists && desired.profile !== undefined && state.profile !== desired.profile) {
    out.push(`the profile is "${state.profile ?? ""}", not "${desired.profile}"`);
  }
  if (state.exists && e.rate === "queue" && !sameRate(state.queueMaxLimit, e.maxLimit)) {
    out.push(`the queue max-limit is "${state.queueMaxLimit ?? "none"}", not "${e.maxLimit ?? ""}"`);
  }
  return out;
}

/** RouterOS may print "10M/10M" back as "10000000/10000000": compare the bit rates. */
export function sameRate(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const bits = (v: string) => v.split("/").map(rateBits).join("/");
  return bits(a) === bits(b);
}

const UNITS: Readonly<Record<string, number>> = { "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9 };

function rateBits(value: string): string {
  const m = /^(\d+(?:\.\d+)?)([kKMG]?)$/.exec(value.trim());
  const unit = m?.[2] === undefined ? undefined : UNITS[m[2]];
  return m?.[1] === undefined || unit === undefined ? value : String(Math.round(Number(m[1]) * unit));
}
