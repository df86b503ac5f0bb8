import type { NextAction } from "../schemas/lifecycle-fields.js";
import type { Package } from "../schemas/package.js";
import { expiresAtOf, graceEndsAt, isManualHold } from "./entitlement.js";
import { invoiceAction } from "./invoicing.js";
import { type LifecyclePolicy, type LifecycleSubscriber, offsetSeconds } from "./policy.js";
import { leaveQuietHours } from "./zoned-time.js";

export { type NextAction, NextActionSchema } from "../schemas/lifecycle-fields.js";
export type ReminderAction = Extract<NextAction, { kind: "reminder" }>;

/** Reminders go to subscribers who are, or were until their entitlement ran out, connected. */
const REMINDED_STATUSES = new Set(["active", "grace", "expired", "suspended"]);

/** The entitlement change that is due next, however late: enforcement never waits. */
function enforcement(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
): NextAction | undefined {
  if (sub.status === "paused") return sub.pausedUntil ? { kind: "unpause", at: sub.pausedUntil } : undefined;
  const expiresAt = expiresAtOf(sub);
  if (!expiresAt) return undefined;
  if (sub.status === "active") return { kind: "expire", at: expiresAt.toISOString() };
  if (sub.status === "grace") {
    return { kind: "grace_end", at: graceEndsAt(expiresAt, pkg, policy).toISOString() };
  }
  return undefined;
}

/**
 * Reminders still to send this cycle. One already sent retires every earlier offset; one older
 * than the lateness window is dropped; of several already due only the latest is kept, since its
 * message supersedes the others.
 */
function reminders(sub: LifecycleSubscriber, policy: LifecyclePolicy, now: Date): ReminderAction[] {
  const expiresAt = expiresAtOf(sub);
  if (!expiresAt || !REMINDED_STATUSES.has(sub.status) || isManualHold(sub)) return [];
  const cycle = expiresAt.toISOString();
  const thisCycle = sub.remindersSent && Date.parse(sub.remindersSent.cycle) === expiresAt.getTime();
  const sent = thisCycle ? (sub.remindersSent?.offsets ?? []).map(offsetSeconds) : [];
  const highWater = sent.length > 0 ? Math.max(...sent) : Number.NEGATIVE_INFINITY;
  const oldest = now.getTime() - policy.reminderLatenessSeconds * 1000;
  const pending = policy.reminders
    .filter((r) => offsetSeconds(r.offset) > highWater)
    .map((r) => {
      const due = new Date(expiresAt.getTime() + offsetSeconds(r.offset) * 1000);
      const at = leaveQuietHours(due, policy.quietHours, policy.timeZone);
      return { kind: "reminder" as const, at: at.toISOString(), offset: r.offset, channel: r.channel, cycle };
    })
    .filter((r) => Date.parse(r.at) >= oldest)
    .sort((a, b) => offsetSeconds(a.offset) - offsetSeconds(b.offset));
  const overdue = pending.filter((r) => Date.parse(r.at) <= now.getTime());
  const latestOverdue = overdue.at(-1);
  return latestOverdue
    ? [latestOverdue, ...pending.filter((r) => Date.parse(r.at) > now.getTime())]
    : pending;
}

/** At the same instant enforcement goes first, then reminders, then the invoice. */
const RANK: Record<NextAction["kind"], number> = {
  expire: 0,
  grace_end: 0,
  unpause: 0,
  reminder: 1,
  invoice: 2,
};

/** Everything due for the subscriber, soonest first; an overdue enforcement goes before anything else. */
export function pendingActions(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
): NextAction[] {
  if (sub.status === "terminated") return [];
  const e = enforcement(sub, pkg, policy);
  const invoice = invoiceAction(sub, pkg, policy);
  const all: NextAction[] = [
    ...(e ? [e] : []),
    ...(invoice ? [invoice] : []),
    ...reminders(sub, policy, now),
  ];
  const when = (a: NextAction) => Math.max(Date.parse(a.at), now.getTime());
  // A stable sort keeps reminders in offset order among themselves.
  return all.sort((a, b) => when(a) - when(b) || RANK[a.kind] - RANK[b.kind]);
}

/** The single next thing due: what the subscriber's one schedule should be set for. */
export function nextAction(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
): NextAction | undefined {
  return pendingActions(sub, pkg, policy, now)[0];
}

export function sameAction(a: NextAction, b: NextAction): boolean {
  if (a.kind !== b.kind || Date.parse(a.at) !== Date.parse(b.at)) return false;
  if (a.kind === "reminder") {
    return b.kind === "reminder" && a.offset === b.offset && Date.parse(a.cycle) === Date.parse(b.cycle);
  }
  if (a.kind === "invoice")
    return b.kind === "invoice" && Date.parse(a.periodStart) === Date.parse(b.periodStart);
  return true;
}
