import { periodLabel } from "../../domain/billing/invoice.js";
import { formatAmount } from "../../domain/notifications/index.js";
import type { Invoice } from "../../domain/schemas/invoice.js";
import type { Actor, TimelineEvent } from "../../domain/schemas/timeline.js";
import { timelineEvent } from "../timeline.js";

/** Amounts in timeline summaries: "500.00 BDT" (the data keeps minor units). */
export const money = (amount: number, currency: Invoice["currency"]) =>
  formatAmount({ amount, currency }, "en", "code");

const periodOf = (invoice: Invoice) => ({
  start: new Date(invoice.period.start),
  end: new Date(invoice.period.end),
});

/**
 * `invoice.created`: also the source of the public `invoice.created` event (its data carries the
 * invoice id, the amount as Money and the due instant the outbound catalogue publishes).
 */
export function invoiceCreatedEvent(
  actor: Actor,
  invoice: Invoice,
  timeZone: string,
  note?: string,
): TimelineEvent {
  const paid =
    invoice.amountPaid > 0 ? `, ${money(invoice.amountPaid, invoice.currency)} from the wallet` : "";
  return timelineEvent(
    { actor },
    invoice.subscriberId,
    invoice.createdAt,
    "invoice.created",
    `Invoice ${invoice.number} for ${periodLabel(periodOf(invoice), timeZone)}: ${money(invoice.total, invoice.currency)}${paid}, due ${invoice.dueAt}${note ? `: ${note}` : ""}`.slice(
      0,
      500,
    ),
    {
      invoiceId: invoice.id,
      number: invoice.number,
      amount: { amount: invoice.total, currency: invoice.currency },
      amountPaid: invoice.amountPaid,
      status: invoice.status,
      dueAt: invoice.dueAt,
      period: invoice.period,
      ...(note ? { note } : {}),
    },
  );
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
