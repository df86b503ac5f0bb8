import { cycleRuleFor, type Period, periodContaining } from "../billing/cycles.js";
import { draftInvoice, periodLabel } from "../billing/invoice.js";
import { newId } from "../ids.js";
import type { InvoiceLine, NewInvoice } from "../schemas/invoice.js";
import type { Package } from "../schemas/package.js";
import { expiresAtOf, validityMs } from "./entitlement.js";
import type { LifecyclePolicy, LifecycleSubscriber } from "./policy.js";
import { billedAtForDue, dueInstantFor } from "./postpaid.js";
import { addLocalDays } from "./zoned-time.js";

/**
 * The subscriber's cycle in progress at `now`. Postpaid: the cycle of its calendar that contains
 * `now`. Prepaid: the paid period ending at `expiresAt` while it lasts, else one validity from now.
 */
export function currentPeriod(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  now: Date,
): Period {
  const expiresAt = expiresAtOf(sub);
  if (pkg.billing.type === "postpaid") {
    const anchor = expiresAt ? billedAtForDue(pkg.billing, policy.timeZone, expiresAt) : now;
    return periodContaining(cycleRuleFor(pkg.billing, anchor), policy.timeZone, now);
  }
  const validity = validityMs(pkg);
  if (expiresAt && expiresAt.getTime() > now.getTime()) {
    return { start: new Date(expiresAt.getTime() - validity), end: expiresAt };
  }
  return { start: now, end: new Date(now.getTime() + validity) };
}

export interface OnDemandInvoiceInput {
  readonly period?: { readonly start: string; readonly end: string } | undefined;
  readonly lines?: readonly InvoiceLine[] | undefined;
  readonly dueAt?: string | undefined;
  readonly taxRateBasisPoints?: number | undefined;
}

/**
 * A bill made on demand (a migration, a manual bill). Without lines it bills the package for the
 * period; without a period it is the subscriber's current cycle, or with custom lines the day it is
 * issued (a one-off charge keyed apart from the cycle invoices). Due by the postpaid rule from the
 * issue day (or the period's start, if later); prepaid bills are due at once (or at the period's
 * start). Tax at the package's rate unless given. Nothing is paid yet: wallet credit is the caller's.
 */
export function onDemandInvoice(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  input: OnDemandInvoiceInput,
  now: Date,
): NewInvoice {
  const tz = policy.timeZone;
  const period: Period = input.period
    ? { start: new Date(input.period.start), end: new Date(input.period.end) }
    : input.lines
      ? { start: now, end: addLocalDays(now, 1, tz) }
      : currentPeriod(sub, pkg, policy, now);
  const issued = new Date(Math.max(now.getTime(), period.start.getTime()));
  const dueAt = input.dueAt
    ? new Date(input.dueAt)
    : pkg.billing.type === "postpaid"
      ? dueInstantFor(pkg.billing, tz, issued)
      : issued;
  const lines = input.lines
    ? [...input.lines]
    : [
        {
          kind: "package" as const,
          description: `${pkg.name} (${periodLabel(period, tz)})`.slice(0, 200),
          amount: pkg.price.amount,
        },
      ];
  return draftInvoice({
    id: newId("invoice", now.getTime()),
    tenantId: sub.tenantId,
    subscriberId: sub.id,
    packageId: pkg.id,
    currency: pkg.price.currency,
    period,
    lines,
    taxRateBasisPoints: input.taxRateBasisPoints ?? pkg.taxRateBasisPoints,
    dueAt,
    now,
  });
}
