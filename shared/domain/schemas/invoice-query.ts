import * as z from "zod";
import { idSchema } from "../ids.js";
import { InstantSchema } from "./common.js";
import { InvoiceStatusSchema } from "./invoice.js";

/** `unpaid` is `open` or `partially_paid`: what a dues list or a reminder run wants. */
export const InvoiceStatusFilterSchema = z
  .enum([...InvoiceStatusSchema.options, "unpaid"])
  .meta({ description: "An invoice status, or unpaid (open or partially_paid)" });
export type InvoiceStatusFilter = z.infer<typeof InvoiceStatusFilterSchema>;

/**
 * Filters of `GET /v1/invoices` (and its CSV export). Every range is half-open, [from, to). The
 * ranges are checked together by `checkInvoiceRanges` (a refined object could not be extended with
 * the page parameters).
 */
export const InvoiceListQuerySchema = z
  .object({
    status: InvoiceStatusFilterSchema.optional(),
    subscriberId: idSchema("subscriber").optional(),
    periodFrom: InstantSchema.optional().meta({ description: "Billing period starting at or after" }),
    periodTo: InstantSchema.optional().meta({ description: "Billing period starting before" }),
    issuedFrom: InstantSchema.optional().meta({ description: "Issued (created) at or after" }),
    issuedTo: InstantSchema.optional().meta({ description: "Issued (created) before" }),
    dueAfter: InstantSchema.optional().meta({ description: "Due at or after" }),
    dueBefore: InstantSchema.optional().meta({ description: "Due before" }),
  })
  .strict();
export type InvoiceListQuery = z.infer<typeof InvoiceListQuerySchema>;

const RANGES = [
  ["periodFrom", "periodTo"],
  ["issuedFrom", "issuedTo"],
  ["dueAfter", "dueBefore"],
] as const;

/** The field issues of ranges whose end is not after their start (none: the query is usable). */
export function invoiceRangeIssues(q: InvoiceListQuery): { path: string; message: string }[] {
  return RANGES.flatMap(([from, to]) => {
    const a = q[from];
    const b = q[to];
    return a !== undefined && b !== undefined && b <= a
      ? [{ path: to, message: `must be after ${from}` }]
      : [];
  });
}
