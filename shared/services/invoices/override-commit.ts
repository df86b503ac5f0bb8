import { VersionConflictError } from "../../domain/errors.js";
import { IdempotencyKeyClaimed } from "../../domain/idempotency.js";
import { renew, type Transition } from "../../domain/lifecycle/index.js";
import type { Invoice, InvoiceOverride } from "../../domain/schemas/invoice.js";
import type { TimelineEvent } from "../../domain/schemas/timeline.js";
import type { InvoiceUpdate } from "../../ports/invoices.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "../caller.js";
import { type Created, found, idempotentCreate } from "../idempotent-create.js";
import { deliver, type LifecycleContext, loadContext, withEffects } from "../lifecycle.js";
import { timelineEvent } from "../timeline.js";

/*
 * The admin overrides of one invoice (void, adjustment or discount, mark paid, credit note). Each
 * is checked against the invoice version the caller read (409 when stale), decided by the pure
 * rules in domain/billing/overrides.ts, and committed in ONE transaction with the subscriber's
 * side: its timeline event (actor and reason), wallet credit for a credit note (paying the
 * subscriber's other unpaid invoices at once: wallet-credit.ts), and a renewal when the override
 * (or that credit) settles the bill the entitlement waits on (a subscriber suspended for not
 * paying it is restored: the command goes to the site queue like a payment's). An Idempotency-Key
 * is claimed in that same transaction; a replay answers with the invoice as it is now.
 */

const MAX_ATTEMPTS = 3;

export interface Decision {
  readonly invoice: Invoice;
  /** The subscriber's change (its version one above the one read); none: only the version moves. */
  readonly transition?: Transition;
  readonly events: (stored: Invoice) => TimelineEvent[];
  /** The subscriber's other invoices changed in the same write (wallet credit paying them). */
  readonly invoices?: readonly InvoiceUpdate[];
}

export type Decide = (invoice: Invoice, ctx: LifecycleContext, now: Date) => Decision | Promise<Decision>;

export async function override(
  deps: ServiceDeps,
  caller: Caller,
  invoiceId: string,
  version: number,
  kind: string,
  idempotency: IdempotencyRequest | undefined,
  decide: Decide,
): Promise<Created<Invoice>> {
  for (let attempt = 0; ; attempt++) {
    const invoice = found(await deps.repos.invoices.get(caller.tenantId, invoiceId), `Invoice ${invoiceId}`);
    const now = deps.clock.now();
    try {
      return await idempotentCreate<Invoice>(
        deps,
        caller,
        idempotency,
        { type: `invoice.${kind}`, id: invoice.id },
        async (claim) => {
          if (invoice.version !== version) {
            // A retry of a request that went through finds the invoice moved on: replay it.
            if (idempotency && (await deps.repos.idempotency.get(caller.tenantId, idempotency.keyHash)))
              throw new IdempotencyKeyClaimed(idempotency.keyHash);
            throw new VersionConflictError(
              `Invoice ${invoice.number} is at version ${invoice.version}, not ${version}: reload it and retry`,
              invoice.version,
            );
          }
          const ctx = await loadContext(deps, caller.tenantId, invoice.subscriberId);
          const decision = await decide(invoice, ctx, now);
          const transition = decision.transition ?? {
            subscriber: { ...ctx.sub, version: ctx.sub.version + 1, updatedAt: now.toISOString() },
            events: [],
            commands: [],
          };
          const next = withEffects(ctx, transition, ctx.pkg, now);
          const stored = await deps.repos.invoices.updateWithSubscriber(
            invoice,
            decision.invoice,
            {
              current: ctx.sub,
              next,
              invoices: decision.invoices,
              events: (saved) => [
                ...decision.events(saved),
                ...transition.events.map((e) =>
                  timelineEvent({ actor: e.actor }, next.id, e.at, e.type, e.summary, e.data),
                ),
              ],
            },
            { idempotency: claim },
          );
          deps.logger.info("invoice override", {
            tenantId: invoice.tenantId,
            subscriberId: invoice.subscriberId,
            invoiceId: invoice.id,
            override: kind,
          });
          // A renewal's restore command is in the outbox: hand it over now (the sweep retries).
          await deliver(deps, next, now);
          return stored;
        },
        (id) => deps.repos.invoices.get(caller.tenantId, id),
      );
    } catch (error) {
      // The subscriber changed meanwhile (a scheduler fire): decide again. A stale invoice version
      // is found stale again on the next read and answered as such.
      if (!(error instanceof VersionConflictError) || attempt + 1 >= MAX_ATTEMPTS) throw error;
    }
  }
}

/** Who, when and why, as the invoice records it. */
export const overrideBy = (caller: Caller, reason: string, now: Date): InvoiceOverride => ({
  at: now.toISOString(),
  actor: caller.actor,
  reason,
});

/** A timeline event about the invoice, by the caller. */
export const overrideEvent = (
  caller: Caller,
  invoice: Invoice,
  at: string,
  type: string,
  summary: string,
  data: object,
) =>
  timelineEvent({ actor: caller.actor }, invoice.subscriberId, at, type, summary.slice(0, 500), {
    invoiceId: invoice.id,
    number: invoice.number,
    ...data,
  });

/**
 * When the override leaves the invoice paid and it is the bill the entitlement waits on (its due
 * instant is the subscriber's expiresAt), the subscriber renews as a payment would renew it.
 */
export function settledRenewal(
  before: Invoice,
  after: Invoice,
  ctx: LifecycleContext,
  caller: Caller,
  now: Date,
) {
  const settles =
    before.status !== "paid" &&
    after.status === "paid" &&
    ctx.sub.status !== "terminated" &&
    Date.parse(after.dueAt) === Date.parse(ctx.sub.expiresAt ?? "");
  if (!settles) return undefined;
  const renewal = renew(ctx.sub, ctx.pkg, ctx.policy, now, caller.actor, 1);
  return {
    ...renewal,
    events: renewal.events.map((e) => ({
      ...e,
      summary: `${e.summary} (invoice ${after.number} settled by an override)`.slice(0, 500),
      data: { ...e.data, invoiceId: after.id, by: "override" },
    })),
  };
}
