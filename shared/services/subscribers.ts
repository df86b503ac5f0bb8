import { ValidationError } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import { requirePermission } from "../domain/permissions.js";
import {
  type CreateSubscriberInput,
  MONEY_FIELDS,
  type Subscriber,
  type SubscriberListQuery,
  type UpdateSubscriberInput,
} from "../domain/schemas/subscriber.js";
import type { TimelineEvent } from "../domain/schemas/timeline.js";
import type { Page, PageRequest, Patch } from "../ports/repositories.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "./caller.js";
import { type Created, found, idempotentCreate } from "./idempotent-create.js";

const HOUR_MS = 3_600_000;

export async function createSubscriber(
  deps: ServiceDeps,
  caller: Caller,
  input: CreateSubscriberInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Subscriber>> {
  const now = deps.clock.now();
  const pkg = await deps.repos.packages.get(caller.tenantId, input.packageId);
  if (!pkg || pkg.archived) {
    throw new ValidationError("Unknown package", [
      { path: "packageId", message: "no such package, or it is archived" },
    ]);
  }
  let expiresAt = input.expiresAt;
  if (!expiresAt && pkg.billing.type === "prepaid") {
    const { unit, count } = pkg.billing.validity;
    expiresAt = new Date(now.getTime() + count * (unit === "days" ? 24 : 1) * HOUR_MS).toISOString();
  }
  const at = now.toISOString();
  const subscriber: Subscriber = {
    ...input,
    id: newId("subscriber"),
    tenantId: caller.tenantId,
    status: "active",
    expiresAt,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  const event = timelineEvent(
    caller,
    subscriber.id,
    at,
    "subscriber.created",
    `Created on package ${pkg.name}`,
    {
      packageId: pkg.id,
      expiresAt,
    },
  );
  return idempotentCreate(
    deps,
    caller,
    idempotency,
    { type: "subscriber", id: subscriber.id },
    async (claim) => {
      await deps.repos.subscribers.create(subscriber, { ...event, version: 1 }, { idempotency: claim });
      return subscriber;
    },
    (id) => deps.repos.subscribers.get(caller.tenantId, id),
  );
}

export async function getSubscriber(deps: ServiceDeps, caller: Caller, id: string): Promise<Subscriber> {
  return found(await deps.repos.subscribers.get(caller.tenantId, id), `Subscriber ${id}`);
}

export function listSubscribers(
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
  return deps.repos.subscribers.list(caller.tenantId, query, page);
}

export async function updateSubscriber(
  deps: ServiceDeps,
  caller: Caller,
  id: string,
  input: UpdateSubscriberInput,
): Promise<Subscriber> {
  const { version, ...patch } = input;
  const changed = Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined);
  if (changed.some((f) => (MONEY_FIELDS as readonly string[]).includes(f)))
    requirePermission(caller.role, "money:write");
  if (changed.length === 0)
    throw new ValidationError("Nothing to change", [
      { path: "", message: "send at least one field besides version" },
    ]);
  const current = await getSubscriber(deps, caller, id);
  if (current.status === "terminated")
    throw new ValidationError("Subscriber is terminated", [
      { path: "", message: "a terminated subscriber cannot be changed" },
    ]);
  const at = deps.clock.now().toISOString();
  const event = timelineEvent(caller, id, at, "subscriber.updated", `Changed ${changed.join(", ")}`, {
    fields: changed,
    ...pick(patch, ["packageId", "siteId", "nasId", "expiresAt", "username", "service"]),
  });
  return deps.repos.subscribers.update(caller.tenantId, id, patch as Patch<Subscriber>, version, event);
}

/** DELETE terminates: the record and its timeline stay for audit; the router side follows. */
export async function terminateSubscriber(
  deps: ServiceDeps,
  caller: Caller,
  id: string,
): Promise<Subscriber> {
  const current = await getSubscriber(deps, caller, id);
  if (current.status === "terminated") return current;
  const at = deps.clock.now().toISOString();
  const event = timelineEvent(caller, id, at, "subscriber.terminated", "Terminated", {
    previousStatus: current.status,
  });
  return deps.repos.subscribers.update(caller.tenantId, id, { status: "terminated" }, current.version, event);
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

export function timelineEvent(
  caller: Pick<Caller, "actor">,
  subscriberId: string,
  at: string,
  type: string,
  summary: string,
  data?: Record<string, unknown>,
): TimelineEvent {
  return { id: newId("event", Date.parse(at)), subscriberId, at, type, summary, actor: caller.actor, data };
}

function pick<T extends object>(obj: T, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k, v]) => fields.includes(k) && v !== undefined));
}
