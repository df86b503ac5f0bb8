import type { z } from "zod";
import type { PostpaidBillingSchema } from "../schemas/package.js";
import { daysInMonth, fromLocal, startOfLocalDay, toLocal } from "./zoned-time.js";

/*
 * Postpaid calendar, all in the tenant's time zone:
 * - a bill is issued at local 00:00 of the billing day (31, or any day past the month's end, falls
 *   on the month's last day);
 * - it is due by the END of the due date (billing date + dueDays): the due instant is the local
 *   midnight that closes that day;
 * - a postpaid subscriber's `expiresAt` is the due instant of the oldest unpaid bill, so the same
 *   expiry / grace / reminder machinery as prepaid applies.
 * Full invoicing (amounts, proration, partial payments) is built elsewhere on top of this.
 */

export type PostpaidBilling = z.infer<typeof PostpaidBillingSchema>;

export function billingDateIn(year: number, month: number, billingDay: number): number {
  return Math.min(billingDay, daysInMonth(year, month));
}

/** The first bill issued strictly after `after`. */
export function nextBillingInstant(billing: PostpaidBilling, timeZone: string, after: Date): Date {
  const l = toLocal(after, timeZone);
  for (let i = 0; ; i++) {
    const y = l.year + Math.floor((l.month - 1 + i) / 12);
    const m = ((l.month - 1 + i) % 12) + 1;
    const d = billingDateIn(y, m, billing.billingDay);
    const issued = fromLocal({ year: y, month: m, day: d, hour: 0, minute: 0, second: 0 }, timeZone);
    if (issued.getTime() > after.getTime()) return issued;
  }
}

/** When a bill issued at `billedAt` becomes overdue. */
export function dueInstantFor(billing: PostpaidBilling, timeZone: string, billedAt: Date): Date {
  return startOfLocalDay(billedAt, timeZone, billing.dueDays + 1);
}

/** The due instant of the next bill issued after `after`: a new subscriber's first `expiresAt`. */
export function nextDueInstant(billing: PostpaidBilling, timeZone: string, after: Date): Date {
  return dueInstantFor(billing, timeZone, nextBillingInstant(billing, timeZone, after));
}

/** Inverse of dueInstantFor: when the bill that falls due at `dueAt` was issued. */
export function billedAtForDue(billing: PostpaidBilling, timeZone: string, dueAt: Date): Date {
  const dueDay = new Date(dueAt.getTime() - 1);
  return startOfLocalDay(dueDay, timeZone, -billing.dueDays);
}

/**
 * The new `expiresAt` after a payment: it settles the bill due at `currentDue` and every bill
 * already issued by `now`, so the next due instant is that of the first bill issued after both.
 */
export function dueAfterPayment(
  billing: PostpaidBilling,
  timeZone: string,
  currentDue: Date | undefined,
  now: Date,
): Date {
  const settledThrough = currentDue
    ? Math.max(now.getTime(), billedAtForDue(billing, timeZone, currentDue).getTime())
    : now.getTime();
  return nextDueInstant(billing, timeZone, new Date(settledThrough));
}
