import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CycleRule,
  daysInMonth,
  nextPeriod,
  type Period,
  periodContaining,
  periodDays,
  previousPeriod,
  remainingDays,
} from "../../../../shared/domain/billing/cycles.js";
import { toLocal } from "../../../../shared/domain/lifecycle/zoned-time.js";
import { billingDayArb, instantArb, RUNS, zoneArb } from "./arbitraries.js";

/**
 * The instant is the first of its local day: local midnight, or where daylight saving skips
 * midnight (Karachi, 1 June 2008) the end of the gap; a millisecond earlier is the day before.
 */
function expectStartOfLocalDay(instant: Date, timeZone: string) {
  const l = toLocal(instant, timeZone);
  const before = toLocal(new Date(instant.getTime() - 1), timeZone);
  const day = (d: typeof l) => Date.UTC(d.year, d.month - 1, d.day);
  expect(day(l) - day(before)).toBe(86_400_000);
  if (l.hour !== 0) expect([l.hour, l.minute, l.second, before.hour]).toEqual([1, 0, 0, 23]);
  else expect([l.minute, l.second]).toEqual([0, 0]);
  return l;
}

/** `count` periods from the one containing `at`, each the next of the one before. */
function chain(rule: CycleRule, timeZone: string, at: Date, count: number): Period[] {
  const periods = [periodContaining(rule, timeZone, at)];
  for (let i = 1; i < count; i++) {
    const last = periods[periods.length - 1] as Period;
    periods.push(nextPeriod(rule, timeZone, last));
  }
  return periods;
}

describe("monthly cycles (property)", () => {
  it("contain the instant, and follow each other without gap or overlap", () => {
    fc.assert(
      fc.property(instantArb, billingDayArb, zoneArb, (at, billingDay, zone) => {
        const rule: CycleRule = { kind: "monthly", billingDay };
        const periods = chain(rule, zone, at, 14);
        const first = periods[0] as Period;
        expect(first.start.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(at.getTime()).toBeLessThan(first.end.getTime());
        expect(previousPeriod(rule, zone, first).end).toEqual(first.start);
        periods.forEach((p, i) => {
          expect(p.start.getTime()).toBeLessThan(p.end.getTime());
          const next = periods[i + 1];
          if (next) expect(next.start).toEqual(p.end);
          // Any instant inside a period finds that same period.
          const mid = new Date((p.start.getTime() + p.end.getTime()) / 2);
          expect(periodContaining(rule, zone, mid)).toEqual(p);
          expect(periodContaining(rule, zone, new Date(p.end.getTime() - 1))).toEqual(p);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("start on the billing day's first instant, clamped to the month's last day", () => {
    fc.assert(
      fc.property(instantArb, billingDayArb, zoneArb, (at, billingDay, zone) => {
        for (const p of chain({ kind: "monthly", billingDay }, zone, at, 13)) {
          const l = expectStartOfLocalDay(p.start, zone);
          const last = daysInMonth(l.year, l.month);
          expect(l.day).toBe(Math.min(billingDay, last));
          if (billingDay === 31) expect(l.day).toBe(last);
          const days = periodDays(p, zone);
          expect(days).toBeGreaterThanOrEqual(28);
          expect(days).toBeLessThanOrEqual(31);
          // Up to day 28 every month has the billing day: a cycle is as long as its first month.
          if (billingDay <= 28) expect(days).toBe(last);
          expect(remainingDays(p, p.start, zone)).toBe(days);
          expect(remainingDays(p, p.end, zone)).toBe(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("gives billing days 29-31 February's last day: the 29th in leap years, else the 28th", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2000, max: 2100 }),
        fc.integer({ min: 29, max: 31 }),
        zoneArb,
        (year, billingDay, zone) => {
          const inFebruary = new Date(Date.UTC(year, 1, 15, 12));
          const p = periodContaining({ kind: "monthly", billingDay }, zone, inFebruary);
          const end = toLocal(p.end, zone);
          const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
          expect([end.year, end.month, end.day]).toEqual([year, 2, leap ? 29 : 28]);
          const start = toLocal(p.start, zone);
          expect([start.month, start.day]).toEqual([1, billingDay]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("interval cycles (property)", () => {
  it("are N local days long from the anchor's day, contiguous, from the first instant of a day", () => {
    fc.assert(
      fc.property(
        instantArb,
        instantArb,
        fc.integer({ min: 1, max: 90 }),
        zoneArb,
        (anchor, at, intervalDays, zone) => {
          const rule: CycleRule = { kind: "interval", intervalDays, anchor };
          const periods = chain(rule, zone, at, 6);
          const first = periods[0] as Period;
          expect(first.start.getTime()).toBeLessThanOrEqual(at.getTime());
          expect(at.getTime()).toBeLessThan(first.end.getTime());
          const a = toLocal(anchor, zone);
          const anchorDay = Date.UTC(a.year, a.month - 1, a.day) / 86_400_000;
          periods.forEach((p, i) => {
            const l = expectStartOfLocalDay(p.start, zone);
            const startDay = Date.UTC(l.year, l.month - 1, l.day) / 86_400_000;
            expect((((startDay - anchorDay) % intervalDays) + intervalDays) % intervalDays).toBe(0);
            expect(periodDays(p, zone)).toBe(intervalDays);
            const next = periods[i + 1];
            if (next) expect(next.start).toEqual(p.end);
          });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
