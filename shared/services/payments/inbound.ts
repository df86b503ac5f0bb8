import { GatewayError } from "../../adapters/gateways/errors.js";
import { ValidationError } from "../../domain/errors.js";
import type { OnlineGateway, Payment } from "../../domain/schemas/payment.js";
import type { Actor } from "../../domain/schemas/timeline.js";
import type { InboundRequest } from "../../ports/payment-gateway.js";
import type { ServiceDeps } from "../caller.js";
import { loadGateway } from "./gateway-settings.js";
import { applyVerdict, type SettleOutcome } from "./settle.js";

/** Gateway event ids are remembered a week: longer than any gateway retries a webhook. */
const EVENT_MEMORY_SECONDS = 7 * 86_400;

export type InboundOutcome =
  | SettleOutcome["outcome"]
  /** Authentic, but not about a payment (an event type we do not act on). */
  | "ignored"
  /** The same gateway event was processed before. */
  | "duplicate"
  /** Authentic, but names no payment of ours. */
  | "unknown_payment"
  /** The gateway could not be asked right now; the payment stays pending for the sweep. */
  | "unconfirmed";

export interface InboundResult {
  readonly outcome: InboundOutcome;
  readonly payment?: Payment | undefined;
}

/**
 * A webhook, IPN or browser return from a gateway. Order of trust: the module authenticates the
 * request (signature, verify_sign) and says which payment it is about; the payment must be ours,
 * for this gateway and this checkout; then the gateway is asked server to server (bKash execute or
 * query, SSLCommerz validation, Razorpay fetch, Nagad verify) and only its answer is applied.
 */
export async function handleInbound(
  deps: ServiceDeps,
  gateway: OnlineGateway,
  tenantId: string,
  request: InboundRequest,
): Promise<InboundResult> {
  const log = deps.logger.child({ tenantId, gateway });
  const { module, ctx } = await loadGateway(deps, tenantId, gateway);
  const note = await module.readNotification(ctx, request);
  if (note.kind === "ignored") {
    log.info("gateway notification ignored", { reason: note.reason });
    return { outcome: "ignored" };
  }
  const { payment, eventSeen } = await deps.repos.payments.lookupNotification(
    tenantId,
    note.paymentId,
    note.eventId ? { gateway, eventId: note.eventId } : undefined,
  );
  if (eventSeen) return { outcome: "duplicate" };
  if (!payment) {
    log.warn("gateway notification for an unknown payment", { paymentId: note.paymentId });
    return { outcome: "unknown_payment" };
  }
  if (payment.gateway !== gateway) {
    throw new ValidationError("The payment was not made with this gateway", [
      { path: "gateway", message: `payment ${payment.id} is a ${payment.gateway} payment` },
    ]);
  }
  if (
    note.gatewayRef !== undefined &&
    payment.gatewayRef !== undefined &&
    note.gatewayRef !== payment.gatewayRef
  ) {
    throw new ValidationError("The notification does not match the payment's checkout", [
      { path: "gatewayRef", message: "does not match the checkout created for this payment" },
    ]);
  }
  if (payment.status === "settled") return { outcome: "already_settled", payment };
  if (!payment.gatewayRef) return { outcome: "unconfirmed", payment };
  const log2 = log.child({ paymentId: payment.id, subscriberId: payment.subscriberId });
  let verdict: Awaited<ReturnType<typeof module.confirm>>;
  try {
    verdict = await module.confirm(
      ctx,
      { paymentId: payment.id, gatewayRef: payment.gatewayRef, createdAt: payment.createdAt },
      note,
    );
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    log2.warn("gateway not reachable to confirm; the sweep will ask again", {
      timedOut: error.timedOut,
      errorMessage: error.message,
    });
    return { outcome: "unconfirmed", payment };
  }
  const actor: Actor = { kind: "gateway", id: gateway };
  const event = note.eventId
    ? { gateway, eventId: note.eventId, ttlSeconds: EVENT_MEMORY_SECONDS }
    : undefined;
  const result = await applyVerdict(deps, payment, verdict, actor, payment, event);
  // A settlement remembered the event in its own transaction.
  if (event && result.outcome !== "settled") await deps.repos.payments.claimEvent(tenantId, event);
  log2.info("gateway notification applied", { outcome: result.outcome, claimed: note.claimed });
  return result;
}
