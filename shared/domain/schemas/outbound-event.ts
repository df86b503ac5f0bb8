import * as z from "zod";
import { idSchema } from "../ids.js";
import { InstantSchema, MoneySchema } from "./common.js";
import { PaymentGatewaySchema } from "./payment.js";
import { SubscriberStatusSchema } from "./subscriber.js";

/**
 * The public event catalogue: what frontends may subscribe to, on EventBridge and by webhook.
 * Timeline types are internal and may change; these names and their `data` are a contract. A
 * breaking change to any of them bumps OUTBOUND_SCHEMA_VERSION; new types and new optional fields
 * do not.
 */
export const OUTBOUND_EVENT_TYPES = [
  /** Service cut: grace ended unpaid, or an admin hold, or an expiry moved into the past. */
  "subscriber.suspended",
  /** Entitlement ended on a package without grace: disconnected until paid. */
  "subscriber.expired",
  /** Service back after a suspension, expiry or pause (renewal, admin resume, unpause, expiry moved). */
  "subscriber.restored",
  "payment.settled",
  /** Confirmed for another amount than ordered: nothing applied until an admin reviews it. */
  "payment.held",
  "invoice.created",
  "invoice.paid",
] as const;

export const OutboundEventTypeSchema = z.enum(OUTBOUND_EVENT_TYPES);
export type OutboundEventType = z.infer<typeof OutboundEventTypeSchema>;

export const OUTBOUND_SCHEMA_VERSION = 1;

const SubscriberEventDataSchema = z.object({
  subscriberId: idSchema("subscriber"),
  status: SubscriberStatusSchema,
  previousStatus: SubscriberStatusSchema.optional(),
  /** The subscriber's version after the change (edge commands and reads carry the same number). */
  subscriberVersion: z.number().int().min(1).optional(),
  /** Paid-until instant after the change, when there is one. */
  expiresAt: InstantSchema.optional(),
  /** What did it, e.g. `subscriber.renewed` or `subscriber.resumed`: informative, not a contract. */
  cause: z.string().max(64),
});

const InvoiceIdSchema = z.string().regex(/^inv_[0-9A-Za-z]{1,40}$/);

const envelope = <T extends OutboundEventType, D extends z.ZodType>(type: T, data: D) =>
  z.object({
    /** The source fact's id, stable across redeliveries: receivers de-duplicate on it. */
    id: idSchema("event"),
    type: z.literal(type),
    schemaVersion: z.literal(OUTBOUND_SCHEMA_VERSION),
    tenantId: idSchema("tenant"),
    occurredAt: InstantSchema,
    data,
  });

export const OutboundEventSchema = z
  .discriminatedUnion("type", [
    envelope("subscriber.suspended", SubscriberEventDataSchema),
    envelope("subscriber.expired", SubscriberEventDataSchema),
    envelope("subscriber.restored", SubscriberEventDataSchema),
    envelope(
      "payment.settled",
      z.object({
        paymentId: idSchema("payment"),
        subscriberId: idSchema("subscriber"),
        amount: MoneySchema,
        gateway: PaymentGatewaySchema,
        /** Package periods the payment renewed (0: it only credited the wallet). */
        periods: z.number().int().min(0),
      }),
    ),
    envelope(
      "payment.held",
      z.object({
        paymentId: idSchema("payment"),
        subscriberId: idSchema("subscriber"),
        gateway: PaymentGatewaySchema,
        reason: z.string().max(300),
      }),
    ),
    envelope(
      "invoice.created",
      z.object({
        invoiceId: InvoiceIdSchema,
        subscriberId: idSchema("subscriber"),
        amount: MoneySchema,
        dueAt: InstantSchema,
      }),
    ),
    envelope(
      "invoice.paid",
      z.object({
        invoiceId: InvoiceIdSchema,
        subscriberId: idSchema("subscriber"),
        amount: MoneySchema,
        paymentId: idSchema("payment").optional(),
      }),
    ),
  ])
  .meta({
    id: "OutboundEvent",
    description:
      "An event delivered to the ISP's webhook (and put on the EventBridge bus): its id is stable, use it to de-duplicate",
  });
export type OutboundEvent = z.infer<typeof OutboundEventSchema>;

/** A delivery queue message: one event for one tenant's webhook. */
export const DeliveryJobSchema = z
  .object({ tenantId: idSchema("tenant"), event: OutboundEventSchema })
  .strict();
