import { formatAmount } from "../domain/notifications/index.js";
import type { Invoice, InvoiceStatus } from "../domain/schemas/invoice.js";
import type { Subscriber } from "../domain/schemas/subscriber.js";
import type { Tenant } from "../domain/schemas/tenant.js";

/**
 * An invoice as its reader sees it: every value already a string, built once and drawn twice (the
 * HTML page and the PDF), so the two always show the same invoice. Optional parts (logo, contact
 * lines, tax) are absent rather than empty: nothing renders as a blank or "undefined".
 */
export interface InvoiceDocument {
  readonly brand: {
    readonly name: string;
    readonly logoUrl?: string | undefined;
    readonly accentColor: string;
    readonly contact: readonly string[];
    readonly footer?: string | undefined;
  };
  readonly number: string;
  readonly status: { readonly code: InvoiceStatus; readonly label: string };
  readonly billTo: { readonly name: string; readonly details: readonly string[] };
  readonly facts: readonly Fact[];
  readonly lines: readonly { readonly description: string; readonly amount: string }[];
  readonly totals: readonly (Fact & { readonly strong?: boolean })[];
  readonly note: string;
}

export interface Fact {
  readonly label: string;
  readonly value: string;
}

export const DEFAULT_ACCENT = "#1F4E79";

const STATUS_LABELS: Readonly<Record<InvoiceStatus, string>> = {
  open: "Unpaid",
  partially_paid: "Partly paid",
  paid: "Paid",
  void: "Void",
};

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** "8 March 2026" in the tenant's zone. */
export function formatDate(instant: string | number, timeZone: string): string {
  let f = dateFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone, day: "numeric", month: "long", year: "numeric" });
    dateFormats.set(timeZone, f);
  }
  return f.format(new Date(instant));
}

/** A local midnight is the end of the day before: due "by 8 March", not "9 March, 00:00". */
function lastDay(instant: string, timeZone: string): string {
  const ms = Date.parse(instant);
  const time = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).format(new Date(ms));
  return formatDate(time === "00:00:00" ? ms - 1 : ms, timeZone);
}

export interface InvoiceDocumentInput {
  readonly invoice: Invoice;
  readonly tenant: Pick<Tenant, "name" | "timeZone" | "branding">;
  /** Absent when the subscriber record cannot be read: the invoice still renders. */
  readonly subscriber?: Pick<Subscriber, "name" | "username" | "phone" | "email" | "address"> | undefined;
}

export function invoiceDocument({ invoice, tenant, subscriber }: InvoiceDocumentInput): InvoiceDocument {
  const zone = tenant.timeZone;
  const money = (amount: number) => formatAmount({ amount, currency: invoice.currency }, "en", "code");
  const b = tenant.branding ?? {};
  const balance = invoice.status === "void" ? 0 : Math.max(0, invoice.total - invoice.amountPaid);
  const due = lastDay(invoice.dueAt, zone);
  const taxLine = invoice.lines.find((l) => l.kind === "tax");
  const credited = (invoice.creditNotes ?? []).reduce((sum, note) => sum + note.amount, 0);
  const present = (values: readonly (string | undefined)[]) =>
    values.filter((v): v is string => v !== undefined && v.trim() !== "");
  return {
    brand: {
      name: b.displayName ?? tenant.name,
      logoUrl: b.logoUrl,
      accentColor: b.accentColor ?? DEFAULT_ACCENT,
      contact: present([b.address, b.phone, b.email, b.website]),
      footer: b.invoiceFooter,
    },
    number: invoice.number,
    status: { code: invoice.status, label: STATUS_LABELS[invoice.status] },
    billTo: subscriber
      ? {
          name: subscriber.name,
          details: present([
            `Customer ID: ${subscriber.username}`,
            subscriber.phone,
            subscriber.email,
            subscriber.address,
          ]),
        }
      : { name: "Subscriber", details: [`Subscriber ID: ${invoice.subscriberId}`] },
    facts: [
      { label: "Invoice number", value: invoice.number },
      { label: "Issued", value: formatDate(invoice.createdAt, zone) },
      {
        label: "Billing period",
        value: `${formatDate(invoice.period.start, zone)} to ${lastDay(invoice.period.end, zone)}`,
      },
      { label: "Due by", value: due },
      // What an admin did to it, by date; their reasons are internal notes and stay off the page.
      ...(invoice.voided ? [{ label: "Cancelled", value: formatDate(invoice.voided.at, zone) }] : []),
      ...(invoice.markedPaid
        ? [
            {
              label: "Payment received",
              value: `${money(invoice.markedPaid.amount)} on ${formatDate(invoice.markedPaid.at, zone)}`,
            },
          ]
        : []),
    ],
    lines: invoice.lines
      .filter((l) => l.kind !== "tax")
      .map((l) => ({ description: l.description, amount: money(l.amount) })),
    totals: [
      { label: "Subtotal", value: money(invoice.subtotal) },
      ...(taxLine || invoice.taxRateBasisPoints > 0
        ? [{ label: taxLine?.description ?? "Tax", value: money(invoice.tax) }]
        : []),
      { label: "Total", value: money(invoice.total), strong: true },
      { label: "Paid", value: money(invoice.amountPaid) },
      ...(credited > 0 ? [{ label: "Credited to your account", value: money(credited) }] : []),
      { label: "Balance due", value: money(balance), strong: true },
    ],
    note:
      invoice.status === "void"
        ? "This invoice was cancelled: nothing is owed on it."
        : balance === 0
          ? "Paid in full. Thank you."
          : `Please pay ${money(balance)} by ${due}.`,
  };
}
