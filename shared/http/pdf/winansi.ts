/**
 * Text for the standard PDF fonts. Helvetica in a PDF without embedded fonts draws only the
 * WinAnsiEncoding repertoire, so everything else is turned into it here, before drawing:
 * - printable ASCII and Latin-1 (U+00A0-U+00FF, the same codes in WinAnsi) stay as they are;
 * - typographic quotes, dashes, ellipsis become their ASCII look-alikes; ৳ is "Tk", ₹ "Rs";
 * - Bengali and Devanagari (Hindi, Nepali) are transliterated to Latin letters: consonants carry
 *   their inherent "a" unless a vowel sign or the virama follows, a word's final inherent vowel is
 *   dropped (রহিম -> Rahim, उद्दीन -> Uddin), native digits become 0-9, the danda a full stop. It is a
 *   reading aid, not a scholarly romanisation (no diacritics: they are outside WinAnsi);
 * - accented letters outside Latin-1 lose their accents (Ł stays "?", ā becomes "a");
 * - anything else becomes "?", and control characters become spaces.
 * The HTML page shows the original text; only the PDF carries the transliteration.
 */

const PUNCTUATION: Readonly<Record<string, string>> = {
  "\u2018": "'",
  "\u2019": "'",
  "\u201A": "'",
  "\u201C": '"',
  "\u201D": '"',
  "\u201E": '"',
  "\u2013": "-",
  "\u2014": "-",
  "\u2212": "-",
  "\u2026": "...",
  "\u2022": "\u00B7",
  "\u20B9": "Rs",
  "\u09F3": "Tk",
  "\u20AC": "EUR",
  "\u0964": ".",
  "\u0965": ".",
  "\u0141": "L",
  "\u0142": "l",
  "\u0110": "D",
  "\u0111": "d",
  "\u0131": "i",
  "\u0152": "OE",
  "\u0153": "oe",
};

interface Script {
  readonly consonants: Readonly<Record<string, string>>;
  readonly vowels: Readonly<Record<string, string>>;
  readonly signs: Readonly<Record<string, string>>;
  /** Consonants that carry no inherent vowel (Bengali khanda ta). */
  readonly dead: Readonly<Record<string, string>>;
  readonly marks: Readonly<Record<string, string>>;
  readonly virama: string;
  readonly nukta: string;
  readonly zeroDigit: number;
}

const BENGALI: Script = {
  consonants: table(
    "ক k খ kh গ g ঘ gh ঙ ng চ ch ছ chh জ j ঝ jh ঞ ny ট t ঠ th ড d ঢ dh ণ n ত t থ th দ d ধ dh ন n " +
      "প p ফ ph ব b ভ bh ম m য j র r ল l শ sh ষ sh স s হ h ড় r ঢ় rh য় y",
  ),
  vowels: table("অ a আ a ই i ঈ i উ u ঊ u ঋ ri এ e ঐ oi ও o ঔ ou"),
  signs: table("া a ি i ী i ু u ূ u ৃ ri ে e ৈ oi ো o ৌ ou"),
  dead: table("ৎ t"),
  marks: table("ং ng ঃ h ঁ n"),
  virama: "\u09CD",
  nukta: "\u09BC",
  zeroDigit: 0x09e6,
};

const DEVANAGARI: Script = {
  consonants: table(
    "क k ख kh ग g घ gh ङ ng च ch छ chh ज j झ jh ञ ny ट t ठ th ड d ढ dh ण n त t थ th द d ध dh न n " +
      "प p फ ph ब b भ bh म m य y र r ल l व v श sh ष sh स s ह h क़ q ख़ kh ग़ gh ज़ z ड़ r ढ़ rh फ़ f य़ y",
  ),
  vowels: table("अ a आ a इ i ई i उ u ऊ u ऋ ri ए e ऐ ai ओ o औ au"),
  signs: table("ा a ि i ी i ु u ू u ृ ri े e ै ai ो o ौ au"),
  dead: {},
  marks: table("ं n ः h ँ n"),
  virama: "\u094D",
  nukta: "\u093C",
  zeroDigit: 0x0966,
};

function table(pairs: string): Record<string, string> {
  const words = pairs.split(" ");
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < words.length; i += 2) out[(words[i] ?? "").normalize("NFC")] = words[i + 1] ?? "";
  return out;
}

function scriptOf(ch: string): Script | undefined {
  const code = ch.codePointAt(0) ?? 0;
  if (code >= 0x0980 && code <= 0x09ff) return BENGALI;
  if (code >= 0x0900 && code <= 0x097f) return DEVANAGARI;
  return undefined;
}

/** One word of an Indic script in Latin letters, capitalised. */
function transliterateWord(chars: readonly string[], script: Script): string {
  let out = "";
  let inherent = false;
  let syllables = 0;
  let afterVirama = false;
  for (const ch of chars) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === script.nukta) continue;
    const joined = afterVirama;
    afterVirama = ch === script.virama;
    if (ch === script.virama) {
      inherent = false;
      continue;
    }
    // Bengali ya-phala (্য, as in শ্যামল) is written y, not j.
    if (joined && script === BENGALI && ch === "য") {
      out += "y";
      inherent = true;
      continue;
    }
    const sign = script.signs[ch];
    if (sign !== undefined) {
      out += sign;
      inherent = false;
      continue;
    }
    if (inherent) out += "a";
    inherent = false;
    const consonant = script.consonants[ch];
    if (consonant !== undefined) {
      out += consonant;
      inherent = true;
      syllables++;
    } else if (script.vowels[ch] !== undefined) {
      out += script.vowels[ch];
      syllables++;
    } else if (script.dead[ch] !== undefined) out += script.dead[ch];
    else if (script.marks[ch] !== undefined) out += script.marks[ch];
    else if (code >= script.zeroDigit && code <= script.zeroDigit + 9) out += String(code - script.zeroDigit);
    else out += PUNCTUATION[ch] ?? "";
  }
  // A word-final inherent vowel is silent, except in a word of one consonant.
  if (inherent && syllables === 1 && out.length <= 3) out += "a";
  return out.charAt(0).toUpperCase() + out.slice(1);
}

function latinOf(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff)) return ch;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return " ";
  const mapped = PUNCTUATION[ch];
  if (mapped !== undefined) return mapped;
  const bare = ch.normalize("NFD").replace(/\p{M}/gu, "");
  return bare !== ch && [...bare].every((c) => (c.codePointAt(0) ?? 0) <= 0xff) ? bare : "?";
}

/** The text in WinAnsi-drawable characters (each char code 32-126 or 160-255). */
export function toWinAnsi(text: string): string {
  const chars = [...text.normalize("NFC")];
  let out = "";
  for (let i = 0; i < chars.length; ) {
    const ch = chars[i] ?? "";
    const script = scriptOf(ch);
    if (!script || PUNCTUATION[ch] !== undefined) {
      out += latinOf(ch);
      i++;
      continue;
    }
    let end = i;
    while (
      end < chars.length &&
      scriptOf(chars[end] ?? "") === script &&
      PUNCTUATION[chars[end] ?? ""] === undefined
    )
      end++;
    out += transliterateWord(chars.slice(i, end), script);
    i = end;
  }
  return out;
}
