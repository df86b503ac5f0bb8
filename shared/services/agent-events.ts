import {
  type AgentEvent,
  AgentEventSchema,
  type HeartbeatEvent,
  type ResultEvent,
  type SessionsEvent,
} from "../../edge-agent/events.js";
import { ConflictError, NotFoundError } from "../domain/errors.js";
import { deterministicId } from "../domain/ids.js";
import { commandFor } from "../domain/lifecycle/index.js";
import type { DriftItem } from "../domain/schemas/site-health.js";
import type { SubscriberStatus } from "../domain/schemas/subscriber.js";
import type { TimelineEvent } from "../domain/schemas/timeline.js";
import { COMMAND_OUTCOME_METRIC } from "../ports/metrics.js";
import type { StoredSubscriber } from "../ports/repositories.js";
import type { ServiceDeps } from "./caller.js";
import { loadContext } from "./lifecycle.js";

/** Statuses whose subscribers must have no live session. */
const MUST_BE_OFFLINE: readonly SubscriberStatus[] = ["suspended", "expired", "paused", "terminated"];

export class MalformedAgentEvent extends Error {
  constructor(readonly paths: string[]) {
    super(`Malformed agent event at ${paths.join(", ") || "(root)"}`);
    this.name = "MalformedAgentEvent";
  }
}

export function parseAgentEvent(body: string): AgentEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedAgentEvent(["body"]);
  }
  const parsed = AgentEventSchema.safeParse(json);
  if (!parsed.success) throw new MalformedAgentEvent(parsed.error.issues.map((i) => i.path.join(".")));
  return parsed.data;
}

/**
 * One message from the shared agent-events queue: command results go on the subscriber's timeline,
 * heartbeats become the site's agent health, session reports are checked for drift and corrected.
 * Every effect is idempotent, because the queue may deliver a message twice.
 */
export async function processAgentEvent(deps: ServiceDeps, event: AgentEvent): Promise<void> {
  switch (event.type) {
    case "result":
      return recordResult(deps, event);
    case "heartbeat":
      return recordHeartbeat(deps, event);
    case "sessions":
      return checkDrift(deps, event);
    case "rejected":
      deps.logger.warn("agent rejected a command message", {
        tenantId: event.tenantId,
        siteId: event.siteId,
        reason: event.reason,
      });
      return;
  }
}

/** An agent may only speak for subscribers of its own site. */
async function subscriberAtSite(deps: ServiceDeps, tenantId: string, siteId: string, subscriberId: string) {
  const sub = await deps.repos.subscribers.get(tenantId, subscriberId);
  if (!sub || sub.siteId !== siteId) {
    deps.logger.warn("agent event for a subscriber not at its site", { tenantId, siteId, subscriberId });
    return undefined;
  }
  return sub;
}

/** Appends to the timeline of a subscriber just read (subscriberAtSite), so without the existence check. */
async function append(deps: ServiceDeps, tenantId: string, subscriberId: string, event: TimelineEvent) {
  try {
    await deps.repos.subscribers.appendEvents(tenantId, subscriberId, [event], { knownToExist: true });
  } catch (error) {
    // A redelivered message: its event (same deterministic id) is already there.
    if (error instanceof ConflictError || error instanceof NotFoundError) return;
    throw error;
  }
}

const OUTCOME_TEXT = {
  verified: "Router verified",
  applied: "Router applied (no read-back)",
  failed: "Router did not apply",
  skipped_stale: "Agent skipped an older command",
} as const;

async function recordResult(deps: ServiceDeps, e: ResultEvent): Promise<void> {
  const { result } = e;
  if (result.outcome === "failed" && !e.final) return; // the queue delivers it again
  if (!(await subscriberAtSite(deps, e.tenantId, e.siteId, result.subscriberId))) return;
  const at = Date.parse(result.at);
  await append(deps, e.tenantId, result.subscriberId, {
    id: deterministicId("event", at, `${result.commandId}:${result.outcome}:${e.attempt}`),
    subscriberId: result.subscriberId,
    at: result.at,
    type: `command.${result.outcome}`,
    summary: `${OUTCOME_TEXT[result.outcome]} version ${result.version}${result.reason ? `: ${result.reason}` : ""}`,
    actor: { kind: "agent", id: e.siteId },
    data: {
      commandId: result.commandId,
      version: result.version,
      attempt: e.attempt,
      ...(e.nasId ? { nasId: e.nasId } : {}),
      ...(result.observed ? { observed: result.observed } : {}),
    },
  });
  deps.metrics?.count(COMMAND_OUTCOME_METRIC[result.outcome], 1, { tenantId: e.tenantId, siteId: e.siteId });
}

async function recordHeartbeat(deps: ServiceDeps, e: HeartbeatEvent): Promise<void> {
  if (!(await deps.repos.sites.get(e.tenantId, e.siteId))) return;
  await deps.repos.sites.putAgentHealth(e.tenantId, e.siteId, {
    status: e.state === "stopping" ? "stopped" : "online",
    lastHeartbeatAt: e.at,
    agentVersion: e.agentVersion,
    startedAt: e.startedAt,
    inFlight: e.inFlight,
    queueLagSeconds: e.queueLagSeconds,
    commands: e.commands,
    nas: e.nas,
  });
}

/**
 * Reconciliation: anyone the router lists online who must be offline gets the current desired
 * state sent again (reason "reconcile", same version, which the agent re-applies). Each snapshot
 * part is checked on its own, so a large router's report needs no reassembly.
 */
async function checkDrift(deps: ServiceDeps, e: SessionsEvent): Promise<void> {
  if (!(await deps.repos.sites.get(e.tenantId, e.siteId))) return;
  const online = new Set(e.sessions.map((s) => `${s.service}:${s.username.toLowerCase()}`));
  const now = deps.clock.now();
  const items: DriftItem[] = [];
  for (const status of MUST_BE_OFFLINE) {
    let cursor: string | undefined;
    do {
      const page = await deps.repos.subscribers.list(
        e.tenantId,
        { status, siteId: e.siteId },
        { limit: 100, cursor },
      );
      for (const sub of page.items as StoredSubscriber[]) {
        if (sub.nasId && sub.nasId !== e.nasId) continue;
        if (!online.has(`${sub.service}:${sub.username.toLowerCase()}`)) continue;
        items.push(await correct(deps, e, sub, now));
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  await deps.repos.sites.putDrift(e.tenantId, e.siteId, {
    checkedAt: now.toISOString(),
    nasId: e.nasId,
    sessions: e.total,
    items,
  });
  if (items.length > 0)
    deps.logger.warn("drift corrected", {
      tenantId: e.tenantId,
      siteId: e.siteId,
      nasId: e.nasId,
      count: items.length,
    });
}

async function correct(
  deps: ServiceDeps,
  e: SessionsEvent,
  sub: StoredSubscriber,
  now: Date,
): Promise<DriftItem> {
  const ctx = await loadContext(deps, sub.tenantId, sub.id);
  const command = {
    ...commandFor(ctx.sub, ctx.pkg, ctx.policy, "reconcile", { at: now, now }),
    nasId: e.nasId,
  };
  await deps.queue.send(sub.tenantId, sub.siteId, { body: JSON.stringify(command), delaySeconds: 0 });
  await append(deps, sub.tenantId, sub.id, {
    id: deterministicId("event", now.getTime(), `drift:${e.snapshotId}:${sub.id}`),
    subscriberId: sub.id,
    at: now.toISOString(),
    type: "drift.detected",
    summary: `Online on ${e.nasId} while ${ctx.sub.status}: state sent again`,
    actor: { kind: "system", id: "reconcile" },
    data: { nasId: e.nasId, snapshotId: e.snapshotId, commandId: command.commandId },
  });
  return {
    subscriberId: sub.id,
    username: sub.username,
    status: ctx.sub.status,
    nasId: e.nasId,
    detectedAt: now.toISOString(),
    correction: "command_resent",
    commandId: command.commandId,
  };
}
