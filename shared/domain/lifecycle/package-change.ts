import { type Period, periodDays, remainingDays } from "../billing/cycles.js";
import { draftInvoice, periodLabel } from "../billing/invoice.js";
import { mulDivRoundHalfUp } from "../billing/proration.js";
import { newId } from "../ids.js";
import type { NewInvoice } from "../schemas/invoice.js";
import type { Package } from "../schemas/package.js";
import { expiresAtOf } from "./entitlement.js";
import { currentPeriod } from "./on-demand.js";
import type { LifecyclePolicy, LifecycleSubscriber } from "./policy.js";
import { dueInstantFor, isInterval } from "./postpaid.js";
import { startOfLocalDay } from "./zoned-time.js";

/*
 * A package change inside a cycle that is already paid for or billed. THE RULE:
 *
 *   remaining = what is left of the cycle at the change, counted in whole units with the change's
 *     own unit counted in full (a join on that day would pay for it): postpaid, the tenant's
 *     calendar days left in the cycle; prepaid, the days (hours, for an hour package) left until
 *     expiresAt;
 *   charge = new price × remaining / the new package's cycle length (in the same units),
 *   credit = old price × remaining / the old package's cycle length,
 *     each rounded to the nearest minor unit, an exact half up (proration.ts), so each is at most
 *     half a minor unit off its exact share. With equal cycles this is `prorateChange`.
 *   upgrade (charge > credit): an invoice for charge − credit now, for [the change, the cycle's end),
 *     its lines the new package's part and the old one's unused part (a negative adjustment);
 *   downgrade (credit > charge): credit − charge goes to the wallet (never paid out), and the next
 *     invoice takes it automatically.
 *
 * A postpaid cycle not billed yet (a joiner before its first invoice, a skipped cycle) is not
 * prorated: its invoice bills the package held then. A paused prepaid subscriber's frozen time is
 * not prorated either, nor a change between packages priced in different currencies.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface ChangeBilling {
  /** The part of the cycle the change affects: [the change, the cycle's end). */
  readonly period: Period;
  readonly remaining: number;
  readonly unit: "day" | "hour";
  /** The new package for what is left. */
  readonly charge: number;
  /** The old package's unused part. */
  readonly credit: number;
}

/**
 * What a change from `from` to `to` at `now` settles, or undefined when nothing is prorated.
 * `billed`: whether the postpaid cycle in progress has its invoice (prepaid time is always paid).
 */
export function packageChangeBilling(
  sub: LifecycleSubscriber,
  from: Package,
  to: Package,
  policy: LifecyclePolicy,
  now: Date,
  billed: boolean,
): ChangeBilling | undefined {
  const tz = policy.timeZone;
  if (sub.status === "terminated" || sub.status === "paused") return undefined;
  if (from.price.currency !== to.price.currency) return undefined;
  if (from.billing.type === "postpaid" && to.billing.type === "postpaid") {
    if (!billed) return undefined;
    const cycle = currentPeriod(sub, from, policy, now);
    const left = remainingDays(cycle, now, tz);
    if (left <= 0) return undefined;
    const days = periodDays(cycle, tz);
    const length = (pkg: Package) =>
      pkg.billing.type === "postpaid" && isInterval(pkg.billing) ? pkg.billing.everyDays : days;
    return {
      period: { start: now, end: cycle.end },
      remaining: left,
      unit: "day",
      charge: mulDivRoundHalfUp(to.price.amount, left, length(to)),
      credit: mulDivRoundHalfUp(from.price.amount, left, length(from)),
    };
  }
  if (from.billing.type !== "prepaid" || to.billing.type !== "prepaid") return undefined;
  const expiresAt = expiresAtOf(sub);
  if (!expiresAt || expiresAt.getTime() <= now.getTime()) return undefined;
  const hours = from.billing.validity.unit === "hours" || to.billing.validity.unit === "hours";
  const unitMs = hours ? HOUR_MS : DAY_MS;
  const count = (pkg: Package) =>
    pkg.billing.type !== "prepaid"
      ? 1
      : pkg.billing.validity.count * (pkg.billing.validity.unit === "hours" || !hours ? 1 : 24);
  const left = Math.ceil((expiresAt.getTime() - now.getTime()) / unitMs);
  return {
    period: { start: now, end: expiresAt },
    remaining: left,
    unit: hours ? "hour" : "day",
    charge: mulDivRoundHalfUp(to.price.amount, left, count(to)),
    credit: mulDivRoundHalfUp(from.price.amount, left, count(from)),
  };
}

/** The upgrade's invoice (charge > credit), due by the postpaid rule from the change day, prepaid by its end. */
export function upgradeInvoice(
  sub: LifecycleSubscriber,
  from: Package,
  to: Package,
  policy: LifecyclePolicy,
  change: ChangeBilling,
  now: Date,
): NewInvoice {
  const tz = policy.timeZone;
  const units = `${change.remaining} ${change.unit}${change.remaining === 1 ? "" : "s"}`;
  const label = periodLabel(change.period, tz);
  return draftInvoice({
    id: newId("invoice", now.getTime()),
    tenantId: sub.tenantId,
    subscriberId: sub.id,
    packageId: to.id,
    currency: to.price.currency,
    period: change.period,
    lines: [
      {
        kind: "proration",
        description: `${to.name}: ${units} (${label})`.slice(0, 200),
        amount: change.charge,
      },
      {
        kind: "adjustment",
        description: `${from.name}: ${units} unused, credited`.slice(0, 200),
        amount: -change.credit,
      },
    ],
    taxRateBasisPoints: to.taxRateBasisPoints,
    dueAt: to.billing.type === "postpaid" ? dueInstantFor(to.billing, tz, now) : startOfLocalDay(now, tz, 1),
    now,
  });
}
