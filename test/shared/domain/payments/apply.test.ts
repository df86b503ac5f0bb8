import { describe, expect, it } from "vitest";
import { allocate } from "../../../../shared/domain/payments/allocate.js";
import {
  amountToPay,
  applyToAccount,
  MAX_INVOICES_PER_PAYMENT,
} from "../../../../shared/domain/payments/apply.js";
import { input, invoice } from "./fixtures.js";

const owed = (i: { total: number; amountPaid: number }) => i.total - i.amountPaid;

describe("a payment with no unpaid invoice", () => {
  it("buys whole prepaid periods from wallet and payment, exactly as allocate does", () => {
    const plan = applyToAccount(input({ billing: "prepaid", paid: 120_000, walletBefore: 10_000 }));
    expect(plan).toMatchObject({ settled: [], periods: 2, walletAfter: 30_000, entitlementBillPaid: false });
    expect(allocate(120_000, 10_000, 50_000)).toEqual({ periods: 2, walletAfter: 30_000 });
  });

  it("waits in the wallet for a postpaid subscriber whose next bill is not due yet (an advance)", () => {
    const bill = {
      periodStart: "2026-04-30T18:00:00.000Z",
      dueAt: "2026-05-08T18:00:00.000Z",
      invoiced: false,
    };
    const plan = applyToAccount(input({ paid: 60_000, entitlementBill: bill }));
    expect(plan).toMatchObject({ periods: 0, walletAfter: 60_000 });
  });

  it("buys periods for a postpaid bill that fell due without ever being invoiced (data from before)", () => {
    const bill = {
      periodStart: "2026-03-31T18:00:00.000Z",
      dueAt: "2026-04-08T18:00:00.000Z",
      invoiced: true,
    };
    expect(applyToAccount(input({ paid: 60_000, entitlementBill: bill })).periods).toBe(0);
    const legacy = applyToAccount(input({ paid: 60_000, entitlementBill: { ...bill, invoiced: false } }));
    expect(legacy).toMatchObject({ periods: 1, walletAfter: 10_000 });
  });
});

describe("a payment with unpaid invoices", () => {
  const april = invoice(4, 103_307, {
    periodStart: "2026-03-31T18:00:00.000Z",
    dueAt: "2026-04-08T18:00:00.000Z",
  });
  const bill = { periodStart: april.period.start, dueAt: april.dueAt, invoiced: true };

  it("pays the bill the entitlement waits on in full: paid, one renewal, nothing else bought", () => {
    const plan = applyToAccount(input({ paid: 103_307, invoices: [april], entitlementBill: bill }));
    expect(plan.settled).toHaveLength(1);
    expect(plan.settled[0]).toMatchObject({
      applied: 103_307,
      invoice: { amountPaid: 103_307, status: "paid" },
    });
    expect(plan).toMatchObject({ entitlementBillPaid: true, periods: 1, walletAfter: 0, unpaid: [] });
  });

  it("leaves a partial payment on the invoice: partially paid, no renewal, nothing in the wallet", () => {
    const plan = applyToAccount(input({ paid: 50_000, invoices: [april], entitlementBill: bill }));
    expect(plan.settled[0]?.invoice).toMatchObject({ amountPaid: 50_000, status: "partially_paid" });
    expect(plan).toMatchObject({ entitlementBillPaid: false, periods: 0, walletAfter: 0 });
    expect(plan.unpaid.map((i) => i.id)).toEqual([april.id]);
  });

  it("turns a postpaid overpayment into wallet credit", () => {
    const plan = applyToAccount(input({ paid: 113_307, invoices: [april], entitlementBill: bill }));
    expect(plan).toMatchObject({ periods: 1, walletAfter: 10_000 });
  });

  it("lets a prepaid overpayment buy further periods once the invoice is paid, never the invoiced one twice", () => {
    const prepaid = invoice(1, 50_000, {
      periodStart: "2026-04-22T06:00:00.000Z",
      dueAt: "2026-04-22T06:00:00.000Z",
    });
    const waits = { periodStart: prepaid.period.start, dueAt: prepaid.dueAt, invoiced: true };
    const exact = applyToAccount(
      input({ billing: "prepaid", paid: 50_000, invoices: [prepaid], entitlementBill: waits }),
    );
    expect(exact).toMatchObject({ periods: 1, walletAfter: 0 });
    const more = applyToAccount(
      input({ billing: "prepaid", paid: 120_000, invoices: [prepaid], entitlementBill: waits }),
    );
    expect(more).toMatchObject({ periods: 2, walletAfter: 20_000 });
  });

  it("pays oldest due first, then the next, with wallet credit counted in", () => {
    const older = invoice(2, 30_000, { dueAt: "2026-03-01T00:00:00.000Z", amountPaid: 10_000 });
    const newer = invoice(1, 40_000, { dueAt: "2026-04-01T00:00:00.000Z" });
    const plan = applyToAccount(input({ paid: 25_000, walletBefore: 5_000, invoices: [newer, older] }));
    expect(plan.settled.map((s) => [s.invoice.number, s.applied, s.invoice.status])).toEqual([
      ["INV-000002", 20_000, "paid"],
      ["INV-000001", 10_000, "partially_paid"],
    ]);
    expect(plan.walletAfter).toBe(0);
  });

  it("pays the invoice the payment was made for first", () => {
    const older = invoice(1, 30_000, { dueAt: "2026-03-01T00:00:00.000Z" });
    const target = invoice(2, 40_000, { dueAt: "2026-04-01T00:00:00.000Z" });
    const plan = applyToAccount(input({ paid: 40_000, invoices: [older, target], invoiceId: target.id }));
    expect(plan.settled.map((s) => [s.invoice.id, s.invoice.status])).toEqual([[target.id, "paid"]]);
    expect(plan.unpaid.map((i) => i.id)).toEqual([older.id]);
  });

  it("leaves paid, void and other-currency invoices alone", () => {
    const paid = invoice(1, 30_000, { amountPaid: 30_000 });
    const voided = { ...invoice(2, 30_000), status: "void" as const };
    const rupees = invoice(3, 30_000, { currency: "INR" });
    const plan = applyToAccount(input({ paid: 30_000, invoices: [paid, voided, rupees] }));
    expect(plan).toMatchObject({ settled: [], walletAfter: 30_000 });
  });

  it("settles at most MAX_INVOICES_PER_PAYMENT invoices; the rest of the money waits in the wallet", () => {
    const many = Array.from({ length: MAX_INVOICES_PER_PAYMENT + 5 }, (_, i) => invoice(i + 1, 1_000));
    const plan = applyToAccount(input({ billing: "prepaid", paid: 100_000, invoices: many }));
    expect(plan.settled).toHaveLength(MAX_INVOICES_PER_PAYMENT);
    expect(plan.unpaid).toHaveLength(5);
    // Invoices stay unpaid, so no period is bought: the credit is for them.
    expect(plan).toMatchObject({ periods: 0, walletAfter: 100_000 - MAX_INVOICES_PER_PAYMENT * 1_000 });
  });

  it("pays a terminated subscriber's invoices but renews nothing", () => {
    const plan = applyToAccount(
      input({
        billing: "prepaid",
        paid: 200_000,
        invoices: [april],
        entitlementBill: bill,
        renewable: false,
      }),
    );
    expect(plan).toMatchObject({ entitlementBillPaid: false, periods: 0, walletAfter: 200_000 - 103_307 });
  });

  it("refuses amounts that are not non-negative integers", () => {
    expect(() => applyToAccount(input({ paid: 1.5 }))).toThrow(RangeError);
    expect(() => applyToAccount(input({ walletBefore: -1 }))).toThrow(RangeError);
  });
});

describe("what a checkout asks for", () => {
  const older = invoice(1, 30_000, { dueAt: "2026-03-01T00:00:00.000Z", amountPaid: 5_000 });
  const newer = invoice(2, 40_000, { dueAt: "2026-04-01T00:00:00.000Z" });
  const base = { currency: "BDT", price: 50_000, periods: 2, walletBalance: 0 };

  it("is what is owed on the unpaid invoices, less wallet credit", () => {
    const due = amountToPay({ ...base, invoices: [newer, older], walletBalance: 1_000 });
    expect(due.amount).toBe(owed(older) + owed(newer) - 1_000);
    expect(due.invoices.map((i) => i.number)).toEqual(["INV-000001", "INV-000002"]);
  });

  it("is that invoice's balance for an invoice's own link, and nothing once it is paid", () => {
    expect(amountToPay({ ...base, invoices: [newer, older], invoiceId: newer.id }).amount).toBe(40_000);
    expect(amountToPay({ ...base, invoices: [older], invoiceId: newer.id })).toEqual({
      amount: 0,
      invoices: [],
    });
  });

  it("is the price of the periods less wallet credit when nothing is owed", () => {
    expect(amountToPay({ ...base, invoices: [], walletBalance: 20_000 })).toEqual({
      amount: 80_000,
      invoices: [],
    });
    expect(amountToPay({ ...base, invoices: [], walletBalance: 200_000 }).amount).toBe(0);
  });
});
