import { GatewayError } from "../../adapters/gateways/errors.js";
import { VersionConflictError } from "../../domain/errors.js";
import { nextCheckAt } from "../../domain/payments/allocate.js";
import type { OnlineGateway, Payment } from "../../domain/schemas/payment.js";
import type { ServiceDeps } from "../caller.js";
import { timelineEvent } from "../timeline.js";
import { loadGateway } from "./gateway-settings.js";
import { applyVerdict } from "./settle.js";

export interface PaymentSweepReport {
  readonly found: number;
  readonly settled: number;
  readonly closed: number;
  readonly stillPending: number;
  readonly errors: number;
}

const SWEEP_ACTOR = { kind: "system" as const, id: "payment-sweep" };

/**
 * Payments created but never confirmed (the payer closed the tab, a webhook was lost, the gateway
 * timed out during execute) are asked about again: minutes after, then hours, up to about a day;
 * then they are closed as failed. Reads the PAYDUE index, never scans.
 */
export async function sweepPendingPayments(deps: ServiceDeps, limit = 200): Promise<PaymentSweepReport> {
  const now = deps.clock.now();
  const due = await deps.repos.payments.duePending(now.toISOString(), limit);
  let settled = 0;
  let closed = 0;
  let stillPending = 0;
  let errors = 0;
  for (const item of due) {
    try {
      const payment = await deps.repos.payments.get(item.tenantId, item.paymentId);
      if (payment?.status !== "pending" || payment.gateway === "manual") continue;
      const outcome = await checkOne(deps, payment, now);
      if (outcome === "settled") settled++;
      else if (outcome === "closed") closed++;
      else stillPending++;
    } catch (error) {
      if (error instanceof VersionConflictError) continue; // settled or changed meanwhile
      errors++;
      deps.logger.error("payment sweep item failed", {
        tenantId: item.tenantId,
        paymentId: item.paymentId,
        error,
      });
    }
  }
  return { found: due.length, settled, closed, stillPending, errors };
}

async function checkOne(
  deps: ServiceDeps,
  payment: Payment,
  now: Date,
): Promise<"settled" | "closed" | "pending"> {
  const gateway = payment.gateway as OnlineGateway;
  let verdictStatus: string = "pending";
  if (payment.gatewayRef) {
    try {
      const { module, ctx } = await loadGateway(deps, payment.tenantId, gateway);
      const verdict = await module.query(ctx, {
        paymentId: payment.id,
        gatewayRef: payment.gatewayRef,
        createdAt: payment.createdAt,
      });
      const result = await applyVerdict(deps, payment, verdict, SWEEP_ACTOR);
      if (result.outcome === "settled" || result.outcome === "already_settled") return "settled";
      if (result.outcome !== "pending") return "closed";
      verdictStatus = verdict.detail ?? verdict.status;
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      verdictStatus = `gateway unreachable: ${error.message}`;
    }
  }
  const checks = (payment.checks ?? 0) + 1;
  const at = now.toISOString();
  const next = nextCheckAt(payment.createdAt, checks, now);
  if (next === undefined) {
    await deps.repos.payments.update(
      payment,
      {
        ...payment,
        status: "failed",
        statusReason: "not confirmed by the gateway within a day",
        checks,
        nextCheckAt: undefined,
        updatedAt: at,
      },
      [
        timelineEvent(
          { actor: SWEEP_ACTOR },
          payment.subscriberId,
          at,
          "payment.expired",
          "Payment never confirmed by the gateway; closed",
          {
            paymentId: payment.id,
            gateway,
            checks,
          },
        ),
      ],
    );
    return "closed";
  }
  await deps.repos.payments.update(
    payment,
    { ...payment, checks, nextCheckAt: next, statusReason: verdictStatus.slice(0, 300), updatedAt: at },
    [],
  );
  return "pending";
}
