import { ConflictError, NotFoundError } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { CreateNasInput, Nas, UpdateNasInput } from "../domain/schemas/nas.js";
import type { CreateSiteInput, Site, UpdateSiteInput } from "../domain/schemas/site.js";
import type { Page, PageRequest } from "../ports/repositories.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "./caller.js";
import { type Created, idempotentCreate } from "./idempotent-create.js";

export async function createSite(
  deps: ServiceDeps,
  caller: Caller,
  input: CreateSiteInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Site>> {
  const now = deps.clock.now().toISOString();
  const site: Site = {
    ...input,
    id: newId("site"),
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
    { type: "site", id: site.id },
    async (claim) => {
      await deps.repos.sites.create(site, { idempotency: claim });
      return site;
    },
    (id) => deps.repos.sites.get(caller.tenantId, id),
  );
}

export async function getSite(deps: ServiceDeps, caller: Caller, id: string): Promise<Site> {
  const site = await deps.repos.sites.get(caller.tenantId, id);
  if (!site) throw new NotFoundError(`Site ${id} not found`);
  return site;
}

export function listSites(deps: ServiceDeps, caller: Caller, page: PageRequest): Promise<Page<Site>> {
  return deps.repos.sites.list(caller.tenantId, page);
}

export function updateSite(
  deps: ServiceDeps,
  caller: Caller,
  id: string,
  input: UpdateSiteInput,
): Promise<Site> {
  const { version, ...patch } = input;
  return deps.repos.sites.update(caller.tenantId, id, patch, version, deps.clock.now().toISOString());
}

/** A site is archived only once nothing depends on it: no NAS entries and no live subscribers. */
export async function archiveSite(deps: ServiceDeps, caller: Caller, id: string): Promise<Site> {
  const site = await getSite(deps, caller, id);
  if (site.archived) return site;
  const nas = await deps.repos.nas.listBySite(caller.tenantId, id, { limit: 1 });
  if (nas.items.length > 0) throw new ConflictError(`Site ${id} still has NAS entries; delete them first`);
  if (await deps.repos.subscribers.anyAtSite(caller.tenantId, id)) {
    throw new ConflictError(`Site ${id} still has subscribers; move or terminate them first`);
  }
  return deps.repos.sites.update(
    caller.tenantId,
    id,
    { archived: true },
    site.version,
    deps.clock.now().toISOString(),
  );
}

export async function createNas(
  deps: ServiceDeps,
  caller: Caller,
  siteId: string,
  input: CreateNasInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Nas>> {
  const now = deps.clock.now().toISOString();
  const nas: Nas = {
    ...input,
    id: newId("nas"),
    tenantId: caller.tenantId,
    siteId,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  return idempotentCreate(
    deps,
    caller,
    idempotency,
    { type: "nas", id: nas.id },
    async (claim) => {
      await deps.repos.nas.create(nas, { idempotency: claim });
      return nas;
    },
    (id) => deps.repos.nas.get(caller.tenantId, siteId, id),
  );
}

export async function getNas(deps: ServiceDeps, caller: Caller, siteId: string, nasId: string): Promise<Nas> {
  const nas = await deps.repos.nas.get(caller.tenantId, siteId, nasId);
  if (!nas) throw new NotFoundError(`NAS ${nasId} not found at site ${siteId}`);
  return nas;
}

export async function listNas(
  deps: ServiceDeps,
  caller: Caller,
  siteId: string,
  page: PageRequest,
): Promise<Page<Nas>> {
  await getSite(deps, caller, siteId);
  return deps.repos.nas.listBySite(caller.tenantId, siteId, page);
}

export function updateNas(
  deps: ServiceDeps,
  caller: Caller,
  siteId: string,
  nasId: string,
  input: UpdateNasInput,
): Promise<Nas> {
  const { version, ...patch } = input;
  return deps.repos.nas.update(
    caller.tenantId,
    siteId,
    nasId,
    patch,
    version,
    deps.clock.now().toISOString(),
  );
}

export async function deleteNas(
  deps: ServiceDeps,
  caller: Caller,
  siteId: string,
  nasId: string,
): Promise<void> {
  await getNas(deps, caller, siteId, nasId);
  if (await deps.repos.subscribers.anyAtSite(caller.tenantId, siteId, nasId)) {
    throw new ConflictError(`NAS ${nasId} still serves subscribers; move them to another NAS first`);
  }
  await deps.repos.nas.delete(caller.tenantId, siteId, nasId);
}
