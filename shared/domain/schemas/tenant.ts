import * as z from "zod";
import { idSchema } from "../ids.js";
import { AuditFieldsShape, CurrencySchema, NameSchema, TimeZoneSchema } from "./common.js";

export const TenantIdSchema = idSchema("tenant");

export const TenantSchema = z
  .object({
    id: TenantIdSchema,
    name: NameSchema,
    timeZone: TimeZoneSchema.meta({ description: "Used for cycle boundaries, quiet hours and message text" }),
    currency: CurrencySchema,
    status: z.enum(["active", "disabled"]),
    ...AuditFieldsShape,
  })
  .meta({ id: "Tenant" });
export type Tenant = z.infer<typeof TenantSchema>;

export const CreateTenantSchema = z
  .object({
    name: NameSchema,
    timeZone: TimeZoneSchema.default("Asia/Dhaka"),
    currency: CurrencySchema.default("BDT"),
  })
  .strict();
export type CreateTenantInput = z.input<typeof CreateTenantSchema>;
