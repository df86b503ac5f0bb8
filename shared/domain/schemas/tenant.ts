import * as z from "zod";
import { idSchema } from "../ids.js";
import { LifecyclePolicySchema } from "../lifecycle/policy.js";
import { NotificationLanguageSchema } from "../notifications/index.js";
import { AuditFieldsShape, CurrencySchema, NameSchema, TimeZoneSchema } from "./common.js";

export const TenantIdSchema = idSchema("tenant");

/** Reminder offsets and channels, quiet hours, renewal rule; the time zone is the tenant's own. */
export const TenantLifecycleSchema = LifecyclePolicySchema.omit({ timeZone: true });

export const TenantNotificationsSchema = z.object({
  language: NotificationLanguageSchema.default("en"),
  /** Base of the pay link put in reminders, e.g. https://pay.example.net/p */
  payLinkBase: z.url().optional(),
});

export const TenantSchema = z
  .object({
    id: TenantIdSchema,
    name: NameSchema,
    timeZone: TimeZoneSchema.meta({ description: "Used for cycle boundaries, quiet hours and message text" }),
    currency: CurrencySchema,
    status: z.enum(["active", "disabled"]),
    lifecycle: TenantLifecycleSchema.optional(),
    notifications: TenantNotificationsSchema.optional(),
    ...AuditFieldsShape,
  })
  .meta({ id: "Tenant" });
export type Tenant = z.infer<typeof TenantSchema>;

export const CreateTenantSchema = z
  .object({
    name: NameSchema,
    timeZone: TimeZoneSchema.default("Asia/Dhaka"),
    currency: CurrencySchema.default("BDT"),
    lifecycle: TenantLifecycleSchema.optional(),
  })
  .strict();
export type CreateTenantInput = z.input<typeof CreateTenantSchema>;
