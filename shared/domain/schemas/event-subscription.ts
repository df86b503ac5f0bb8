import * as z from "zod";
import { idSchema } from "../ids.js";
import { InstantSchema, VersionSchema } from "./common.js";
import { OUTBOUND_EVENT_TYPES, OutboundEventTypeSchema } from "./outbound-event.js";

/** `["*"]` for every event of the catalogue, now and future; otherwise a list of types. */
export const EventSelectionSchema = z
  .array(z.enum([...OUTBOUND_EVENT_TYPES, "*"]))
  .min(1)
  .max(OUTBOUND_EVENT_TYPES.length)
  .refine((list) => !list.includes("*") || list.length === 1, {
    message: 'use ["*"] alone to receive every event',
  })
  .meta({ description: 'Event types to deliver, or ["*"] for all', example: ["subscriber.suspended"] });
export type EventSelection = z.infer<typeof EventSelectionSchema>;

export const PutEventSubscriptionSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/, message: "must be an https URL" })
      .max(2000, { message: "must be at most 2000 characters" })
      .meta({ description: "Receives a POST per event; https only", example: "https://isp.example/hooks" }),
    events: EventSelectionSchema,
    enabled: z.boolean().default(true),
  })
  .strict()
  .meta({ id: "PutEventSubscription" });
export type PutEventSubscriptionInput = z.infer<typeof PutEventSubscriptionSchema>;

export const RotateSecretSchema = z
  .object({
    // Required: whether the old secret dies now (a leak) or overlaps (a routine rotation) is a
    // decision the admin makes, not a default.
    keepPreviousForHours: z.number().int().min(0).max(72).meta({
      description:
        "How long deliveries stay signed with the old secret too (a second v1= signature), so receivers can switch without missing events: e.g. 24 for a routine rotation, 0 after a leak",
    }),
  })
  .strict()
  .meta({ id: "RotateSecret" });
export type RotateSecretInput = z.infer<typeof RotateSecretSchema>;

export const EventSubscriptionSchema = z
  .object({
    tenantId: idSchema("tenant"),
    url: z.string(),
    events: EventSelectionSchema,
    enabled: z.boolean(),
    secretHint: z
      .string()
      .meta({ description: "The signing secret's last characters, to tell secrets apart" }),
    previousSecretExpiresAt: InstantSchema.optional().meta({
      description: "Until then deliveries also carry a signature made with the rotated-out secret",
    }),
    createdAt: InstantSchema,
    updatedAt: InstantSchema,
    version: VersionSchema,
  })
  .meta({
    id: "EventSubscription",
    description: "Where the ISP's events are delivered; the signing secret is never shown again",
  });
export type EventSubscription = z.infer<typeof EventSubscriptionSchema>;

export const EventSubscriptionWithSecretSchema = EventSubscriptionSchema.extend({
  secret: z.string().meta({
    description: "The signing secret (HMAC-SHA256 key). Shown only in this response: store it now",
  }),
}).meta({ id: "EventSubscriptionWithSecret" });
export type EventSubscriptionWithSecret = z.infer<typeof EventSubscriptionWithSecretSchema>;

export const WebhookDeliverySchema = z
  .object({
    eventId: idSchema("event"),
    type: OutboundEventTypeSchema,
    status: z.enum(["retrying", "delivered", "failed"]),
    attempts: z.number().int().min(1),
    lastStatusCode: z.number().int().optional(),
    lastError: z.string().max(300).optional(),
    lastAttemptAt: InstantSchema,
    nextAttemptAt: InstantSchema.optional(),
    deliveredAt: InstantSchema.optional(),
  })
  .meta({ id: "WebhookDelivery", description: "The delivery of one event to the webhook (kept 30 days)" });
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;
