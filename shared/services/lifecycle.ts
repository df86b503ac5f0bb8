import { NotFoundError, VersionConflictError } from "../domain/errors.js";
import {
  billingStartFor,
  commandFor,
  fire,
  type LifecyclePolicy,
  nextAction,
  planDelivery,
  policyForTenant,
  sqsDelaySeconds,
  type Transition,
} from "../domain/lifecycle/index.js";
import type { NextAction } from "../domain/schemas/lifecycle-fields.js";
import type { Package } from "../domain/schemas/package.js";
import type { Tenant } from "../domain/schemas/tenant.js";
import type { TimelineEvent } from "../domain/schemas/timeline.js";
import type { StoredSubscriber } from "../ports/repositories.js";
import type { ScheduledFire } from "../ports/scheduler.js";
import type { ServiceDeps } from "./caller.js";
import { found } from "./idempotent-create.js";
import { commitCycleInvoice, commitLapseWithFee } from "./invoices/cycle.js";
import { sweepInvoiceNotices } from "./invoices/notices.js";
import { sendReminder } from "./notifications.js";
import { reminderPayLink } from "./payments/pay-links.js";
import { timelineEvent } from "./timeline.js";

/** Committing a state change needs the data and where commands and schedules go: all of ServiceDeps. */
export type LifecycleDeps = ServiceDeps;

export interface LifecycleContext {
  readonly tenant: Tenant;
  readonly sub: StoredSubscriber;
  readonly pkg: Package;
  readonly policy: LifecyclePolicy;
}

export async function loadContext(
  deps: ServiceDeps,
  tenantId: string,
  subscriberId: string,
  /** The package the subscriber is believed to be on (from a schedule payload): read in the same request. */
  packageHint?: string,
): Promise<LifecycleContext> {
  const read = await deps.repos.subscribers.getWithContext(tenantId, subscriberId, packageHint);
  const subscriber = found(read.subscriber, `Subscriber ${subscriberId}`);
  const t = found(read.tenant, `Tenant ${tenantId}`);
  // A stale hint (the package changed since the schedule was written) costs one more read.
  const pkg =
    read.pkg?.id === subscriber.packageId
      ? read.pkg
      : found(
          await deps.repos.packages.get(tenantId, subscriber.packageId),
          `Package ${subscriber.packageId}`,
        );
  return { tenant: t, sub: subscriber, pkg, policy: policyFor(t, pkg) };
}

/** The lifecycle policy of a subscriber on `pkg`: the tenant's, with the package's own reminders. */
export function policyFor(tenant: Tenant, pkg: Package): LifecyclePolicy {
  return policyForTenant(tenant, tenant.lifecycle, pkg);
}

/**
 * The stored form of a transition's result: its next due action (the schedule payload and the
 * sweep index) and, in the outbox, the router command it produced. A transition that leaves the
 * router alone keeps an older command that has not been handed over yet.
 */
export function withEffects(
  ctx: LifecycleContext,
  transition: Transition,
  pkgAfter: Package,
  now: Date,
): StoredSubscriber {
  const next = transition.subscriber;
  const command = transition.commands[transition.commands.length - 1] ?? ctx.sub.pendingCommand;
  // The next action is scheduled under the policy of the package the subscriber ends up on.
  const policy = pkgAfter === ctx.pkg ? ctx.policy : policyFor(ctx.tenant, pkgAfter);
  return { ...next, nextAction: nextAction(next, pkgAfter, policy, now), pendingCommand: command };
}

/** Commits a transition (optimistic lock on the version read), then delivers its effects. */
export async function commitTransition(
  deps: LifecycleDeps,
  ctx: LifecycleContext,
  transition: Transition,
  now: Date,
  pkgAfter: Package = ctx.pkg,
): Promise<StoredSubscriber> {
  const next = withEffects(ctx, transition, pkgAfter, now);
  const events: TimelineEvent[] = transition.events.map((e) =>
    timelineEvent({ actor: e.actor }, next.id, e.at, e.type, e.summary, e.data),
  );
  const saved = await deps.repos.subscribers.save(ctx.sub, next, events);
  await deliver(deps, saved, now);
  return saved;
}

/**
 * Hands the outbox command to the site queue so it becomes visible on its notBefore second, then
 * sets the subscriber's one schedule. Both steps are idempotent (commands carry versions, the
 * schedule is an upsert), so the sweep can simply call this again for anything left behind. A
 * failure here is logged, not thrown: the state change is already committed and the sweep retries.
 */
export async function deliver(deps: LifecycleDeps, sub: StoredSubscriber, now: Date): Promise<boolean> {
  const log = deps.logger.child({ tenantId: sub.tenantId, subscriberId: sub.id, version: sub.version });
  const sendCommand = async () => {
    const command = sub.pendingCommand;
    if (!command) return true;
    try {
      // The delay is taken at the moment of sending: time spent committing must not make it late.
      const delaySeconds = sqsDelaySeconds(new Date(command.notBefore), deps.clock.now());
      await deps.queue.send(sub.tenantId, sub.siteId, { body: JSON.stringify(command), delaySeconds });
      await deps.repos.subscribers.clearPendingCommand(sub, command.commandId);
      log.info("command queued", {
        commandId: command.commandId,
        desired: command.desired.state,
        delaySeconds,
      });
      deps.metrics?.count("CommandsSent", 1, { tenantId: sub.tenantId, siteId: sub.siteId });
      return true;
    } catch (error) {
      log.error("command not queued; the sweep will retry", { commandId: command.commandId, error });
      return false;
    }
  };
  const setSchedule = async () => {
    try {
      if (sub.nextAction) {
        const fireAt = planDelivery(new Date(sub.nextAction.at), now).scheduleAt;
        await deps.scheduler.upsert(fireAt, scheduledFire(sub, sub.nextAction));
      } else {
        await deps.scheduler.remove(sub.tenantId, sub.id);
      }
      return true;
    } catch (error) {
      log.error("schedule not set; the sweep will catch the action", { kind: sub.nextAction?.kind, error });
      return false;
    }
  };
  const [sent, scheduled] = await Promise.all([sendCommand(), setSchedule()]);
  return sent && scheduled;
}

export function scheduledFire(sub: StoredSubscriber, action: NextAction): ScheduledFire {
  return {
    tenantId: sub.tenantId,
    subscriberId: sub.id,
    kind: action.kind,
    dueAt: action.at,
    version: sub.version,
    data: action,
    packageId: sub.packageId,
  };
}

export type FireOutcome = "applied" | "stale" | "gone";

/**
 * A scheduler fire: re-read the subscriber, let the lifecycle decide whether the action is still
 * due, commit the result. Stale fires change nothing (the schedule is re-set to the current next
 * action, which covers fires that came too early for an SQS delay).
 */
export async function handleFire(deps: LifecycleDeps, input: ScheduledFire): Promise<FireOutcome> {
  const log = deps.logger.child({
    tenantId: input.tenantId,
    subscriberId: input.subscriberId,
    kind: input.kind,
  });
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = deps.clock.now();
    let ctx: LifecycleContext;
    try {
      ctx = await loadContext(deps, input.tenantId, input.subscriberId, input.packageId);
    } catch (error) {
      if (error instanceof NotFoundError) {
        log.warn("fire for a subscriber that is gone");
        return "gone";
      }
      throw error;
    }
    const action = (input.data as NextAction | undefined) ?? ctx.sub.nextAction;
    if (!action) {
      log.info("stale fire: nothing is due");
      return "stale";
    }
    const result = fire(ctx.sub, ctx.pkg, ctx.policy, action, now);
    if (result.outcome === "stale") {
      log.info("stale fire", { reason: result.reason });
      await deliver(deps, ctx.sub, now);
      return "stale";
    }
    let saved: StoredSubscriber;
    try {
      if (result.invoice) saved = await commitCycleInvoice(deps, ctx, result.transition, result.invoice, now);
      else if (result.lateFee)
        saved = await commitLapseWithFee(deps, ctx, result.transition, result.lateFee, now);
      else saved = await commitTransition(deps, ctx, result.transition, now);
      log.info("fire applied", { version: result.transition.subscriber.version });
    } catch (error) {
      // Someone changed the subscriber meanwhile: decide again on what is stored now.
      if (!(error instanceof VersionConflictError)) throw error;
      continue;
    }
    // The reminder is recorded as sent in the committed state before it goes out: a crash here
    // loses one reminder rather than sending it twice. The outcome goes on the timeline.
    if (result.reminder) {
      await sendReminder(deps, {
        tenant: ctx.tenant,
        subscriber: saved,
        package: ctx.pkg,
        reminder: result.reminder,
        payLink: await reminderPayLink(deps, ctx.tenant, saved),
        language: ctx.tenant.notifications?.language,
      });
    }
    return "applied";
  }
  throw new VersionConflictError(`Subscriber ${input.subscriberId} kept changing during a scheduler fire`);
}

/** What the sweep did, for logs and metrics. */
export interface SweepReport {
  readonly found: number;
  readonly delivered: number;
  readonly fired: number;
  readonly failed: number;
  /** Invoice notices whose writer died before sending them, sent now. */
  readonly invoiceNotices: number;
}

export const SWEEP_OVERDUE_MS = 2 * 60_000;

/**
 * The safety net behind schedules and the outbox: anything due more than two minutes ago (a lost
 * schedule, a crash between commit and send) is processed now; so are invoices whose writer died
 * before numbering or sending them (invoices/notices.ts). Reads the due index, never scans.
 */
export async function sweep(deps: LifecycleDeps, limit = 500): Promise<SweepReport> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - SWEEP_OVERDUE_MS).toISOString();
  const overdue = await deps.repos.subscribers.overdue(cutoff, limit);
  let delivered = 0;
  let fired = 0;
  let failed = 0;
  for (const item of overdue) {
    try {
      const sub = await deps.repos.subscribers.get(item.tenantId, item.subscriberId);
      if (!sub) continue;
      if (sub.pendingCommand && sub.pendingCommand.issuedAt < cutoff) {
        if (await deliver(deps, sub, now)) delivered++;
      }
      if (sub.nextAction && sub.nextAction.at < cutoff) {
        const outcome = await handleFire(deps, scheduledFire(sub, sub.nextAction));
        if (outcome === "applied") fired++;
      }
    } catch (error) {
      failed++;
      deps.logger.error("sweep item failed", {
        tenantId: item.tenantId,
        subscriberId: item.subscriberId,
        error,
      });
    }
  }
  const notices = await sweepInvoiceNotices(deps, limit);
  return {
    found: overdue.length,
    delivered,
    fired,
    failed: failed + notices.failed,
    invoiceNotices: notices.sent,
  };
}

/**
 * The command a brand-new subscriber starts with, where its invoices start from (a postpaid
 * joiner's first invoice prorates from the join), and its first due action.
 */
export function provisioned(
  sub: StoredSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
): StoredSubscriber {
  const moment = { at: now, now };
  const billingStart = billingStartFor(pkg, policy, now);
  const billed: StoredSubscriber = billingStart ? { ...sub, billedThrough: billingStart } : sub;
  return {
    ...billed,
    nextAction: nextAction(billed, pkg, policy, now),
    pendingCommand: commandFor(billed, pkg, policy, "provisioned", moment),
  };
}
