import * as z from "zod";
import { idSchema } from "../ids.js";
import { AuditFieldsShape, CurrencySchema, InstantSchema, text } from "./common.js";
import { ActorSchema } from "./timeline.js";

export const InvoiceIdSchema = idSchema("invoice");

/** Whole minor units; the largest amount any single field may hold (as MoneySchema). */
const MAX_MINOR = 100_000_000_00;
const minor = () => z.number().int({ message: "must be an integer number of minor units" });
const nonNegativeMinor = () => minor().min(0).max(MAX_MINOR);
/** Sums of lines: zod's int() keeps them within the safe-integer range. */
const sumMinor = () => minor().min(0);

/** A rate in basis points: 1 bp = 0.01 %, so 1500 is 15 %. */
export const BasisPointsSchema = z.number().int().min(0).max(10_000).meta({
  description: "Basis points: 1 = 0.01 %, 1500 = 15 %",
});

export const InvoiceLineKindSchema = z.enum([
  "package",
  "proration",
  "late_fee",
  "adjustment",
  "discount",
  "tax",
]);
export type InvoiceLineKind = z.infer<typeof InvoiceLineKindSchema>;

/** Discounts only take away, adjustments go either way, everything else only adds. */
export const InvoiceLineSchema = z
  .object({
    kind: InvoiceLineKindSchema,
    description: text(200),
    amount: minor().min(-MAX_MINOR).max(MAX_MINOR).meta({
      description: "Minor units; negative for discounts and credits",
    }),
  })
  .strict()
  .refine((l) => (l.kind === "discount" ? l.amount <= 0 : l.kind === "adjustment" || l.amount >= 0), {
    message: "discounts are negative or zero; charges are positive or zero",
    path: ["amount"],
  })
  .meta({ id: "InvoiceLine" });
export type InvoiceLine = z.infer<typeof InvoiceLineSchema>;

export const InvoiceStatusSchema = z.enum(["open", "partially_paid", "paid", "void"]);
export type InvoiceStatus = z.infer<typeof InvoiceStatusSchema>;

export const InvoicePeriodSchema = z
  .object({ start: InstantSchema, end: InstantSchema })
  .strict()
  .refine((p) => p.start < p.end, { message: "start must be before end", path: ["end"] })
  .meta({ description: "Billing period [start, end): local midnights of the tenant's zone, in UTC" });

/**
 * A late fee: a fixed amount, or a percentage of what is still unpaid when grace ends, capped.
 * Added at most once per invoice.
 */
export const LateFeeSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("fixed"), amount: nonNegativeMinor() }).strict(),
    z
      .object({
        type: z.literal("percent"),
        basisPoints: BasisPointsSchema,
        cap: nonNegativeMinor().optional().meta({ description: "Largest fee in minor units" }),
      })
      .strict(),
  ])
  .meta({ id: "LateFee" });
export type LateFee = z.infer<typeof LateFeeSchema>;

/** Who overrode an invoice, when and why (the same reason is on the subscriber's timeline). */
export const InvoiceOverrideSchema = z
  .object({ at: InstantSchema, actor: ActorSchema, reason: text(300) })
  .strict()
  .meta({ id: "InvoiceOverride" });
export type InvoiceOverride = z.infer<typeof InvoiceOverrideSchema>;

/** Part of what was paid, given back as wallet credit; the invoice itself stays as billed. */
export const CreditNoteSchema = z
  .object({
    id: idSchema("creditNote"),
    amount: minor().min(1).max(MAX_MINOR),
    at: InstantSchema,
    actor: ActorSchema,
    reason: text(300),
  })
  .strict()
  .meta({ id: "CreditNote" });
export type CreditNote = z.infer<typeof CreditNoteSchema>;

export const InvoiceSchema = z
  .object({
    id: InvoiceIdSchema,
    tenantId: idSchema("tenant"),
    subscriberId: idSchema("subscriber"),
    packageId: idSchema("package").optional(),
    /** Per-tenant sequence: 1, 2, 3 ... without gaps or duplicates. */
    sequence: z.number().int().min(1),
    number: z
      .string()
      .regex(/^INV-\d{6,}$/)
      .meta({ example: "INV-000123" }),
    period: InvoicePeriodSchema,
    currency: CurrencySchema,
    lines: z.array(InvoiceLineSchema).min(1).max(100),
    /** Sum of every line but tax. */
    subtotal: sumMinor(),
    /** The tax rate the tax line was computed at; 0 when untaxed. */
    taxRateBasisPoints: BasisPointsSchema,
    tax: sumMinor(),
    total: sumMinor(),
    amountPaid: sumMinor(),
    status: InvoiceStatusSchema,
    dueAt: InstantSchema,
    voided: InvoiceOverrideSchema.optional().meta({ description: "Set when the invoice was voided" }),
    markedPaid: InvoiceOverrideSchema.extend({
      amount: sumMinor().meta({
        description: "What was outstanding and recorded as received outside the system",
      }),
    })
      .optional()
      .meta({
        description: "Set when an admin marked the invoice paid for money received outside the system",
      }),
    creditNotes: z
      .array(CreditNoteSchema)
      .max(50)
      .optional()
      .meta({ description: "Credit notes against what was paid, oldest first" }),
    ...AuditFieldsShape,
  })
  .meta({ id: "Invoice" });
export type Invoice = z.infer<typeof InvoiceSchema>;

/** `POST /v1/subscribers/{id}/invoices`: a bill made on demand (a migration's cycle, a manual bill). */
export const CreateInvoiceSchema = z
  .object({
    period: InvoicePeriodSchema.optional().meta({
      description:
        "The period billed; its start is the invoice's key with the subscriber (one invoice each). Default: the subscriber's current cycle, or with custom lines the day of issue",
    }),
    lines: z
      .array(InvoiceLineSchema)
      .min(1)
      .max(99)
      .superRefine((lines, ctx) => {
        lines.forEach((line, i) => {
          if (line.kind === "tax") {
            ctx.addIssue({
              code: "custom",
              path: [i, "kind"],
              message: "tax is computed from taxRateBasisPoints, not sent as a line",
            });
          }
        });
      })
      .optional()
      .meta({ description: "The charges (no tax line). Default: the subscriber's package for the period" }),
    dueAt: InstantSchema.optional().meta({
      description: "Default: the postpaid due rule from the issue day, or at once for prepaid",
    }),
    taxRateBasisPoints: BasisPointsSchema.optional().meta({ description: "Default: the package's tax rate" }),
    applyWallet: z.boolean().default(true).meta({ description: "Pay what the wallet covers at once" }),
    notify: z.boolean().default(true).meta({ description: "Send it to the subscriber by SMS and e-mail" }),
    note: text(500).optional().meta({ description: "Why it was made; shown on the timeline" }),
  })
  .strict()
  .meta({ id: "CreateInvoice" });
export type CreateInvoiceInput = z.infer<typeof CreateInvoiceSchema>;

/** An invoice before the repository numbers it (in the transaction that stores it). */
export type NewInvoice = Omit<Invoice, "sequence" | "number">;

export function formatInvoiceNumber(sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new RangeError(`invalid sequence ${sequence}`);
  return `INV-${String(sequence).padStart(6, "0")}`;
}
