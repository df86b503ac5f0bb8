import { applyWallet } from "../../domain/billing/invoice.js";
import {
  currentPeriod,
  packageChangeBilling,
  type Transition,
  upgradeInvoice,
} from "../../domain/lifecycle/index.js";
import type { Package } from "../../domain/schemas/package.js";
import type { Actor } from "../../domain/schemas/timeline.js";
import type { StoredSubscriber } from "../../ports/repositories.js";
import type { ServiceDeps } from "../caller.js";
import { commitTransition, type LifecycleContext, policyFor } from "../lifecycle.js";
import { commitWithInvoice } from "./commit.js";
import { money } from "./events.js";
import { sendInvoiceOnce } from "./notices.js";
import { commitPaidFromWallet, payFromWallet } from "./wallet-credit.js";

/**
 * Commits a transition that moves the subscriber from `ctx.pkg` to `to`, with the change's
 * proration (the rule is in domain/lifecycle/package-change.ts): an upgrade's difference as an
 * invoice in the same transaction (wallet credit applied, then sent), a downgrade's unused part as
 * wallet credit on the subscriber's next version, paying its unpaid invoices in the same write
 * (wallet-credit.ts). Whether a postpaid cycle is billed is read from
 * its invoice, so a cycle never billed is never credited. While the subscriber's billing is paused
 * an upgrade makes no invoice (one `subscriber.package_change_not_billed` event says what was not
 * charged); a downgrade's credit is still given.
 */
export async function commitPackageChange(
  deps: ServiceDeps,
  ctx: LifecycleContext,
  transition: Transition,
  to: Package,
  now: Date,
  actor: Actor,
): Promise<StoredSubscriber> {
  const from = ctx.pkg;
  let billed = true;
  if (from.billing.type === "postpaid") {
    const cycle = currentPeriod(ctx.sub, from, ctx.policy, now);
    billed = !!(await deps.repos.invoices.getForPeriod(
      ctx.sub.tenantId,
      ctx.sub.id,
      cycle.start.toISOString(),
    ));
  }
  const change = packageChangeBilling(ctx.sub, from, to, ctx.policy, now, billed);
  if (!change || change.charge === change.credit) return commitTransition(deps, ctx, transition, now, to);
  const facts = {
    from: from.id,
    to: to.id,
    remaining: change.remaining,
    unit: change.unit,
    charge: change.charge,
    credit: change.credit,
  };
  const currency = to.price.currency;
  if (change.credit > change.charge) {
    const walletCredit = change.credit - change.charge;
    const next = transition.subscriber;
    const credited: Transition = {
      ...transition,
      subscriber: { ...next, walletBalance: (next.walletBalance ?? 0) + walletCredit },
      events: [
        ...transition.events,
        {
          at: now.toISOString(),
          type: "subscriber.package_change_credited",
          summary: `Downgrade to ${to.name}: ${money(walletCredit, currency)} unused credited to the wallet`,
          actor,
          data: { ...facts, walletCredit },
        },
      ],
    };
    // The credit pays what is unpaid at once (an upgrade's invoice, a cycle's bill) in this write.
    const after = { ...ctx, pkg: to, policy: policyFor(ctx.tenant, to) };
    const paid = await payFromWallet(deps, after, credited, currency, actor, now);
    if (paid.invoices.length === 0) return commitTransition(deps, ctx, credited, now, to);
    return commitPaidFromWallet(deps, ctx, paid, now, to);
  }
  if (ctx.sub.billingPause) {
    // Billing paused: no new charge while it lasts, as for the cycles the chain skips (the change
    // itself goes through; a downgrade above is still credited, since that is not a charge).
    const charge = change.charge - change.credit;
    const unbilled: Transition = {
      ...transition,
      events: [
        ...transition.events,
        {
          at: now.toISOString(),
          type: "subscriber.package_change_not_billed",
          summary:
            `Upgrade to ${to.name}: ${money(charge, currency)} for the time left not billed: billing is paused (${ctx.sub.billingPause.reason})`.slice(
              0,
              500,
            ),
          actor,
          data: { ...facts, notBilled: charge, billingPaused: true },
        },
      ],
    };
    return commitTransition(deps, ctx, unbilled, now, to);
  }
  const draft = upgradeInvoice(ctx.sub, from, to, ctx.policy, change, now);
  const wallet = applyWallet(draft, transition.subscriber.walletBalance ?? 0, now);
  const charged: Transition = {
    ...transition,
    subscriber: {
      ...transition.subscriber,
      ...(wallet.applied > 0 ? { walletBalance: wallet.walletAfter } : {}),
    },
  };
  const { subscriber, creation } = await commitWithInvoice(deps, ctx, charged, wallet.invoice, now, {
    actor,
    pkgAfter: to,
    note: `upgrade from ${from.name} to ${to.name}`,
    notify: true,
  });
  if (creation.created) {
    await sendInvoiceOnce(deps, { tenant: ctx.tenant, subscriber, pkg: to, invoice: creation.invoice });
  }
  return subscriber;
}
