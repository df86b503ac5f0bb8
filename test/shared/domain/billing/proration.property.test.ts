import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  monthlyRule,
  periodContaining,
  periodDays,
  remainingDays,
} from "../../../../shared/domain/billing/cycles.js";
import {
  mulDivRoundHalfUp,
  prorate,
  prorateChange,
  splitPrice,
} from "../../../../shared/domain/billing/proration.js";
import { addLocalDays } from "../../../../shared/domain/lifecycle/zoned-time.js";
import { billingDayArb, instantArb, priceArb, RUNS, zoneArb } from "./arbitraries.js";

/** The exact rational share, rounded half up, in BigInt: the reference for the integer rule. */
function reference(price: number, days: number, remaining: number): number {
  const n = BigInt(price) * BigInt(remaining);
  const d = BigInt(days);
  const q = n / d;
  return Number(2n * (n - q * d) >= d ? q + 1n : q);
}

const splitArb = fc
  .integer({ min: 1, max: 366 })
  .chain((days) => fc.record({ days: fc.constant(days), at: fc.integer({ min: 0, max: days }) }));

describe("proration (property)", () => {
  it("matches the exact share rounded half up, never more than half a minor unit off", () => {
    fc.assert(
      fc.property(priceArb, splitArb, (price, { days, at }) => {
        const part = prorate(price, days, at);
        expect(Number.isSafeInteger(part)).toBe(true);
        expect(part).toBe(reference(price, days, at));
        const error = 2n * (BigInt(part) * BigInt(days) - BigInt(price) * BigInt(at));
        expect(error <= BigInt(days) && error > -BigInt(days)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("splits a period at any day into parts summing to the price within one minor unit", () => {
    fc.assert(
      fc.property(priceArb, splitArb, (price, { days, at }) => {
        const sum = prorate(price, days, at) + prorate(price, days, days - at);
        expect(Math.abs(sum - price)).toBeLessThanOrEqual(1);
        const { used, remaining } = splitPrice(price, days, at);
        expect(used + remaining).toBe(price);
        expect(Math.min(used, remaining)).toBeGreaterThanOrEqual(0);
        expect(remaining).toBe(prorate(price, days, days - at));
      }),
      { numRuns: RUNS },
    );
  });

  it("splits real cycles of the tenant's calendar at any local day", () => {
    fc.assert(
      fc.property(
        instantArb,
        billingDayArb,
        zoneArb,
        priceArb,
        fc.integer({ min: 0, max: 31 }),
        (at, billingDay, zone, price, offset) => {
          const period = periodContaining(monthlyRule({ billingDay }), zone, at);
          const days = periodDays(period, zone);
          const joined = addLocalDays(period.start, Math.min(offset, days), zone);
          const remaining = remainingDays(period, joined, zone);
          expect(remaining).toBe(days - Math.min(offset, days));
          const sum = prorate(price, days, days - remaining) + prorate(price, days, remaining);
          expect(Math.abs(sum - price)).toBeLessThanOrEqual(1);
          const split = splitPrice(price, days, days - remaining);
          expect(split.used + split.remaining).toBe(price);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("grows with the days: more remaining days never cost less", () => {
    fc.assert(
      fc.property(priceArb, splitArb, (price, { days, at }) => {
        if (at < days) expect(prorate(price, days, at + 1)).toBeGreaterThanOrEqual(prorate(price, days, at));
        expect(prorate(price, days, days)).toBe(price);
        expect(prorate(price, days, 0)).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });

  it("charges an upgrade and credits a downgrade to the wallet, never both", () => {
    fc.assert(
      fc.property(priceArb, priceArb, splitArb, (oldPrice, newPrice, { days, at }) => {
        const c = prorateChange({
          oldPriceMinor: oldPrice,
          newPriceMinor: newPrice,
          daysInPeriod: days,
          remainingDays: at,
        });
        expect(c.net).toBe(c.charge - c.credit);
        expect(c.amountDue - c.walletCredit).toBe(c.net);
        expect(Math.min(c.amountDue, c.walletCredit)).toBe(0);
        if (newPrice >= oldPrice) expect(c.walletCredit).toBe(0);
        if (newPrice <= oldPrice) expect(c.amountDue).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("proration", () => {
  it("rounds halves up and everything else to the nearest minor unit", () => {
    expect(mulDivRoundHalfUp(1, 1, 2)).toBe(1);
    expect(mulDivRoundHalfUp(3, 1, 2)).toBe(2);
    expect(mulDivRoundHalfUp(10, 1, 3)).toBe(3); // 3.33
    expect(mulDivRoundHalfUp(20, 1, 3)).toBe(7); // 6.67
    // 500.00 over 31 days, 26 remaining: 419.354... -> 419.35
    expect(prorate(50_000, 31, 26)).toBe(41_935);
  });

  it("credits a downgrade's unused part to the wallet", () => {
    // 1,200.00 -> 500.00 with 15 of 30 days left: charge 250.00, credit 600.00
    expect(
      prorateChange({ oldPriceMinor: 120_000, newPriceMinor: 50_000, daysInPeriod: 30, remainingDays: 15 }),
    ).toEqual({ charge: 25_000, credit: 60_000, net: -35_000, amountDue: 0, walletCredit: 35_000 });
  });

  it("refuses fractions, negatives and products beyond exact integers", () => {
    expect(() => prorate(100.5, 30, 1)).toThrow(RangeError);
    expect(() => prorate(-1, 30, 1)).toThrow(RangeError);
    expect(() => prorate(100, 30, 31)).toThrow(RangeError);
    expect(() => prorate(100, 0, 0)).toThrow(RangeError);
    expect(() => mulDivRoundHalfUp(Number.MAX_SAFE_INTEGER, 2, 3)).toThrow(RangeError);
  });
});
