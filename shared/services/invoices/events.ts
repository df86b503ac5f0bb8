import { invoiceCreatedEvent as createdEvent } from "../../domain/billing/invoice-created.js";
import { formatAmount } from "../../domain/notifications/index.js";
import type { Invoice } from "../../domain/schemas/invoice.js";
import type { Actor, TimelineEvent } from "../../domain/schemas/timeline.js";
import { timelineEvent } from "../timeline.js";

/** Amounts in timeline summaries: "500.00 BDT" (the data keeps minor units). */
export const money = (amount: number, currency: Invoice["currency"]) =>
  formatAmount({ amount, currency }, "en", "code");

/** `invoice.created` (domain/billing/invoice-created.ts): written where the invoice is numbered. */
export function invoiceCreatedEvent(
  actor: Actor,
  invoice: Invoice,
  timeZone: string,
  note?: string,
): TimelineEvent {
  return createdEvent({ actor, timeZone, note }, invoice);
}

export function lateFeeEvent(actor: Actor, invoice: Invoice, fee: number, at: string): TimelineEvent {
  return timelineEvent(
    { actor },
    invoice.subscriberId,
    at,
    "invoice.late_fee_added",
    `Late fee ${money(fee, invoice.currency)} added to invoice ${invoice.number}: now ${money(invoice.total, invoice.currency)}`,
    {
      invoiceId: invoice.id,
      number: invoice.number,
      fee: { amount: fee, currency: invoice.currency },
      total: invoice.total,
    },
  );
}
