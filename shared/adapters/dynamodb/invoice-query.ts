import type { Invoice, InvoiceStatus } from "../../domain/schemas/invoice.js";
import type { InvoiceListQuery } from "../../domain/schemas/invoice-query.js";
import { keys } from "./keys.js";
import type { PagedQuery } from "./paged-query.js";

/**
 * Invoice lists and reports read through two more index entries per invoice, written with the
 * invoice itself (a Put replaces the whole item, so a status change moves its bucket):
 * - GSI3 `T#{t}#INVPER` / `{period.start}#{id}`: a period's invoices (billing summary, period filter);
 * - GSI5 `T#{t}#INVDUE#{bucket}` / `{dueAt}#{id}`: by due date within a bucket, `unpaid` (open or
 *   partially paid), `paid` or `void`: dues in the next days, overdue, status filters.
 * Both partitions take a whole tenant's invoice run, like the table's own T#{t} partition that every
 * invoice and the numbering counter already share; they stay within what that partition accepts.
 */
export type InvoiceBucket = "unpaid" | "paid" | "void";

export function invoiceBucket(status: InvoiceStatus): InvoiceBucket {
  return status === "paid" || status === "void" ? status : "unpaid";
}

export function invoiceIndexKeys(invoice: Invoice): Record<string, string> {
  return {
    GSI3PK: keys.gsi.invoicePeriods(invoice.tenantId),
    GSI3SK: `${invoice.period.start}#${invoice.id}`,
    GSI5PK: keys.gsi.invoiceDue(invoice.tenantId, invoiceBucket(invoice.status)),
    GSI5SK: `${invoice.dueAt}#${invoice.id}`,
  };
}

/**
 * A `{instant}#{id}` sort key within [from, to): ISO instants are all 24 characters, so `{to}#id`
 * sorts after `to` and BETWEEN :from AND :to excludes the upper bound.
 */
function rangeCondition(sk: string, from: string | undefined, to: string | undefined): string {
  if (from !== undefined && to !== undefined) return ` AND ${sk} BETWEEN :from AND :to`;
  if (from !== undefined) return ` AND ${sk} >= :from`;
  if (to !== undefined) return ` AND ${sk} < :to`;
  return "";
}

/**
 * Picks the query for an invoice list, most selective first, and turns the other filters into a
 * FilterExpression:
 * 1. a subscriber: GSI1 (a few invoices a year), newest first;
 * 2. a status: its GSI5 bucket (`open` and `partially_paid` filter the unpaid bucket), where a due
 *    range is the key range; latest due first;
 * 3. a period range: GSI3's key range; latest period first;
 * 4. otherwise the tenant partition, SK begins_with INV#, newest first (ids are ULIDs). A due or
 *    issue range alone filters it: add a status to make a due range a key range.
 */
export function buildInvoiceQuery(tenantId: string, q: InvoiceListQuery, ascending = false): PagedQuery {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const filters: string[] = [];
  const range = (
    field: "dueAt" | "createdAt" | "period.start",
    from: string | undefined,
    to: string | undefined,
  ) => {
    if (from === undefined && to === undefined) return;
    const path = field.split(".").map((part) => {
      names[`#${part}`] = part;
      return `#${part}`;
    });
    const key = field.replace(".", "_");
    if (from !== undefined) {
      values[`:${key}From`] = from;
      filters.push(`${path.join(".")} >= :${key}From`);
    }
    if (to !== undefined) {
      values[`:${key}To`] = to;
      filters.push(`${path.join(".")} < :${key}To`);
    }
  };
  const statusFilter = (statuses: readonly InvoiceStatus[]) => {
    names["#status"] = "status";
    statuses.forEach((s, i) => {
      values[`:status${i}`] = s;
    });
    filters.push(`#status IN (${statuses.map((_, i) => `:status${i}`).join(", ")})`);
  };
  const exact: readonly InvoiceStatus[] | undefined =
    q.status === undefined ? undefined : q.status === "unpaid" ? ["open", "partially_paid"] : [q.status];

  let plan: Omit<PagedQuery, "names" | "values" | "filter">;
  if (q.subscriberId) {
    const pk = keys.gsi.subscriberInvoices(tenantId, q.subscriberId);
    plan = { indexName: "GSI1", partition: { attribute: "GSI1PK", value: pk }, keyCondition: "GSI1PK = :pk" };
    values[":pk"] = pk;
    if (exact) statusFilter(exact);
    range("period.start", q.periodFrom, q.periodTo);
    range("dueAt", q.dueAfter, q.dueBefore);
  } else if (q.status && exact) {
    const bucket = q.status === "unpaid" ? "unpaid" : invoiceBucket(q.status);
    const pk = keys.gsi.invoiceDue(tenantId, bucket);
    values[":pk"] = pk;
    if (q.dueAfter !== undefined) values[":from"] = q.dueAfter;
    if (q.dueBefore !== undefined) values[":to"] = q.dueBefore;
    plan = {
      indexName: "GSI5",
      partition: { attribute: "GSI5PK", value: pk },
      keyCondition: `GSI5PK = :pk${rangeCondition("GSI5SK", q.dueAfter, q.dueBefore)}`,
    };
    if (bucket === "unpaid" && q.status !== "unpaid") statusFilter(exact);
    range("period.start", q.periodFrom, q.periodTo);
  } else if (q.periodFrom !== undefined || q.periodTo !== undefined) {
    const pk = keys.gsi.invoicePeriods(tenantId);
    values[":pk"] = pk;
    if (q.periodFrom !== undefined) values[":from"] = q.periodFrom;
    if (q.periodTo !== undefined) values[":to"] = q.periodTo;
    plan = {
      indexName: "GSI3",
      partition: { attribute: "GSI3PK", value: pk },
      keyCondition: `GSI3PK = :pk${rangeCondition("GSI3SK", q.periodFrom, q.periodTo)}`,
    };
    range("dueAt", q.dueAfter, q.dueBefore);
  } else {
    const pk = keys.tenantPk(tenantId);
    values[":pk"] = pk;
    values[":prefix"] = keys.invoiceSk("");
    plan = {
      partition: { attribute: "PK", value: pk },
      keyCondition: "PK = :pk AND begins_with(SK, :prefix)",
    };
    range("dueAt", q.dueAfter, q.dueBefore);
  }
  range("createdAt", q.issuedFrom, q.issuedTo);
  return {
    ...plan,
    filter: filters.length ? filters.join(" AND ") : undefined,
    names,
    values,
    ascending,
  };
}
