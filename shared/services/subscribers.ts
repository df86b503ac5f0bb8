import { ValidationError } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import { firstDueInstant, validityMs } from "../domain/lifecycle/index.js";
import type { Package } from "../domain/schemas/package.js";
import type { CreateSubscriberInput, Subscriber, SubscriberListQuery } from "../domain/schemas/subscriber.js";
import type { TimelineEvent } from "../domain/schemas/timeline.js";
import type { Page, PageRequest, StoredSubscriber } from "../ports/repositories.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "./caller.js";
import { type Created, found, idempotentCreate } from "./idempotent-create.js";
import { deliver, policyFor, provisioned } from "./lifecycle.js";
import { timelineEvent } from "./timeline.js";

/**
 * A new subscriber starts active with its first router command (provisioning) in the outbox and
 * its first due action scheduled. Prepaid expiry defaults to now + the package validity; postpaid
 * to the due instant of its first bill in the tenant's time zone (the next billing day, or today
 * for a bill every N days).
 */
export async function createSubscriber(
  deps: ServiceDeps,
  caller: Caller,
  input: CreateSubscriberInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Subscriber>> {
  const now = deps.clock.now();
  const [pkg, tenant] = await Promise.all([
    deps.repos.packages.get(caller.tenantId, input.packageId),
    deps.repos.tenants.get(caller.tenantId),
  ]);
  if (!pkg || pkg.archived) {
    throw new ValidationError("Unknown package", [
      { path: "packageId", message: "no such package, or it is archived" },
    ]);
  }
  const policy = policyFor(found(tenant, `Tenant ${caller.tenantId}`), pkg);
  const at = now.toISOString();
  const subscriber: StoredSubscriber = provisioned(
    {
      ...input,
      id: newId("subscriber", now.getTime()),
      tenantId: caller.tenantId,
      status: "active",
      expiresAt: input.expiresAt ?? defaultExpiry(pkg, policy.timeZone, now),
      createdAt: at,
      updatedAt: at,
      version: 1,
    },
    pkg,
    policy,
    now,
  );
  const event = timelineEvent(
    caller,
    subscriber.id,
    at,
    "subscriber.created",
    `Created on package ${pkg.name}`,
    {
      packageId: pkg.id,
      expiresAt: subscriber.expiresAt,
    },
  );
  const result = await idempotentCreate<StoredSubscriber>(
    deps,
    caller,
    idempotency,
    { type: "subscriber", id: subscriber.id },
    async (claim) => {
      await deps.repos.subscribers.create(subscriber, [event], { idempotency: claim });
      return subscriber;
    },
    (id) => deps.repos.subscribers.get(caller.tenantId, id),
  );
  if (!result.replayed) await deliver(deps, result.resource, now);
  return { resource: publicSubscriber(result.resource), replayed: result.replayed };
}

function defaultExpiry(pkg: Package, timeZone: string, now: Date): string {
  if (pkg.billing.type === "prepaid") return new Date(now.getTime() + validityMs(pkg)).toISOString();
  return firstDueInstant(pkg.billing, timeZone, now).toISOString();
}

export async function getSubscriber(deps: ServiceDeps, caller: Caller, id: string): Promise<Subscriber> {
  return publicSubscriber(found(await deps.repos.subscribers.get(caller.tenantId, id), `Subscriber ${id}`));
}

export async function listSubscribers(
  deps: ServiceDeps,
  caller: Caller,
  query: SubscriberListQuery,
  page: PageRequest,
) {
  if (query.expiresAfter && query.expiresBefore && query.expiresAfter > query.expiresBefore) {
    throw new ValidationError("Empty expiry range", [
      { path: "expiresAfter", message: "must not be after expiresBefore" },
    ]);
  }
  const out = await deps.repos.subscribers.list(caller.tenantId, query, page);
  return { items: out.items.map(publicSubscriber), nextCursor: out.nextCursor };
}

export async function subscriberTimeline(
  deps: ServiceDeps,
  caller: Caller,
  id: string,
  page: PageRequest,
): Promise<Page<TimelineEvent>> {
  await getSubscriber(deps, caller, id);
  return deps.repos.subscribers.timeline(caller.tenantId, id, page);
}

/** What clients see: the outbox is internal. */
export function publicSubscriber(sub: StoredSubscriber): Subscriber {
  const { pendingCommand: _outbox, ...rest } = sub;
  return rest;
}
