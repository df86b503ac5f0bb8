import { applyWallet } from "../../domain/billing/invoice.js";
import { ConflictError, VersionConflictError } from "../../domain/errors.js";
import { onDemandInvoice, type Transition } from "../../domain/lifecycle/index.js";
import type { CreateInvoiceInput, Invoice } from "../../domain/schemas/invoice.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "../caller.js";
import { type Created, idempotentCreate } from "../idempotent-create.js";
import { loadContext } from "../lifecycle.js";
import { commitWithInvoice } from "./commit.js";
import { sendInvoiceOnce } from "./notices.js";

const MAX_ATTEMPTS = 3;

/**
 * `POST /v1/subscribers/{id}/invoices`: a bill made now, for a migration (a cycle brought over from
 * the old system: the chain later finds that cycle billed and moves on) or a manual bill with its
 * own lines. Numbered like every invoice; wallet credit applied unless asked not to; one invoice per
 * subscriber and period (409 naming the one that holds it); an Idempotency-Key replays the first
 * answer. It changes no entitlement: paying it is the payment flow's. Sent by SMS and e-mail unless
 * `notify` is false.
 */
export async function createSubscriberInvoice(
  deps: ServiceDeps,
  caller: Caller,
  subscriberId: string,
  input: CreateInvoiceInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Invoice>> {
  for (let attempt = 0; ; attempt++) {
    const ctx = await loadContext(deps, caller.tenantId, subscriberId);
    const now = deps.clock.now();
    const draft = onDemandInvoice(ctx.sub, ctx.pkg, ctx.policy, input, now);
    const wallet = input.applyWallet
      ? applyWallet(draft, ctx.sub.walletBalance ?? 0, now)
      : { invoice: draft, applied: 0, walletAfter: ctx.sub.walletBalance };
    const transition: Transition = {
      subscriber: {
        ...ctx.sub,
        ...(wallet.applied > 0 ? { walletBalance: wallet.walletAfter } : {}),
        version: ctx.sub.version + 1,
        updatedAt: now.toISOString(),
      },
      events: [],
      commands: [],
    };
    try {
      const result = await idempotentCreate<Invoice>(
        deps,
        caller,
        idempotency,
        { type: "invoice", id: draft.id },
        async (claim) => {
          const { creation } = await commitWithInvoice(deps, ctx, transition, wallet.invoice, now, {
            actor: caller.actor,
            note: input.note,
            idempotency: claim,
            notify: input.notify,
          });
          if (!creation.created) {
            throw new ConflictError(
              `Subscriber ${subscriberId} already has invoice ${creation.invoice.number} for the period starting ${creation.invoice.period.start}`,
            );
          }
          return creation.invoice;
        },
        (id) => deps.repos.invoices.get(caller.tenantId, id),
      );
      if (!result.replayed && input.notify) {
        await sendInvoiceOnce(deps, {
          tenant: ctx.tenant,
          subscriber: ctx.sub,
          pkg: ctx.pkg,
          invoice: result.resource,
        });
      }
      return result;
    } catch (error) {
      // The subscriber changed meanwhile (its wallet, a fire): bill it again as it is now.
      if (!(error instanceof VersionConflictError) || attempt + 1 >= MAX_ATTEMPTS) throw error;
    }
  }
}
