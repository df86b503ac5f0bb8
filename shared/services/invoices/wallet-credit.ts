import { renew, type Transition } from "../../domain/lifecycle/index.js";
import { applyToAccount, paymentOrder } from "../../domain/payments/apply.js";
import type { Invoice } from "../../domain/schemas/invoice.js";
import type { Package } from "../../domain/schemas/package.js";
import type { Actor } from "../../domain/schemas/timeline.js";
import type { InvoiceUpdate } from "../../ports/invoices.js";
import type { StoredSubscriber } from "../../ports/repositories.js";
import type { ServiceDeps } from "../caller.js";
import { deliver, type LifecycleContext, withEffects } from "../lifecycle.js";
import { readAccount, unpaidInvoices } from "../payments/account.js";
import { timelineEvent } from "../timeline.js";
import { money } from "./events.js";

/**
 * The most unpaid invoices wallet credit pays in the write that creates the credit: two items each
 * (the invoice and its event) beside the write's own (the subscriber, its events, the credited
 * invoice, a renewal, an idempotency claim, reference guards), within DynamoDB's 100 a transaction.
 * The rest wait for the next payment or invoice, as a payment's beyond its own bound do.
 */
export const MAX_INVOICES_PER_WALLET_CREDIT = 30;

export interface WalletCreditApplied {
  /** The transition with the wallet after, and a renewal when the entitlement's bill got paid. */
  readonly transition: Transition;
  /** The unpaid invoices the wallet paid into: as read, and their next state (version not moved). */
  readonly invoices: readonly InvoiceUpdate[];
}

/**
 * Wallet credit pays bills as soon as there is a bill to pay (domain/payments/apply.ts, rule 1).
 * Credit created while invoices are unpaid (a credit note, a downgrade's unused part) pays them in
 * the same write that credits it: by the rule a payment follows with nothing paid in, oldest due
 * first, in `currency`; paying the bill the entitlement waits on renews the subscriber (rule 3).
 * Nothing buys periods: credit is not a payment. `ctx` is the subscriber's as read, with the
 * package it ends up on; `transition.subscriber` carries the credited wallet. `exclude`: an invoice
 * that is not paid from the wallet (the one a credit note takes money back from).
 */
export async function payFromWallet(
  deps: ServiceDeps,
  ctx: LifecycleContext,
  transition: Transition,
  currency: string,
  actor: Actor,
  now: Date,
  exclude?: string,
): Promise<WalletCreditApplied> {
  const wallet = transition.subscriber.walletBalance ?? 0;
  const none = { transition, invoices: [] };
  if (wallet <= 0 || transition.subscriber.status === "terminated") return none;
  const after = { ...ctx, sub: { ...ctx.sub, ...transition.subscriber, version: ctx.sub.version } };
  const listed = await unpaidInvoices(deps, ctx.sub.tenantId, ctx.sub.id);
  const account = await readAccount(deps, after, listed);
  const payable = paymentOrder(
    account.unpaid.filter((i) => i.id !== exclude),
    currency,
  ).slice(0, MAX_INVOICES_PER_WALLET_CREDIT);
  if (payable.length === 0) return none;
  const plan = applyToAccount({
    paid: 0,
    walletBefore: wallet,
    currency,
    invoices: payable,
    billing: after.pkg.billing.type,
    price: 0,
    entitlementBill: account.entitlementBill,
    renewable: true,
    now,
  });
  if (plan.settled.length === 0) return none;
  const at = now.toISOString();
  const events = plan.settled.map(({ invoice, applied }) => walletPaidEvent(invoice, applied, actor, at));
  let next: Transition = {
    ...transition,
    subscriber: { ...transition.subscriber, walletBalance: plan.walletAfter },
    events: [...transition.events, ...events],
  };
  if (plan.entitlementBillPaid) {
    // From the version read, as every step of one write: the renewal's command carries the
    // version stored.
    const unpaidStarts = plan.unpaid.map((i) => i.period.start);
    const renewal = renew(after.sub, after.pkg, after.policy, now, actor, 1, unpaidStarts);
    const bill = plan.settled.find((s) => s.invoice.period.start === account.entitlementBill?.periodStart);
    next = {
      subscriber: { ...renewal.subscriber, walletBalance: plan.walletAfter },
      events: [
        ...next.events,
        ...renewal.events.map((e) => ({
          ...e,
          summary: `${e.summary} (invoice ${bill?.invoice.number ?? ""} paid from wallet credit)`.slice(
            0,
            500,
          ),
          data: { ...e.data, ...(bill ? { invoiceId: bill.invoice.id } : {}), by: "wallet" },
        })),
      ],
      commands: [...transition.commands, ...renewal.commands],
    };
  }
  const before = new Map(payable.map((i) => [i.id, i]));
  return {
    transition: next,
    invoices: plan.settled.flatMap(({ invoice }) => {
      const current = before.get(invoice.id);
      return current ? [{ current, next: invoice }] : [];
    }),
  };
}

/**
 * Commits a transition whose wallet credit paid invoices (`payFromWallet`): the invoices and the
 * subscriber in one transaction, then its effects are handed over like `commitTransition`'s.
 */
export async function commitPaidFromWallet(
  deps: ServiceDeps,
  ctx: LifecycleContext,
  applied: WalletCreditApplied,
  now: Date,
  pkgAfter: Package = ctx.pkg,
): Promise<StoredSubscriber> {
  const next = withEffects(ctx, applied.transition, pkgAfter, now);
  const events = applied.transition.events.map((e) =>
    timelineEvent({ actor: e.actor }, next.id, e.at, e.type, e.summary, e.data),
  );
  await deps.repos.invoices.updateManyWithSubscriber(applied.invoices, { current: ctx.sub, next, events });
  await deliver(deps, next, now);
  return next;
}

/** `invoice.paid` (the public event, as at an invoice's creation: by the wallet) or `invoice.partially_paid`. */
function walletPaidEvent(invoice: Invoice, applied: number, actor: Actor, at: string) {
  const facts = {
    invoiceId: invoice.id,
    number: invoice.number,
    applied: { amount: applied, currency: invoice.currency },
    amountPaid: invoice.amountPaid,
    total: invoice.total,
    by: "wallet",
  };
  return invoice.status === "paid"
    ? {
        at,
        actor,
        type: "invoice.paid",
        summary: `Invoice ${invoice.number} paid: ${money(invoice.total, invoice.currency)} (${money(applied, invoice.currency)} of it from wallet credit)`,
        data: { ...facts, amount: { amount: invoice.total, currency: invoice.currency } },
      }
    : {
        at,
        actor,
        type: "invoice.partially_paid",
        summary: `Invoice ${invoice.number} partly paid from wallet credit: ${money(applied, invoice.currency)}, ${money(invoice.total - invoice.amountPaid, invoice.currency)} still owed`,
        data: { ...facts, outstanding: invoice.total - invoice.amountPaid },
      };
}
