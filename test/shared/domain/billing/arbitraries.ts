import fc from "fast-check";

/** Zones with whole, half and quarter-hour offsets, with and without daylight saving. */
export const ZONES = [
  "Asia/Dhaka",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Asia/Karachi",
  "UTC",
  "America/St_Johns",
  "Pacific/Chatham",
] as const;

export const zoneArb = fc.constantFrom(...ZONES);

/** Instants from 2000 (a leap year divisible by 400) to 2100 (a common year divisible by 100). */
export const instantArb = fc.date({
  min: new Date("2000-01-01T00:00:00Z"),
  max: new Date("2100-12-31T23:59:59Z"),
  noInvalidDate: true,
});

export const billingDayArb = fc.integer({ min: 1, max: 31 });

/** Up to MoneySchema's maximum, with small and round prices well represented. */
export const priceArb = fc.oneof(
  fc.integer({ min: 0, max: 100_000_000_00 }),
  fc.integer({ min: 0, max: 1_000 }),
  fc.constantFrom(50_000, 99_900, 120_000, 1, 3, 7),
);

/** Property runs per property in this folder; BILLING_PROPERTY_RUNS=20000 for a deeper search. */
export const RUNS = Number(process.env.BILLING_PROPERTY_RUNS ?? 1_000);
