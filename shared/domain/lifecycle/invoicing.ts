import { cycleRuleFor, type Period, periodContaining, previousPeriod } from "../billing/cycles.js";
import { applyWallet, cycleLines, draftInvoice, periodLabel } from "../billing/invoice.js";
import { newId } from "../ids.js";
import type { InvoiceLine, LateFee, NewInvoice } from "../schemas/invoice.js";
import type { NextAction, ReminderOffset } from "../schemas/lifecycle-fields.js";
import type { Package } from "../schemas/package.js";
import type { Actor } from "../schemas/timeline.js";
import { billingPausedCycle, skipCycle } from "./billing-pause.js";
import { expiresAtOf, isConnected, validityMs } from "./entitlement.js";
import { type LifecyclePolicy, type LifecycleSubscriber, offsetSeconds } from "./policy.js";
import {
  billedAtForDue,
  billingInstantFrom,
  dueInstantFor,
  firstBillingInstant,
  isInterval,
} from "./postpaid.js";
import { renew } from "./renew.js";
import type { Moment, Transition } from "./transition.js";
import { leaveQuietHours } from "./zoned-time.js";

/*
 * The invoice chain: a subscriber's cycle invoices come from its own schedule (an `invoice` next
 * action), never from a scan of all subscribers. The timing rule:
 *
 * - postpaid: at the start of each cycle, for the cycle just starting (monthly: local 00:00 of the
 *   billing day; every N days: local 00:00 every N days). A subscriber's first cycle is its first
 *   bill (postpaid.ts); a monthly joiner's days before it are prorated onto that first invoice
 *   (`billedThrough` starts at the join instant). A cycle that starts while the subscriber is not
 *   connected (suspended, expired) is skipped, not billed, so service restored later never
 *   back-bills the months without it.
 * - prepaid (validity in days): the invoice for the next period, [expiresAt, expiresAt + validity),
 *   is issued at the earliest reminder offset before expiry (never more than one validity before it;
 *   at expiry when no reminder comes first), so the reminders after it can carry its pay link (at
 *   that instant the reminder goes first, then the invoice). Hour packages (vouchers) are not
 *   invoiced by the chain. Only while connected: a lapsed prepaid subscriber is billed again after
 *   a renewal. An issue instant before the subscriber was created (an import close to expiry) is
 *   not made up: its renewal starts the chain.
 * - both move out of quiet hours (as reminders do), since an invoice goes out by SMS when issued.
 *
 * `billedThrough` is the high-water mark: the chain never bills an instant twice. Wallet credit
 * goes to each new invoice at once; an invoice the wallet pays in full (or a zero invoice) that is
 * the bill the entitlement waits on renews the subscriber as a payment would.
 */

export type InvoiceAction = Extract<NextAction, { kind: "invoice" }>;

export interface PrepaidLead {
  /** Offset of issue from expiry, in seconds (0 or negative). */
  readonly seconds: number;
  /** The reminder whose instant the invoice shares, if any. */
  readonly reminder?: ReminderOffset;
}

/** When before expiry a prepaid invoice is issued: see the timing rule above. */
export function prepaidInvoiceLead(pkg: Package, policy: LifecyclePolicy): PrepaidLead {
  const validity = validityMs(pkg) / 1000;
  const earliest = [...policy.reminders].sort((a, b) => offsetSeconds(a.offset) - offsetSeconds(b.offset))[0];
  if (!earliest || offsetSeconds(earliest.offset) > 0) return { seconds: 0 };
  if (-offsetSeconds(earliest.offset) > validity) return { seconds: -validity };
  return { seconds: offsetSeconds(earliest.offset), reminder: earliest.offset };
}

/** The next cycle invoice due for the subscriber, if the chain has one. */
export function invoiceAction(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
): InvoiceAction | undefined {
  if (sub.status === "terminated" || sub.status === "paused") return undefined;
  const expiresAt = expiresAtOf(sub);
  if (!expiresAt) return undefined;
  const billedThrough = sub.billedThrough === undefined ? undefined : new Date(sub.billedThrough);
  const createdAt = new Date(sub.createdAt);
  let start: Date;
  let issueAt: Date;
  if (pkg.billing.type === "prepaid") {
    if (pkg.billing.validity.unit !== "days" || !isConnected(sub.status)) return undefined;
    if (billedThrough && billedThrough.getTime() > expiresAt.getTime()) return undefined;
    start = expiresAt;
    issueAt = new Date(expiresAt.getTime() + prepaidInvoiceLead(pkg, policy).seconds * 1000);
    // Created (or imported) after its issue instant: not made up; the renewal starts the chain.
    if (issueAt.getTime() < createdAt.getTime()) return undefined;
  } else {
    // The bill behind expiresAt is the oldest one owed, and a bill of the subscriber's series.
    const owed = billedAtForDue(pkg.billing, policy.timeZone, expiresAt);
    const from = billedThrough ?? new Date(Math.max(owed.getTime(), createdAt.getTime()));
    start = billingInstantFrom(pkg.billing, policy.timeZone, from, owed);
    issueAt = start;
  }
  return {
    kind: "invoice",
    at: leaveQuietHours(issueAt, policy.quietHours, policy.timeZone).toISOString(),
    periodStart: start.toISOString(),
  };
}

/**
 * Where `billedThrough` starts for a new postpaid subscriber: a monthly joiner's first invoice
 * prorates from the join; an every-N-days series starts billing on the joining day itself.
 */
export function billingStartFor(pkg: Package, policy: LifecyclePolicy, joinedAt: Date): string | undefined {
  if (pkg.billing.type !== "postpaid") return undefined;
  return isInterval(pkg.billing)
    ? firstBillingInstant(pkg.billing, policy.timeZone, joinedAt).toISOString()
    : joinedAt.toISOString();
}

export interface CycleInvoice {
  readonly period: Period;
  /** The invoice to number and store with the transition; absent when the cycle was skipped. */
  readonly invoice?: NewInvoice;
  /** What the wallet paid towards it. */
  readonly walletApplied: number;
  /** Paid in full by the wallet (or nothing to pay) and the bill the entitlement waited on: renewed. */
  readonly renewed: boolean;
  /** Why the cycle was not billed. */
  readonly skipped?: string;
}

/** The billing period an invoice action is for. */
export function invoicePeriod(pkg: Package, policy: LifecyclePolicy, action: InvoiceAction): Period {
  const start = new Date(action.periodStart);
  if (pkg.billing.type === "prepaid") return { start, end: new Date(start.getTime() + validityMs(pkg)) };
  return periodContaining(cycleRuleFor(pkg.billing, start), policy.timeZone, start);
}

/** The charges of a cycle invoice: the package for the period, after any unbilled days before it. */
function chargesFor(sub: LifecycleSubscriber, pkg: Package, policy: LifecyclePolicy, period: Period) {
  const tz = policy.timeZone;
  const labelled = (lines: InvoiceLine[], billed: Period) =>
    lines.map((l) => ({ ...l, description: `${l.description} (${periodLabel(billed, tz)})`.slice(0, 200) }));
  const lines: InvoiceLine[] = [];
  if (pkg.billing.type === "postpaid" && sub.billedThrough !== undefined) {
    const from = new Date(sub.billedThrough);
    const previous = previousPeriod(cycleRuleFor(pkg.billing, period.start), tz, period);
    // Only a gap inside the cycle before this one (the joining cycle) is billed; anything older was
    // skipped on purpose.
    if (from.getTime() < period.start.getTime() && from.getTime() >= previous.start.getTime()) {
      lines.push(...labelled(cycleLines(pkg, previous, tz, from), { start: from, end: previous.end }));
    }
  }
  lines.push(...labelled(cycleLines(pkg, period, tz), period));
  return lines;
}

/**
 * A fired `invoice` action: the invoice for its period with wallet credit applied (or the cycle
 * skipped), and the subscriber's next version: `billedThrough` moved to the period's end, the
 * wallet reduced, renewed when the wallet settled the bill the entitlement waited on.
 */
export function invoiceCycle(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  action: InvoiceAction,
  moment: Moment,
  actor: Actor,
): { transition: Transition; cycle: CycleInvoice } {
  const tz = policy.timeZone;
  const period = invoicePeriod(pkg, policy, action);
  const label = periodLabel(period, tz);
  const bump = (next: LifecycleSubscriber): LifecycleSubscriber => ({
    ...next,
    version: sub.version + 1,
    updatedAt: moment.now.toISOString(),
  });
  if (!isConnected(sub.status)) {
    // Every cycle started while disconnected is skipped at once, up to the one in progress.
    const skipped = `the subscriber is ${sub.status}`;
    return {
      transition: skipCycle(sub, pkg, policy, period, moment, actor, skipped),
      cycle: { period, walletApplied: 0, renewed: false, skipped },
    };
  }
  if (sub.billingPause) {
    const transition = billingPausedCycle(sub, pkg, policy, period, moment, actor);
    return {
      transition,
      cycle: { period, walletApplied: 0, renewed: false, skipped: "billing is paused" },
    };
  }
  const dueAt = pkg.billing.type === "postpaid" ? dueInstantFor(pkg.billing, tz, period.start) : period.start;
  const draft = draftInvoice({
    id: newId("invoice", moment.now.getTime()),
    tenantId: sub.tenantId,
    subscriberId: sub.id,
    packageId: pkg.id,
    currency: pkg.price.currency,
    period,
    lines: chargesFor(sub, pkg, policy, period),
    taxRateBasisPoints: pkg.taxRateBasisPoints,
    dueAt,
    now: moment.now,
  });
  const wallet = applyWallet(draft, sub.walletBalance ?? 0, moment.now);
  const money: Partial<LifecycleSubscriber> = {
    billedThrough: period.end.toISOString(),
    ...(sub.walletBalance === undefined && wallet.applied === 0 ? {} : { walletBalance: wallet.walletAfter }),
  };
  // The entitlement waits on the bill due at expiresAt (prepaid: the period that starts there).
  const renews = wallet.invoice.status === "paid" && dueAt.getTime() === Date.parse(sub.expiresAt ?? "");
  if (renews) {
    const renewal = renew(sub, pkg, policy, moment.at, actor, 1);
    return {
      transition: {
        ...renewal,
        subscriber: { ...renewal.subscriber, ...money },
        events: renewal.events.map((e) => ({
          ...e,
          summary: `${e.summary} (invoice for ${label} paid from the wallet)`.slice(0, 500),
          data: { ...e.data, invoiceId: draft.id, by: "wallet" },
        })),
      },
      cycle: { period, invoice: wallet.invoice, walletApplied: wallet.applied, renewed: true },
    };
  }
  return {
    transition: { subscriber: bump({ ...sub, ...money }), events: [], commands: [] },
    cycle: { period, invoice: wallet.invoice, walletApplied: wallet.applied, renewed: false },
  };
}

/** The start of the period of the invoice that falls due at `dueAt` (the one a late fee goes on). */
export function invoicePeriodStartForDue(pkg: Package, policy: LifecyclePolicy, dueAt: Date): Date {
  return pkg.billing.type === "postpaid" ? billedAtForDue(pkg.billing, policy.timeZone, dueAt) : dueAt;
}

/** A late fee to add to the invoice that fell due at the subscriber's expiresAt. */
export interface LateFeeDue {
  readonly rule: LateFee;
  /** The invoice's period start (its key with the subscriber). */
  readonly periodStart: string;
  /** When the fee is charged: the moment grace ended. */
  readonly at: string;
}
