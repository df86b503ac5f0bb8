import { billingDateIn, isInterval, type PostpaidBilling } from "../lifecycle/postpaid.js";
import { daysInMonth, fromLocal, toLocal } from "../lifecycle/zoned-time.js";

export { daysInMonth };

/*
 * Billing cycles in the tenant's time zone. A period is half-open, [start, end): both ends are
 * local midnights (stored as UTC instants; where daylight saving skips midnight, as in Karachi on
 * 1 June 2008, the day's first instant, 01:00), and one period's end is the next one's start, so
 * periods never overlap or leave a gap. The day a cycle starts on:
 * - monthly: the billing day of each month; 29, 30 and 31 fall on the last day of shorter months
 *   (the same rule as the lifecycle's postpaid calendar, whose `billingDateIn` this reuses);
 * - interval: every N local calendar days from an anchor's local date (DST never shortens a day).
 */

/** A billing period, [start, end). */
export interface Period {
  readonly start: Date;
  readonly end: Date;
}

export type CycleRule =
  | { readonly kind: "monthly"; readonly billingDay: number }
  | {
      readonly kind: "interval";
      readonly intervalDays: number;
      /** Any instant on the local day the first cycle starts (e.g. the activation). */
      readonly anchor: Date;
    };

export function monthlyRule(billing: { readonly billingDay: number }): CycleRule {
  return { kind: "monthly", billingDay: billing.billingDay };
}

/** A postpaid package's cycles; an every-N-days series is anchored on any of its bills. */
export function cycleRuleFor(billing: PostpaidBilling, anchor: Date): CycleRule {
  return isInterval(billing)
    ? { kind: "interval", intervalDays: billing.everyDays, anchor }
    : monthlyRule(billing);
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of the instant's local calendar date. */
export function localDayNumber(instant: Date, timeZone: string): number {
  const l = toLocal(instant, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day) / DAY_MS;
}

function localMidnight(year: number, month: number, day: number, timeZone: string): Date {
  return fromLocal({ year, month, day, hour: 0, minute: 0, second: 0 }, timeZone);
}

/** Start of the monthly cycle in month `index` (months since year 0: year × 12 + month − 1). */
function monthlyStart(index: number, billingDay: number, timeZone: string): Date {
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return localMidnight(year, month, billingDateIn(year, month, billingDay), timeZone);
}

function intervalStart(anchor: Date, intervalDays: number, k: number, timeZone: string): Date {
  const a = toLocal(anchor, timeZone);
  return localMidnight(a.year, a.month, a.day + k * intervalDays, timeZone);
}

function checkRule(rule: CycleRule): void {
  const ok =
    rule.kind === "monthly"
      ? Number.isInteger(rule.billingDay) && rule.billingDay >= 1 && rule.billingDay <= 31
      : Number.isInteger(rule.intervalDays) && rule.intervalDays >= 1 && rule.intervalDays <= 366;
  if (!ok) throw new RangeError(`invalid cycle rule: ${JSON.stringify(rule)}`);
}

/** The period that contains `instant` (start <= instant < end). */
export function periodContaining(rule: CycleRule, timeZone: string, instant: Date): Period {
  checkRule(rule);
  const t = instant.getTime();
  if (rule.kind === "monthly") {
    const l = toLocal(instant, timeZone);
    let index = l.year * 12 + l.month - 1;
    let start = monthlyStart(index, rule.billingDay, timeZone);
    if (start.getTime() > t) start = monthlyStart(--index, rule.billingDay, timeZone);
    return { start, end: monthlyStart(index + 1, rule.billingDay, timeZone) };
  }
  const elapsed = localDayNumber(instant, timeZone) - localDayNumber(rule.anchor, timeZone);
  let k = Math.floor(elapsed / rule.intervalDays);
  let start = intervalStart(rule.anchor, rule.intervalDays, k, timeZone);
  if (start.getTime() > t) start = intervalStart(rule.anchor, rule.intervalDays, --k, timeZone);
  return { start, end: intervalStart(rule.anchor, rule.intervalDays, k + 1, timeZone) };
}

/** The period right after `period` (its start is `period.end`). */
export function nextPeriod(rule: CycleRule, timeZone: string, period: Period): Period {
  return periodContaining(rule, timeZone, period.end);
}

/** The period right before `period` (its end is `period.start`). */
export function previousPeriod(rule: CycleRule, timeZone: string, period: Period): Period {
  return periodContaining(rule, timeZone, new Date(period.start.getTime() - 1));
}

/** Local calendar days in a period: the proration denominator (28-31 for a monthly cycle). */
export function periodDays(period: Period, timeZone: string): number {
  return localDayNumber(period.end, timeZone) - localDayNumber(period.start, timeZone);
}

/**
 * Days of the period still to come from `from`, counting `from`'s own local day in full: a
 * subscriber who joins at 18:00 pays for that day. Before the period: all of it; after: none.
 */
export function remainingDays(period: Period, from: Date, timeZone: string): number {
  const total = periodDays(period, timeZone);
  if (from.getTime() <= period.start.getTime()) return total;
  if (from.getTime() >= period.end.getTime()) return 0;
  return localDayNumber(period.end, timeZone) - localDayNumber(from, timeZone);
}
