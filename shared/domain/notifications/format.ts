import * as z from "zod";
import type { Currency, Money } from "../schemas/common.js";
import type { ReminderOffset } from "../schemas/lifecycle-fields.js";

/** Languages subscriber messages are written in; a tenant picks one (default English). */
export const NotificationLanguageSchema = z.enum(["en", "bn"]);
export type NotificationLanguage = z.infer<typeof NotificationLanguageSchema>;

interface CurrencyStyle {
  readonly symbol: string;
  /** South Asian grouping (1,23,456.00) or Western (123,456.00) for Latin digits. */
  readonly latinLocale: "en-IN" | "en-US";
}

const CURRENCIES: Record<Currency, CurrencyStyle> = {
  BDT: { symbol: "৳", latinLocale: "en-IN" },
  INR: { symbol: "₹", latinLocale: "en-IN" },
  NPR: { symbol: "रू", latinLocale: "en-IN" },
  PKR: { symbol: "Rs", latinLocale: "en-IN" },
  LKR: { symbol: "Rs", latinLocale: "en-US" },
  USD: { symbol: "$", latinLocale: "en-US" },
};

/** Every supported currency has two minor digits (poisha, paise, cents). */
const MINOR_DIGITS = 2;
const MINOR_FACTOR = 10 ** MINOR_DIGITS;

/**
 * "symbol" puts the currency sign first ("৳500.00", "₹1,23,456.50"); "code" ends with the ISO code
 * ("500.00 BDT"), which keeps an English SMS in the 7-bit alphabet: one ৳ or ₹ would turn the
 * whole text into UCS-2 and halve what each part holds.
 */
export type AmountStyle = "symbol" | "code";

const numberFormatters = new Map<string, Intl.NumberFormat>();

/**
 * Number formatters are costly to build (locale data is resolved each time) and immutable, so one
 * per locale and use is kept: "grouped" for whole units, "minor" for the two-digit fraction.
 */
function numberFormatter(locale: string, use: "grouped" | "minor" | "plain"): Intl.NumberFormat {
  const key = `${locale}|${use}`;
  let f = numberFormatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(
      locale,
      use === "grouped"
        ? { maximumFractionDigits: 0 }
        : use === "minor"
          ? { minimumIntegerDigits: MINOR_DIGITS, useGrouping: false }
          : {},
    );
    numberFormatters.set(key, f);
  }
  return f;
}

/** Formats integer minor units without floating point; Bangla uses Bengali digits. */
export function formatAmount(money: Money, language: NotificationLanguage, style: AmountStyle): string {
  const { symbol, latinLocale } = CURRENCIES[money.currency];
  const negative = money.amount < 0;
  const abs = Math.abs(money.amount);
  const locale = language === "bn" ? "bn-BD-u-nu-beng" : latinLocale;
  const major = numberFormatter(locale, "grouped").format(Math.floor(abs / MINOR_FACTOR));
  const minor = numberFormatter(locale, "minor").format(abs % MINOR_FACTOR);
  const number = `${negative ? "-" : ""}${major}.${minor}`;
  return style === "symbol" ? `${symbol}${number}` : `${number} ${money.currency}`;
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatter(language: NotificationLanguage, timeZone: string): Intl.DateTimeFormat {
  const key = `${language}|${timeZone}`;
  let f = dateFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(language === "bn" ? "bn-BD-u-nu-beng" : "en-GB", {
      timeZone,
      day: "numeric",
      month: "long",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    dateFormatters.set(key, f);
  }
  return f;
}

/**
 * "6 March 2026, 00:00" / "৬ মার্চ ২০২৬, ০০:০০": the wall-clock date and time in the tenant's zone.
 * Assembled from parts so the layout does not depend on the ICU version's connector words.
 */
export function formatDateTime(
  instant: string | Date,
  timeZone: string,
  language: NotificationLanguage,
): string {
  const date = typeof instant === "string" ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) throw new RangeError("not a valid instant");
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const p of dateFormatter(language, timeZone).formatToParts(date)) parts[p.type] = p.value;
  return `${parts.day ?? ""} ${parts.month ?? ""} ${parts.year ?? ""}, ${parts.hour ?? ""}:${parts.minute ?? ""}`;
}

const UNITS = {
  en: { d: ["day", "days"], h: ["hour", "hours"], m: ["minute", "minutes"] },
  bn: { d: ["দিন", "দিন"], h: ["ঘণ্টা", "ঘণ্টা"], m: ["মিনিট", "মিনিট"] },
} as const satisfies Record<NotificationLanguage, Record<"d" | "h" | "m", readonly [string, string]>>;

/** How far a reminder offset is from expiry, in words: "-5d" is "5 days" / "৫ দিন"; "0" is "". */
export function formatOffsetDistance(offset: ReminderOffset, language: NotificationLanguage): string {
  const m = /^[+-]([0-9]+)([dhm])$/.exec(offset);
  if (!m) return "";
  const count = Number(m[1]);
  const [one, many] = UNITS[language][m[2] as "d" | "h" | "m"];
  const digits =
    language === "bn" ? numberFormatter("bn-BD-u-nu-beng", "plain").format(count) : String(count);
  return `${digits} ${count === 1 ? one : many}`;
}
