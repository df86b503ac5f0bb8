import { VersionConflictError } from "../../domain/errors.js";
import { renew, type Transition } from "../../domain/lifecycle/index.js";
import { checkAmount } from "../../domain/payments/allocate.js";
import { applyToAccount } from "../../domain/payments/apply.js";
import { PaymentAlreadySettledError } from "../../domain/payments/errors.js";
import type { Money } from "../../domain/schemas/common.js";
import type { Payment } from "../../domain/schemas/payment.js";
import type { Actor } from "../../domain/schemas/timeline.js";
import type { GatewayVerdict } from "../../ports/payment-gateway.js";
import type { GatewayEventClaim, IdempotencyClaim, StoredSubscriber } from "../../ports/repositories.js";
import type { ServiceDeps } from "../caller.js";
import { found } from "../idempotent-create.js";
import { deliver, loadContext, withEffects } from "../lifecycle.js";
import { timelineEvent } from "../timeline.js";
import { invoicePaymentEvents, readAccount, unpaidInvoices } from "./account.js";
import { sendReceipt } from "./receipt.js";

export type SettleOutcome =
  /** This call applied the payment (and only one call ever does). */
  | { readonly outcome: "settled"; readonly payment: Payment; readonly subscriber: StoredSubscriber }
  /** It was applied before: nothing more happens. */
  | { readonly outcome: "already_settled"; readonly payment: Payment }
  /** Confirmed, but not for the amount ordered: kept for an admin to review, nothing applied. */
  | { readonly outcome: "held"; readonly payment: Payment }
  /** Confirmed in a different currency: refused, nothing applied. */
  | { readonly outcome: "rejected"; readonly payment: Payment }
  | { readonly outcome: "pending" | "failed" | "cancelled"; readonly payment: Payment };

const MAX_ATTEMPTS = 6;

/**
 * Applies what the gateway said about one of our payments. Exactly once: the gateway's
 * transaction id is claimed in the same DynamoDB transaction that marks the payment settled and
 * renews the subscriber, so concurrent deliveries of the same success (webhook, redirect, sweep)
 * produce one settlement; the losers find it settled. Only the winner queues the restore command
 * and sends the receipt.
 */
export async function applyVerdict(
  deps: ServiceDeps,
  paymentId: { readonly tenantId: string; readonly id: string },
  verdict: GatewayVerdict,
  actor: Actor,
  /** The payment as just read by the caller, used for the first attempt. */
  current?: Payment,
  /** The gateway event that brought the verdict: remembered with the settlement, if it settles. */
  gatewayEvent?: GatewayEventClaim,
): Promise<SettleOutcome> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const payment =
      attempt === 0 && current?.id === paymentId.id
        ? current
        : found(await deps.repos.payments.get(paymentId.tenantId, paymentId.id), `Payment ${paymentId.id}`);
    try {
      return await applyOnce(deps, payment, verdict, actor, gatewayEvent);
    } catch (error) {
      if (error instanceof PaymentAlreadySettledError) {
        const now = found(
          await deps.repos.payments.get(payment.tenantId, payment.id),
          `Payment ${payment.id}`,
        );
        return { outcome: "already_settled", payment: now };
      }
      // The subscriber or the payment changed since it was read (a concurrent settlement or an
      // admin's edit): decide again on what is stored now.
      if (!(error instanceof VersionConflictError)) throw error;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
    }
  }
  throw new VersionConflictError(`Payment ${paymentId.id} kept changing while it was being settled`);
}

async function applyOnce(
  deps: ServiceDeps,
  payment: Payment,
  verdict: GatewayVerdict,
  actor: Actor,
  gatewayEvent: GatewayEventClaim | undefined,
): Promise<SettleOutcome> {
  if (payment.status === "settled") return { outcome: "already_settled", payment };
  if (payment.status === "held") return { outcome: "held", payment };
  const now = deps.clock.now();
  const at = now.toISOString();
  const mark = async (
    status: Payment["status"],
    reason: string,
    type: string,
    summary: string,
    extra: Partial<Payment> = {},
  ) => {
    const next: Payment = {
      ...payment,
      ...extra,
      status,
      statusReason: reason,
      nextCheckAt: undefined,
      updatedAt: at,
    };
    const event = timelineEvent({ actor }, payment.subscriberId, at, type, summary, {
      paymentId: payment.id,
      gateway: payment.gateway,
      reason,
    });
    return deps.repos.payments.update(payment, next, [event]);
  };

  if (verdict.paymentId !== undefined && verdict.paymentId !== payment.id) {
    // The gateway's answer is about another order: never let it settle this one.
    return { outcome: "pending", payment };
  }
  switch (verdict.status) {
    case "pending":
      return { outcome: "pending", payment };
    case "failed":
    case "cancelled": {
      if (payment.status !== "pending") return { outcome: verdict.status, payment };
      const reason = verdict.detail ?? `the gateway reports the payment ${verdict.status}`;
      const saved = await mark(
        verdict.status,
        reason,
        `payment.${verdict.status}`,
        `Payment ${verdict.status}: ${reason}`,
      );
      return { outcome: verdict.status, payment: saved };
    }
    case "completed":
      break;
  }
  const paid = verdict.amount;
  if (!paid || !verdict.gatewayTxnId) return { outcome: "pending", payment };
  const check = checkAmount(payment.amount, paid);
  if (check === "currency_mismatch") {
    const saved = await mark(
      "failed",
      `currency mismatch: ordered ${payment.amount.currency}, paid ${paid.currency}`,
      "payment.rejected",
      `Payment refused: paid in ${paid.currency}, ordered in ${payment.amount.currency}`,
      { paidAmount: paid, gatewayTxnId: verdict.gatewayTxnId },
    );
    return { outcome: "rejected", payment: saved };
  }
  if (check === "amount_mismatch") {
    const saved = await mark(
      "held",
      `amount mismatch: ordered ${payment.amount.amount}, paid ${paid.amount} (minor units)`,
      "payment.held",
      `Payment held for review: paid ${paid.amount}, ordered ${payment.amount.amount} (${paid.currency} minor units)`,
      { paidAmount: paid, gatewayTxnId: verdict.gatewayTxnId },
    );
    return { outcome: "held", payment: saved };
  }
  return settle(
    deps,
    payment,
    paid,
    `${payment.gateway}#${verdict.gatewayTxnId}`,
    actor,
    { gatewayTxnId: verdict.gatewayTxnId },
    { gatewayEvent },
  );
}

/**
 * The settlement transaction itself, by the rule in domain/payments/apply.ts: the amount (with
 * wallet credit) pays the subscriber's unpaid invoices, the invoice it was made for first, then
 * oldest due first; paying the bill the entitlement waits on renews the subscriber; what is left
 * buys prepaid periods as before when no invoice stays unpaid, or stays in the wallet. Payment,
 * invoices, subscriber and timeline commit in one transaction. A payment for a terminated
 * subscriber renews nothing (an admin can refund what is left).
 */
export async function settle(
  deps: ServiceDeps,
  payment: Payment,
  paid: Money,
  transactionKey: string,
  actor: Actor,
  extra: Partial<Payment>,
  options: {
    readonly idempotency?: IdempotencyClaim;
    readonly gatewayEvent?: GatewayEventClaim | undefined;
  } = {},
): Promise<SettleOutcome> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const [ctx, listed] = await Promise.all([
    loadContext(deps, payment.tenantId, payment.subscriberId),
    unpaidInvoices(deps, payment.tenantId, payment.subscriberId),
  ]);
  const account = await readAccount(deps, ctx, listed);
  const walletBefore = ctx.sub.walletBalance ?? 0;
  const renewable = ctx.sub.status !== "terminated";
  const plan = applyToAccount({
    paid: paid.amount,
    walletBefore,
    currency: paid.currency,
    invoices: account.unpaid,
    invoiceId: payment.invoiceId,
    billing: ctx.pkg.billing.type,
    price: ctx.pkg.price.currency === paid.currency ? ctx.pkg.price.amount : 0,
    entitlementBill: account.entitlementBill,
    renewable,
    now,
  });
  let transition: Transition = { subscriber: ctx.sub, events: [], commands: [] };
  if (plan.periods > 0 && renewable) {
    const unpaidStarts = plan.unpaid.map((i) => i.period.start);
    transition = renew(ctx.sub, ctx.pkg, ctx.policy, now, actor, plan.periods, unpaidStarts);
  }
  const credited = plan.walletAfter;
  const next: StoredSubscriber = {
    ...withEffects(ctx, transition, ctx.pkg, now),
    walletBalance: credited,
    version: ctx.sub.version + 1,
    updatedAt: at,
  };
  const settledInvoices = plan.settled.map((s) => ({
    ...s,
    invoice: { ...s.invoice, version: s.invoice.version + 1, updatedAt: at },
  }));
  const paidInto = settledInvoices.map(({ invoice, applied }) => ({
    invoiceId: invoice.id,
    number: invoice.number,
    amount: applied,
    status: invoice.status === "paid" ? ("paid" as const) : ("partially_paid" as const),
  }));
  const applied = {
    periods: transition.events.length > 0 ? plan.periods : 0,
    walletAfter: credited,
    ...(paidInto.length > 0 ? { invoices: paidInto } : {}),
  };
  const settled: Payment = {
    ...payment,
    ...extra,
    status: "settled",
    statusReason: undefined,
    paidAmount: paid,
    settledAt: at,
    applied,
    nextCheckAt: undefined,
    version: payment.version + 1,
    updatedAt: at,
  };
  // The invoice whose payment renewed the subscriber, named on the renewal.
  const bill = plan.entitlementBillPaid
    ? settledInvoices.find((s) => s.invoice.period.start === account.entitlementBill?.periodStart)
    : undefined;
  const invoiceNote = paidInto.length > 0 ? `, ${paidInto.length} invoice(s) paid into` : "";
  const settledEvent = timelineEvent(
    { actor },
    payment.subscriberId,
    at,
    "payment.settled",
    `Payment of ${paid.amount} ${paid.currency} (minor units) settled by ${payment.gateway}: ` +
      `${applied.periods} period(s)${invoiceNote}, wallet ${walletBefore} -> ${credited}`,
    {
      paymentId: payment.id,
      gateway: payment.gateway,
      gatewayTxnId: extra.gatewayTxnId,
      amount: paid,
      periods: applied.periods,
      walletBefore,
      walletAfter: credited,
      ...(paidInto.length > 0 ? { invoices: paidInto } : {}),
    },
  );
  const events = [
    settledEvent,
    ...invoicePaymentEvents(actor, settled, settledInvoices, at),
    ...transition.events.map((e) =>
      timelineEvent({ actor: e.actor }, next.id, e.at, e.type, e.summary, {
        ...e.data,
        paymentId: payment.id,
        ...(bill ? { invoiceId: bill.invoice.id } : {}),
      }),
    ),
  ];
  await deps.repos.payments.settle({
    payment: settled,
    expectedStatus: payment.version === 0 ? "new" : payment.status,
    transactionKey,
    subscriber: { current: ctx.sub, next, events },
    idempotency: options.idempotency,
    gatewayEvent: options.gatewayEvent,
    invoices: plan.settled.map((s, i) => ({
      current: found(
        account.unpaid.find((u) => u.id === s.invoice.id),
        `Invoice ${s.invoice.id}`,
      ),
      next: settledInvoices[i]?.invoice ?? s.invoice,
    })),
  });
  deps.logger.info("payment settled", {
    tenantId: payment.tenantId,
    subscriberId: payment.subscriberId,
    paymentId: payment.id,
    gateway: payment.gateway,
    periods: applied.periods,
    invoices: paidInto.length,
  });
  deps.metrics?.count("PaymentsSettled", 1, { tenantId: payment.tenantId, gateway: payment.gateway });
  // The restore command is in the subscriber's outbox: hand it to the site queue now (the sweep
  // retries if this fails), then tell the payer.
  await deliver(deps, next, now);
  await sendReceipt(deps, { tenant: ctx.tenant, subscriber: next, pkg: ctx.pkg, payment: settled });
  return { outcome: "settled", payment: settled, subscriber: next };
}
