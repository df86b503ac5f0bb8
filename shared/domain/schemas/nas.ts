import { isIP } from "node:net";
import * as z from "zod";
import { idSchema } from "../ids.js";
import { AuditFieldsShape, NameSchema, NotesSchema } from "./common.js";

export const NasIdSchema = idSchema("nas");

const HOSTNAME_RE =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const NasAddressSchema = z
  .string()
  .max(253)
  .refine((v) => isIP(v) !== 0 || HOSTNAME_RE.test(v), {
    message: "must be an IPv4/IPv6 address or a host name",
  });

/**
 * A NAS as the cloud knows it: where it is and how the agent talks to it. Secrets (RADIUS shared
 * secret, API password) live only in the edge agent's config file, so this schema has no field for
 * them and, being strict, rejects any request that tries to send one.
 */
const NasFieldsShape = {
  name: NameSchema,
  address: NasAddressSchema,
  type: z.literal("mikrotik").default("mikrotik"),
  method: z
    .enum(["radius", "api", "rest"])
    .meta({ description: "How the edge agent enforces state on this NAS" }),
  services: z
    .array(z.enum(["pppoe", "hotspot"]))
    .min(1)
    .max(2)
    .default(["pppoe"]),
  description: NotesSchema.optional(),
};

export const NasSchema = z
  .object({
    id: NasIdSchema,
    tenantId: idSchema("tenant"),
    siteId: idSchema("site"),
    ...NasFieldsShape,
    ...AuditFieldsShape,
  })
  .meta({ id: "Nas" });
export type Nas = z.infer<typeof NasSchema>;

export const CreateNasSchema = z.object(NasFieldsShape).strict().meta({ id: "CreateNas" });
export type CreateNasInput = z.infer<typeof CreateNasSchema>;

export const UpdateNasSchema = z
  .object({
    version: AuditFieldsShape.version,
    name: NameSchema.optional(),
    address: NasAddressSchema.optional(),
    method: NasFieldsShape.method.optional(),
    services: z
      .array(z.enum(["pppoe", "hotspot"]))
      .min(1)
      .max(2)
      .optional(),
    description: NotesSchema.optional(),
  })
  .strict()
  .meta({ id: "UpdateNas" });
export type UpdateNasInput = z.infer<typeof UpdateNasSchema>;
