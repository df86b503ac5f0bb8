import { cycleRuleFor, type Period, periodContaining } from "../billing/cycles.js";
import { periodLabel } from "../billing/invoice.js";
import { ConflictError } from "../errors.js";
import type { Package } from "../schemas/package.js";
import type { Actor } from "../schemas/timeline.js";
import { isConnected } from "./entitlement.js";
import type { LifecyclePolicy, LifecycleSubscriber } from "./policy.js";
import { dueInstantFor } from "./postpaid.js";
import { renew } from "./renew.js";
import type { Moment, Transition } from "./transition.js";

/*
 * Billing paused by an admin (a complimentary month, a dispute): the subscriber keeps its service
 * and its schedule, but every cycle the invoice chain reaches while paused is skipped, not billed,
 * and no late fee is added when grace ends. Nothing is owed for a skipped cycle, so a postpaid
 * subscriber whose entitlement waited on that cycle's bill moves on to the next bill's due instant
 * (as if a zero bill were paid) rather than lapsing. A prepaid subscriber's paid time is not
 * extended: it still expires when what it bought runs out (freeze it with the `pause` action).
 * Resuming bills from the next cycle on; the cycle in progress stays unbilled (bill it on demand
 * with POST /v1/subscribers/{id}/invoices if it should be).
 */

const bumped = (sub: LifecycleSubscriber, now: Date): LifecycleSubscriber => ({
  ...sub,
  version: sub.version + 1,
  updatedAt: now.toISOString(),
});

export function pauseBilling(sub: LifecycleSubscriber, now: Date, actor: Actor, reason: string): Transition {
  if (sub.status === "terminated") throw new ConflictError(`Subscriber ${sub.id} is terminated`);
  if (sub.billingPause) {
    throw new ConflictError(
      `Billing of subscriber ${sub.id} is already paused (since ${sub.billingPause.since})`,
    );
  }
  const at = now.toISOString();
  return {
    subscriber: bumped({ ...sub, billingPause: { since: at, actor, reason } }, now),
    events: [{ at, type: "billing.paused", summary: `Billing paused: ${reason}`, actor, data: { reason } }],
    commands: [],
  };
}

export function resumeBilling(sub: LifecycleSubscriber, now: Date, actor: Actor, reason: string): Transition {
  const pause = sub.billingPause;
  if (!pause) throw new ConflictError(`Billing of subscriber ${sub.id} is not paused`);
  const { billingPause: _p, ...rest } = sub;
  const at = now.toISOString();
  return {
    subscriber: bumped(rest, now),
    events: [
      {
        at,
        type: "billing.resumed",
        summary: `Billing resumed (paused since ${pause.since}): ${reason}`.slice(0, 500),
        actor,
        data: { reason, pausedSince: pause.since, billedThrough: sub.billedThrough },
      },
    ],
    commands: [],
  };
}

/**
 * A cycle not billed: the chain's mark moves past it (a postpaid one through the cycle in progress
 * at `moment.at`, so a long outage skips every cycle it missed at once), one `invoice.skipped`.
 */
export function skipCycle(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  period: Period,
  moment: Moment,
  actor: Actor,
  why: string,
): Transition {
  const through =
    pkg.billing.type === "postpaid"
      ? periodContaining(
          cycleRuleFor(pkg.billing, period.start),
          policy.timeZone,
          new Date(Math.max(period.start.getTime(), moment.at.getTime())),
        ).end
      : period.end;
  return {
    subscriber: bumped({ ...sub, billedThrough: through.toISOString() }, moment.now),
    events: [
      {
        at: moment.at.toISOString(),
        type: "invoice.skipped",
        summary: `Cycle ${periodLabel(period, policy.timeZone)} not billed: ${why}`,
        actor,
        data: {
          periodStart: period.start.toISOString(),
          billedThrough: through.toISOString(),
          status: sub.status,
          ...(sub.billingPause ? { billingPaused: true } : {}),
        },
      },
    ],
    commands: [],
  };
}

/**
 * A cycle reached while billing is paused: skipped; when it is the postpaid bill the entitlement
 * waits on, the subscriber renews to the next bill's due instant with nothing to pay.
 */
export function billingPausedCycle(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  period: Period,
  moment: Moment,
  actor: Actor,
): Transition {
  const why = `billing is paused (${sub.billingPause?.reason ?? "no reason given"})`.slice(0, 300);
  const skipped = skipCycle(sub, pkg, policy, { ...period }, moment, actor, why);
  const waitedOn =
    pkg.billing.type === "postpaid" &&
    isConnected(sub.status) &&
    dueInstantFor(pkg.billing, policy.timeZone, period.start).getTime() === Date.parse(sub.expiresAt ?? "");
  if (!waitedOn) return skipped;
  const renewal = renew(sub, pkg, policy, moment.at, actor, 1);
  return {
    ...renewal,
    subscriber: { ...renewal.subscriber, billedThrough: period.end.toISOString() },
    events: [
      ...skipped.events,
      ...renewal.events.map((e) => ({
        ...e,
        summary: `${e.summary} (cycle not billed: billing paused)`.slice(0, 500),
        data: { ...e.data, by: "billing_paused" },
      })),
    ],
  };
}
