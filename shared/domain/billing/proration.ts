/*
 * THE rounding rule of billing, used for proration, tax and percentage late fees alike:
 *
 *   a fraction p/q of a non-negative amount a is rounded to the nearest minor unit, and an exact
 *   half rounds up:  round(a × p / q) = ⌊(2·a·p + q) / (2·q)⌋.
 *
 * It is computed on integers only (the floor is taken with `%`, so no value is ever fractional),
 * and refuses inputs whose intermediate product would leave the safe-integer range rather than
 * lose precision silently.
 */

/** round(amount × numerator / denominator), halves up, in integers. */
export function mulDivRoundHalfUp(amount: number, numerator: number, denominator: number): number {
  if (
    !Number.isSafeInteger(amount) ||
    !Number.isSafeInteger(numerator) ||
    !Number.isSafeInteger(denominator) ||
    amount < 0 ||
    numerator < 0 ||
    denominator <= 0
  ) {
    throw new RangeError(`cannot take ${numerator}/${denominator} of ${amount}: non-negative integers only`);
  }
  const twice = 2 * denominator;
  const n = 2 * amount * numerator + denominator;
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(twice)) {
    throw new RangeError(`${amount} × ${numerator} is too large to compute exactly`);
  }
  return (n - (n % twice)) / twice;
}

/**
 * The part of a period's price owed for `remainingDays` of its `daysInPeriod` days:
 * price / days × remaining, rounded by the rule above. Each part is at most half a minor unit off
 * its exact share, so two parts of one period sum to the price within one minor unit.
 */
export function prorate(priceMinor: number, daysInPeriod: number, remainingDays: number): number {
  if (!Number.isInteger(remainingDays) || remainingDays < 0 || remainingDays > daysInPeriod) {
    throw new RangeError(`remaining days ${remainingDays} outside 0..${daysInPeriod}`);
  }
  return mulDivRoundHalfUp(priceMinor, remainingDays, daysInPeriod);
}

/**
 * A period split after `usedDays` days into two parts that sum to the price exactly: the
 * remaining part is `prorate`d, the used part is the price minus it (complementary rounding).
 */
export function splitPrice(
  priceMinor: number,
  daysInPeriod: number,
  usedDays: number,
): { readonly used: number; readonly remaining: number } {
  const remaining = prorate(priceMinor, daysInPeriod, daysInPeriod - usedDays);
  return { used: priceMinor - remaining, remaining };
}

export interface PackageChange {
  /** Price of the package the subscriber leaves, for a whole period; that period is already billed. */
  readonly oldPriceMinor: number;
  /** Price of the package the subscriber moves to, for a whole period. */
  readonly newPriceMinor: number;
  readonly daysInPeriod: number;
  /** Days of the current period left at the change, the change day included. */
  readonly remainingDays: number;
}

export interface ChangeProration {
  /** The new package for the rest of the period. */
  readonly charge: number;
  /** The old package's unused part, refunded. */
  readonly credit: number;
  /** charge − credit: positive for an upgrade, negative for a downgrade. */
  readonly net: number;
  /** What to bill now: the net when positive, else 0. */
  readonly amountDue: number;
  /** What goes to the wallet: a downgrade's negative net, else 0. */
  readonly walletCredit: number;
}

/**
 * An upgrade or downgrade mid-period: charge for the new package's remaining part, credit for the
 * old package's unused part (each prorated on its own, so both are what a join or a leave on that
 * day would cost). A downgrade's net credit is never paid out: it becomes wallet credit.
 */
export function prorateChange(change: PackageChange): ChangeProration {
  const charge = prorate(change.newPriceMinor, change.daysInPeriod, change.remainingDays);
  const credit = prorate(change.oldPriceMinor, change.daysInPeriod, change.remainingDays);
  const net = charge - credit;
  return { charge, credit, net, amountDue: Math.max(0, net), walletCredit: Math.max(0, -net) };
}
