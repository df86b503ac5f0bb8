import { applyLateFee } from "../../domain/billing/invoice.js";
import type { CycleInvoice, LateFeeDue, Transition } from "../../domain/lifecycle/index.js";
import { SCHEDULER_ACTOR } from "../../domain/lifecycle/index.js";
import type { StoredSubscriber } from "../../ports/repositories.js";
import type { ServiceDeps } from "../caller.js";
import { commitTransition, deliver, type LifecycleContext, withEffects } from "../lifecycle.js";
import { timelineEvent } from "../timeline.js";
import { commitWithInvoice } from "./commit.js";
import { lateFeeEvent } from "./events.js";
import { sendInvoiceOnce } from "./notices.js";

/**
 * A fired `invoice` action: the cycle's invoice with the subscriber's next version in one
 * transaction, then the invoice goes out. The same cycle fired twice makes one invoice: the second
 * fire is stale (the chain moved on), or loses the race on the period key. A period some other
 * invoice already holds (a migration bill made on demand) is left to it: the chain moves on.
 */
export async function commitCycleInvoice(
  deps: ServiceDeps,
  ctx: LifecycleContext,
  transition: Transition,
  cycle: CycleInvoice,
  now: Date,
): Promise<StoredSubscriber> {
  if (!cycle.invoice) return commitTransition(deps, ctx, transition, now);
  const { subscriber, creation } = await commitWithInvoice(deps, ctx, transition, cycle.invoice, now, {
    actor: SCHEDULER_ACTOR,
    notify: true,
  });
  if (creation.created) {
    await sendInvoiceOnce(deps, { tenant: ctx.tenant, subscriber, pkg: ctx.pkg, invoice: creation.invoice });
    return subscriber;
  }
  // Nothing was written. If a concurrent fire billed it, the subscriber's version moved and this
  // save fails as a version conflict (the fire is then decided again, and found stale).
  // No wallet taken, no renewal: only the chain moves past the period.
  const moved: Transition = {
    subscriber: {
      ...ctx.sub,
      billedThrough: cycle.period.end.toISOString(),
      version: ctx.sub.version + 1,
      updatedAt: now.toISOString(),
    },
    events: [
      {
        at: now.toISOString(),
        type: "invoice.exists",
        summary: `Cycle from ${cycle.period.start.toISOString()} already has invoice ${creation.invoice.number}`,
        actor: SCHEDULER_ACTOR,
        data: { invoiceId: creation.invoice.id, periodStart: cycle.period.start.toISOString() },
      },
    ],
    commands: [],
  };
  return commitTransition(deps, ctx, moved, now);
}

/**
 * A lapse that suspends for non-payment, with the late fee on the invoice that went unpaid: the
 * fee and the suspension commit together, on condition neither the invoice nor the subscriber
 * changed since they were read, and a fee is never added to an invoice that already has one. So a
 * double fire adds it once. No such invoice (never issued, paid, void): just the lapse.
 */
export async function commitLapseWithFee(
  deps: ServiceDeps,
  ctx: LifecycleContext,
  transition: Transition,
  fee: LateFeeDue,
  now: Date,
): Promise<StoredSubscriber> {
  const invoice = await deps.repos.invoices.getForPeriod(ctx.sub.tenantId, ctx.sub.id, fee.periodStart);
  const charged = invoice ? applyLateFee(invoice, fee.rule, new Date(fee.at)) : undefined;
  if (!invoice || !charged || charged.added === 0) return commitTransition(deps, ctx, transition, now);
  const next = withEffects(ctx, transition, ctx.pkg, now);
  await deps.repos.invoices.updateWithSubscriber(invoice, charged.invoice, {
    current: ctx.sub,
    next,
    events: (stored) => [
      ...transition.events.map((e) =>
        timelineEvent({ actor: e.actor }, next.id, e.at, e.type, e.summary, e.data),
      ),
      lateFeeEvent(SCHEDULER_ACTOR, stored, charged.added, fee.at),
    ],
  });
  deps.logger.info("late fee added", {
    tenantId: invoice.tenantId,
    subscriberId: invoice.subscriberId,
    invoiceId: invoice.id,
    fee: charged.added,
  });
  await deliver(deps, next, now);
  return next;
}
