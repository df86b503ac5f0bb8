import * as z from "zod";
import { text, VersionSchema } from "./common.js";
import { InvoiceLineSchema } from "./invoice.js";

/*
 * Bodies of the admin overrides. Each carries the version of the record it changes (the invoice's,
 * or for a billing pause the subscriber's): a stale one is a 409. The reason goes on the timeline.
 */

const reason = text(300).meta({ description: "Why: recorded on the subscriber's timeline with who did it" });

export const VoidInvoiceSchema = z
  .object({ version: VersionSchema, reason })
  .strict()
  .meta({ id: "VoidInvoice" });
export type VoidInvoiceInput = z.infer<typeof VoidInvoiceSchema>;

export const AddInvoiceLineSchema = z
  .object({
    version: VersionSchema,
    kind: z.enum(["adjustment", "discount"]),
    description: InvoiceLineSchema.shape.description,
    amount: InvoiceLineSchema.shape.amount.meta({
      description: "Minor units: an adjustment either sign, a discount zero or negative",
    }),
    reason,
  })
  .strict()
  .refine((b) => b.kind !== "discount" || b.amount <= 0, {
    message: "a discount is zero or negative",
    path: ["amount"],
  })
  .meta({ id: "AddInvoiceLine" });
export type AddInvoiceLineInput = z.infer<typeof AddInvoiceLineSchema>;

export const MarkInvoicePaidSchema = z
  .object({ version: VersionSchema, reason })
  .strict()
  .meta({ id: "MarkInvoicePaid" });
export type MarkInvoicePaidInput = z.infer<typeof MarkInvoicePaidSchema>;

export const CreateCreditNoteSchema = z
  .object({
    version: VersionSchema,
    amount: z
      .number()
      .int({ message: "must be an integer number of minor units" })
      .min(1)
      .max(100_000_000_00)
      .meta({ description: "Minor units, at most what was paid less earlier credit notes" }),
    reason,
  })
  .strict()
  .meta({ id: "CreateCreditNote" });
export type CreateCreditNoteInput = z.infer<typeof CreateCreditNoteSchema>;

export const BillingPauseSchema = z
  .object({ version: VersionSchema.meta({ description: "The subscriber's version" }), reason })
  .strict()
  .meta({ id: "BillingPause" });
export type BillingPauseInput = z.infer<typeof BillingPauseSchema>;
