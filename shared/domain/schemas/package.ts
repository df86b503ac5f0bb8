import * as z from "zod";
import { idSchema } from "../ids.js";
import { AuditFieldsShape, MoneySchema, NameSchema, NotesSchema } from "./common.js";

export const PackageIdSchema = idSchema("package");

/** Rates in kbit/s (MikroTik rate limits are rx/tx: upload/download as seen from the client). */
export const SpeedSchema = z
  .object({
    downloadKbps: z.number().int().min(8).max(100_000_000),
    uploadKbps: z.number().int().min(8).max(100_000_000),
  })
  .strict();

export const PrepaidBillingSchema = z
  .object({
    type: z.literal("prepaid"),
    validity: z
      .object({ unit: z.enum(["days", "hours"]), count: z.number().int().min(1).max(3660) })
      .strict()
      .meta({ description: "How long one purchase lasts from activation or renewal" }),
  })
  .strict();

export const PostpaidBillingSchema = z
  .object({
    type: z.literal("postpaid"),
    billingDay: z.number().int().min(1).max(31).meta({ description: "31 falls on the month's last day" }),
    dueDays: z.number().int().min(0).max(60),
  })
  .strict();

export const BillingSchema = z.discriminatedUnion("type", [PrepaidBillingSchema, PostpaidBillingSchema]);

const PackageFieldsShape = {
  name: NameSchema,
  description: NotesSchema.optional(),
  price: MoneySchema,
  speed: SpeedSchema,
  billing: BillingSchema,
  graceDays: z.number().int().min(0).max(60).default(0),
  /** RouterOS PPP profile / hotspot user profile the router applies for this package. */
  routerProfile: z
    .string()
    .regex(/^[A-Za-z0-9 _.@-]{1,64}$/, { message: "must be 1-64 letters, digits, space or _.@-" })
    .optional(),
};

export const PackageSchema = z
  .object({
    id: PackageIdSchema,
    tenantId: idSchema("tenant"),
    ...PackageFieldsShape,
    archived: z.boolean(),
    ...AuditFieldsShape,
  })
  .meta({ id: "Package" });
export type Package = z.infer<typeof PackageSchema>;

export const CreatePackageSchema = z.object(PackageFieldsShape).strict().meta({ id: "CreatePackage" });
export type CreatePackageInput = z.infer<typeof CreatePackageSchema>;

export const UpdatePackageSchema = z
  .object({
    version: AuditFieldsShape.version,
    name: PackageFieldsShape.name.optional(),
    description: PackageFieldsShape.description,
    price: MoneySchema.optional(),
    speed: SpeedSchema.optional(),
    billing: BillingSchema.optional(),
    graceDays: z.number().int().min(0).max(60).optional(),
    routerProfile: PackageFieldsShape.routerProfile,
  })
  .strict()
  .meta({ id: "UpdatePackage" });
export type UpdatePackageInput = z.infer<typeof UpdatePackageSchema>;
