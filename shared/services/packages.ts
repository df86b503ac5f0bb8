import { ValidationError } from "../domain/errors.js";
import {
  type CreatePackageInput,
  type Package,
  packageIssues,
  type UpdatePackageInput,
} from "../domain/schemas/package.js";
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

/**
 * PATCH. Rules that tie fields together (a data cap's throttled rate within the speed) are checked
 * on the package as it will be, the stored fields merged with the patch; the version makes the
 * write fail if the package changed after that read.
 */
export async function updatePackage(
  deps: ServiceDeps,
  caller: Caller,
  id: string,
  input: UpdatePackageInput,
): Promise<Package> {
  const { version, ...patch } = input;
  if (patch.speed !== undefined || patch.dataCap !== undefined) {
    const current = await getPackage(deps, caller, id);
    const issues = packageIssues({
      speed: patch.speed ?? current.speed,
      dataCap: patch.dataCap === undefined ? current.dataCap : patch.dataCap,
    });
    if (issues.length > 0) throw new ValidationError("Invalid package", issues);
  }
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
