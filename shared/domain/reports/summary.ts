import type { InvoiceStatus } from "../schemas/invoice.js";

/** What a report needs of an invoice (read with a projection, not the whole item). */
export interface InvoiceFigures {
  readonly status: InvoiceStatus;
  readonly currency: string;
  readonly total: number;
  readonly amountPaid: number;
  readonly dueAt: string;
  /** Given back to the wallet from what was paid (billing/overrides.ts). */
  readonly creditNotes?: readonly { readonly amount: number }[];
}

/** Whole minor units per currency, summed with integers only. */
export type Amounts = Map<string, number>;

export interface Tally {
  count: number;
  amounts: Amounts;
}

export interface PeriodTally {
  readonly billed: Tally;
  readonly paid: Tally;
  readonly partiallyPaid: Tally;
  /** Open and partly paid; amounts are what is still owed. */
  readonly unpaid: Tally;
  readonly void: Tally;
  /**
   * What was paid against the period's invoices, partly paid ones included, less what credit notes
   * gave back to the wallet (that credit counts when a later invoice takes it).
   */
  readonly collected: Amounts;
}

const tally = (): Tally => ({ count: 0, amounts: new Map() });

function add(amounts: Amounts, currency: string, amount: number): void {
  const sum = (amounts.get(currency) ?? 0) + amount;
  if (!Number.isSafeInteger(sum)) throw new RangeError("a report total left the safe-integer range");
  amounts.set(currency, sum);
}

function count(t: Tally, currency: string, amount: number): void {
  t.count++;
  add(t.amounts, currency, amount);
}

export function outstanding(f: InvoiceFigures): number {
  return f.status === "void" ? 0 : Math.max(0, f.total - f.amountPaid);
}

/** Adds up a period's invoices: billed excludes void ones (they were cancelled). */
export async function tallyPeriod(figures: AsyncIterable<InvoiceFigures>): Promise<PeriodTally> {
  const t = {
    billed: tally(),
    paid: tally(),
    partiallyPaid: tally(),
    unpaid: tally(),
    void: tally(),
    collected: new Map<string, number>(),
  };
  for await (const f of figures) {
    if (f.status === "void") {
      count(t.void, f.currency, f.total);
      continue;
    }
    count(t.billed, f.currency, f.total);
    add(t.collected, f.currency, f.amountPaid - (f.creditNotes ?? []).reduce((sum, n) => sum + n.amount, 0));
    if (f.status === "paid") count(t.paid, f.currency, f.total);
    else count(t.unpaid, f.currency, outstanding(f));
    if (f.status === "partially_paid") count(t.partiallyPaid, f.currency, f.total);
  }
  return t;
}

/** Unpaid invoices: how many, and what is still owed on them. */
export async function tallyOutstanding(figures: AsyncIterable<InvoiceFigures>): Promise<Tally> {
  const t = tally();
  for await (const f of figures) count(t, f.currency, outstanding(f));
  return t;
}

/** Amounts as the API shows them: one entry per currency, in code order. */
export function moneyList(amounts: Amounts): { amount: number; currency: string }[] {
  return [...amounts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, amount]) => ({ amount, currency }));
}
