import type { Transition } from "../../domain/lifecycle/index.js";
import type { NewInvoice } from "../../domain/schemas/invoice.js";
import type { Package } from "../../domain/schemas/package.js";
import type { Actor } from "../../domain/schemas/timeline.js";
import type { InvoiceCreation } from "../../ports/invoices.js";
import type { IdempotencyClaim, StoredSubscriber } from "../../ports/repositories.js";
import type { ServiceDeps } from "../caller.js";
import { deliver, type LifecycleContext, withEffects } from "../lifecycle.js";
import { timelineEvent } from "../timeline.js";

export interface InvoiceCommit {
  /** The subscriber as stored after the write (unchanged when nothing was written). */
  readonly subscriber: StoredSubscriber;
  readonly creation: InvoiceCreation;
}

export interface InvoiceCommitOptions {
  readonly actor: Actor;
  /** The package after the transition, when it changes it. */
  readonly pkgAfter?: Package;
  /** Said on the timeline next to the invoice. */
  readonly note?: string | undefined;
  readonly idempotency?: IdempotencyClaim | undefined;
  /** The invoice is to be sent (notices.ts): recorded in its write, so it is sent even if this process dies. */
  readonly notify?: boolean | undefined;
}

/**
 * Commits a transition together with a new invoice in one transaction (numbered there, so a
 * number is never taken without its invoice nor its invoice without the subscriber's side: the
 * wallet it took, the chain moved on, the renewal it paid for), then hands over the transition's
 * effects like `commitTransition`. When the subscriber already has an invoice for the period,
 * nothing is written and that one is returned (`created: false`).
 */
export async function commitWithInvoice(
  deps: ServiceDeps,
  ctx: LifecycleContext,
  transition: Transition,
  invoice: NewInvoice,
  now: Date,
  options: InvoiceCommitOptions,
): Promise<InvoiceCommit> {
  const next = withEffects(ctx, transition, options.pkgAfter ?? ctx.pkg, now);
  const creation = await deps.repos.invoices.createWithSubscriber(
    invoice,
    {
      current: ctx.sub,
      next,
      events: transition.events.map((e) =>
        timelineEvent({ actor: e.actor }, next.id, e.at, e.type, e.summary, e.data),
      ),
      createdBy: { actor: options.actor, timeZone: ctx.policy.timeZone, note: options.note },
    },
    { idempotency: options.idempotency, notify: options.notify },
  );
  if (!creation.created) return { subscriber: ctx.sub, creation };
  deps.logger.info("invoice created", {
    tenantId: invoice.tenantId,
    subscriberId: invoice.subscriberId,
    invoiceId: creation.invoice.id,
    number: creation.invoice.number,
  });
  await deliver(deps, next, now);
  return { subscriber: next, creation };
}
