import { ValidationError } from "../errors.js";
import type { Package } from "../schemas/package.js";
import type { Actor } from "../schemas/timeline.js";
import { expiresAtOf, settle, withoutHold } from "./entitlement.js";
import { InvalidTransitionError } from "./errors.js";
import type { LifecyclePolicy, LifecycleSubscriber } from "./policy.js";
import { assertPackage, commit, type Moment, type Transition } from "./transition.js";

/**
 * Stops the clock (prepaid only: a postpaid bill's due date is calendar, not a balance). The
 * remaining entitlement is kept in seconds, negative when paused in grace so grace is not renewed.
 */
export function pause(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
  actor: Actor,
  until?: Date,
): Transition {
  assertPackage(sub, pkg);
  if (pkg.billing.type !== "prepaid") {
    throw new InvalidTransitionError("pause", sub.status, "Only prepaid subscribers can be paused");
  }
  if (sub.status !== "active" && sub.status !== "grace") {
    throw new InvalidTransitionError("pause", sub.status);
  }
  if (until && until.getTime() <= now.getTime()) {
    throw new ValidationError("Invalid pause", [{ path: "until", message: "must be in the future" }]);
  }
  const expiresAt = expiresAtOf(sub);
  const remaining = expiresAt ? Math.floor((expiresAt.getTime() - now.getTime()) / 1000) : undefined;
  return commit(sub, pkg, policy, { at: now, now }, actor, {
    next: {
      ...withoutHold(sub),
      status: "paused",
      ...(remaining === undefined ? {} : { pausedRemainingSeconds: remaining }),
      ...(until ? { pausedUntil: until.toISOString() } : {}),
    },
    reason: "paused",
    type: "subscriber.paused",
    summary: until ? `Paused until ${until.toISOString()}` : "Paused",
    data: { remainingSeconds: remaining, until: until?.toISOString() },
  });
}

export function unpause(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
  actor: Actor,
): Transition {
  return unpauseAt(sub, pkg, policy, { at: now, now }, actor);
}

/** Unpause effective at `moment.at` (the scheduler's automatic unpause fires a minute early). */
export function unpauseAt(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  moment: Moment,
  actor: Actor,
): Transition {
  assertPackage(sub, pkg);
  if (sub.status !== "paused") throw new InvalidTransitionError("unpause", sub.status);
  const remaining = sub.pausedRemainingSeconds;
  const resumed = withoutHold(sub);
  if (remaining !== undefined) {
    resumed.expiresAt = new Date(moment.at.getTime() + remaining * 1000).toISOString();
  }
  const next = settle(resumed, pkg, policy, moment.at);
  return commit(sub, pkg, policy, moment, actor, {
    next,
    reason: "unpaused",
    type: "subscriber.unpaused",
    summary: `Unpaused; now ${next.status}${next.expiresAt ? ` until ${next.expiresAt}` : ""}`,
    data: { expiresAt: next.expiresAt },
  });
}
