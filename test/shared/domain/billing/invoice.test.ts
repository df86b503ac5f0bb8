import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyLateFee,
  applyPayment,
  formatBasisPoints,
  lateFeeFor,
  withTotals,
} from "../../../../shared/domain/billing/invoice.js";
import { ValidationError } from "../../../../shared/domain/errors.js";
import { formatInvoiceNumber, type LateFee } from "../../../../shared/domain/schemas/invoice.js";
import { billingDayArb, instantArb, priceArb, RUNS, zoneArb } from "./arbitraries.js";
import { draft, numbered } from "./fixtures.js";

const afterDue = new Date("2026-03-20T00:00:00Z");
const twoPercentCapped: LateFee = { type: "percent", basisPoints: 200, cap: 500 };

describe("cycle invoices", () => {
  it("bills the package's price for a whole cycle, due as the postpaid calendar says", () => {
    const invoice = numbered(draft(), 123);
    expect(invoice.number).toBe("INV-000123");
    expect(invoice.lines).toEqual([{ kind: "package", description: "Home 10M", amount: 50_000 }]);
    expect(invoice).toMatchObject({ subtotal: 50_000, tax: 0, total: 50_000, amountPaid: 0, status: "open" });
    expect(invoice.period).toEqual({ start: "2026-02-28T18:00:00.000Z", end: "2026-03-31T18:00:00.000Z" });
    expect(invoice.dueAt).toBe("2026-03-08T18:00:00.000Z");
  });

  it("prorates a mid-cycle join: 500.00 × 22/31 for a join on 10 March", () => {
    const invoice = draft({ joinedAt: new Date("2026-03-10T04:00:00Z") });
    expect(invoice.lines).toEqual([
      { kind: "proration", description: "Home 10M: 22 of 31 days", amount: 35_484 },
    ]);
    expect(invoice.total).toBe(35_484);
  });

  it("rounds tax on the taxable subtotal to the nearest minor unit, halves up", () => {
    // 333.33 at 7.5 % = 24.99975 -> 25.00
    const taxed = draft({ price: 33_333, taxRateBasisPoints: 750 });
    expect(taxed.lines.at(-1)).toEqual({ kind: "tax", description: "Tax 7.5%", amount: 2_500 });
    expect(taxed).toMatchObject({ subtotal: 33_333, tax: 2_500, total: 35_833 });
    // 0.10 at 5 % = 0.005 -> 0.01 (a half rounds up); 0.09 at 5 % = 0.0045 -> 0.00
    expect(withTotals([{ kind: "package", description: "p", amount: 10 }], 500).tax).toBe(1);
    expect(withTotals([{ kind: "package", description: "p", amount: 9 }], 500).tax).toBe(0);
  });

  it("taxes charges less discounts, but neither tax nor late fees", () => {
    const t = withTotals(
      [
        { kind: "package", description: "p", amount: 10_000 },
        { kind: "discount", description: "loyal", amount: -2_000 },
        { kind: "late_fee", description: "late", amount: 500 },
        { kind: "tax", description: "stale tax line", amount: 99_999 },
      ],
      1_500,
    );
    expect(t).toMatchObject({ subtotal: 8_500, tax: 1_200, total: 9_700 });
    expect(t.lines.filter((l) => l.kind === "tax")).toHaveLength(1);
  });

  it("refuses discounts larger than the charges", () => {
    expect(() =>
      withTotals(
        [
          { kind: "package", description: "p", amount: 100 },
          { kind: "discount", description: "d", amount: -101 },
        ],
        0,
      ),
    ).toThrow(ValidationError);
  });

  it("formats rates and numbers", () => {
    expect([
      formatBasisPoints(1500),
      formatBasisPoints(750),
      formatBasisPoints(125),
      formatBasisPoints(5),
    ]).toEqual(["15%", "7.5%", "1.25%", "0.05%"]);
    expect(formatInvoiceNumber(1_234_567)).toBe("INV-1234567");
  });
});

describe("late fees", () => {
  it("are added once: a second call adds nothing", () => {
    const first = applyLateFee(draft(), { type: "fixed", amount: 5_000 }, afterDue);
    expect(first.added).toBe(5_000);
    expect(first.invoice).toMatchObject({ subtotal: 55_000, total: 55_000, status: "open" });
    const second = applyLateFee(first.invoice, { type: "fixed", amount: 5_000 }, afterDue);
    expect(second.added).toBe(0);
    expect(second.invoice).toBe(first.invoice);
    expect(numbered(second.invoice).lines.filter((l) => l.kind === "late_fee")).toHaveLength(1);
  });

  it("take a percentage of what is unpaid, up to the cap", () => {
    expect(lateFeeFor(twoPercentCapped, 20_000)).toBe(400);
    expect(lateFeeFor(twoPercentCapped, 50_000)).toBe(500);
    expect(lateFeeFor({ type: "percent", basisPoints: 250 }, 1_010)).toBe(25); // 25.25 -> 25
    const half = applyPayment(draft(), 30_000, afterDue).invoice;
    const late = applyLateFee(half, twoPercentCapped, afterDue);
    expect(late.added).toBe(400);
    expect(late.invoice).toMatchObject({ total: 50_400, amountPaid: 30_000, status: "partially_paid" });
  });

  it("leave the tax line alone", () => {
    const taxed = draft({ taxRateBasisPoints: 1_500 });
    const late = applyLateFee(taxed, { type: "fixed", amount: 1_000 }, afterDue).invoice;
    expect(late.tax).toBe(taxed.tax);
    expect(late.total).toBe(taxed.total + 1_000);
    expect(late.lines.map((l) => l.kind)).toEqual(["package", "late_fee", "tax"]);
  });

  it("are not added before the due instant, to a paid or void invoice, or when they come to 0", () => {
    const invoice = draft();
    const fee: LateFee = { type: "fixed", amount: 5_000 };
    expect(applyLateFee(invoice, fee, new Date("2026-03-08T17:59:59Z")).added).toBe(0);
    expect(applyLateFee(applyPayment(invoice, 50_000, afterDue).invoice, fee, afterDue).added).toBe(0);
    expect(applyLateFee({ ...invoice, status: "void" }, fee, afterDue).added).toBe(0);
    expect(applyLateFee(invoice, { type: "percent", basisPoints: 0 }, afterDue).added).toBe(0);
  });
});

describe("payments against an invoice", () => {
  it("partly pay, then pay, then hand any excess back for the wallet", () => {
    const invoice = draft();
    const partial = applyPayment(invoice, 20_000, afterDue);
    expect(partial).toMatchObject({ applied: 20_000, excess: 0 });
    expect(partial.invoice).toMatchObject({ amountPaid: 20_000, status: "partially_paid" });
    const rest = applyPayment(partial.invoice, 35_000, afterDue);
    expect(rest).toMatchObject({ applied: 30_000, excess: 5_000 });
    expect(rest.invoice).toMatchObject({ amountPaid: 50_000, status: "paid" });
    const again = applyPayment(rest.invoice, 1_000, afterDue);
    expect(again).toMatchObject({ applied: 0, excess: 1_000 });
    expect(again.invoice).toBe(rest.invoice);
  });

  it("send everything paid against a void invoice to the wallet", () => {
    const voided = { ...draft(), status: "void" as const };
    expect(applyPayment(voided, 10_000, afterDue)).toMatchObject({ applied: 0, excess: 10_000 });
  });

  it("refuse amounts that are not whole minor units", () => {
    expect(() => applyPayment(draft(), 10.5, afterDue)).toThrow(RangeError);
    expect(() => applyPayment(draft(), -1, afterDue)).toThrow(RangeError);
  });
});

describe("invoices (property)", () => {
  it("keep integer totals that add up, whatever the join day, price, rate, zone or payments", () => {
    fc.assert(
      fc.property(
        instantArb,
        billingDayArb,
        zoneArb,
        priceArb,
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.integer({ min: 0, max: 100_000_000_00 }), { maxLength: 4 }),
        (at, billingDay, timeZone, price, taxRate, payments) => {
          const options = { price, taxRateBasisPoints: taxRate, joinedAt: at, at, billingDay, timeZone };
          let invoice = draft(options);
          invoice = applyLateFee(invoice, twoPercentCapped, new Date(Date.parse(invoice.dueAt) + 1)).invoice;
          let applied = 0;
          let excess = 0;
          for (const amount of payments) {
            const r = applyPayment(invoice, amount, at);
            invoice = r.invoice;
            applied += r.applied;
            excess += r.excess;
          }
          const stored = numbered(invoice);
          for (const n of [stored.subtotal, stored.tax, stored.total, stored.amountPaid]) {
            expect(Number.isSafeInteger(n)).toBe(true);
          }
          expect(stored.lines.reduce((s, l) => s + l.amount, 0)).toBe(stored.total);
          expect(stored.total).toBe(stored.subtotal + stored.tax);
          expect(applied + excess).toBe(payments.reduce((s, p) => s + p, 0));
          expect(stored.amountPaid).toBe(applied);
          expect(stored.amountPaid).toBeLessThanOrEqual(stored.total);
          const expected = applied >= stored.total ? "paid" : applied > 0 ? "partially_paid" : "open";
          expect(stored.status).toBe(expected);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
