import type { DesiredState } from "../schemas/edge-command.js";
import type { Package } from "../schemas/package.js";
import type { SubscriberStatus } from "../schemas/subscriber.js";
import type { LifecyclePolicy, LifecycleSubscriber } from "./policy.js";
import { addLocalDays } from "./zoned-time.js";

/*
 * What a subscriber is owed at an instant, independent of what the stored status says.
 * Prepaid sells a duration: validity and grace days are exact 24-hour days from `expiresAt`.
 * Postpaid bills the calendar: grace days after the due instant are the tenant's local days.
 * A subscriber without `expiresAt` is open-ended (never expires on its own).
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Statuses in which the router must let the subscriber online. */
export const CONNECTED_STATUSES: ReadonlySet<SubscriberStatus> = new Set(["active", "grace"]);

export function isConnected(status: SubscriberStatus): boolean {
  return CONNECTED_STATUSES.has(status);
}

export type Entitlement = "active" | "grace" | "lapsed";

export function validityMs(pkg: Package): number {
  if (pkg.billing.type !== "prepaid") return 0;
  const { unit, count } = pkg.billing.validity;
  return count * (unit === "days" ? DAY_MS : HOUR_MS);
}

/** End of grace for an entitlement ending at `expiresAt`. */
export function graceEndsAt(expiresAt: Date, pkg: Package, policy: LifecyclePolicy): Date {
  if (pkg.billing.type === "postpaid") return addLocalDays(expiresAt, pkg.graceDays, policy.timeZone);
  return new Date(expiresAt.getTime() + pkg.graceDays * DAY_MS);
}

export function expiresAtOf(sub: LifecycleSubscriber): Date | undefined {
  return sub.expiresAt === undefined ? undefined : new Date(sub.expiresAt);
}

export function entitlementAt(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  at: Date,
): Entitlement {
  const expiresAt = expiresAtOf(sub);
  if (!expiresAt || at.getTime() < expiresAt.getTime()) return "active";
  if (at.getTime() < graceEndsAt(expiresAt, pkg, policy).getTime()) return "grace";
  return "lapsed";
}

/**
 * Where an unpaid subscriber ends up: a prepaid package without grace simply expires; a grace that
 * ran out, or an overdue postpaid bill, is a suspension for non-payment.
 */
export function lapsedStatus(pkg: Package): Pick<LifecycleSubscriber, "status" | "suspendReason"> {
  if (pkg.billing.type === "prepaid" && pkg.graceDays === 0) return { status: "expired" };
  return { status: "suspended", suspendReason: "lapsed" };
}

/**
 * The subscriber with its status re-derived from the entitlement at `at`. An admin hold is kept;
 * a paused subscriber must be unpaused (pause bookkeeping cleared) by the caller first.
 */
export function settle(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  at: Date,
): LifecycleSubscriber {
  if (isManualHold(sub)) return sub;
  const e = entitlementAt(sub, pkg, policy, at);
  const rest = withoutHold(sub);
  return e === "lapsed" ? { ...rest, ...lapsedStatus(pkg) } : { ...rest, status: e };
}

/** The subscriber without admin-hold and pause bookkeeping. */
export function withoutHold(sub: LifecycleSubscriber): LifecycleSubscriber {
  const { suspendReason: _s, pausedRemainingSeconds: _r, pausedUntil: _u, ...rest } = sub;
  return rest;
}

export function isManualHold(sub: LifecycleSubscriber): boolean {
  return sub.status === "suspended" && sub.suspendReason === "manual";
}

/** What the router should enforce for the subscriber as stored. */
export function desiredState(sub: LifecycleSubscriber, pkg: Package, policy: LifecyclePolicy): DesiredState {
  if (sub.status === "terminated") return { state: "disconnected" };
  if (!isConnected(sub.status)) return { state: "suspended" };
  const expiresAt = expiresAtOf(sub);
  return {
    state: "active",
    rateLimit: { downloadKbps: pkg.speed.downloadKbps, uploadKbps: pkg.speed.uploadKbps },
    ...(pkg.routerProfile === undefined ? {} : { profile: pkg.routerProfile }),
    ...(expiresAt ? { until: graceEndsAt(expiresAt, pkg, policy).toISOString() } : {}),
  };
}

export function sameDesiredState(a: DesiredState, b: DesiredState): boolean {
  if (a.state !== "active" || b.state !== "active") return a.state === b.state;
  return (
    a.rateLimit.downloadKbps === b.rateLimit.downloadKbps &&
    a.rateLimit.uploadKbps === b.rateLimit.uploadKbps &&
    a.profile === b.profile &&
    a.until === b.until
  );
}
