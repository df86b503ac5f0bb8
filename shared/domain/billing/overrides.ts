import { ConflictError, ValidationError } from "../errors.js";
import type { CreditNote, Invoice, InvoiceLine, InvoiceOverride } from "../schemas/invoice.js";
import { statusFor, withTotals } from "./invoice.js";

/*
 * Admin overrides of one invoice, pure and in integer minor units. Each returns the invoice as it
 * should be stored next (the repository moves the version on) or refuses:
 * - ConflictError (409) when the invoice's state does not allow the override (void with money
 *   paid, adjusting a settled invoice, crediting more than was paid);
 * - ValidationError (400) naming the body field when the amount is what is wrong.
 * Totals always come from withTotals, so the tax line follows every change.
 */

/** The most lines an invoice holds (InvoiceSchema). */
const MAX_LINES = 100;

const LINE_EDITABLE = new Set<Invoice["status"]>(["open", "partially_paid"]);

/** What credit notes have already given back. */
export function creditedAmount(invoice: Pick<Invoice, "creditNotes">): number {
  return (invoice.creditNotes ?? []).reduce((sum, n) => sum + n.amount, 0);
}

/** What may still be credited: the amount paid less earlier credit notes. */
export function creditable(invoice: Pick<Invoice, "amountPaid" | "creditNotes" | "status">): number {
  return invoice.status === "void" ? 0 : Math.max(0, invoice.amountPaid - creditedAmount(invoice));
}

/**
 * Voids an invoice with nothing paid on it. An invoice with money on it (from the wallet, a
 * payment, an override) is the record of that money and stays: refused, pointing to credit notes.
 */
export function voidInvoice<T extends Invoice>(invoice: T, override: InvoiceOverride): T {
  if (invoice.status === "void") throw new ConflictError(`Invoice ${invoice.number} is already void`);
  if (invoice.amountPaid > 0) {
    throw new ConflictError(
      `Invoice ${invoice.number} has ${invoice.amountPaid} (minor units) paid on it and cannot be voided: issue a credit note instead`,
    );
  }
  return { ...invoice, status: "void", voided: override, updatedAt: override.at };
}

/**
 * Adds an adjustment (either sign) or a discount (zero or negative) to an open or partly paid
 * invoice, totals and tax recomputed. The new total may not fall below what is already paid
 * (nor below zero): refused naming `amount`. A total brought down to exactly what was paid
 * makes the invoice paid.
 */
export function addInvoiceLine<T extends Invoice>(invoice: T, line: InvoiceLine, at: string): T {
  if (!LINE_EDITABLE.has(invoice.status)) {
    throw new ConflictError(
      `Invoice ${invoice.number} is ${invoice.status}: only an unpaid invoice takes new lines`,
    );
  }
  if (line.kind !== "adjustment" && line.kind !== "discount") {
    throw new ValidationError("Invalid line", [
      { in: "body", path: "kind", message: "must be adjustment or discount" },
    ]);
  }
  if (line.kind === "discount" && line.amount > 0) {
    throw new ValidationError("Invalid discount", [
      { in: "body", path: "amount", message: "a discount is zero or negative" },
    ]);
  }
  if (invoice.lines.length >= MAX_LINES) {
    throw new ConflictError(`Invoice ${invoice.number} already has ${MAX_LINES} lines`);
  }
  const charges = invoice.lines.filter((l) => l.kind !== "tax");
  const subtotal = charges.reduce((sum, l) => sum + l.amount, 0) + line.amount;
  if (subtotal < 0) {
    throw new ValidationError("The line takes the invoice below zero", [
      { in: "body", path: "amount", message: `the charges would sum to ${subtotal}, below zero` },
    ]);
  }
  const totals = withTotals([...charges, line], invoice.taxRateBasisPoints);
  if (totals.total < invoice.amountPaid) {
    throw new ValidationError("The line takes the total below what is paid", [
      {
        in: "body",
        path: "amount",
        message: `the total would be ${totals.total}, below the ${invoice.amountPaid} already paid`,
      },
    ]);
  }
  return { ...invoice, ...totals, status: statusFor(totals.total, invoice.amountPaid), updatedAt: at };
}

export interface MarkedPaid<T extends Invoice> {
  readonly invoice: T;
  /** The outstanding amount recorded as received outside the system. */
  readonly amount: number;
}

/**
 * Money received outside the system: the outstanding amount is recorded on the invoice as paid
 * (`markedPaid` says how much, when, by whom and why) and the invoice becomes paid. No payment
 * record is made: no gateway or cash entry exists to point to.
 */
export function markInvoicePaid<T extends Invoice>(invoice: T, override: InvoiceOverride): MarkedPaid<T> {
  if (invoice.status === "void") throw new ConflictError(`Invoice ${invoice.number} is void`);
  if (invoice.status === "paid") throw new ConflictError(`Invoice ${invoice.number} is already paid`);
  const amount = invoice.total - invoice.amountPaid;
  return {
    invoice: {
      ...invoice,
      amountPaid: invoice.total,
      status: "paid",
      markedPaid: { ...override, amount },
      updatedAt: override.at,
    },
    amount,
  };
}

/**
 * A credit note: part or all of what was paid (less earlier notes) goes back as wallet credit.
 * The invoice keeps its lines, total and amount paid; the note is listed on it.
 */
export function creditInvoice<T extends Invoice>(invoice: T, note: CreditNote): T {
  if (invoice.status === "void") throw new ConflictError(`Invoice ${invoice.number} is void`);
  const available = creditable(invoice);
  if (available === 0) {
    throw new ConflictError(`Invoice ${invoice.number} has nothing paid left to credit`);
  }
  if (!Number.isSafeInteger(note.amount) || note.amount < 1 || note.amount > available) {
    throw new ValidationError("Invalid credit note", [
      { in: "body", path: "amount", message: `must be a whole number of minor units from 1 to ${available}` },
    ]);
  }
  if ((invoice.creditNotes ?? []).length >= 50) {
    throw new ConflictError(`Invoice ${invoice.number} already has 50 credit notes`);
  }
  return { ...invoice, creditNotes: [...(invoice.creditNotes ?? []), note], updatedAt: note.at };
}
