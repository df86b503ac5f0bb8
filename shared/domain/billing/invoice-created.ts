import { newId } from "../ids.js";
import { formatAmount } from "../notifications/index.js";
import type { Invoice } from "../schemas/invoice.js";
import type { Actor, TimelineEvent } from "../schemas/timeline.js";
import { periodLabel } from "./invoice.js";

/** Who made an invoice, enough to write its `invoice.created` event once it has its number. */
export interface InvoiceCreatedBy {
  readonly actor: Actor;
  /** The tenant's zone, for the period in words. */
  readonly timeZone: string;
  /** Said on the timeline next to the invoice. */
  readonly note?: string | undefined;
}

const money = (amount: number, currency: Invoice["currency"]) =>
  formatAmount({ amount, currency }, "en", "code");

/**
 * `invoice.created`: also the source of the public `invoice.created` event (its data carries the
 * invoice id, the amount as Money and the due instant the outbound catalogue publishes). A plain
 * function of the numbered invoice, so whichever writer numbers it can store it in that write.
 */
export function invoiceCreatedEvent(by: InvoiceCreatedBy, invoice: Invoice): TimelineEvent {
  const { actor, timeZone, note } = by;
  const period = { start: new Date(invoice.period.start), end: new Date(invoice.period.end) };
  const paid =
    invoice.amountPaid > 0 ? `, ${money(invoice.amountPaid, invoice.currency)} from the wallet` : "";
  const summary = `Invoice ${invoice.number} for ${periodLabel(period, timeZone)}: ${money(invoice.total, invoice.currency)}${paid}, due ${invoice.dueAt}${note ? `: ${note}` : ""}`;
  return atCreation(invoice, actor, "invoice.created", summary, {
    invoiceId: invoice.id,
    number: invoice.number,
    amount: { amount: invoice.total, currency: invoice.currency },
    amountPaid: invoice.amountPaid,
    status: invoice.status,
    dueAt: invoice.dueAt,
    period: invoice.period,
    ...(note ? { note } : {}),
  });
}

/** A timeline event of the invoice's own making: at its creation, for its subscriber. */
function atCreation(
  invoice: Invoice,
  actor: Actor,
  type: string,
  summary: string,
  data: Record<string, unknown>,
): TimelineEvent {
  return {
    id: newId("event", Date.parse(invoice.createdAt)),
    subscriberId: invoice.subscriberId,
    at: invoice.createdAt,
    type,
    summary: summary.slice(0, 500),
    actor,
    data,
  };
}

/**
 * `invoice.paid` for an invoice the wallet paid in full when it was made (a payment's own are in
 * services/payments/account.ts): the public event fires whenever an invoice becomes paid.
 */
export function invoicePaidOnCreationEvent(actor: Actor, invoice: Invoice): TimelineEvent {
  const summary = `Invoice ${invoice.number} paid from the wallet: ${money(invoice.total, invoice.currency)}`;
  return atCreation(invoice, actor, "invoice.paid", summary, {
    invoiceId: invoice.id,
    number: invoice.number,
    amount: { amount: invoice.total, currency: invoice.currency },
    amountPaid: invoice.amountPaid,
    total: invoice.total,
    by: "wallet",
  });
}

/** The events an invoice's numbering writes: created, and paid when the wallet covered it all. */
export function invoiceNumberedEvents(by: InvoiceCreatedBy, invoice: Invoice): TimelineEvent[] {
  const created = invoiceCreatedEvent(by, invoice);
  return invoice.status === "paid" && invoice.amountPaid > 0
    ? [created, invoicePaidOnCreationEvent(by.actor, invoice)]
    : [created];
}
