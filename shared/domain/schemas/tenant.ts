import * as z from "zod";
import { idSchema } from "../ids.js";
import { LifecyclePolicySchema } from "../lifecycle/policy.js";
import { NotificationLanguageSchema } from "../notifications/index.js";
import { AuditFieldsShape, CurrencySchema, EmailSchema, NameSchema, TimeZoneSchema, text } from "./common.js";

export const TenantIdSchema = idSchema("tenant");

/** Reminder offsets and channels, quiet hours, renewal rule; the time zone is the tenant's own. */
export const TenantLifecycleSchema = LifecyclePolicySchema.omit({ timeZone: true });

export const TenantNotificationsSchema = z.object({
  language: NotificationLanguageSchema.default("en"),
  /** Base of the pay link put in reminders, e.g. https://pay.example.net/p */
  payLinkBase: z.url().optional(),
});

/** An https URL on a domain name (no IP literal, no user or password in it). */
const HttpsUrlSchema = z
  .url({ protocol: /^https$/, hostname: z.regexes.domain, error: "must be an https:// URL on a domain name" })
  .max(2048, { message: "must be at most 2048 characters" })
  .refine((u) => !/^https:\/\/[^/?#]*@/.test(u), { message: "must not carry a user name or password" })
  .refine((u) => !/[\s"'<>\\]/.test(u), { message: "must not contain spaces, quotes or angle brackets" });

/**
 * How the ISP's invoices look to its subscribers (the HTML invoice page and its PDF). Every field is
 * optional: without any, the tenant's name is the brand.
 */
export const TenantBrandingSchema = z
  .object({
    displayName: NameSchema.optional().meta({ description: "Shown instead of the tenant's name" }),
    logoUrl: HttpsUrlSchema.optional().meta({
      description: "The logo on the invoice page (loaded by the subscriber's browser; not in the PDF)",
    }),
    accentColor: z
      .string()
      .regex(/^#[0-9A-Fa-f]{6}$/, { message: "must be a colour like #1A73E8" })
      .optional(),
    address: text(300).optional(),
    phone: text(40).optional(),
    email: EmailSchema.optional(),
    website: HttpsUrlSchema.optional(),
    invoiceFooter: text(500).optional().meta({ description: "e.g. tax registration, bank details" }),
  })
  .strict()
  .meta({ id: "TenantBranding" });
export type TenantBranding = z.infer<typeof TenantBrandingSchema>;

export const TenantSchema = z
  .object({
    id: TenantIdSchema,
    name: NameSchema,
    timeZone: TimeZoneSchema.meta({ description: "Used for cycle boundaries, quiet hours and message text" }),
    currency: CurrencySchema,
    status: z.enum(["active", "disabled"]),
    lifecycle: TenantLifecycleSchema.optional(),
    notifications: TenantNotificationsSchema.optional(),
    branding: TenantBrandingSchema.optional(),
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
    branding: TenantBrandingSchema.optional(),
  })
  .strict();
export type CreateTenantInput = z.input<typeof CreateTenantSchema>;
