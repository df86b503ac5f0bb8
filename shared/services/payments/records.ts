import { ValidationError, VersionConflictError } from "../../domain/errors.js";
import { newId } from "../../domain/ids.js";
import type {
  ManualPaymentInput,
  Payment,
  PaymentListQuery,
  RefundInput,
} from "../../domain/schemas/payment.js";
import type { Page, PageRequest } from "../../ports/repositories.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "../caller.js";
import { type Created, found, idempotentCreate } from "../idempotent-create.js";
import { timelineEvent } from "../timeline.js";
import { settle } from "./settle.js";

const MAX_SETTLE_ATTEMPTS = 6;

export function listPayments(
  deps: ServiceDeps,
  caller: Caller,
  query: PaymentListQuery,
  page: PageRequest,
): Promise<Page<Payment>> {
  if (query.from && query.to && query.from >= query.to) {
    throw new ValidationError("Invalid range", [{ in: "query", path: "to", message: "must be after from" }]);
  }
  return deps.repos.payments.list(caller.tenantId, query, page);
}

export async function getPayment(deps: ServiceDeps, caller: Caller, id: string): Promise<Payment> {
  return found(await deps.repos.payments.get(caller.tenantId, id), `Payment ${id}`);
}

export async function listSubscriberPayments(
  deps: ServiceDeps,
  caller: Caller,
  subscriberId: string,
  page: PageRequest,
): Promise<Page<Payment>> {
  found(await deps.repos.subscribers.get(caller.tenantId, subscriberId), `Subscriber ${subscriberId}`);
  return deps.repos.payments.list(caller.tenantId, { subscriberId }, page);
}

/**
 * Cash or a bank transfer, recorded by billing staff: settled at once through the same
 * transaction as an online payment (wallet, renewal, restore command, receipt). An
 * Idempotency-Key makes a double-submitted form record the money once.
 */
export async function recordManualPayment(
  deps: ServiceDeps,
  caller: Caller,
  subscriberId: string,
  input: ManualPaymentInput,
  idempotency: IdempotencyRequest | undefined,
): Promise<Created<Payment>> {
  const tenant = found(await deps.repos.tenants.get(caller.tenantId), `Tenant ${caller.tenantId}`);
  if (input.amount.currency !== tenant.currency) {
    throw new ValidationError("Currency mismatch", [
      { in: "body", path: "amount.currency", message: `must be ${tenant.currency}, the ISP's currency` },
    ]);
  }
  if (input.amount.amount <= 0) {
    throw new ValidationError("Invalid amount", [
      { in: "body", path: "amount.amount", message: "must be more than 0" },
    ]);
  }
  found(await deps.repos.subscribers.get(caller.tenantId, subscriberId), `Subscriber ${subscriberId}`);
  const now = deps.clock.now();
  const at = now.toISOString();
  const id = newId("payment", now.getTime());
  const payment: Payment = {
    id,
    tenantId: caller.tenantId,
    subscriberId,
    gateway: "manual",
    manualMethod: input.method,
    amount: input.amount,
    status: "pending",
    ...(input.reference === undefined ? {} : { reference: input.reference }),
    ...(input.note === undefined ? {} : { note: input.note }),
    createdAt: at,
    updatedAt: at,
    version: 0,
  };
  return idempotentCreate(
    deps,
    caller,
    idempotency,
    { type: "payment", id },
    async (claim) => {
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await settle(
            deps,
            payment,
            input.amount,
            `manual#${id}`,
            caller.actor,
            {},
            {
              idempotency: claim,
            },
          );
          return result.payment;
        } catch (error) {
          // Another payment (or a fire) changed the subscriber or an invoice since they were read:
          // apply this one to what is stored now. The payment itself is new, so nobody else moves it.
          if (!(error instanceof VersionConflictError) || attempt + 1 >= MAX_SETTLE_ATTEMPTS) throw error;
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
        }
      }
    },
    (existing) => deps.repos.payments.get(caller.tenantId, existing),
  );
}

/**
 * A refund the ISP made outside the system (cash back, a refund in the gateway's dashboard),
 * recorded against a settled payment. It does not shorten the subscriber's paid time: an admin
 * who wants that sets the expiry explicitly.
 */
export async function recordRefund(
  deps: ServiceDeps,
  caller: Caller,
  paymentId: string,
  input: RefundInput,
): Promise<Payment> {
  const payment = await getPayment(deps, caller, paymentId);
  if (payment.status !== "settled") {
    throw new ValidationError("Only a settled payment can be refunded", [
      { path: "", message: `the payment is ${payment.status}` },
    ]);
  }
  const paid = payment.paidAmount ?? payment.amount;
  if (input.amount.currency !== paid.currency) {
    throw new ValidationError("Currency mismatch", [
      { in: "body", path: "amount.currency", message: `must be ${paid.currency}` },
    ]);
  }
  const refunded = payment.refundedAmount ?? 0;
  if (input.amount.amount <= 0 || input.amount.amount > paid.amount - refunded) {
    throw new ValidationError("Invalid refund amount", [
      { in: "body", path: "amount.amount", message: `must be from 1 to ${paid.amount - refunded}` },
    ]);
  }
  const at = deps.clock.now().toISOString();
  const refund = { id: newId("refund"), amount: input.amount, reason: input.reason, at, actor: caller.actor };
  const next: Payment = {
    ...payment,
    refunds: [...(payment.refunds ?? []), refund],
    refundedAmount: refunded + input.amount.amount,
    updatedAt: at,
  };
  return deps.repos.payments.update(payment, next, [
    timelineEvent(
      caller,
      payment.subscriberId,
      at,
      "payment.refund_recorded",
      `Refund of ${input.amount.amount} ${input.amount.currency} (minor units) recorded: ${input.reason}`.slice(
        0,
        500,
      ),
      { paymentId: payment.id, refundId: refund.id, amount: input.amount, reason: input.reason },
    ),
  ]);
}
