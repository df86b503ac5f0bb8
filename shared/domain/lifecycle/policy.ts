import * as z from "zod";
import { TimeZoneSchema } from "../schemas/common.js";
import {
  ReminderChannelSchema,
  type ReminderOffset,
  ReminderOffsetSchema,
} from "../schemas/lifecycle-fields.js";
import { SubscriberSchema } from "../schemas/subscriber.js";
import type { Tenant } from "../schemas/tenant.js";

export {
  ReminderChannelSchema,
  type ReminderOffset,
  ReminderOffsetSchema,
} from "../schemas/lifecycle-fields.js";

export const ReminderRuleSchema = z
  .object({ offset: ReminderOffsetSchema, channel: ReminderChannelSchema })
  .strict();
export type ReminderRule = z.infer<typeof ReminderRuleSchema>;

const HhMmSchema = z
  .string()
  .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, { message: "must be HH:MM (24-hour)" });

export const DEFAULT_REMINDERS: readonly ReminderRule[] = [
  { offset: "-5d", channel: "sms" },
  { offset: "-3d", channel: "sms" },
  { offset: "-1d", channel: "sms" },
  { offset: "0", channel: "sms" },
  { offset: "+1d", channel: "sms" },
];

export const LifecyclePolicySchema = z
  .object({
    timeZone: TimeZoneSchema,
    reminders: z
      .array(ReminderRuleSchema)
      .max(10)
      .refine((rs) => new Set(rs.map((r) => offsetSeconds(r.offset))).size === rs.length, {
        message: "offsets must be distinct",
      })
      .default([...DEFAULT_REMINDERS]),
    /** null turns quiet hours off. */
    quietHours: z
      .object({ start: HhMmSchema, end: HhMmSchema })
      .strict()
      .nullable()
      .default({ start: "21:00", end: "08:00" }),
    /**
     * A reminder found this late (scheduler outage, subscriber created close to expiry) is still
     * sent; an older one is skipped rather than telling someone "5 days left" on the last day.
     */
    reminderLatenessSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(6 * 3600),
    /** Renewing during grace: "stack" charges the grace already used; "from_now" forgives it. */
    renewInGrace: z.enum(["stack", "from_now"]).default("stack"),
  })
  .strict();
export type LifecyclePolicy = z.infer<typeof LifecyclePolicySchema>;
export type LifecyclePolicyInput = z.input<typeof LifecyclePolicySchema>;

export function policyForTenant(
  tenant: Pick<Tenant, "timeZone">,
  overrides: Omit<LifecyclePolicyInput, "timeZone"> = {},
): LifecyclePolicy {
  return LifecyclePolicySchema.parse({ ...overrides, timeZone: tenant.timeZone });
}

const UNIT_SECONDS = { d: 86_400, h: 3600, m: 60 } as const;

export function offsetSeconds(offset: ReminderOffset): number {
  const m = /^([+-])([0-9]+)([dhm])$/.exec(offset);
  if (!m) return 0;
  const unit = UNIT_SECONDS[m[3] as keyof typeof UNIT_SECONDS];
  return (m[1] === "-" ? -1 : 1) * Number(m[2]) * unit;
}

export { LifecycleFieldsShape } from "../schemas/lifecycle-fields.js";

/** The subscriber schema carries the lifecycle fields; the alias keeps the lifecycle's vocabulary. */
export const LifecycleSubscriberSchema = SubscriberSchema;
export type LifecycleSubscriber = z.infer<typeof LifecycleSubscriberSchema>;
