import { NotFoundError } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { CreatePackageInput, Package, UpdatePackageInput } from "../domain/schemas/package.js";
import type { Page, PageRequest } from "../ports/repositories.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "./caller.js";
import { type Created, idempotentCreate } from "./idempotent-create.js";

export async function createPackage(
  deps: ServiceDeps,
  caller: Caller,
  input: CreatePackageInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Package>> {
  const now = deps.clock.now().toISOString();
  const pkg: Package = {
    ...input,
    id: newId("package"),
    tenantId: caller.tenantId,
    archived: false,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  return idempotentCreate(
    deps,
    caller,
    idempotency,
    { type: "package", id: pkg.id },
    async (claim) => {
      await deps.repos.packages.create(pkg, { idempotency: claim });
      return pkg;
    },
    (id) => deps.repos.packages.get(caller.tenantId, id),
  );
}

export async function getPackage(deps: ServiceDeps, caller: Caller, id: string): Promise<Package> {
  const pkg = await deps.repos.packages.get(caller.tenantId, id);
  if (!pkg) throw new NotFoundError(`Package ${id} not found`);
  return pkg;
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
