import * as z from "zod";

/** Currencies the gateways we integrate settle in. Money is always integer minor units. */
export const CurrencySchema = z.enum(["BDT", "INR", "NPR", "PKR", "LKR", "USD"]).meta({
  description: "ISO 4217 currency code",
});
export type Currency = z.infer<typeof CurrencySchema>;

export const MoneySchema = z
  .object({
    amount: z
      .number()
      .int({ message: "must be an integer number of minor units (poisha, paise)" })
      .min(0)
      .max(100_000_000_00),
    currency: CurrencySchema,
  })
  .strict()
  .meta({ description: "An amount in minor units (1 BDT = 100 poisha) with its currency" });
export type Money = z.infer<typeof MoneySchema>;

/** Instants are UTC ISO-8601 strings with a Z suffix; local time is never stored. */
/** Normalised to millisecond precision so stored instants sort correctly as strings. */
export const InstantSchema = z.iso
  .datetime({ offset: false, message: "must be a UTC timestamp like 2026-01-31T18:00:00Z" })
  // The format check does not stop the overwrite: a value it refused ("yesterday") stays as it is
  // (and fails), rather than making toISOString throw a RangeError, a 500.
  .overwrite((v) => {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? v : d.toISOString();
  });

export const TimeZoneSchema = z
  .string()
  .refine(isValidTimeZone, { message: "must be an IANA time zone like Asia/Dhaka" });

/** Building a DateTimeFormat is costly and zones are few: each answer is remembered. */
const knownZones = new Map<string, boolean>();

function isValidTimeZone(tz: string): boolean {
  if (tz.length > 64) return false;
  const known = knownZones.get(tz);
  if (known !== undefined) return known;
  let valid = true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
  } catch {
    valid = false;
  }
  if (knownZones.size < 1000) knownZones.set(tz, valid);
  return valid;
}

export function text(max: number) {
  return z
    .string()
    .trim()
    .min(1, { message: "must not be empty" })
    .max(max, { message: `must be at most ${max} characters` });
}

export const NameSchema = text(120);
export const NotesSchema = z.string().max(2000, { message: "must be at most 2000 characters" });

export const PhoneSchema = z.string().regex(/^\+?[0-9]{6,15}$/, {
  message: "must be a phone number of 6-15 digits, optionally starting with +",
});

export const EmailSchema = z.email({ message: "must be an e-mail address" }).max(254);

/** Every mutable record carries a version for optimistic locking. */
export const VersionSchema = z
  .number()
  .int()
  .min(1)
  .meta({ description: "Optimistic-locking version; send it back on update" });

export const AuditFieldsShape = {
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
  version: VersionSchema,
};
