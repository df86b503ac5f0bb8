import * as z from "zod";
import { idSchema } from "../ids.js";
import { InstantSchema, NameSchema } from "./common.js";

export const RoleSchema = z.enum(["owner", "admin", "billing", "support", "readonly"]);
export type Role = z.infer<typeof RoleSchema>;

export const ApiKeyIdSchema = idSchema("apiKey");

export const ApiKeySchema = z
  .object({
    id: ApiKeyIdSchema,
    tenantId: idSchema("tenant"),
    name: NameSchema,
    role: RoleSchema,
    createdAt: InstantSchema,
    createdBy: z.string().max(128),
    revokedAt: InstantSchema.optional(),
  })
  .meta({ id: "ApiKey", description: "Key metadata; the secret is shown once, at creation" });
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** A key as clients see it: parsing strips everything not in the schema (hash, version, timestamps). */
export function toPublicApiKey(stored: ApiKey): ApiKey {
  return ApiKeySchema.parse(stored);
}

export const CreateApiKeySchema = z
  .object({ name: NameSchema, role: RoleSchema })
  .strict()
  .meta({ id: "CreateApiKey" });
export type CreateApiKeyInput = z.infer<typeof CreateApiKeySchema>;

export const CreatedApiKeySchema = ApiKeySchema.extend({
  secret: z
    .string()
    .optional()
    .meta({ description: "The bearer token. Returned only by the first successful create" }),
}).meta({ id: "CreatedApiKey" });
