import { statusFor } from "../../../../shared/domain/billing/invoice.js";
import { newId } from "../../../../shared/domain/ids.js";
import type { PaymentApplicationInput } from "../../../../shared/domain/payments/apply.js";
import { formatInvoiceNumber, type Invoice } from "../../../../shared/domain/schemas/invoice.js";

export const NOW = new Date("2026-04-20T06:00:00Z");
const tenantId = newId("tenant");
const subscriberId = newId("subscriber");

/** A stored invoice of `total` for the period starting on `periodStart`, due `dueAt`. */
export function invoice(
  sequence: number,
  total: number,
  options: { amountPaid?: number; dueAt?: string; periodStart?: string; currency?: "BDT" | "INR" } = {},
): Invoice {
  const periodStart = options.periodStart ?? new Date(Date.UTC(2026, sequence - 1, 1)).toISOString();
  const amountPaid = options.amountPaid ?? 0;
  return {
    id: newId("invoice"),
    tenantId,
    subscriberId,
    sequence,
    number: formatInvoiceNumber(sequence),
    period: { start: periodStart, end: new Date(Date.parse(periodStart) + 30 * 86_400_000).toISOString() },
    currency: options.currency ?? "BDT",
    lines: [{ kind: "package", description: "Home 10M", amount: total }],
    subtotal: total,
    taxRateBasisPoints: 0,
    tax: 0,
    total,
    amountPaid,
    status: statusFor(total, amountPaid),
    dueAt: options.dueAt ?? new Date(Date.parse(periodStart) + 7 * 86_400_000).toISOString(),
    createdAt: periodStart,
    updatedAt: periodStart,
    version: 2,
  };
}

export function input(overrides: Partial<PaymentApplicationInput> = {}): PaymentApplicationInput {
  return {
    paid: 0,
    walletBefore: 0,
    currency: "BDT",
    invoices: [],
    billing: "postpaid",
    price: 50_000,
    renewable: true,
    now: NOW,
    ...overrides,
  };
}
