import { ValidationError } from "../errors.js";
import type { Package } from "../schemas/package.js";
import type { Actor } from "../schemas/timeline.js";
import { isManualHold, settle, withoutHold } from "./entitlement.js";
import { InvalidTransitionError } from "./errors.js";
import type { LifecyclePolicy, LifecycleSubscriber } from "./policy.js";
import { assertPackage, commit, type Transition } from "./transition.js";

/** Admin actions. Each checks the status it starts from and returns the next subscriber version. */

/** An admin hold: the router refuses the subscriber until `resume`, whatever is paid. */
export function suspend(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
  actor: Actor,
  note?: string,
): Transition {
  assertPackage(sub, pkg);
  if (sub.status === "terminated" || sub.status === "paused" || isManualHold(sub)) {
    throw new InvalidTransitionError("suspend", sub.status);
  }
  return commit(sub, pkg, policy, { at: now, now }, actor, {
    next: { ...withoutHold(sub), status: "suspended", suspendReason: "manual" },
    reason: "manual_suspend",
    type: "subscriber.suspended",
    summary: note ? `Suspended by an admin: ${note.slice(0, 200)}` : "Suspended by an admin",
    data: { by: "manual", ...(note ? { note } : {}) },
  });
}

/** Lifts an admin hold; the subscriber lands wherever the entitlement says (possibly still lapsed). */
export function resume(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
  actor: Actor,
): Transition {
  assertPackage(sub, pkg);
  if (!isManualHold(sub)) throw new InvalidTransitionError("resume", sub.status);
  const next = settle(withoutHold(sub), pkg, policy, now);
  return commit(sub, pkg, policy, { at: now, now }, actor, {
    next,
    reason: "resumed",
    type: "subscriber.resumed",
    summary: `Resumed; now ${next.status}`,
  });
}

/** An override of the entitlement end, with the reason on the timeline. An admin hold stays. */
export function setExpiry(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
  actor: Actor,
  expiresAt: Date,
  reason: string,
): Transition {
  assertPackage(sub, pkg);
  if (sub.status === "terminated" || sub.status === "paused")
    throw new InvalidTransitionError("set-expiry", sub.status);
  const why = reason.trim();
  if (why.length === 0 || why.length > 500) {
    throw new ValidationError("Invalid expiry change", [
      { path: "reason", message: "must be 1-500 characters" },
    ]);
  }
  const next = settle({ ...sub, expiresAt: expiresAt.toISOString() }, pkg, policy, now);
  return commit(sub, pkg, policy, { at: now, now }, actor, {
    next,
    reason: "expiry_changed",
    type: "subscriber.expiry_changed",
    summary: `Expiry set to ${next.expiresAt}: ${why.slice(0, 200)}`,
    data: { previousExpiresAt: sub.expiresAt, expiresAt: next.expiresAt, reason: why },
  });
}

/**
 * Moves the subscriber to another package of the same billing type; `expiresAt` is kept (no
 * proration here). A connected subscriber gets a rate-change command.
 */
export function changePackage(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
  actor: Actor,
  to: Package,
): Transition {
  assertPackage(sub, pkg);
  if (sub.status === "terminated") throw new InvalidTransitionError("change-package", sub.status);
  const issue = (message: string) =>
    new ValidationError("Invalid package change", [{ path: "packageId", message }]);
  if (to.tenantId !== sub.tenantId) throw issue("no such package");
  if (to.id === pkg.id) throw issue("is already the subscriber's package");
  if (to.archived) throw issue("is archived");
  if (to.billing.type !== pkg.billing.type)
    throw issue(`must be ${pkg.billing.type} like the current package`);
  return commit(sub, pkg, policy, { at: now, now }, actor, {
    next: { ...sub, packageId: to.id },
    nextPackage: to,
    reason: "package_changed",
    type: "subscriber.package_changed",
    summary: `Package changed from ${pkg.name} to ${to.name}`,
    data: { from: pkg.id, to: to.id },
  });
}

/** Final: nothing but reads is allowed afterwards. */
export function terminate(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
  actor: Actor,
  note?: string,
): Transition {
  assertPackage(sub, pkg);
  if (sub.status === "terminated") throw new InvalidTransitionError("terminate", sub.status);
  return commit(sub, pkg, policy, { at: now, now }, actor, {
    next: { ...withoutHold(sub), status: "terminated" },
    reason: "terminated",
    type: "subscriber.terminated",
    summary: note ? `Terminated: ${note.slice(0, 200)}` : "Terminated",
    ...(note ? { data: { note } } : {}),
  });
}
