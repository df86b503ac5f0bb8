import { describe, expect, it } from "vitest";
import {
  monthlyRule,
  nextPeriod,
  periodContaining,
  periodDays,
  remainingDays,
} from "../../../../shared/domain/billing/cycles.js";

const iso = (p: { start: Date; end: Date }) => [p.start.toISOString(), p.end.toISOString()];

describe("monthly cycles", () => {
  it("runs a billing day of 31 through 29 February in a leap year (Dhaka)", () => {
    const rule = monthlyRule({ billingDay: 31 });
    const january = periodContaining(rule, "Asia/Dhaka", new Date("2028-02-10T00:00:00Z"));
    // 31 Jan 00:00 Dhaka (UTC+6) to 29 Feb 00:00
    expect(iso(january)).toEqual(["2028-01-30T18:00:00.000Z", "2028-02-28T18:00:00.000Z"]);
    expect(periodDays(january, "Asia/Dhaka")).toBe(29);
    const february = nextPeriod(rule, "Asia/Dhaka", january);
    expect(iso(february)).toEqual(["2028-02-28T18:00:00.000Z", "2028-03-30T18:00:00.000Z"]);
    expect(periodDays(february, "Asia/Dhaka")).toBe(31);
  });

  it("decides by the tenant's local date: 00:10 on the 1st in Kathmandu (UTC+5:45) is the new cycle", () => {
    const rule = monthlyRule({ billingDay: 1 });
    const p = periodContaining(rule, "Asia/Kathmandu", new Date("2026-02-28T18:25:00Z"));
    expect(iso(p)).toEqual(["2026-02-28T18:15:00.000Z", "2026-03-31T18:15:00.000Z"]);
    const before = periodContaining(rule, "Asia/Kathmandu", new Date("2026-02-28T18:14:59Z"));
    expect(before.end).toEqual(p.start);
  });

  it("counts the joining day in full when prorating", () => {
    const p = periodContaining(
      monthlyRule({ billingDay: 15 }),
      "Asia/Dhaka",
      new Date("2026-01-20T00:00:00Z"),
    );
    expect(periodDays(p, "Asia/Dhaka")).toBe(31);
    // joined 20 Jan 23:00 Dhaka: 20 Jan to 14 Feb inclusive
    expect(remainingDays(p, new Date("2026-01-20T17:00:00Z"), "Asia/Dhaka")).toBe(26);
  });

  it("starts the cycle when the day starts where daylight saving skips midnight (Karachi, 2008)", () => {
    // Pakistan moved its clocks from 00:00 to 01:00 on 1 June 2008: that day began at 01:00 (+06).
    const p = periodContaining(
      monthlyRule({ billingDay: 1 }),
      "Asia/Karachi",
      new Date("2008-06-10T00:00:00Z"),
    );
    expect(p.start.toISOString()).toBe("2008-05-31T19:00:00.000Z");
    expect(periodDays(p, "Asia/Karachi")).toBe(30);
  });

  it("rejects a billing day outside 1-31", () => {
    expect(() => periodContaining({ kind: "monthly", billingDay: 32 }, "UTC", new Date())).toThrow(
      RangeError,
    );
  });
});

describe("interval cycles", () => {
  it("repeats every N local days from the anchor's day", () => {
    const rule = { kind: "interval", intervalDays: 30, anchor: new Date("2026-01-10T12:00:00Z") } as const;
    const p = periodContaining(rule, "Asia/Dhaka", new Date("2026-03-01T00:00:00Z"));
    // 10 Jan + 30 = 9 Feb, + 30 = 11 Mar (local midnights, UTC+6)
    expect(iso(p)).toEqual(["2026-02-08T18:00:00.000Z", "2026-03-10T18:00:00.000Z"]);
  });
});
