import { invoicePeriodStartForDue } from "../../domain/lifecycle/index.js";
import {
  type EntitlementBill,
  type InvoiceSettlement,
  isUnpaid,
  MAX_INVOICES_PER_PAYMENT,
} from "../../domain/payments/apply.js";
import type { Invoice } from "../../domain/schemas/invoice.js";
import type { Payment } from "../../domain/schemas/payment.js";
import type { Actor, TimelineEvent } from "../../domain/schemas/timeline.js";
import type { ServiceDeps } from "../caller.js";
import { money } from "../invoices/events.js";
import type { LifecycleContext } from "../lifecycle.js";
import { timelineEvent } from "../timeline.js";

/** What a payment is applied to, beside the subscriber's wallet: its unpaid invoices and due bill. */
export interface Account {
  /** Unpaid invoices, one more than a payment settles when there are that many. */
  readonly unpaid: readonly Invoice[];
  readonly entitlementBill?: EntitlementBill | undefined;
}

/**
 * Completes the subscriber's unpaid invoices (as listed from the index) with the invoice of the bill
 * its entitlement waits on, read by its period key (a consistent read: an invoice made a moment ago
 * is never missed, however the index lags), unless the subscriber shows it cannot exist yet.
 */
export async function readAccount(
  deps: ServiceDeps,
  ctx: LifecycleContext,
  unpaid: readonly Invoice[],
): Promise<Account> {
  const { sub, pkg, policy } = ctx;
  if (sub.expiresAt === undefined) return { unpaid };
  const periodStart = invoicePeriodStartForDue(pkg, policy, new Date(sub.expiresAt)).toISOString();
  const listed = unpaid.find((i) => i.period.start === periodStart);
  // A prepaid chain has not invoiced the period at `expiresAt` while `billedThrough` (read
  // consistently with the subscriber) has not passed it: no read needed on the payment's path.
  const unbilled =
    pkg.billing.type === "prepaid" &&
    (sub.billedThrough === undefined || Date.parse(sub.billedThrough) <= Date.parse(periodStart));
  if (!listed && unbilled) {
    return { unpaid, entitlementBill: { periodStart, dueAt: sub.expiresAt, invoiced: false } };
  }
  const bill = listed ?? (await deps.repos.invoices.getForPeriod(sub.tenantId, sub.id, periodStart));
  const withBill = bill && !listed && isUnpaid(bill) ? [...unpaid, bill] : unpaid;
  return {
    unpaid: withBill,
    entitlementBill: { periodStart, dueAt: sub.expiresAt, invoiced: bill !== undefined },
  };
}

/** The subscriber's unpaid invoices as a payment reads them (one more than it may settle). */
export function unpaidInvoices(deps: ServiceDeps, tenantId: string, subscriberId: string) {
  return deps.repos.invoices.unpaidForSubscriber(tenantId, subscriberId, MAX_INVOICES_PER_PAYMENT + 1);
}

/**
 * `invoice.paid` (also the public event: invoice id, its total as Money, the payment) or
 * `invoice.partially_paid` for each invoice the payment paid into.
 */
export function invoicePaymentEvents(
  actor: Actor,
  payment: Payment,
  settled: readonly InvoiceSettlement[],
  at: string,
): TimelineEvent[] {
  return settled.map(({ invoice, applied }) => {
    const facts = {
      invoiceId: invoice.id,
      number: invoice.number,
      paymentId: payment.id,
      applied: { amount: applied, currency: invoice.currency },
      amountPaid: invoice.amountPaid,
      total: invoice.total,
    };
    if (invoice.status === "paid") {
      return timelineEvent(
        { actor },
        invoice.subscriberId,
        at,
        "invoice.paid",
        `Invoice ${invoice.number} paid: ${money(invoice.total, invoice.currency)} (${money(applied, invoice.currency)} of it by this payment)`,
        { ...facts, amount: { amount: invoice.total, currency: invoice.currency } },
      );
    }
    return timelineEvent(
      { actor },
      invoice.subscriberId,
      at,
      "invoice.partially_paid",
      `Invoice ${invoice.number} partly paid: ${money(applied, invoice.currency)}, ${money(invoice.total - invoice.amountPaid, invoice.currency)} still owed`,
      { ...facts, outstanding: invoice.total - invoice.amountPaid },
    );
  });
}
