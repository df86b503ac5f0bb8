import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  monthlyRule,
  periodContaining,
  periodDays,
  remainingDays,
} from "../../../../shared/domain/billing/cycles.js";
import { prorateChange } from "../../../../shared/domain/billing/proration.js";
import {
  firstDueInstant,
  packageChangeBilling,
  policyForTenant,
  upgradeInvoice,
} from "../../../../shared/domain/lifecycle/index.js";
import { instantArb, priceArb, RUNS, zoneArb } from "../billing/arbitraries.js";
import { dhaka, postpaid, prepaid, subscriberOn, t } from "./fixtures.js";

const basic = postpaid(1, 7, { name: "Basic", price: { amount: 50_000, currency: "BDT" } });
const plus = postpaid(1, 7, {
  name: "Plus",
  price: { amount: 80_000, currency: "BDT" },
  taxRateBasisPoints: 500,
});
// Billed for April; expiring at the April bill's due instant.
const onBasic = subscriberOn(basic, { expiresAt: "2026-04-08T18:00:00.000Z" });
const APRIL_19 = t("2026-04-19T04:00:00Z"); // 10:00 in Dhaka: 12 of April's 30 days left

describe("package change proration", () => {
  it("bills an upgrade's difference for the rest of the cycle as its own invoice", () => {
    const change = packageChangeBilling(onBasic, basic, plus, dhaka, APRIL_19, true);
    expect(change).toEqual({
      period: { start: APRIL_19, end: t("2026-04-30T18:00:00Z") },
      remaining: 12,
      unit: "day",
      charge: 32_000,
      credit: 20_000,
    });
    if (!change) throw new Error("no change");
    const invoice = upgradeInvoice(onBasic, basic, plus, dhaka, change, APRIL_19);
    expect(invoice.lines).toEqual([
      { kind: "proration", description: "Plus: 12 days (2026-04-19 to 2026-04-30)", amount: 32_000 },
      { kind: "adjustment", description: "Basic: 12 days unused, credited", amount: -20_000 },
      { kind: "tax", description: "Tax 5%", amount: 600 },
    ]);
    expect(invoice).toMatchObject({ total: 12_600, packageId: plus.id, dueAt: "2026-04-26T18:00:00.000Z" });
  });

  it("credits a downgrade's unused part (the charge is less than the credit)", () => {
    const onPlus = { ...onBasic, packageId: plus.id };
    expect(packageChangeBilling(onPlus, plus, basic, dhaka, APRIL_19, true)).toMatchObject({
      charge: 20_000,
      credit: 32_000,
    });
  });

  it("leaves a cycle not billed yet, a paused subscriber and a change of currency alone", () => {
    expect(packageChangeBilling(onBasic, basic, plus, dhaka, APRIL_19, false)).toBeUndefined();
    const inr = postpaid(1, 7, { price: { amount: 80_000, currency: "INR" } });
    expect(packageChangeBilling(onBasic, basic, inr, dhaka, APRIL_19, true)).toBeUndefined();
    const home = prepaid();
    const paused = subscriberOn(home, { status: "paused", pausedRemainingSeconds: 86_400 });
    expect(
      packageChangeBilling(
        paused,
        home,
        prepaid({ price: { amount: 1, currency: "BDT" } }),
        dhaka,
        APRIL_19,
        true,
      ),
    ).toBeUndefined();
  });

  it("prorates prepaid time left in whole days, a started day counted in full", () => {
    const home = prepaid();
    const gold = prepaid({ name: "Gold", price: { amount: 65_000, currency: "BDT" } });
    const sub = subscriberOn(home); // expires 2026-03-01T12:00Z
    const change = packageChangeBilling(sub, home, gold, dhaka, t("2026-02-19T13:00:00Z"), true);
    // 9 days 23 hours left: 10 days of 30. 650.00 x 10/30 = 216.666.. -> 216.67; 500.00 x 10/30 -> 166.67.
    expect(change).toMatchObject({ remaining: 10, unit: "day", charge: 21_667, credit: 16_667 });
    const weekly = prepaid({
      price: { amount: 14_000, currency: "BDT" },
      billing: { type: "prepaid", validity: { unit: "days", count: 7 } },
    });
    // The same 10 days at a weekly package's rate: 140.00 x 10/7 = 200.00.
    expect(packageChangeBilling(sub, home, weekly, dhaka, t("2026-02-19T13:00:00Z"), true)).toMatchObject({
      charge: 20_000,
    });
  });

  it("is prorateChange for packages on the same monthly cycle (property)", () => {
    fc.assert(
      fc.property(
        instantArb,
        zoneArb,
        priceArb,
        priceArb,
        fc.integer({ min: 1, max: 31 }),
        (at, zone, a, b, day) => {
          const policy = policyForTenant({ timeZone: zone });
          const from = postpaid(day, 5, { price: { amount: a, currency: "BDT" } });
          const to = postpaid(day, 5, { price: { amount: b, currency: "BDT" } });
          const joinedAt = new Date(at.getTime() - 40 * 86_400_000);
          const billing = from.billing.type === "postpaid" ? from.billing : undefined;
          if (!billing) throw new Error("postpaid");
          const sub = subscriberOn(from, {
            expiresAt: firstDueInstant(billing, zone, joinedAt).toISOString(),
          });
          const change = packageChangeBilling(sub, from, to, policy, at, true);
          const cycle = periodContaining(monthlyRule({ billingDay: day }), zone, at);
          const expected = prorateChange({
            oldPriceMinor: a,
            newPriceMinor: b,
            daysInPeriod: periodDays(cycle, zone),
            remainingDays: remainingDays(cycle, at, zone),
          });
          expect(change).toMatchObject({
            charge: expected.charge,
            credit: expected.credit,
            period: { end: cycle.end },
          });
          expect(Number.isSafeInteger(change?.charge)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
