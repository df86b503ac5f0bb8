import * as z from "zod";
import { idSchema } from "../ids.js";
import { AuditFieldsShape, InstantSchema, MoneySchema, NotesSchema, text } from "./common.js";

export const PaymentIdSchema = idSchema("payment");

export const OnlineGatewaySchema = z.enum(["bkash", "sslcommerz", "razorpay", "nagad"]);
export type OnlineGateway = z.infer<typeof OnlineGatewaySchema>;
export const PaymentGatewaySchema = z.enum(["bkash", "sslcommerz", "razorpay", "nagad", "manual"]);
export type PaymentGatewayName = z.infer<typeof PaymentGatewaySchema>;

export const ManualMethodSchema = z.enum(["cash", "bank", "mobile", "other"]);

/**
 * `pending`: a checkout exists, the gateway has not confirmed it. `settled`: confirmed and applied
 * (exactly once). `held`: the gateway confirmed a different amount than ordered; nothing was
 * applied and an admin must review it. `failed` / `cancelled`: the gateway said so (or the sweep
 * gave up after a day).
 */
export const PaymentStatusSchema = z.enum(["pending", "settled", "held", "failed", "cancelled"]);
export type PaymentStatus = z.infer<typeof PaymentStatusSchema>;

export const RefundSchema = z
  .object({
    id: idSchema("refund"),
    amount: MoneySchema,
    reason: text(500),
    at: InstantSchema,
    actor: z.object({ kind: z.string(), id: z.string() }),
  })
  .meta({ id: "Refund" });

export const PaymentSchema = z
  .object({
    id: PaymentIdSchema,
    tenantId: idSchema("tenant"),
    subscriberId: idSchema("subscriber"),
    gateway: PaymentGatewaySchema,
    manualMethod: ManualMethodSchema.optional(),
    /** What was ordered (online) or received (manual). */
    amount: MoneySchema,
    /** What the gateway confirmed, when it differs or to record it. */
    paidAmount: MoneySchema.optional(),
    /** Package periods an online order was for; the settlement may buy more or fewer from the wallet. */
    periods: z.number().int().min(1).max(120).optional(),
    /** The invoice an online order was made for (its pay link): the settlement pays it first. */
    invoiceId: idSchema("invoice").optional(),
    status: PaymentStatusSchema,
    statusReason: text(300).optional(),
    gatewayRef: text(200).optional().meta({ description: "The gateway's checkout id" }),
    gatewayTxnId: text(200).optional().meta({ description: "The gateway's transaction id" }),
    reference: text(200).optional().meta({ description: "Receipt or bank reference (manual)" }),
    note: NotesSchema.optional(),
    settledAt: InstantSchema.optional(),
    /**
     * What the settlement applied: periods renewed, the wallet balance after it and the invoices it
     * paid into (what each took, minor units), oldest due first.
     */
    applied: z
      .object({
        periods: z.number().int().min(0),
        walletAfter: z.number().int().min(0),
        invoices: z
          .array(
            z.object({
              invoiceId: idSchema("invoice"),
              number: z.string(),
              amount: z.number().int().min(0),
              status: z.enum(["partially_paid", "paid"]),
            }),
          )
          .optional(),
      })
      .optional(),
    refunds: z.array(RefundSchema).optional(),
    refundedAmount: z.number().int().min(0).optional(),
    /** Pending sweep: how many times the gateway was asked, and when next. */
    checks: z.number().int().min(0).optional(),
    nextCheckAt: InstantSchema.optional(),
    ...AuditFieldsShape,
  })
  .meta({ id: "Payment" });
export type Payment = z.infer<typeof PaymentSchema>;

export const PaymentListQuerySchema = z
  .object({
    status: PaymentStatusSchema.optional(),
    gateway: PaymentGatewaySchema.optional(),
    subscriberId: idSchema("subscriber").optional(),
    from: InstantSchema.optional().meta({ description: "Created at or after" }),
    to: InstantSchema.optional().meta({ description: "Created before" }),
  })
  .strict();
export type PaymentListQuery = z.infer<typeof PaymentListQuerySchema>;

export const ManualPaymentSchema = z
  .object({
    amount: MoneySchema,
    method: ManualMethodSchema,
    reference: text(200).optional(),
    note: NotesSchema.optional(),
  })
  .strict()
  .meta({ id: "ManualPayment" });
export type ManualPaymentInput = z.infer<typeof ManualPaymentSchema>;

export const RefundInputSchema = z
  .object({
    amount: MoneySchema,
    reason: text(500).refine((r) => r.trim().length > 0, { message: "must not be blank" }),
  })
  .strict()
  .meta({ id: "RecordRefund" });
export type RefundInput = z.infer<typeof RefundInputSchema>;

export const CreatePayLinkSchema = z
  .object({
    periods: z.number().int().min(1).max(24).default(1),
    expiresInHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 31)
      .default(72),
  })
  .strict()
  .meta({ id: "CreatePayLink" });
export type CreatePayLinkInput = z.infer<typeof CreatePayLinkSchema>;

export const PayLinkSchema = z
  .object({
    url: z.url(),
    subscriberId: idSchema("subscriber"),
    amount: MoneySchema,
    periods: z.number().int(),
    /** The unpaid invoices the amount is owed on (empty: it buys `periods` package periods). */
    invoices: z.array(z.object({ invoiceId: idSchema("invoice"), number: z.string() })),
    expiresAt: InstantSchema,
  })
  .meta({ id: "PayLink" });
export type PayLink = z.infer<typeof PayLinkSchema>;

/** `PUT /v1/gateways/{gateway}`: credentials go in, never come back out. */
export const PutGatewaySchema = z
  .object({
    enabled: z.boolean().default(true),
    mode: z.enum(["sandbox", "live"]),
    credentials: z.record(z.string(), z.string().max(8192)),
  })
  .strict()
  .meta({ id: "PutGateway" });
export type PutGatewayInput = z.infer<typeof PutGatewaySchema>;

export const GatewayConfigSchema = z
  .object({
    gateway: OnlineGatewaySchema,
    enabled: z.boolean(),
    mode: z.enum(["sandbox", "live"]),
    /** Non-secret parts only (store id, key id, masked keys). */
    credentials: z.record(z.string(), z.string()),
    webhookUrl: z.url().optional(),
    updatedAt: InstantSchema,
    version: z.number().int(),
  })
  .meta({ id: "GatewayConfig" });
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
