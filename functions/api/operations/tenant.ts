import { defineOperation } from "../../../shared/http/operation.js";
import {
  getTenantProfile,
  PutBrandingSchema,
  putBranding,
  TenantProfileSchema,
} from "../../../shared/services/tenant-branding.js";
import { ok } from "./respond.js";

/** The caller's own tenant: its profile, and the branding of its invoices. */
export const tenantOperations = [
  defineOperation({
    id: "getTenant",
    method: "GET",
    path: "/v1/tenant",
    summary: "The ISP's own profile: name, time zone, currency and invoice branding",
    tag: "Tenant",
    permission: "read",
    response: { status: 200, schema: TenantProfileSchema },
    handle: async ({ deps, caller }) => ok(await getTenantProfile(deps, caller)),
  }),
  defineOperation({
    id: "putTenantBranding",
    method: "PUT",
    path: "/v1/tenant/branding",
    summary: "Set the invoices' branding (logo and website as https URLs); {} removes it",
    tag: "Tenant",
    permission: "money:write",
    body: PutBrandingSchema,
    response: { status: 200, schema: TenantProfileSchema },
    handle: async ({ deps, caller, body }) => ok(await putBranding(deps, caller, body)),
  }),
];
