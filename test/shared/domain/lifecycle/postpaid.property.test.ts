import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cycleRuleFor, periodContaining } from "../../../../shared/domain/billing/cycles.js";
import {
  billedAtForDue,
  billingInstantFrom,
  dueAfterPayment,
  dueInstantFor,
  firstBillingInstant,
  firstDueInstant,
  nextBillingInstant,
  type PostpaidBilling,
} from "../../../../shared/domain/lifecycle/postpaid.js";
import { daysInMonth, toLocal } from "../../../../shared/domain/lifecycle/zoned-time.js";
import { billingDayArb, instantArb, RUNS, zoneArb } from "../billing/arbitraries.js";

/*
 * The postpaid calendar over random instants 2000-2100 (leap years, 2100 not one), billing days
 * 1-31, N of 1-366 days, and zones with half- and quarter-hour offsets and daylight saving.
 */

const DAY_MS = 86_400_000;
const dueDaysArb = fc.integer({ min: 0, max: 60 });
const everyDaysArb = fc.oneof(fc.integer({ min: 1, max: 366 }), fc.constantFrom(7, 14, 15, 28, 30, 31));

const localDay = (instant: Date, zone: string) => {
  const l = toLocal(instant, zone);
  return Date.UTC(l.year, l.month - 1, l.day) / DAY_MS;
};

/** The first instant of its local day (midnight, or the end of a DST gap that skips it). */
const isStartOfDay = (instant: Date, zone: string) =>
  localDay(new Date(instant.getTime() - 1), zone) === localDay(instant, zone) - 1;

const monthly = (billingDay: number, dueDays: number): PostpaidBilling => ({
  type: "postpaid",
  billingDay,
  dueDays,
});
const everyN = (everyDays: number, dueDays: number): PostpaidBilling => ({
  type: "postpaid",
  cycle: "every_n_days",
  everyDays,
  dueDays,
});

describe("postpaid monthly calendar (property)", () => {
  it("bills on the billing day's first instant, the month's last day for days past its end", () => {
    fc.assert(
      fc.property(instantArb, billingDayArb, zoneArb, (after, billingDay, zone) => {
        const billed = nextBillingInstant(monthly(billingDay, 0), zone, after);
        expect(billed.getTime()).toBeGreaterThan(after.getTime());
        expect(isStartOfDay(billed, zone)).toBe(true);
        const l = toLocal(billed, zone);
        expect(l.day).toBe(Math.min(billingDay, daysInMonth(l.year, l.month)));
        // Nothing billed in between: bills are 28-31 days apart, so 32 days back finds the one
        // before it, and that one is not after `after`.
        const previous = nextBillingInstant(
          monthly(billingDay, 0),
          zone,
          new Date(billed.getTime() - 32 * DAY_MS),
        );
        expect(previous.getTime()).toBeLessThan(billed.getTime());
        expect(previous.getTime()).toBeLessThanOrEqual(after.getTime());
      }),
      { numRuns: RUNS },
    );
  });

  it("puts every bill at the start of the cycle the billing module computes", () => {
    fc.assert(
      fc.property(instantArb, billingDayArb, zoneArb, (after, billingDay, zone) => {
        const billing = monthly(billingDay, 0);
        const billed = nextBillingInstant(billing, zone, after);
        expect(periodContaining(cycleRuleFor(billing, billed), zone, billed).start).toEqual(billed);
        expect(billingInstantFrom(billing, zone, billed)).toEqual(billed);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("postpaid every-N-days calendar (property)", () => {
  it("bills every N local days from the anchor's day, the first bill strictly after `after`", () => {
    fc.assert(
      fc.property(instantArb, instantArb, everyDaysArb, zoneArb, (anchor, after, everyDays, zone) => {
        const billing = everyN(everyDays, 0);
        const billed = nextBillingInstant(billing, zone, after, anchor);
        expect(billed.getTime()).toBeGreaterThan(after.getTime());
        expect(isStartOfDay(billed, zone)).toBe(true);
        const offset = localDay(billed, zone) - localDay(anchor, zone);
        expect(((offset % everyDays) + everyDays) % everyDays).toBe(0);
        // The bill N days earlier is not after `after`: none was skipped.
        const previous = localDay(billed, zone) - everyDays;
        expect(previous <= localDay(after, zone)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("agrees with the billing module's interval cycles", () => {
    fc.assert(
      fc.property(instantArb, instantArb, everyDaysArb, zoneArb, (anchor, after, everyDays, zone) => {
        const billing = everyN(everyDays, 0);
        const billed = nextBillingInstant(billing, zone, after, anchor);
        const period = periodContaining(cycleRuleFor(billing, anchor), zone, billed);
        expect(period.start).toEqual(billed);
        expect(localDay(period.end, zone) - localDay(period.start, zone)).toBe(everyDays);
      }),
      { numRuns: RUNS },
    );
  });

  it("starts a new subscriber's first cycle on the joining day, due dueDays later", () => {
    fc.assert(
      fc.property(instantArb, everyDaysArb, dueDaysArb, zoneArb, (joined, everyDays, dueDays, zone) => {
        const billing = everyN(everyDays, dueDays);
        const first = firstBillingInstant(billing, zone, joined);
        expect(localDay(first, zone)).toBe(localDay(joined, zone));
        expect(isStartOfDay(first, zone)).toBe(true);
        const due = firstDueInstant(billing, zone, joined);
        expect(localDay(due, zone) - localDay(first, zone)).toBe(dueDays + 1);
        expect(billedAtForDue(billing, zone, due)).toEqual(first);
      }),
      { numRuns: RUNS },
    );
  });

  it("continues the subscriber's series after a payment, never skipping an unpaid bill", () => {
    fc.assert(
      fc.property(
        instantArb,
        everyDaysArb,
        dueDaysArb,
        zoneArb,
        fc.integer({ min: -400, max: 400 }),
        (joined, everyDays, dueDays, zone, paidAfterDays) => {
          const billing = everyN(everyDays, dueDays);
          const due = firstDueInstant(billing, zone, joined);
          const billedAt = billedAtForDue(billing, zone, due);
          const paidAt = new Date(billedAt.getTime() + paidAfterDays * DAY_MS);
          const next = dueAfterPayment(billing, zone, due, paidAt);
          const nextBilled = billedAtForDue(billing, zone, next);
          const offset = localDay(nextBilled, zone) - localDay(billedAt, zone);
          expect(offset % everyDays).toBe(0);
          expect(offset).toBeGreaterThan(0);
          // The bill settled is the last one issued by the payment (or the one that was due).
          expect(nextBilled.getTime()).toBeGreaterThan(Math.max(paidAt.getTime(), billedAt.getTime()));
          expect(
            localDay(nextBilled, zone) - everyDays <=
              Math.max(localDay(paidAt, zone), localDay(billedAt, zone)),
          ).toBe(true);
          expect(dueInstantFor(billing, zone, nextBilled)).toEqual(next);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
