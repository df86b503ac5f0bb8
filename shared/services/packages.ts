import type { CreatePackageInput, Package, UpdatePackageInput } from "../domain/schemas/package.js";
import type { Page, PageRequest } from "../ports/repositories.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "./caller.js";
import { type Created, createOnce, found, newRecord } from "./idempotent-create.js";

export function createPackage(
  deps: ServiceDeps,
  caller: Caller,
  input: CreatePackageInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Package>> {
  const pkg: Package = { ...input, ...newRecord("package", caller, deps), archived: false };
  return createOnce(
    deps,
    caller,
    idempotency,
    "package",
    pkg,
    (record, claim) => deps.repos.packages.create(record, { idempotency: claim }),
    (id) => deps.repos.packages.get(caller.tenantId, id),
  );
}

export async function getPackage(deps: ServiceDeps, caller: Caller, id: string): Promise<Package> {
  return found(await deps.repos.packages.get(caller.tenantId, id), `Package ${id}`);
}

export function listPackages(deps: ServiceDeps, caller: Caller, page: PageRequest): Promise<Page<Package>> {
  return deps.repos.packages.list(caller.tenantId, page);
}

export function updatePackage(
  deps: ServiceDeps,
  caller: Caller,
  id: string,
  input: UpdatePackageInput,
): Promise<Package> {
  const { version, ...patch } = input;
  return deps.repos.packages.update(caller.tenantId, id, patch, version, deps.clock.now().toISOString());
}

/**
 * Packages are archived, never deleted: subscribers on it keep their service and history, and an
 * archived package can no longer be given to anyone.
 */
export async function archivePackage(deps: ServiceDeps, caller: Caller, id: string): Promise<Package> {
  const pkg = await getPackage(deps, caller, id);
  if (pkg.archived) return pkg;
  return deps.repos.packages.update(
    caller.tenantId,
    id,
    { archived: true },
    pkg.version,
    deps.clock.now().toISOString(),
  );
}
