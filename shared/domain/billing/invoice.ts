import { ValidationError } from "../errors.js";
import { dueInstantFor, type PostpaidBilling } from "../lifecycle/postpaid.js";
import { toLocal } from "../lifecycle/zoned-time.js";
import type { InvoiceLine, InvoiceStatus, LateFee, NewInvoice } from "../schemas/invoice.js";
import type { Package } from "../schemas/package.js";
import { type Period, periodDays, remainingDays } from "./cycles.js";
import { mulDivRoundHalfUp, prorate } from "./proration.js";

/*
 * Invoice arithmetic, pure and in integer minor units. Every fraction (proration, tax, percentage
 * late fee) goes through proration.ts's one rounding rule: nearest minor unit, halves up.
 * - subtotal: the sum of every line but tax;
 * - tax: the rate (basis points) of the taxable subtotal, which is every line but tax and late
 *   fees (a penalty, not a supply), floored at 0; it is one `tax` line, recomputed with the lines;
 * - total = subtotal + tax, never negative: discounts beyond the charges are refused.
 */

const BASIS = 10_000;

export interface Totals {
  /** The charges followed by the tax line (when the rate is not 0). */
  readonly lines: InvoiceLine[];
  readonly subtotal: number;
  readonly tax: number;
  readonly total: number;
}

/** 1500 -> "15%", 750 -> "7.5%", 125 -> "1.25%". */
export function formatBasisPoints(bp: number): string {
  const whole = Math.floor(bp / 100);
  const fraction = String(bp % 100)
    .padStart(2, "0")
    .replace(/0+$/, "");
  return `${whole}${fraction ? `.${fraction}` : ""}%`;
}

export function withTotals(lines: readonly InvoiceLine[], taxRateBasisPoints: number): Totals {
  const charges = lines.filter((l) => l.kind !== "tax");
  const subtotal = charges.reduce((sum, l) => sum + l.amount, 0);
  if (subtotal < 0) {
    throw new ValidationError("Discounts exceed the charges", [
      { path: "lines", message: "the lines must not sum to less than zero" },
    ]);
  }
  const taxable = charges.filter((l) => l.kind !== "late_fee").reduce((sum, l) => sum + l.amount, 0);
  const tax = mulDivRoundHalfUp(Math.max(0, taxable), taxRateBasisPoints, BASIS);
  const taxLine: InvoiceLine[] =
    taxRateBasisPoints > 0
      ? [{ kind: "tax", description: `Tax ${formatBasisPoints(taxRateBasisPoints)}`, amount: tax }]
      : [];
  return { lines: [...charges, ...taxLine], subtotal, tax, total: subtotal + tax };
}

/** Nothing paid: open; some: partially paid; all (or a zero total): paid. */
export function statusFor(total: number, amountPaid: number): Exclude<InvoiceStatus, "void"> {
  if (amountPaid >= total) return "paid";
  return amountPaid > 0 ? "partially_paid" : "open";
}

/**
 * The charge for a cycle: the package's price, or when the subscriber joined after the period
 * began, its prorated part for the remaining days (the joining day counts in full).
 */
export function cycleLines(
  pkg: Pick<Package, "name" | "price">,
  period: Period,
  timeZone: string,
  joinedAt?: Date,
): InvoiceLine[] {
  const days = periodDays(period, timeZone);
  const remaining = joinedAt ? remainingDays(period, joinedAt, timeZone) : days;
  if (remaining >= days) return [{ kind: "package", description: pkg.name, amount: pkg.price.amount }];
  return [
    {
      kind: "proration",
      description: `${pkg.name}: ${remaining} of ${days} days`,
      amount: prorate(pkg.price.amount, days, remaining),
    },
  ];
}

export interface InvoiceDraftInput {
  readonly id: string;
  readonly tenantId: string;
  readonly subscriberId: string;
  readonly packageId?: string | undefined;
  readonly currency: NewInvoice["currency"];
  readonly period: Period;
  /** The charges; the tax line is computed from them. */
  readonly lines: readonly InvoiceLine[];
  readonly taxRateBasisPoints?: number | undefined;
  readonly dueAt: Date;
  readonly now: Date;
}

/** An invoice before numbering: totals and the tax line from its charges, nothing paid yet. */
export function draftInvoice(input: InvoiceDraftInput): NewInvoice {
  const taxRateBasisPoints = input.taxRateBasisPoints ?? 0;
  const totals = withTotals(input.lines, taxRateBasisPoints);
  const now = input.now.toISOString();
  return {
    id: input.id,
    tenantId: input.tenantId,
    subscriberId: input.subscriberId,
    ...(input.packageId === undefined ? {} : { packageId: input.packageId }),
    period: { start: input.period.start.toISOString(), end: input.period.end.toISOString() },
    currency: input.currency,
    ...totals,
    taxRateBasisPoints,
    amountPaid: 0,
    status: statusFor(totals.total, 0),
    dueAt: input.dueAt.toISOString(),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

export interface CycleInvoiceInput {
  readonly id: string;
  readonly tenantId: string;
  readonly subscriberId: string;
  readonly pkg: Pick<Package, "id" | "name" | "price">;
  readonly billing: PostpaidBilling;
  readonly period: Period;
  readonly timeZone: string;
  /** When the subscriber started, if inside the period: the first invoice is prorated. */
  readonly joinedAt?: Date | undefined;
  readonly taxRateBasisPoints?: number | undefined;
  readonly now: Date;
}

/** A cycle's invoice, issued at the period start and due as the postpaid calendar says. */
export function draftCycleInvoice(input: CycleInvoiceInput): NewInvoice {
  return draftInvoice({
    ...input,
    packageId: input.pkg.id,
    currency: input.pkg.price.currency,
    lines: cycleLines(input.pkg, input.period, input.timeZone, input.joinedAt),
    dueAt: dueInstantFor(input.billing, input.timeZone, input.period.start),
  });
}

export interface WalletApplication<T extends NewInvoice> {
  readonly invoice: T;
  /** What the wallet paid. */
  readonly applied: number;
  readonly walletAfter: number;
}

/**
 * Wallet credit goes to a new invoice automatically: as much of the total as it covers. The
 * wallet is never negative and the invoice never takes more than it owes.
 */
export function applyWallet<T extends NewInvoice>(
  invoice: T,
  walletBalance: number,
  now: Date,
): WalletApplication<T> {
  const paid = applyPayment(invoice, Math.max(0, walletBalance), now);
  return { invoice: paid.invoice, applied: paid.applied, walletAfter: paid.excess };
}

/** "2026-03-01 to 2026-03-31": a period's first and last local day (its end is exclusive). */
export function periodLabel(period: Period, timeZone: string): string {
  const day = (d: Date) => {
    const l = toLocal(d, timeZone);
    return `${l.year}-${String(l.month).padStart(2, "0")}-${String(l.day).padStart(2, "0")}`;
  };
  return `${day(period.start)} to ${day(new Date(period.end.getTime() - 1))}`;
}

/** The fee for `unpaid` minor units: fixed, or the percentage (rounded) up to the cap. */
export function lateFeeFor(rule: LateFee, unpaid: number): number {
  if (rule.type === "fixed") return rule.amount;
  const fee = mulDivRoundHalfUp(unpaid, rule.basisPoints, BASIS);
  return rule.cap === undefined ? fee : Math.min(fee, rule.cap);
}

export interface LateFeeResult<T extends NewInvoice> {
  readonly invoice: T;
  /** The fee added now; 0 when nothing changed (and `invoice` is the one passed in). */
  readonly added: number;
}

/**
 * Adds the late fee once: an invoice that already has one, is settled or void, is not yet due,
 * or whose fee comes to 0 is returned unchanged. A percentage applies to what is still unpaid.
 * Late fees are not taxed, so the tax line stays as it was.
 */
export function applyLateFee<T extends NewInvoice>(invoice: T, rule: LateFee, now: Date): LateFeeResult<T> {
  const unchanged = { invoice, added: 0 };
  if (invoice.status === "paid" || invoice.status === "void") return unchanged;
  if (invoice.lines.some((l) => l.kind === "late_fee")) return unchanged;
  if (now.getTime() < Date.parse(invoice.dueAt)) return unchanged;
  const fee = lateFeeFor(rule, invoice.total - invoice.amountPaid);
  if (fee <= 0) return unchanged;
  const description =
    rule.type === "percent"
      ? `Late fee ${formatBasisPoints(rule.basisPoints)} of the unpaid amount`
      : "Late fee";
  const totals = withTotals(
    [...invoice.lines, { kind: "late_fee", description, amount: fee }],
    invoice.taxRateBasisPoints,
  );
  return {
    invoice: {
      ...invoice,
      ...totals,
      status: statusFor(totals.total, invoice.amountPaid),
      updatedAt: now.toISOString(),
    },
    added: fee,
  };
}

export interface PaymentApplication<T extends NewInvoice> {
  readonly invoice: T;
  /** What the invoice took. */
  readonly applied: number;
  /** What it could not take (an overpayment, or a payment against a void invoice): for the wallet. */
  readonly excess: number;
}

/** Applies `amount` to the invoice: partly paid, paid, and any excess handed back for the wallet. */
export function applyPayment<T extends NewInvoice>(
  invoice: T,
  amount: number,
  now: Date,
): PaymentApplication<T> {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`not a minor-unit amount: ${amount}`);
  }
  const open = invoice.status === "void" ? 0 : Math.max(0, invoice.total - invoice.amountPaid);
  const applied = Math.min(amount, open);
  if (applied === 0) return { invoice, applied: 0, excess: amount };
  const amountPaid = invoice.amountPaid + applied;
  return {
    invoice: {
      ...invoice,
      amountPaid,
      status: statusFor(invoice.total, amountPaid),
      updatedAt: now.toISOString(),
    },
    applied,
    excess: amount - applied,
  };
}
