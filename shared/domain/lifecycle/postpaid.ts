import type { z } from "zod";
import type { PostpaidBillingSchema } from "../schemas/package.js";
import { daysInMonth, fromLocal, startOfLocalDay, toLocal } from "./zoned-time.js";

/*
 * Postpaid calendar, all in the tenant's time zone:
 * - a bill is issued at local 00:00 of its billing day:
 *   - monthly: the billing day of every month (31, or any day past the month's end, falls on the
 *     month's last day);
 *   - every N days: every N local calendar days from the first bill (a DST change never makes a
 *     cycle an hour short or long in days). The series is anchored on any of its bills, which for a
 *     subscriber is the bill behind its `expiresAt` (`billedAtForDue`), so nothing extra is stored;
 * - it is due by the END of the due date (billing date + dueDays): the due instant is the local
 *   midnight that closes that day;
 * - a postpaid subscriber's `expiresAt` is the due instant of the oldest unpaid bill, so the same
 *   expiry / grace / reminder machinery as prepaid applies.
 * - a subscriber's first bill: monthly, the first billing day after joining; every N days, the day
 *   of joining itself (its first cycle starts then).
 */

export type PostpaidBilling = z.infer<typeof PostpaidBillingSchema>;
export type MonthlyPostpaid = Extract<PostpaidBilling, { readonly billingDay: number }>;
export type IntervalPostpaid = Extract<PostpaidBilling, { readonly cycle: "every_n_days" }>;

export function isInterval(billing: PostpaidBilling): billing is IntervalPostpaid {
  return billing.cycle === "every_n_days";
}

export function billingDateIn(year: number, month: number, billingDay: number): number {
  return Math.min(billingDay, daysInMonth(year, month));
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of the instant's local calendar date. */
function localDay(instant: Date, timeZone: string): number {
  const l = toLocal(instant, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day) / DAY_MS;
}

/** Local 00:00 of day number `day` (days since 1970-01-01). */
function midnightOfDay(day: number, timeZone: string): Date {
  const d = new Date(day * DAY_MS);
  return fromLocal(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: 0,
      minute: 0,
      second: 0,
    },
    timeZone,
  );
}

/**
 * The first bill issued strictly after `after`. `anchor` is any bill of an every-N-days series
 * (default: `after` itself, i.e. a series started that day); monthly bills ignore it.
 */
export function nextBillingInstant(
  billing: PostpaidBilling,
  timeZone: string,
  after: Date,
  anchor: Date = after,
): Date {
  if (isInterval(billing)) {
    const first = localDay(anchor, timeZone);
    const n = billing.everyDays;
    let k = Math.floor((localDay(after, timeZone) - first) / n);
    for (; ; k++) {
      const issued = midnightOfDay(first + k * n, timeZone);
      if (issued.getTime() > after.getTime()) return issued;
    }
  }
  const l = toLocal(after, timeZone);
  for (let i = 0; ; i++) {
    const y = l.year + Math.floor((l.month - 1 + i) / 12);
    const m = ((l.month - 1 + i) % 12) + 1;
    const d = billingDateIn(y, m, billing.billingDay);
    const issued = fromLocal({ year: y, month: m, day: d, hour: 0, minute: 0, second: 0 }, timeZone);
    if (issued.getTime() > after.getTime()) return issued;
  }
}

/** The first bill issued at or after `at` (`at` itself when it is a billing instant). */
export function billingInstantFrom(
  billing: PostpaidBilling,
  timeZone: string,
  at: Date,
  anchor: Date = at,
): Date {
  return nextBillingInstant(billing, timeZone, new Date(at.getTime() - 1), anchor);
}

/** When a bill issued at `billedAt` becomes overdue. */
export function dueInstantFor(billing: PostpaidBilling, timeZone: string, billedAt: Date): Date {
  return startOfLocalDay(billedAt, timeZone, billing.dueDays + 1);
}

/** The due instant of the next bill issued after `after` (in the series of `anchor`). */
export function nextDueInstant(
  billing: PostpaidBilling,
  timeZone: string,
  after: Date,
  anchor: Date = after,
): Date {
  return dueInstantFor(billing, timeZone, nextBillingInstant(billing, timeZone, after, anchor));
}

/** A new subscriber's first bill: the next billing day (monthly), or the day it joins (every N days). */
export function firstBillingInstant(billing: PostpaidBilling, timeZone: string, joinedAt: Date): Date {
  return isInterval(billing)
    ? startOfLocalDay(joinedAt, timeZone)
    : nextBillingInstant(billing, timeZone, joinedAt);
}

/** A new subscriber's first `expiresAt`: the due instant of its first bill. */
export function firstDueInstant(billing: PostpaidBilling, timeZone: string, joinedAt: Date): Date {
  return dueInstantFor(billing, timeZone, firstBillingInstant(billing, timeZone, joinedAt));
}

/** Inverse of dueInstantFor: when the bill that falls due at `dueAt` was issued. */
export function billedAtForDue(billing: PostpaidBilling, timeZone: string, dueAt: Date): Date {
  const dueDay = new Date(dueAt.getTime() - 1);
  return startOfLocalDay(dueDay, timeZone, -billing.dueDays);
}

/**
 * The new `expiresAt` after a payment: it settles the bill due at `currentDue` and every bill
 * already issued by `now`, so the next due instant is that of the first bill issued after both.
 * An every-N-days series continues from the bill behind `currentDue`.
 */
export function dueAfterPayment(
  billing: PostpaidBilling,
  timeZone: string,
  currentDue: Date | undefined,
  now: Date,
): Date {
  const billedAt = currentDue ? billedAtForDue(billing, timeZone, currentDue) : undefined;
  const settledThrough = billedAt ? Math.max(now.getTime(), billedAt.getTime()) : now.getTime();
  return nextDueInstant(billing, timeZone, new Date(settledThrough), billedAt ?? now);
}

/**
 * `dueAfterPayment` for a payment that settled invoices: a later bill of the series that is still
 * unpaid (issued while the subscriber was in grace) stays owed, so `expiresAt` stops at its due
 * instant instead. `unpaidPeriodStarts` are the period starts of the subscriber's unpaid invoices;
 * starts that are not bills of the series after the one settled (an upgrade's difference, a
 * manual bill) do not hold the entitlement.
 */
export function dueAfterBillsPaid(
  billing: PostpaidBilling,
  timeZone: string,
  currentDue: Date | undefined,
  now: Date,
  unpaidPeriodStarts: readonly string[],
): Date {
  let due = dueAfterPayment(billing, timeZone, currentDue, now);
  if (!currentDue) return due;
  const settled = billedAtForDue(billing, timeZone, currentDue);
  for (const iso of unpaidPeriodStarts) {
    const start = new Date(iso);
    if (start.getTime() <= settled.getTime()) continue;
    if (billingInstantFrom(billing, timeZone, start, settled).getTime() !== start.getTime()) continue;
    const owed = dueInstantFor(billing, timeZone, start);
    if (owed.getTime() < due.getTime()) due = owed;
  }
  return due;
}
