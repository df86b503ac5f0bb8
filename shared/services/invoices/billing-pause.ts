import { VersionConflictError } from "../../domain/errors.js";
import { pauseBilling, resumeBilling } from "../../domain/lifecycle/index.js";
import type { BillingPauseInput } from "../../domain/schemas/invoice-override.js";
import type { Subscriber } from "../../domain/schemas/subscriber.js";
import type { Caller, ServiceDeps } from "../caller.js";
import { commitTransition, loadContext } from "../lifecycle.js";
import { publicSubscriber } from "../subscribers.js";

/**
 * `POST /v1/subscribers/{id}/billing/pause` and `/resume`: the flag the invoice chain reads
 * (domain/lifecycle/billing-pause.ts), with the reason on the timeline in the same write, on
 * condition the subscriber is still at the version the caller sent.
 */
export async function setBillingPaused(
  deps: ServiceDeps,
  caller: Caller,
  subscriberId: string,
  input: BillingPauseInput,
  paused: boolean,
): Promise<Subscriber> {
  const ctx = await loadContext(deps, caller.tenantId, subscriberId);
  if (ctx.sub.version !== input.version) {
    throw new VersionConflictError(
      `Subscriber ${subscriberId} is at version ${ctx.sub.version}, not ${input.version}: reload it and retry`,
      ctx.sub.version,
    );
  }
  const now = deps.clock.now();
  const change = paused ? pauseBilling : resumeBilling;
  const transition = change(ctx.sub, now, caller.actor, input.reason);
  const saved = await commitTransition(deps, ctx, transition, now);
  deps.logger.info(paused ? "billing paused" : "billing resumed", {
    tenantId: caller.tenantId,
    subscriberId,
  });
  return publicSubscriber(saved);
}
