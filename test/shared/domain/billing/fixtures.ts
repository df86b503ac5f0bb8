import { monthlyRule, periodContaining } from "../../../../shared/domain/billing/cycles.js";
import { draftCycleInvoice } from "../../../../shared/domain/billing/invoice.js";
import { newId } from "../../../../shared/domain/ids.js";
import type { PostpaidBilling } from "../../../../shared/domain/lifecycle/postpaid.js";
import {
  formatInvoiceNumber,
  type Invoice,
  InvoiceSchema,
  type NewInvoice,
} from "../../../../shared/domain/schemas/invoice.js";

export const billing = { type: "postpaid", billingDay: 1, dueDays: 7 } satisfies PostpaidBilling;
export const pkg = {
  id: newId("package"),
  name: "Home 10M",
  price: { amount: 50_000, currency: "BDT" as const },
};

export interface DraftOptions {
  readonly tenantId?: string;
  readonly subscriberId?: string;
  readonly price?: number;
  readonly taxRateBasisPoints?: number;
  readonly joinedAt?: Date;
  /** Any instant inside the period to bill. */
  readonly at?: Date;
  readonly timeZone?: string;
  readonly billingDay?: number;
}

/** By default a cycle invoice for March 2026 in Dhaka, due by the end of 8 March. */
export function draft(options: DraftOptions = {}): NewInvoice {
  const at = options.at ?? new Date("2026-03-10T00:00:00Z");
  const timeZone = options.timeZone ?? "Asia/Dhaka";
  const cycle = { ...billing, billingDay: options.billingDay ?? billing.billingDay };
  return draftCycleInvoice({
    id: newId("invoice"),
    tenantId: options.tenantId ?? newId("tenant"),
    subscriberId: options.subscriberId ?? newId("subscriber"),
    pkg: { ...pkg, price: { ...pkg.price, amount: options.price ?? pkg.price.amount } },
    billing: cycle,
    period: periodContaining(monthlyRule(cycle), timeZone, at),
    timeZone,
    joinedAt: options.joinedAt,
    taxRateBasisPoints: options.taxRateBasisPoints,
    now: new Date("2026-02-28T18:00:00Z"),
  });
}

/** The invoice as stored: numbered, and valid against its schema. */
export function numbered(invoice: NewInvoice, sequence = 1): Invoice {
  return InvoiceSchema.parse({ ...invoice, sequence, number: formatInvoiceNumber(sequence) });
}
