import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { statusFor } from "../../../../shared/domain/billing/invoice.js";
import {
  applyToAccount,
  MAX_INVOICES_PER_PAYMENT,
  type PaymentApplicationInput,
  paymentOrder,
} from "../../../../shared/domain/payments/apply.js";
import type { Invoice } from "../../../../shared/domain/schemas/invoice.js";
import { input, invoice } from "./fixtures.js";

const RUNS = Number(process.env.BILLING_PROPERTY_RUNS ?? 1_000);

const invoiceArb = fc.record({
  total: fc.integer({ min: 0, max: 200_000 }),
  paidShare: fc.integer({ min: 0, max: 100 }),
  dueDay: fc.integer({ min: 0, max: 400 }),
  startDay: fc.integer({ min: 0, max: 400 }),
  voided: fc.boolean(),
  rupees: fc.integer({ min: 0, max: 9 }),
});

const invoicesArb = fc.array(invoiceArb, { maxLength: MAX_INVOICES_PER_PAYMENT + 8 }).map((rows) =>
  rows.map((r, i): Invoice => {
    const base = invoice(i + 1, r.total, {
      amountPaid: Math.floor((r.total * r.paidShare) / 100),
      dueAt: new Date(Date.UTC(2025, 0, 1 + r.dueDay)).toISOString(),
      periodStart: new Date(Date.UTC(2025, 0, 1 + r.startDay)).toISOString(),
      currency: r.rupees === 0 ? "INR" : "BDT",
    });
    return r.voided && r.paidShare < 100 ? { ...base, status: "void" } : base;
  }),
);

const applicationArb: fc.Arbitrary<PaymentApplicationInput> = fc
  .record({
    invoices: invoicesArb,
    paid: fc.integer({ min: 0, max: 5_000_000 }),
    walletBefore: fc.integer({ min: 0, max: 300_000 }),
    billing: fc.constantFrom("prepaid" as const, "postpaid" as const),
    price: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100_000 })),
    target: fc.nat(),
    useTarget: fc.boolean(),
    bill: fc.nat(),
    billKind: fc.constantFrom("invoice", "uninvoiced", "none"),
    billDue: fc.boolean(),
    renewable: fc.boolean(),
  })
  .map((r) => {
    const pick = (n: number) => (r.invoices.length ? r.invoices[n % r.invoices.length] : undefined);
    const billInvoice = pick(r.bill);
    const dueAt = r.billDue ? "2025-06-01T00:00:00.000Z" : "2030-01-01T00:00:00.000Z";
    const entitlementBill =
      r.billKind === "invoice" && billInvoice
        ? { periodStart: billInvoice.period.start, dueAt: billInvoice.dueAt, invoiced: true }
        : r.billKind === "uninvoiced"
          ? { periodStart: "2031-01-01T00:00:00.000Z", dueAt, invoiced: false }
          : undefined;
    return input({
      invoices: r.invoices,
      paid: r.paid,
      walletBefore: r.walletBefore,
      billing: r.billing,
      price: r.price,
      invoiceId: r.useTarget ? pick(r.target)?.id : undefined,
      entitlementBill,
      renewable: r.renewable,
      now: new Date("2026-01-01T00:00:00Z"),
    });
  });

describe("applying a payment (properties)", () => {
  it("conserves money: what came in is what the invoices took, the periods bought and the wallet", () => {
    fc.assert(
      fc.property(applicationArb, (a) => {
        const plan = applyToAccount(a);
        const taken = plan.settled.reduce((sum, s) => sum + s.applied, 0);
        const bought = plan.periods - (plan.entitlementBillPaid ? 1 : 0);
        expect(bought).toBeGreaterThanOrEqual(0);
        expect(plan.walletAfter).toBeGreaterThanOrEqual(0);
        expect(plan.periods).toBeLessThanOrEqual(120);
        expect(taken + bought * a.price + plan.walletAfter).toBe(a.paid + a.walletBefore);
        for (const v of [taken, plan.walletAfter, plan.periods]) expect(Number.isSafeInteger(v)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("never overpays an invoice; each keeps a status that matches what it was paid", () => {
    fc.assert(
      fc.property(applicationArb, (a) => {
        const plan = applyToAccount(a);
        for (const { invoice: after, applied } of plan.settled) {
          const before = a.invoices.find((i) => i.id === after.id);
          expect(before).toBeDefined();
          expect(applied).toBeGreaterThan(0);
          expect(after.amountPaid).toBe((before?.amountPaid ?? 0) + applied);
          expect(after.amountPaid).toBeLessThanOrEqual(after.total);
          expect(after.status).toBe(statusFor(after.total, after.amountPaid));
          expect(after.currency).toBe(a.currency);
        }
        expect(plan.settled.length).toBeLessThanOrEqual(MAX_INVOICES_PER_PAYMENT);
      }),
      { numRuns: RUNS },
    );
  });

  it("pays in order: the target, then oldest due first; only the last one paid into may stay unpaid", () => {
    fc.assert(
      fc.property(applicationArb, (a) => {
        const plan = applyToAccount(a);
        const order = paymentOrder(a.invoices, a.currency, a.invoiceId).map((i) => i.id);
        expect(plan.settled.map((s) => s.invoice.id)).toEqual(order.slice(0, plan.settled.length));
        plan.settled.slice(0, -1).forEach((s) => {
          expect(s.invoice.status).toBe("paid");
        });
        // Money was left over only if every invoice it could reach is paid.
        if (plan.walletAfter > 0 || plan.periods > (plan.entitlementBillPaid ? 1 : 0)) {
          expect(plan.settled.length).toBe(Math.min(order.length, MAX_INVOICES_PER_PAYMENT));
          expect(plan.settled.every((s) => s.invoice.status === "paid")).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("never counts money twice: periods are bought only once no invoice is left unpaid", () => {
    fc.assert(
      fc.property(applicationArb, (a) => {
        const plan = applyToAccount(a);
        const first = plan.entitlementBillPaid ? 1 : 0;
        if (plan.unpaid.length > 0 || !a.renewable) expect(plan.periods).toBe(first);
        if (!a.renewable) expect(plan.periods).toBe(0);
        if (a.billing === "postpaid" && a.entitlementBill?.invoiced !== false)
          expect(plan.periods).toBe(first);
        if (plan.entitlementBillPaid) {
          const bill = plan.settled.find((s) => s.invoice.period.start === a.entitlementBill?.periodStart);
          expect(bill?.invoice.status).toBe("paid");
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("two payments one after the other leave the invoices and wallet as their sum at once would", () => {
    fc.assert(
      fc.property(
        invoicesArb.map((list) => list.slice(0, MAX_INVOICES_PER_PAYMENT)),
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        (invoices, x, y) => {
          const once = applyToAccount(input({ invoices, paid: x + y }));
          const first = applyToAccount(input({ invoices, paid: x }));
          const stored = invoices.map((i) => first.settled.find((s) => s.invoice.id === i.id)?.invoice ?? i);
          const second = applyToAccount(
            input({ invoices: stored, paid: y, walletBefore: first.walletAfter }),
          );
          const paidOf = (plan: typeof once, list: readonly Invoice[]) =>
            list.map(
              (i) => plan.settled.find((s) => s.invoice.id === i.id)?.invoice.amountPaid ?? i.amountPaid,
            );
          expect(paidOf(second, stored)).toEqual(paidOf(once, invoices));
          expect(second.walletAfter).toBe(once.walletAfter);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
