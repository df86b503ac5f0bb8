import type { InvoiceNoticeRef } from "../../ports/invoices.js";
import type { ServiceDeps } from "../caller.js";
import { type InvoiceDelivery, sendInvoice } from "./delivery.js";

/*
 * A new invoice's notice (SMS and e-mail) goes out exactly once. The invoice's write records that
 * the notice is owed (InvoiceWriteOptions.notify); a sender first takes it (a lease on that record),
 * sends, then marks it done. The invoice's own writer sends it as soon as the invoice has its
 * number; when the writer died first (before numbering, or between numbering and sending), the
 * sweep finds the record, has the invoice numbered by reading it, and sends it. Two senders at once
 * (a slow writer and the sweep, or two sweeps) get one lease: one sends. A sender that dies while
 * holding the lease is replaced when it runs out; its messages carry the same idempotency keys.
 */

/** How long an owed notice is left to its writer before the sweep sends it. */
export const NOTICE_OVERDUE_MS = 2 * 60_000;

/**
 * The writer's send, right after the invoice is numbered: sends only if the notice is still owed
 * and nobody else holds it. False when it was not sent by this call.
 */
export async function sendInvoiceOnce(deps: ServiceDeps, input: InvoiceDelivery): Promise<boolean> {
  const { tenantId, id } = input.invoice;
  if (!(await deps.repos.invoiceNotices.claim(tenantId, id, deps.clock.now()))) return false;
  await sendInvoice(deps, input);
  await done(deps, { tenantId, invoiceId: id });
  return true;
}

export interface NoticeSweepReport {
  readonly found: number;
  readonly sent: number;
  readonly failed: number;
}

/** Sends the notices owed for longer than NOTICE_OVERDUE_MS, every tenant (the due index). */
export async function sweepInvoiceNotices(deps: ServiceDeps, limit = 100): Promise<NoticeSweepReport> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - NOTICE_OVERDUE_MS).toISOString();
  const owed = await deps.repos.invoiceNotices.overdue(cutoff, limit);
  let sent = 0;
  let failed = 0;
  for (const ref of owed) {
    try {
      if (await sendOwed(deps, ref, now)) sent++;
    } catch (error) {
      // The lease runs out and a later sweep tries again.
      failed++;
      deps.logger.error("invoice notice not sent by the sweep", { ...ref, error });
    }
  }
  return { found: owed.length, sent, failed };
}

async function sendOwed(deps: ServiceDeps, ref: InvoiceNoticeRef, now: Date): Promise<boolean> {
  const { tenantId, invoiceId } = ref;
  if (!(await deps.repos.invoiceNotices.claim(tenantId, invoiceId, now))) return false;
  // Reading a pending invoice numbers it (its writer died before it could).
  const invoice = await deps.repos.invoices.get(tenantId, invoiceId);
  const [tenant, subscriber] = await Promise.all([
    deps.repos.tenants.get(tenantId),
    invoice ? deps.repos.subscribers.get(tenantId, invoice.subscriberId) : undefined,
  ]);
  const pkg =
    invoice && subscriber
      ? await deps.repos.packages.get(tenantId, invoice.packageId ?? subscriber.packageId)
      : undefined;
  if (!invoice || !tenant || !subscriber || !pkg) {
    deps.logger.warn("invoice notice dropped: its invoice, subscriber or package is gone", { ...ref });
    await done(deps, ref);
    return false;
  }
  deps.logger.info("invoice notice sent by the sweep: its writer never sent it", {
    ...ref,
    subscriberId: invoice.subscriberId,
    number: invoice.number,
  });
  await sendInvoice(deps, { tenant, subscriber, pkg, invoice });
  await done(deps, ref);
  return true;
}

/** Marks the notice sent. If that write fails the lease still holds it for a while; logged. */
async function done(deps: ServiceDeps, ref: InvoiceNoticeRef): Promise<void> {
  try {
    await deps.repos.invoiceNotices.complete(ref.tenantId, ref.invoiceId);
  } catch (error) {
    deps.logger.error("invoice notice sent but not marked sent", { ...ref, error });
  }
}
