import * as z from "zod";
import { CurrencySchema, EmailSchema, InstantSchema, VersionSchema } from "./common.js";
import { InvoiceSchema } from "./invoice.js";

/** A sum of amounts in one currency (minor units; may exceed a single invoice's bound). */
export const TotalSchema = z
  .object({ amount: z.number().int(), currency: CurrencySchema })
  .meta({ id: "Total", description: "Minor units in one currency" });

const CountedSchema = z.object({ count: z.number().int().min(0), amounts: z.array(TotalSchema) });

export const BillingSummaryQuerySchema = z
  .object({
    month: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: "must be a month like 2026-03" })
      .optional()
      .meta({ description: "A calendar month in the tenant's time zone (default: this month)" }),
    from: InstantSchema.optional().meta({ description: "Instead of month: periods starting at or after" }),
    to: InstantSchema.optional().meta({ description: "Instead of month: periods starting before" }),
    dueDays: z.coerce.number().int().min(1).max(31).default(7).meta({ description: "Upcoming dues window" }),
  })
  .strict();
export type BillingSummaryQuery = z.infer<typeof BillingSummaryQuerySchema>;

export const BillingSummarySchema = z
  .object({
    period: z.object({ from: InstantSchema, to: InstantSchema, timeZone: z.string() }),
    invoices: z.object({
      billed: CountedSchema.meta({ description: "Invoices of the period, void ones excluded: their totals" }),
      paid: CountedSchema,
      partiallyPaid: CountedSchema,
      unpaid: CountedSchema.meta({ description: "Open and partly paid: what is still owed" }),
      void: CountedSchema,
    }),
    collected: z.array(TotalSchema).meta({ description: "Paid so far against the period's invoices" }),
    upcomingDues: CountedSchema.extend({ days: z.number().int() }).meta({
      description: "Unpaid invoices (any period) due from now within `days`",
    }),
    overdue: CountedSchema.meta({ description: "Unpaid invoices (any period) already past due" }),
    activeSuspensions: z.number().int().min(0).meta({ description: "Subscribers suspended now" }),
    generatedAt: InstantSchema,
  })
  .meta({ id: "BillingSummary" });
export type BillingSummary = z.infer<typeof BillingSummarySchema>;

export const DuesQuerySchema = z
  .object({ days: z.coerce.number().int().min(1).max(31).default(7).meta({ description: "From now, 1-31" }) })
  .strict();

export const DueInvoiceSchema = InvoiceSchema.extend({
  subscriber: z
    .object({ id: z.string(), name: z.string(), username: z.string(), phone: z.string() })
    .optional()
    .meta({ description: "Absent if the subscriber record cannot be read" }),
  balance: z.number().int().meta({ description: "Still owed, minor units" }),
}).meta({ id: "DueInvoice" });

/** The daily summary's setup as the API shows it: the bot token never comes back. */
export const DailySummarySettingsSchema = z
  .object({
    enabled: z.boolean(),
    hour: z.number().int().min(0).max(23),
    emails: z.array(EmailSchema),
    telegram: z.object({ chatId: z.string(), botId: z.string() }).optional(),
    lastSentOn: z.string().optional(),
    updatedAt: InstantSchema,
    version: VersionSchema,
  })
  .meta({ id: "DailySummarySettings" });
export type DailySummarySettings = z.infer<typeof DailySummarySettingsSchema>;

/** Telegram bot tokens look like 123456789:AAH...; the part before the colon is the bot's id. */
export const TelegramBotTokenSchema = z
  .string()
  .regex(/^\d{3,20}:[A-Za-z0-9_-]{30,100}$/, { message: "must be a bot token from @BotFather (id:secret)" });

export const PutDailySummarySchema = z
  .object({
    enabled: z.boolean().default(true),
    hour: z.number().int().min(0).max(23).default(8).meta({ description: "Local hour it goes out" }),
    emails: z.array(EmailSchema).max(10).default([]),
    telegram: z
      .object({
        chatId: z.string().regex(/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/, {
          message: "must be a numeric chat id or @channelname",
        }),
        botToken: TelegramBotTokenSchema.optional().meta({
          description: "Write-only; omit to keep the stored token",
        }),
      })
      .strict()
      .optional(),
    version: z.number().int().min(0).default(0).meta({ description: "0 to create; else the version read" }),
  })
  .strict()
  .meta({ id: "PutDailySummary" });
export type PutDailySummaryInput = z.infer<typeof PutDailySummarySchema>;

export const DailySummaryMessageSchema = z
  .object({
    subject: z.string(),
    text: z.string(),
    summary: BillingSummarySchema,
    sent: z
      .object({ email: z.number().int(), telegram: z.boolean(), failures: z.array(z.string()) })
      .optional(),
  })
  .meta({ id: "DailySummaryMessage" });
