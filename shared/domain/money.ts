import { ValidationError } from "./errors.js";

/**
 * Money is integer minor units everywhere inside the system. Gateways speak decimal strings in
 * major units ("500.00" BDT); these two functions are the only conversions, done on the digits so
 * no floating point is involved. Every currency we support has two decimal places.
 */
const DECIMALS = 2;

/** "500", "500.5", "500.50" -> 50050. Rejects signs, exponents, more than two decimals. */
export function parseMajor(value: string | number, field = "amount"): number {
  const text = typeof value === "number" ? numberText(value, field) : value.trim();
  const match = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) {
    throw new ValidationError("Invalid amount", [
      { path: field, message: `must be a decimal amount with at most ${DECIMALS} decimals` },
    ]);
  }
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? "").padEnd(DECIMALS, "0"));
  return whole * 10 ** DECIMALS + fraction;
}

/** 50050 -> "500.50". */
export function formatMajor(minor: number): string {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new RangeError(`not a minor-unit amount: ${minor}`);
  const whole = Math.floor(minor / 10 ** DECIMALS);
  const fraction = String(minor % 10 ** DECIMALS).padStart(DECIMALS, "0");
  return `${whole}.${fraction}`;
}

function numberText(value: number, field: string): string {
  // JSON numbers such as 500.5 arrive as floats; their shortest decimal form is what was sent.
  if (!Number.isFinite(value) || value < 0) {
    throw new ValidationError("Invalid amount", [{ path: field, message: "must be a positive amount" }]);
  }
  return String(value);
}
