import * as z from "zod";
import { InstantSchema, text } from "./common.js";
import { ActorSchema } from "./timeline.js";

/*
 * Lifecycle state stored on the subscriber. It lives here, not in lifecycle/, so the subscriber
 * schema can carry it without an import cycle (the lifecycle imports the subscriber schema).
 */

/** "-5d", "-12h", "+30m", "0": when a reminder goes out relative to expiry (or the postpaid due instant). */
export const ReminderOffsetSchema = z
  .string()
  .regex(/^(0|[+-][1-9][0-9]{0,3}[dhm])$/, { message: 'must look like "-5d", "-12h", "+30m" or "0"' });
export type ReminderOffset = z.infer<typeof ReminderOffsetSchema>;

export const ReminderChannelSchema = z.enum(["sms", "email"]);

export const ReminderRuleSchema = z
  .object({ offset: ReminderOffsetSchema, channel: ReminderChannelSchema })
  .strict();
export type ReminderRule = z.infer<typeof ReminderRuleSchema>;

const UNIT_SECONDS = { d: 86_400, h: 3600, m: 60 } as const;

/** "-5d" -> -432000; "0" -> 0. */
export function offsetSeconds(offset: ReminderOffset): number {
  const m = /^([+-])([0-9]+)([dhm])$/.exec(offset);
  if (!m) return 0;
  const unit = UNIT_SECONDS[m[3] as keyof typeof UNIT_SECONDS];
  return (m[1] === "-" ? -1 : 1) * Number(m[2]) * unit;
}

/** A set of reminders (the tenant's, or a package's own): at most 10, each offset once. */
export const ReminderRulesSchema = z
  .array(ReminderRuleSchema)
  .max(10)
  .refine((rs) => new Set(rs.map((r) => offsetSeconds(r.offset))).size === rs.length, {
    message: "offsets must be distinct",
  });

/** What the subscriber's single schedule is set for (decision 2): the payload the scheduler carries. */
export const NextActionSchema = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("reminder"),
      at: InstantSchema,
      offset: ReminderOffsetSchema,
      channel: ReminderChannelSchema,
      /** The expiresAt the reminder is relative to. */
      cycle: InstantSchema,
    }),
    z.object({ kind: z.literal("expire"), at: InstantSchema }),
    z.object({ kind: z.literal("grace_end"), at: InstantSchema }),
    z.object({ kind: z.literal("unpause"), at: InstantSchema }),
    z.object({
      kind: z.literal("invoice"),
      at: InstantSchema,
      /** Start of the billing period the invoice is for (the invoice's key with the subscriber). */
      periodStart: InstantSchema,
    }),
  ])
  .meta({ id: "NextAction", description: "The one thing due next for this subscriber and when" });
export type NextAction = z.infer<typeof NextActionSchema>;

export const LifecycleFieldsShape = {
  /** Why a `suspended` subscriber is suspended: an admin hold survives payments, a lapse does not. */
  suspendReason: z.enum(["manual", "lapsed"]).optional(),
  /** Entitlement left when paused (negative when paused in grace); restored on unpause. */
  pausedRemainingSeconds: z.number().int().optional(),
  /** Automatic unpause instant. */
  pausedUntil: InstantSchema.optional(),
  /** Reminders sent in the cycle that ends at `cycle` (the expiresAt they were relative to). */
  remindersSent: z
    .object({ cycle: InstantSchema, offsets: z.array(ReminderOffsetSchema).max(10) })
    .optional(),
  billingPause: z
    .object({ since: InstantSchema, actor: ActorSchema, reason: text(300) })
    .strict()
    .optional()
    .meta({
      description:
        "Set while billing is paused: the invoice chain bills none of the cycles it reaches and adds no late fee",
    }),
  billedThrough: InstantSchema.optional().meta({
    description:
      "How far the subscriber's cycle invoices reach: the next one bills from here (it never bills an instant twice)",
  }),
};
