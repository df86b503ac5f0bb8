import { monthlyRule, periodContaining } from "../../shared/domain/billing/cycles.js";
import { applyPayment, draftCycleInvoice } from "../../shared/domain/billing/invoice.js";
import { newId } from "../../shared/domain/ids.js";
import type { Invoice, InvoiceStatus } from "../../shared/domain/schemas/invoice.js";
import type { InvoiceRepository } from "../../shared/ports/invoices.js";

export interface SeedInvoice {
  readonly tenantId: string;
  readonly subscriberId?: string;
  /** Any instant of the month to bill (Dhaka calendar, billed on the 1st, due 7 days later). */
  readonly month?: string;
  readonly price?: number;
  readonly taxRateBasisPoints?: number;
  /** open (default), partially_paid (half paid), paid or void. */
  readonly status?: InvoiceStatus;
  readonly packageName?: string;
  readonly currency?: "BDT" | "INR";
  /** When it was issued; the period start by default. */
  readonly issuedAt?: string;
  /** Instead of the postpaid calendar's due date. */
  readonly dueAt?: string;
}

/**
 * Stores an invoice through the repository as generation would (invoice generation is built
 * elsewhere): a monthly cycle invoice, numbered by the repository, then paid or voided as asked.
 */
export async function seedInvoice(repo: InvoiceRepository, options: SeedInvoice): Promise<Invoice> {
  const at = new Date(options.month ?? "2026-03-10T00:00:00Z");
  const billing = { type: "postpaid" as const, billingDay: 1, dueDays: 7 };
  const period = periodContaining(monthlyRule(billing), "Asia/Dhaka", at);
  const issued = new Date(options.issuedAt ?? period.start);
  const draft = draftCycleInvoice({
    id: newId("invoice", issued.getTime()),
    tenantId: options.tenantId,
    subscriberId: options.subscriberId ?? newId("subscriber"),
    pkg: {
      id: newId("package"),
      name: options.packageName ?? "Home 10M",
      price: { amount: options.price ?? 50_000, currency: options.currency ?? "BDT" },
    },
    billing,
    period,
    timeZone: "Asia/Dhaka",
    taxRateBasisPoints: options.taxRateBasisPoints,
    now: issued,
  });
  const { invoice } = await repo.create(options.dueAt ? { ...draft, dueAt: options.dueAt } : draft);
  const status = options.status ?? "open";
  if (status === "open") return invoice;
  const now = new Date(issued.getTime() + 86_400_000);
  const next =
    status === "void"
      ? { ...invoice, status: "void" as const, updatedAt: now.toISOString() }
      : applyPayment(invoice, status === "paid" ? invoice.total : Math.floor(invoice.total / 2), now).invoice;
  return repo.update(invoice, next);
}
