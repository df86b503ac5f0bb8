import type { EdgeCommandReason } from "../schemas/edge-command.js";
import type { Package } from "../schemas/package.js";
import type { Actor } from "../schemas/timeline.js";
import { MAX_SQS_DELAY_SECONDS } from "./delivery.js";
import { settle } from "./entitlement.js";
import { type CycleInvoice, invoiceCycle, invoicePeriodStartForDue, type LateFeeDue } from "./invoicing.js";
import { type NextAction, pendingActions, type ReminderAction, sameAction } from "./next-action.js";
import { unpauseAt } from "./pause.js";
import type { LifecyclePolicy, LifecycleSubscriber } from "./policy.js";
import { assertPackage, commit, type Moment, type Transition } from "./transition.js";

export const SCHEDULER_ACTOR: Actor = { kind: "scheduler", id: "lifecycle" };

/** What the notifier needs to send a reminder; the message text is rendered in the tenant's zone. */
export interface ReminderDue {
  readonly offset: string;
  readonly channel: ReminderAction["channel"];
  /** The expiry (or postpaid due instant) the reminder is about. */
  readonly expiresAt: string;
}

export type FireResult =
  | {
      readonly outcome: "applied";
      readonly transition: Transition;
      readonly reminder?: ReminderDue;
      /** An `invoice` fire: the invoice to store with the transition (or the cycle skipped). */
      readonly invoice?: CycleInvoice;
      /** A lapse into suspension for non-payment: the late fee for the invoice that went unpaid. */
      readonly lateFee?: LateFeeDue;
    }
  | { readonly outcome: "stale"; readonly reason: string };

/**
 * Handles a scheduler fire for `action` on the subscriber as re-read now. The fire is applied only
 * if the action is still pending for the subscriber's current state (a renewal, pause or expiry
 * change meanwhile makes it stale: a no-op), and so is a fire too early for an SQS delay to bridge.
 * Schedules are set a minute early (see delivery.ts), so the change takes effect at
 * max(now, action.at) and its command carries that instant as notBefore.
 * After storing the result, the caller schedules nextAction() again.
 */
export function fire(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  action: NextAction,
  now: Date,
): FireResult {
  assertPackage(sub, pkg);
  if (Date.parse(action.at) - now.getTime() > MAX_SQS_DELAY_SECONDS * 1000) {
    // Too early to hand to SQS: the caller re-schedules nextAction(), which will be this again.
    return { outcome: "stale", reason: `${action.kind} at ${action.at} is not due yet` };
  }
  if (!pendingActions(sub, pkg, policy, now).some((p) => sameAction(p, action))) {
    return {
      outcome: "stale",
      reason: `${action.kind} at ${action.at} is no longer due for version ${sub.version}`,
    };
  }
  const moment: Moment = { at: new Date(Math.max(now.getTime(), Date.parse(action.at))), now };
  switch (action.kind) {
    case "reminder":
      return remind(sub, action, moment);
    case "unpause":
      return { outcome: "applied", transition: unpauseAt(sub, pkg, policy, moment, SCHEDULER_ACTOR) };
    case "expire":
    case "grace_end":
      return lapseWithFee(sub, pkg, policy, moment);
    case "invoice": {
      const { transition, cycle } = invoiceCycle(sub, pkg, policy, action, moment, SCHEDULER_ACTOR);
      return { outcome: "applied", transition, invoice: cycle };
    }
  }
}

/**
 * A lapse, and when it suspends for non-payment (grace ended unpaid, or a postpaid bill without
 * grace at its due instant) the package's late fee for the invoice that fell due at expiresAt. A
 * prepaid package without grace simply expires: not renewing is no debt, so no fee.
 */
function lapseWithFee(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  moment: Moment,
): FireResult {
  const transition = lapse(sub, pkg, policy, moment);
  const next = transition.subscriber;
  const suspendedUnpaid = next.status === "suspended" && next.suspendReason === "lapsed";
  // No late fee while billing is paused (billing-pause.ts).
  if (!suspendedUnpaid || !pkg.lateFee || sub.expiresAt === undefined || sub.billingPause)
    return { outcome: "applied", transition };
  const periodStart = invoicePeriodStartForDue(pkg, policy, new Date(sub.expiresAt));
  return {
    outcome: "applied",
    transition,
    lateFee: { rule: pkg.lateFee, periodStart: periodStart.toISOString(), at: moment.at.toISOString() },
  };
}

/** Entitlement (or grace) ran out: one step to wherever `at` lands, even after a long outage. */
function lapse(sub: LifecycleSubscriber, pkg: Package, policy: LifecyclePolicy, moment: Moment): Transition {
  const next = settle(sub, pkg, policy, moment.at);
  const since = sub.expiresAt ?? moment.at.toISOString();
  let reason: EdgeCommandReason = "expired";
  let type = "subscriber.expired";
  let summary = `Expired at ${since}`;
  if (next.status === "grace") {
    type = "subscriber.grace_started";
    summary = `Entitlement ended at ${since}; in grace for ${pkg.graceDays} day(s)`;
  } else if (next.status === "suspended") {
    reason = pkg.graceDays > 0 ? "grace_ended" : "unpaid";
    type = "subscriber.suspended";
    summary = pkg.graceDays > 0 ? "Suspended: grace ended unpaid" : `Suspended: unpaid since ${since}`;
  }
  return commit(sub, pkg, policy, moment, SCHEDULER_ACTOR, {
    next,
    reason,
    type,
    summary,
    data: { expiresAt: sub.expiresAt, by: "lapse" },
  });
}

function remind(sub: LifecycleSubscriber, action: ReminderAction, moment: Moment): FireResult {
  const sameCycle = sub.remindersSent && Date.parse(sub.remindersSent.cycle) === Date.parse(action.cycle);
  const offsets =
    sameCycle && sub.remindersSent ? [...sub.remindersSent.offsets, action.offset] : [action.offset];
  const subscriber: LifecycleSubscriber = {
    ...sub,
    remindersSent: { cycle: action.cycle, offsets },
    version: sub.version + 1,
    updatedAt: moment.now.toISOString(),
  };
  const transition: Transition = {
    subscriber,
    events: [
      {
        at: moment.at.toISOString(),
        type: "subscriber.reminder_due",
        summary: `Reminder ${action.offset} by ${action.channel} for expiry at ${action.cycle}`,
        actor: SCHEDULER_ACTOR,
        data: { offset: action.offset, channel: action.channel, expiresAt: action.cycle },
      },
    ],
    commands: [],
  };
  return {
    outcome: "applied",
    transition,
    reminder: { offset: action.offset, channel: action.channel, expiresAt: action.cycle },
  };
}
