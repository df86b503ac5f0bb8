import { applyPayment } from "../billing/invoice.js";
import type { Invoice } from "../schemas/invoice.js";
import { allocate, MAX_PERIODS_PER_PAYMENT } from "./allocate.js";

/*
 * How one settled payment is applied, in integer minor units. The rule:
 *
 * 1. The funds are what was paid plus the wallet's credit (wallet credit pays bills as soon as
 *    there is a bill to pay: the same rule as at an invoice's creation).
 * 2. They pay the subscriber's unpaid invoices (open, partially paid) in the payment's currency:
 *    the invoice the payment was made for first (an invoice's own pay link), then the others
 *    oldest due first (ties: lowest number). Each takes what it still owes, at most; its
 *    `amountPaid` rises and its status follows (partially paid, paid). At most
 *    MAX_INVOICES_PER_PAYMENT invoices per payment (one DynamoDB transaction holds them all).
 * 3. The entitlement follows the bill it waits on (the invoice of the period that falls due at the
 *    subscriber's `expiresAt`): when this payment pays that invoice in full, the subscriber renews
 *    one period (postpaid: until the oldest bill still unpaid). Money that paid an invoice buys
 *    nothing else for that cycle.
 * 4. What is left: when no unpaid invoice remains, a prepaid subscriber buys whole package periods
 *    from it as before (`allocate`), and so does a postpaid one whose due bill was never invoiced
 *    (data from before invoices); everything else stays in the wallet. So a postpaid advance
 *    payment waits in the wallet for the next invoice, which takes it when it is made.
 */

/** Invoices one payment settles at most: two transaction items each (the invoice and its event). */
export const MAX_INVOICES_PER_PAYMENT = 40;

export type UnpaidStatus = "open" | "partially_paid";

export function isUnpaid(invoice: Pick<Invoice, "status">): boolean {
  return invoice.status === "open" || invoice.status === "partially_paid";
}

/** The bill the subscriber's entitlement waits on: the invoice period that falls due at `expiresAt`. */
export interface EntitlementBill {
  /** The period start (the invoice's key with the subscriber). */
  readonly periodStart: string;
  /** The subscriber's `expiresAt`: when that bill falls due. */
  readonly dueAt: string;
  /** Whether any invoice (paid, void or unpaid) exists for that period. */
  readonly invoiced: boolean;
}

export interface PaymentApplicationInput {
  /** This payment, minor units. */
  readonly paid: number;
  readonly walletBefore: number;
  /** The payment's currency: invoices in another are left alone. */
  readonly currency: string;
  /** The subscriber's unpaid invoices, in any order (others are ignored). */
  readonly invoices: readonly Invoice[];
  /** The invoice the payment was made for, paid before the others. */
  readonly invoiceId?: string | undefined;
  readonly billing: "prepaid" | "postpaid";
  /** The package's price in the payment's currency (0: no periods can be bought). */
  readonly price: number;
  readonly entitlementBill?: EntitlementBill | undefined;
  /** Whether the subscriber can renew at all (not terminated). */
  readonly renewable: boolean;
  readonly now: Date;
}

export interface InvoiceSettlement {
  /** The invoice after this payment (its version is moved on by the repository). */
  readonly invoice: Invoice;
  /** What it took from this payment (and the wallet). */
  readonly applied: number;
}

export interface PaymentApplication {
  /** Invoices this payment paid into, in the order paid. */
  readonly settled: readonly InvoiceSettlement[];
  /** Unpaid invoices left after it (beyond the bound included), oldest due first. */
  readonly unpaid: readonly Invoice[];
  /** The payment paid the bill the entitlement waits on in full. */
  readonly entitlementBillPaid: boolean;
  /** Periods to renew: the paid entitlement bill's one plus those bought from what was left. */
  readonly periods: number;
  readonly walletAfter: number;
}

const byDue = (a: Invoice, b: Invoice) =>
  a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.sequence - b.sequence;

/** The order invoices are paid in: the target first, then oldest due first. */
export function paymentOrder(invoices: readonly Invoice[], currency: string, invoiceId?: string): Invoice[] {
  const unpaid = invoices.filter((i) => isUnpaid(i) && i.currency === currency && i.amountPaid < i.total);
  const target = unpaid.filter((i) => i.id === invoiceId);
  return [...target, ...unpaid.filter((i) => i.id !== invoiceId).sort(byDue)];
}

export function applyToAccount(input: PaymentApplicationInput): PaymentApplication {
  const amounts = [input.paid, input.walletBefore, input.price];
  if (!amounts.every(Number.isSafeInteger) || input.paid < 0 || input.walletBefore < 0 || input.price < 0) {
    throw new RangeError("amounts must be non-negative integers of minor units");
  }
  const ordered = paymentOrder(input.invoices, input.currency, input.invoiceId);
  let funds = input.walletBefore + input.paid;
  const settled: InvoiceSettlement[] = [];
  const unpaid: Invoice[] = [];
  for (const [index, invoice] of ordered.entries()) {
    if (funds === 0 || index >= MAX_INVOICES_PER_PAYMENT) {
      unpaid.push(invoice);
      continue;
    }
    const result = applyPayment(invoice, funds, input.now);
    funds = result.excess;
    settled.push({ invoice: result.invoice, applied: result.applied });
    if (isUnpaid(result.invoice)) unpaid.push(result.invoice);
  }
  const bill = input.entitlementBill;
  const entitlementBillPaid =
    input.renewable &&
    bill !== undefined &&
    settled.some((s) => s.invoice.period.start === bill.periodStart && s.invoice.status === "paid");
  const legacyBill = bill !== undefined && !bill.invoiced && Date.parse(bill.dueAt) <= input.now.getTime();
  const buysPeriods = input.renewable && unpaid.length === 0 && (input.billing === "prepaid" || legacyBill);
  const first = entitlementBillPaid ? 1 : 0;
  if (!buysPeriods || input.price === 0) {
    return { settled, unpaid: unpaid.sort(byDue), entitlementBillPaid, periods: first, walletAfter: funds };
  }
  const bought = allocate(funds, 0, input.price);
  const periods = Math.min(bought.periods, MAX_PERIODS_PER_PAYMENT - first);
  return {
    settled,
    unpaid,
    entitlementBillPaid,
    periods: first + periods,
    walletAfter: funds - periods * input.price,
  };
}

/**
 * What a checkout asks for. With unpaid invoices: what is still owed on them (on the one invoice a
 * link was made for, when it was), less wallet credit; without: `periods` package periods less
 * wallet credit, as before. Never below 0.
 */
export function amountToPay(input: {
  readonly invoices: readonly Invoice[];
  readonly invoiceId?: string | undefined;
  readonly currency: string;
  readonly price: number;
  readonly periods: number;
  readonly walletBalance: number;
}): { amount: number; invoices: Invoice[] } {
  const wallet = Math.max(0, input.walletBalance);
  const ordered = paymentOrder(input.invoices, input.currency, input.invoiceId);
  const owed =
    input.invoiceId === undefined ? ordered.slice(0, MAX_INVOICES_PER_PAYMENT) : ordered.slice(0, 1);
  if (input.invoiceId !== undefined && owed[0]?.id !== input.invoiceId) return { amount: 0, invoices: [] };
  if (owed.length === 0) {
    return { amount: Math.max(0, input.price * input.periods - wallet), invoices: [] };
  }
  const outstanding = owed.reduce((sum, i) => sum + (i.total - i.amountPaid), 0);
  return { amount: Math.max(0, outstanding - wallet), invoices: owed };
}
