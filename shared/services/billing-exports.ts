import * as z from "zod";
import { creditedAmount } from "../domain/billing/overrides.js";
import type { Invoice } from "../domain/schemas/invoice.js";
import { InvoiceListQuerySchema } from "../domain/schemas/invoice-query.js";
import { type Payment, PaymentListQuerySchema } from "../domain/schemas/payment.js";
import type { Subscriber } from "../domain/schemas/subscriber.js";
import type { Actor } from "../domain/schemas/timeline.js";
import { csvField, csvRecord, csvText, minorToDecimal } from "../http/csv.js";
import type { Page, PageRequest } from "../ports/repositories.js";
import type { Caller, ServiceDeps } from "./caller.js";
import { listInvoices } from "./invoice-reads.js";

/**
 * CSV exports of invoices and payments (`GET /v1/reports/invoices.csv`, `.../payments.csv`): the
 * same filters as the JSON lists, up to `limit` rows a file (default 1000, at most 5000); when more
 * match, the `Next-Cursor` header carries the cursor for the next file. Every amount comes twice:
 * in minor units (`*_minor`, exact) and as a decimal in major units. New columns are only ever
 * appended, so a spreadsheet built on the old ones keeps working.
 */
const ExportPageShape = {
  limit: z.coerce.number().int().min(1).max(5000).default(1000).meta({ description: "Rows, 1-5000" }),
  cursor: z.string().max(2048).optional().meta({ description: "Next-Cursor of the previous file" }),
};
export const InvoiceExportQuerySchema = InvoiceListQuerySchema.extend(ExportPageShape).strict();
export const PaymentExportQuerySchema = PaymentListQuerySchema.extend(ExportPageShape).strict();

export interface CsvFile {
  readonly text: string;
  readonly nextCursor?: string | undefined;
}

/** Reads pages until `limit` rows or the end (a filtered page may come back short). */
async function collect<T>(
  page: PageRequest,
  read: (request: PageRequest) => Promise<Page<T>>,
): Promise<{ rows: T[]; nextCursor?: string | undefined }> {
  const rows: T[] = [];
  let cursor = page.cursor;
  do {
    const out = await read({ limit: Math.min(100, page.limit - rows.length), cursor });
    rows.push(...out.items);
    cursor = out.nextCursor;
  } while (cursor && rows.length < page.limit);
  return { rows, nextCursor: cursor };
}

/** Names for the rows' subscribers, each read once, ten at a time. */
async function subscriberNames(
  deps: ServiceDeps,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, Subscriber | undefined>> {
  const unique = [...new Set(ids)];
  const found = new Map<string, Subscriber | undefined>();
  for (let i = 0; i < unique.length; i += 10) {
    const batch = unique.slice(i, i + 10);
    const subs = await Promise.all(batch.map((id) => deps.repos.subscribers.get(tenantId, id)));
    batch.forEach((id, j) => {
      found.set(id, subs[j]);
    });
  }
  return found;
}

const INVOICE_COLUMNS = [
  "number",
  "invoice_id",
  "status",
  "subscriber_id",
  "subscriber_name",
  "username",
  "period_start",
  "period_end",
  "issued_at",
  "due_at",
  "currency",
  "subtotal_minor",
  "tax_minor",
  "total_minor",
  "paid_minor",
  "balance_minor",
  "total",
  "paid",
  "balance",
  // What admins' overrides did, for reconciliation: a void, money received outside the system
  // (part of paid_minor, with no payment record behind it), credit notes (paid money moved back
  // to the wallet; paid_minor stays as billed). Reasons are people's text: formula-safe.
  "voided_at",
  "voided_by",
  "void_reason",
  "marked_paid_at",
  "marked_paid_by",
  "marked_paid_minor",
  "marked_paid",
  "marked_paid_reason",
  "credit_notes",
  "credited_minor",
  "credited",
  "last_credited_at",
  "credit_note_reasons",
];

/** "api-key:key_01..." / "user:...": who did it, as the timeline's actor says. */
const actorCell = (actor: Actor | undefined) => csvText(actor && `${actor.kind}:${actor.id}`);

/** The override columns of one invoice, in INVOICE_COLUMNS' order. */
function overrideCells(i: Invoice): string[] {
  const notes = i.creditNotes ?? [];
  const credited = creditedAmount(i);
  const marked = i.markedPaid;
  return [
    csvField(i.voided?.at),
    actorCell(i.voided?.actor),
    csvText(i.voided?.reason),
    csvField(marked?.at),
    actorCell(marked?.actor),
    csvField(marked?.amount),
    csvField(marked && minorToDecimal(marked.amount)),
    csvText(marked?.reason),
    csvField(notes.length),
    csvField(credited),
    csvField(minorToDecimal(credited)),
    csvField(notes[notes.length - 1]?.at),
    csvText(notes.length > 0 ? notes.map((n) => n.reason).join("; ") : undefined),
  ];
}

export async function exportInvoices(
  deps: ServiceDeps,
  caller: Caller,
  query: z.infer<typeof InvoiceListQuerySchema>,
  page: PageRequest,
): Promise<CsvFile> {
  const { rows, nextCursor } = await collect<Invoice>(page, (request) =>
    listInvoices(deps, caller, query, request),
  );
  const names = await subscriberNames(
    deps,
    caller.tenantId,
    rows.map((r) => r.subscriberId),
  );
  let text = csvRecord(INVOICE_COLUMNS);
  for (const i of rows) {
    const sub = names.get(i.subscriberId);
    const balance = i.status === "void" ? 0 : Math.max(0, i.total - i.amountPaid);
    text += csvRecord([
      csvField(i.number),
      csvField(i.id),
      csvField(i.status),
      csvField(i.subscriberId),
      csvText(sub?.name),
      csvText(sub?.username),
      csvField(i.period.start),
      csvField(i.period.end),
      csvField(i.createdAt),
      csvField(i.dueAt),
      csvField(i.currency),
      csvField(i.subtotal),
      csvField(i.tax),
      csvField(i.total),
      csvField(i.amountPaid),
      csvField(balance),
      csvField(minorToDecimal(i.total)),
      csvField(minorToDecimal(i.amountPaid)),
      csvField(minorToDecimal(balance)),
      ...overrideCells(i),
    ]);
  }
  return { text, nextCursor };
}

const PAYMENT_COLUMNS = [
  "payment_id",
  "created_at",
  "settled_at",
  "status",
  "gateway",
  "method",
  "subscriber_id",
  "subscriber_name",
  "username",
  "currency",
  "amount_minor",
  "paid_minor",
  "refunded_minor",
  "amount",
  "paid",
  "refunded",
  "gateway_txn_id",
  "reference",
];

export async function exportPayments(
  deps: ServiceDeps,
  caller: Caller,
  query: z.infer<typeof PaymentListQuerySchema>,
  page: PageRequest,
): Promise<CsvFile> {
  const { rows, nextCursor } = await collect<Payment>(page, (request) =>
    deps.repos.payments.list(caller.tenantId, query, request),
  );
  const names = await subscriberNames(
    deps,
    caller.tenantId,
    rows.map((r) => r.subscriberId),
  );
  let text = csvRecord(PAYMENT_COLUMNS);
  for (const p of rows) {
    const sub = names.get(p.subscriberId);
    const paid = p.status === "settled" ? (p.paidAmount ?? p.amount).amount : 0;
    const refunded = p.refundedAmount ?? 0;
    text += csvRecord([
      csvField(p.id),
      csvField(p.createdAt),
      csvField(p.settledAt),
      csvField(p.status),
      csvField(p.gateway),
      csvField(p.manualMethod),
      csvField(p.subscriberId),
      csvText(sub?.name),
      csvText(sub?.username),
      csvField(p.amount.currency),
      csvField(p.amount.amount),
      csvField(paid),
      csvField(refunded),
      csvField(minorToDecimal(p.amount.amount)),
      csvField(minorToDecimal(paid)),
      csvField(minorToDecimal(refunded)),
      csvText(p.gatewayTxnId),
      csvText(p.reference),
    ]);
  }
  return { text, nextCursor };
}
