import * as z from "zod";
import { idSchema } from "../ids.js";
import {
  AuditFieldsShape,
  EmailSchema,
  InstantSchema,
  NameSchema,
  NotesSchema,
  PhoneSchema,
  text,
} from "./common.js";
import { LifecycleFieldsShape, NextActionSchema } from "./lifecycle-fields.js";

export const SubscriberIdSchema = idSchema("subscriber");

export const SubscriberStatusSchema = z.enum([
  "active",
  "grace",
  "suspended",
  "expired",
  "paused",
  "terminated",
]);
export type SubscriberStatus = z.infer<typeof SubscriberStatusSchema>;

export const ServiceSchema = z.enum(["pppoe", "hotspot"]);

/** PPPoE / hotspot login as configured on the router. */
export const UsernameSchema = z
  .string()
  .regex(/^[A-Za-z0-9._@-]{1,64}$/, { message: "must be 1-64 letters, digits or ._@-" });

const ContactShape = {
  name: NameSchema,
  phone: PhoneSchema,
  email: EmailSchema.optional(),
  address: text(300).optional(),
  notes: NotesSchema.optional(),
};

export const SubscriberSchema = z
  .object({
    id: SubscriberIdSchema,
    tenantId: idSchema("tenant"),
    ...ContactShape,
    username: UsernameSchema,
    service: ServiceSchema,
    packageId: idSchema("package"),
    siteId: idSchema("site"),
    nasId: idSchema("nas").optional(),
    status: SubscriberStatusSchema,
    expiresAt: InstantSchema.optional().meta({ description: "When the paid entitlement ends (UTC)" }),
    ...LifecycleFieldsShape,
    nextAction: NextActionSchema.optional(),
    walletBalance: z.number().int().min(0).optional().meta({
      description: "Prepaid credit in the tenant's currency (minor units): overpayments and partial payments",
    }),
    ...AuditFieldsShape,
  })
  .meta({ id: "Subscriber" });
export type Subscriber = z.infer<typeof SubscriberSchema>;

export const CreateSubscriberSchema = z
  .object({
    ...ContactShape,
    username: UsernameSchema,
    service: ServiceSchema.default("pppoe"),
    packageId: idSchema("package"),
    siteId: idSchema("site"),
    nasId: idSchema("nas").optional(),
    expiresAt: InstantSchema.optional().meta({
      description: "Defaults to now plus the package validity for prepaid packages",
    }),
  })
  .strict()
  .meta({ id: "CreateSubscriber" });
export type CreateSubscriberInput = z.infer<typeof CreateSubscriberSchema>;

export const UpdateSubscriberSchema = z
  .object({
    version: AuditFieldsShape.version,
    name: NameSchema.optional(),
    phone: PhoneSchema.optional(),
    email: EmailSchema.nullable().optional(),
    address: text(300).nullable().optional(),
    notes: NotesSchema.nullable().optional(),
    username: UsernameSchema.optional(),
    service: ServiceSchema.optional(),
    packageId: idSchema("package").optional(),
    siteId: idSchema("site").optional(),
    nasId: idSchema("nas").nullable().optional(),
    expiresAt: InstantSchema.optional(),
  })
  .strict()
  .meta({
    id: "UpdateSubscriber",
    description: "Send only the fields to change; null clears an optional field",
  });
export type UpdateSubscriberInput = z.infer<typeof UpdateSubscriberSchema>;

/** Fields whose change alters what the subscriber pays for or receives: money roles only. */
export const MONEY_FIELDS = [
  "packageId",
  "expiresAt",
] as const satisfies readonly (keyof UpdateSubscriberInput)[];

export const SubscriberListQuerySchema = z
  .object({
    status: SubscriberStatusSchema.optional(),
    packageId: idSchema("package").optional(),
    siteId: idSchema("site").optional(),
    expiresAfter: InstantSchema.optional(),
    expiresBefore: InstantSchema.optional(),
    q: z
      .string()
      .trim()
      .min(2)
      .max(64)
      .optional()
      .meta({ description: "Case-insensitive match on name, phone or username" }),
  })
  .strict();
export type SubscriberListQuery = z.infer<typeof SubscriberListQuerySchema>;
