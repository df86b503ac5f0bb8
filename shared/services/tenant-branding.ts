import type * as z from "zod";
import { NotFoundError } from "../domain/errors.js";
import { type TenantBranding, TenantBrandingSchema, TenantSchema } from "../domain/schemas/tenant.js";
import type { Caller, ServiceDeps } from "./caller.js";

/** What `GET /v1/tenant` shows of the caller's own tenant. */
export const TenantProfileSchema = TenantSchema.pick({
  id: true,
  name: true,
  timeZone: true,
  currency: true,
  status: true,
  branding: true,
  updatedAt: true,
  version: true,
}).meta({ id: "TenantProfile" });
export type TenantProfile = z.infer<typeof TenantProfileSchema>;

export const PutBrandingSchema = TenantBrandingSchema;

function profile(t: z.infer<typeof TenantSchema>): TenantProfile {
  return {
    id: t.id,
    name: t.name,
    timeZone: t.timeZone,
    currency: t.currency,
    status: t.status,
    ...(t.branding ? { branding: t.branding } : {}),
    updatedAt: t.updatedAt,
    version: t.version,
  };
}

export async function getTenantProfile(deps: ServiceDeps, caller: Caller): Promise<TenantProfile> {
  const tenant = await deps.repos.tenants.get(caller.tenantId);
  if (!tenant) throw new NotFoundError("Tenant not found");
  return profile(tenant);
}

/** Replaces the branding as a whole; an empty object removes it. */
export async function putBranding(
  deps: ServiceDeps,
  caller: Caller,
  branding: TenantBranding,
): Promise<TenantProfile> {
  const value = Object.keys(branding).length > 0 ? branding : undefined;
  const tenant = await deps.repos.tenantSettings.putBranding(
    caller.tenantId,
    value,
    deps.clock.now().toISOString(),
  );
  return profile(tenant);
}
