import * as z from "zod";
import { TimeZoneSchema } from "../schemas/common.js";
import { type ReminderRule, ReminderRulesSchema } from "../schemas/lifecycle-fields.js";
import type { Package } from "../schemas/package.js";
import { SubscriberSchema } from "../schemas/subscriber.js";
import type { Tenant } from "../schemas/tenant.js";

export {
  offsetSeconds,
  ReminderChannelSchema,
  type ReminderOffset,
  ReminderOffsetSchema,
  type ReminderRule,
  ReminderRuleSchema,
} from "../schemas/lifecycle-fields.js";

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
    reminders: ReminderRulesSchema.default([...DEFAULT_REMINDERS]),
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

/**
 * The policy for a subscriber: the tenant's settings in its zone, with the package's own reminder
 * offsets (when it has them) in place of the tenant's. Whatever schedules a subscriber's next action
 * and whatever checks a fire against it must build the policy for the same package (the service's
 * context does), or a reminder set by one would be stale to the other.
 */
export function policyForTenant(
  tenant: Pick<Tenant, "timeZone">,
  overrides: Omit<LifecyclePolicyInput, "timeZone"> = {},
  pkg?: Pick<Package, "reminders">,
): LifecyclePolicy {
  return LifecyclePolicySchema.parse({
    ...overrides,
    ...(pkg?.reminders ? { reminders: pkg.reminders } : {}),
    timeZone: tenant.timeZone,
  });
}

export { LifecycleFieldsShape } from "../schemas/lifecycle-fields.js";

/** The subscriber schema carries the lifecycle fields; the alias keeps the lifecycle's vocabulary. */
export const LifecycleSubscriberSchema = SubscriberSchema;
export type LifecycleSubscriber = z.infer<typeof LifecycleSubscriberSchema>;
