import { ConflictError } from "../domain/errors.js";
import type { CreateNasInput, Nas, UpdateNasInput } from "../domain/schemas/nas.js";
import type { CreateSiteInput, Site, SiteWithHealth, UpdateSiteInput } from "../domain/schemas/site.js";
import { SILENT_AFTER_MS } from "../domain/schemas/site-health.js";
import type { Page, PageRequest } from "../ports/repositories.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "./caller.js";
import { type Created, createOnce, found, newRecord } from "./idempotent-create.js";

export async function createSite(
  deps: ServiceDeps,
  caller: Caller,
  input: CreateSiteInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Site>> {
  const site: Site = { ...input, ...newRecord("site", caller, deps), archived: false };
  const created = await createOnce(
    deps,
    caller,
    idempotency,
    "site",
    site,
    (record, claim) => deps.repos.sites.create(record, { idempotency: claim }),
    (id) => deps.repos.sites.get(caller.tenantId, id),
  );
  // The agent polls its queue from the moment it is installed, before any command exists. A
  // failure here is not fatal: the queue is also created on the first send.
  await deps.queue.provision(caller.tenantId, created.resource.id).catch((error: unknown) => {
    deps.logger.error("site queue not provisioned", {
      tenantId: caller.tenantId,
      siteId: created.resource.id,
      error,
    });
  });
  return created;
}

export async function getSite(deps: ServiceDeps, caller: Caller, id: string): Promise<Site> {
  return found(await deps.repos.sites.get(caller.tenantId, id), `Site ${id}`);
}

/** The site with what its agent last reported: health (silent after 5 minutes) and drift per NAS. */
export async function getSiteWithHealth(
  deps: ServiceDeps,
  caller: Caller,
  id: string,
): Promise<SiteWithHealth> {
  const [site, health] = await Promise.all([
    getSite(deps, caller, id),
    deps.repos.sites.getHealth(caller.tenantId, id),
  ]);
  const agent = health?.agent;
  const silent =
    agent &&
    agent.status === "online" &&
    deps.clock.now().getTime() - Date.parse(agent.lastHeartbeatAt) > SILENT_AFTER_MS;
  return {
    ...site,
    ...(agent ? { agent: silent ? { ...agent, status: "silent" } : agent } : {}),
    ...(health?.drift ? { drift: health.drift } : {}),
  };
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

export function createNas(
  deps: ServiceDeps,
  caller: Caller,
  siteId: string,
  input: CreateNasInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Nas>> {
  const nas: Nas = { ...input, ...newRecord("nas", caller, deps), siteId };
  return createOnce(
    deps,
    caller,
    idempotency,
    "nas",
    nas,
    (record, claim) => deps.repos.nas.create(record, { idempotency: claim }),
    (id) => deps.repos.nas.get(caller.tenantId, siteId, id),
  );
}

export async function getNas(deps: ServiceDeps, caller: Caller, siteId: string, nasId: string): Promise<Nas> {
  return found(await deps.repos.nas.get(caller.tenantId, siteId, nasId), `NAS ${nasId} at site ${siteId}`);
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
