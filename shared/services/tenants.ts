import { newId } from "../domain/ids.js";
import { type CreateTenantInput, CreateTenantSchema, type Tenant } from "../domain/schemas/tenant.js";
import { mintApiKey } from "./api-keys.js";
import type { ServiceDeps } from "./caller.js";

/**
 * Onboards an ISP: the tenant record and its first owner key. Run by the platform operator (CLI or
 * the local seed), never through the tenant-scoped API.
 */
export async function createTenant(
  deps: Pick<ServiceDeps, "repos" | "clock">,
  input: CreateTenantInput,
): Promise<{ tenant: Tenant; ownerToken: string }> {
  const parsed = CreateTenantSchema.parse(input);
  const now = deps.clock.now().toISOString();
  const tenant: Tenant = {
    ...parsed,
    id: newId("tenant"),
    status: "active",
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await deps.repos.tenants.create(tenant);
  const { stored, token } = mintApiKey(tenant.id, "Owner (bootstrap)", "owner", "platform", now);
  await deps.repos.apiKeys.create(stored);
  return { tenant, ownerToken: token };
}
