import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyPayment } from "../../../../shared/domain/billing/invoice.js";
import {
  addInvoiceLine,
  creditable,
  creditInvoice,
  markInvoicePaid,
  voidInvoice,
} from "../../../../shared/domain/billing/overrides.js";
import { mulDivRoundHalfUp } from "../../../../shared/domain/billing/proration.js";
import { ConflictError, ValidationError } from "../../../../shared/domain/errors.js";
import { newId } from "../../../../shared/domain/ids.js";
import {
  type Invoice,
  type InvoiceLine,
  type InvoiceOverride,
  InvoiceSchema,
} from "../../../../shared/domain/schemas/invoice.js";
import { RUNS } from "./arbitraries.js";
import { draft, numbered } from "./fixtures.js";

const AT = "2026-03-12T04:00:00.000Z";
const override: InvoiceOverride = { at: AT, actor: { kind: "api-key", id: "key_1" }, reason: "agreed" };
const note = (amount: number) => ({ id: newId("creditNote"), amount, ...override });

const open = (options: Parameters<typeof draft>[0] = {}) => numbered(draft(options));
const paidPart = (invoice: Invoice, amount: number) => applyPayment(invoice, amount, new Date(AT)).invoice;

function refusal(fn: () => unknown): { status: number; fields: string[] } {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return { status: 400, fields: error.issues.map((i) => i.path) };
    if (error instanceof ConflictError) return { status: 409, fields: [] };
    throw error;
  }
  throw new Error("not refused");
}

describe("voiding", () => {
  it("voids an invoice with nothing paid and records who, when and why", () => {
    const voided = voidInvoice(open(), override);
    expect(voided).toMatchObject({ status: "void", voided: override, updatedAt: AT, total: 50_000 });
    expect(InvoiceSchema.parse(voided)).toBeTruthy();
  });

  it("refuses an invoice with money paid on it, and one already void", () => {
    expect(refusal(() => voidInvoice(paidPart(open(), 1), override)).status).toBe(409);
    expect(() => voidInvoice(paidPart(open(), 1), override)).toThrow(/credit note/);
    expect(refusal(() => voidInvoice(voidInvoice(open(), override), override)).status).toBe(409);
  });
});

describe("adjustments and discounts", () => {
  it("adds a discount and recomputes the tax on the new taxable subtotal", () => {
    const taxed = open({ taxRateBasisPoints: 1_500 });
    const next = addInvoiceLine(taxed, { kind: "discount", description: "Loyalty", amount: -10_000 }, AT);
    expect(next.lines.map((l) => [l.kind, l.amount])).toEqual([
      ["package", 50_000],
      ["discount", -10_000],
      ["tax", 6_000],
    ]);
    expect(next).toMatchObject({ subtotal: 40_000, tax: 6_000, total: 46_000, status: "open" });
  });

  it("adds a positive adjustment to a partly paid invoice, which stays partly paid", () => {
    const next = addInvoiceLine(
      paidPart(open(), 20_000),
      { kind: "adjustment", description: "Router", amount: 150_000 },
      AT,
    );
    expect(next).toMatchObject({ total: 200_000, amountPaid: 20_000, status: "partially_paid" });
  });

  it("makes the invoice paid when a discount brings the total down to what was paid", () => {
    const next = addInvoiceLine(
      paidPart(open(), 30_000),
      { kind: "discount", description: "Outage", amount: -20_000 },
      AT,
    );
    expect(next).toMatchObject({ total: 30_000, amountPaid: 30_000, status: "paid" });
  });

  it("refuses a discount below what is paid, below zero, or positive, naming amount", () => {
    const half = paidPart(open(), 25_000);
    expect(
      refusal(() => addInvoiceLine(half, { kind: "discount", description: "d", amount: -25_001 }, AT)),
    ).toEqual({ status: 400, fields: ["amount"] });
    expect(
      refusal(() => addInvoiceLine(open(), { kind: "discount", description: "d", amount: -50_001 }, AT)),
    ).toEqual({ status: 400, fields: ["amount"] });
    expect(
      refusal(() => addInvoiceLine(open(), { kind: "discount", description: "d", amount: 5 }, AT)),
    ).toEqual({
      status: 400,
      fields: ["amount"],
    });
  });

  it("refuses lines on a paid or void invoice, and kinds other than adjustment or discount", () => {
    const line: InvoiceLine = { kind: "adjustment", description: "x", amount: 100 };
    expect(refusal(() => addInvoiceLine(paidPart(open(), 50_000), line, AT)).status).toBe(409);
    expect(refusal(() => addInvoiceLine(voidInvoice(open(), override), line, AT)).status).toBe(409);
    expect(
      refusal(() => addInvoiceLine(open(), { kind: "late_fee", description: "x", amount: 1 }, AT)),
    ).toEqual({
      status: 400,
      fields: ["kind"],
    });
  });

  const lineArb = fc.oneof(
    fc.record({
      kind: fc.constant("adjustment" as const),
      description: fc.constant("a"),
      amount: fc.integer({ min: -200_000, max: 200_000 }),
    }),
    fc.record({
      kind: fc.constant("discount" as const),
      description: fc.constant("d"),
      amount: fc.integer({ min: -200_000, max: 0 }),
    }),
  );

  it("keeps totals whole, never negative, never below what is paid, tax recomputed, over any sequence", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(lineArb, { maxLength: 30 }),
        (price, rate, paidPercent, lines) => {
          const start = open({ price, taxRateBasisPoints: rate });
          let invoice = paidPart(start, Math.floor((start.total * paidPercent) / 100));
          for (const line of lines) {
            if (invoice.status === "paid") break;
            try {
              invoice = addInvoiceLine(invoice, line, AT);
            } catch (error) {
              // A refusal leaves the invoice as it was and names the amount.
              if (!(error instanceof ValidationError)) throw error;
              expect(error.issues.map((i) => i.path)).toEqual(["amount"]);
            }
            const charges = invoice.lines.filter((l) => l.kind !== "tax");
            const subtotal = charges.reduce((s, l) => s + l.amount, 0);
            const taxable = charges.filter((l) => l.kind !== "late_fee").reduce((s, l) => s + l.amount, 0);
            for (const n of [invoice.subtotal, invoice.tax, invoice.total])
              expect(Number.isSafeInteger(n)).toBe(true);
            expect(invoice.subtotal).toBe(subtotal);
            expect(invoice.tax).toBe(mulDivRoundHalfUp(Math.max(0, taxable), rate, 10_000));
            expect(invoice.lines.filter((l) => l.kind === "tax").map((l) => l.amount)).toEqual(
              rate > 0 ? [invoice.tax] : [],
            );
            expect(invoice.total).toBe(subtotal + invoice.tax);
            expect(invoice.total).toBeGreaterThanOrEqual(0);
            expect(invoice.total).toBeGreaterThanOrEqual(invoice.amountPaid);
          }
          expect(InvoiceSchema.safeParse(invoice).success).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("marking paid", () => {
  it("records the outstanding amount as received outside the system", () => {
    const { invoice, amount } = markInvoicePaid(paidPart(open(), 20_000), override);
    expect(amount).toBe(30_000);
    expect(invoice).toMatchObject({
      amountPaid: 50_000,
      status: "paid",
      markedPaid: { ...override, amount: 30_000 },
    });
    expect(InvoiceSchema.parse(invoice)).toBeTruthy();
  });

  it("refuses a paid or void invoice", () => {
    expect(refusal(() => markInvoicePaid(paidPart(open(), 50_000), override)).status).toBe(409);
    expect(refusal(() => markInvoicePaid(voidInvoice(open(), override), override)).status).toBe(409);
  });
});

describe("credit notes", () => {
  it("credits part of what was paid, then the rest, and lists both on the invoice", () => {
    const paid = paidPart(open(), 50_000);
    const once = creditInvoice(paid, note(20_000));
    expect(creditable(once)).toBe(30_000);
    const twice = creditInvoice(once, note(30_000));
    expect(twice.creditNotes?.map((n) => n.amount)).toEqual([20_000, 30_000]);
    expect(twice).toMatchObject({ total: 50_000, amountPaid: 50_000, status: "paid" });
    expect(refusal(() => creditInvoice(twice, note(1))).status).toBe(409);
    expect(InvoiceSchema.parse(twice)).toBeTruthy();
  });

  it("never credits more than paid less earlier notes, naming amount", () => {
    const half = paidPart(open(), 25_000);
    expect(refusal(() => creditInvoice(half, note(25_001)))).toEqual({ status: 400, fields: ["amount"] });
    expect(refusal(() => creditInvoice(creditInvoice(half, note(25_000)), note(1))).status).toBe(409);
    expect(refusal(() => creditInvoice(open(), note(1))).status).toBe(409);
  });

  it("keeps the sum of notes within what was paid over any sequence of requests", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50_000 }),
        fc.array(fc.integer({ min: 1, max: 60_000 }), { maxLength: 20 }),
        (paid, amounts) => {
          let invoice = paidPart(open(), paid);
          for (const amount of amounts) {
            try {
              invoice = creditInvoice(invoice, note(amount));
            } catch (error) {
              if (!(error instanceof ValidationError) && !(error instanceof ConflictError)) throw error;
            }
            const sum = (invoice.creditNotes ?? []).reduce((s, n) => s + n.amount, 0);
            expect(Number.isSafeInteger(sum)).toBe(true);
            expect(sum).toBeLessThanOrEqual(invoice.amountPaid);
            expect(creditable(invoice)).toBe(invoice.amountPaid - sum);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
