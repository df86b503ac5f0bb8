import { ValidationError } from "../errors.js";
import type { Package } from "../schemas/package.js";
import type { Actor } from "../schemas/timeline.js";
import { entitlementAt, expiresAtOf, settle, validityMs } from "./entitlement.js";
import { InvalidTransitionError } from "./errors.js";
import type { LifecyclePolicy, LifecycleSubscriber } from "./policy.js";
import { dueAfterBillsPaid, dueAfterPayment } from "./postpaid.js";
import { assertPackage, commit, type Transition } from "./transition.js";

/**
 * Where a prepaid extension starts. Paid time is never lost: before expiry it stacks on
 * `expiresAt`. In grace the policy decides: "stack" (default) treats grace as credit the renewal
 * pays back, so paying late buys no free days; "from_now" forgives it. After grace it starts now.
 */
export function renewalBase(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
): { base: Date; rule: "stacked" | "from_now" } {
  const expiresAt = expiresAtOf(sub);
  if (!expiresAt) return { base: now, rule: "from_now" };
  const e = entitlementAt(sub, pkg, policy, now);
  if (e === "active" || (e === "grace" && policy.renewInGrace === "stack")) {
    return { base: expiresAt, rule: "stacked" };
  }
  return { base: now, rule: "from_now" };
}

/**
 * A paid renewal of `periods` package periods. Prepaid: extends by the validity. Postpaid: the
 * payment settles the outstanding bill(s) and `expiresAt` moves to the next bill's due instant, or
 * to the due instant of a later bill still unpaid (`unpaidPeriodStarts`: the period starts of the
 * subscriber's unpaid invoices, when the renewal comes from paying invoices).
 * A lapsed subscriber is restored; an admin hold stays (payment does not override an admin).
 */
export function renew(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
  actor: Actor,
  periods = 1,
  unpaidPeriodStarts: readonly string[] = [],
): Transition {
  assertPackage(sub, pkg);
  if (sub.status === "terminated") throw new InvalidTransitionError("renew", sub.status);
  if (!Number.isInteger(periods) || periods < 1 || periods > 120) {
    throw new ValidationError("Invalid renewal", [
      { path: "periods", message: "must be a whole number from 1 to 120" },
    ]);
  }
  const moment = { at: now, now };
  if (sub.status === "paused") {
    // The clock is stopped, so the purchase goes onto the frozen balance.
    const remaining = (sub.pausedRemainingSeconds ?? 0) + (validityMs(pkg) / 1000) * periods;
    return commit(sub, pkg, policy, moment, actor, {
      next: { ...sub, pausedRemainingSeconds: remaining },
      reason: "renewed",
      type: "subscriber.renewed",
      summary: `Renewed ${periods} period(s) while paused`,
      data: { periods, pausedRemainingSeconds: remaining },
    });
  }
  const previous = sub.expiresAt;
  let expiresAt: Date;
  let rule: string;
  if (pkg.billing.type === "prepaid") {
    const start = renewalBase(sub, pkg, policy, now);
    expiresAt = new Date(start.base.getTime() + validityMs(pkg) * periods);
    rule = start.rule;
  } else {
    let due = expiresAtOf(sub);
    for (let i = 0; i < periods - 1; i++) due = dueAfterPayment(pkg.billing, policy.timeZone, due, now);
    expiresAt = dueAfterBillsPaid(pkg.billing, policy.timeZone, due, now, unpaidPeriodStarts);
    rule = "bill_settled";
  }
  const next = settle({ ...sub, expiresAt: expiresAt.toISOString() }, pkg, policy, now);
  const restored = next.status !== sub.status ? ` (was ${sub.status})` : "";
  return commit(sub, pkg, policy, moment, actor, {
    next,
    reason: "renewed",
    type: "subscriber.renewed",
    summary: `Renewed until ${next.expiresAt}${restored}`,
    data: { periods, previousExpiresAt: previous, expiresAt: next.expiresAt, rule },
  });
}
