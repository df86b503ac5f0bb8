import type { Money } from "../schemas/common.js";

/** Renewal periods bought by one payment and the wallet balance left after it. */
export interface Allocation {
  readonly periods: number;
  readonly walletAfter: number;
}

export const MAX_PERIODS_PER_PAYMENT = 120;

/**
 * One rule for every payment: what was paid joins the wallet, whole package periods are bought
 * from the wallet, the rest stays in it. So an exact payment buys exactly what was ordered, a
 * partial payment waits in the wallet until it completes a period, and an overpayment becomes
 * credit for the next renewal. Integers only.
 */
export function allocate(paid: number, walletBefore: number, price: number): Allocation {
  if (![paid, walletBefore, price].every(Number.isSafeInteger) || paid < 0 || walletBefore < 0) {
    throw new RangeError("amounts must be non-negative integers of minor units");
  }
  const credit = walletBefore + paid;
  if (price <= 0) return { periods: 0, walletAfter: credit };
  const periods = Math.min(Math.floor(credit / price), MAX_PERIODS_PER_PAYMENT);
  return { periods, walletAfter: credit - periods * price };
}

/**
 * How a verified payment compares with its order. Currency never converts: a different currency
 * is refused. A different amount is held for review rather than guessed at.
 */
export type AmountCheck = "match" | "currency_mismatch" | "amount_mismatch";

export function checkAmount(ordered: Money, paid: Money): AmountCheck {
  if (ordered.currency !== paid.currency) return "currency_mismatch";
  return ordered.amount === paid.amount ? "match" : "amount_mismatch";
}

/**
 * When the pending sweep asks the gateway again: minutes at first, then hours, giving up after
 * about a day (the checkout has long expired at every gateway by then).
 */
export const PENDING_CHECK_DELAYS_SECONDS: readonly number[] = [
  60,
  120,
  300,
  600,
  1800,
  3600,
  2 * 3600,
  4 * 3600,
  8 * 3600,
  8 * 3600,
];

/** The next check after `checks` checks so far, or undefined when it is time to give up. */
export function nextCheckAt(createdAt: string, checks: number, now: Date): string | undefined {
  const delay = PENDING_CHECK_DELAYS_SECONDS[checks];
  if (delay === undefined) return undefined;
  const elapsed = PENDING_CHECK_DELAYS_SECONDS.slice(0, checks + 1).reduce((a, b) => a + b, 0);
  const at = Math.max(Date.parse(createdAt) + elapsed * 1000, now.getTime() + 30_000);
  return new Date(at).toISOString();
}
