/**
 * How many SMS parts a text costs. A text made only of GSM 03.38 characters travels in the 7-bit
 * alphabet: 160 septets in one SMS, 153 per part once concatenated (the rest of each part carries
 * the concatenation header); the extension characters (€ [ ] { } and a few more) take two septets.
 * Any other character, Bangla for one, turns the whole text into UCS-2: 70 UTF-16 units in one
 * SMS, 67 per part. A two-unit character (an escape pair or a surrogate pair) is never split
 * between parts, so a part can hold one unit less than its capacity.
 */

const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENSION = "\f^{}\\[~]|€";

const BASIC = new Set(GSM_BASIC);
const EXTENSION = new Set(GSM_EXTENSION);

export type SmsEncoding = "gsm7" | "ucs2";

export interface SmsLength {
  readonly encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  readonly units: number;
  /** Parts the text is sent as; an empty text still costs one. */
  readonly segments: number;
}

export const SMS_LIMITS = {
  gsm7: { single: 160, part: 153 },
  ucs2: { single: 70, part: 67 },
} as const satisfies Record<SmsEncoding, { single: number; part: number }>;

/** Whether every character is in the GSM 03.38 alphabet (basic table or extension). */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (!BASIC.has(ch) && !EXTENSION.has(ch)) return false;
  return true;
}

export function smsLength(text: string): SmsLength {
  const encoding: SmsEncoding = isGsm7(text) ? "gsm7" : "ucs2";
  const costs: number[] = [];
  for (const ch of text) costs.push(encoding === "gsm7" ? (EXTENSION.has(ch) ? 2 : 1) : ch.length);
  const units = costs.reduce((a, b) => a + b, 0);
  const limits = SMS_LIMITS[encoding];
  if (units <= limits.single) return { encoding, units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > limits.part) {
      segments++;
      used = cost;
    } else {
      used += cost;
    }
  }
  return { encoding, units, segments };
}
