import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isGsm7, smsLength } from "../../../shared/domain/notifications/index.js";

describe("smsLength in the GSM 7-bit alphabet", () => {
  it("fits 160 characters in one SMS and needs two from 161", () => {
    expect(smsLength("a".repeat(160))).toEqual({ encoding: "gsm7", units: 160, segments: 1 });
    expect(smsLength("a".repeat(161))).toEqual({ encoding: "gsm7", units: 161, segments: 2 });
  });

  it("holds 153 per concatenated part", () => {
    expect(smsLength("a".repeat(306)).segments).toBe(2);
    expect(smsLength("a".repeat(307)).segments).toBe(3);
    expect(smsLength("a".repeat(459)).segments).toBe(3);
    expect(smsLength("a".repeat(460)).segments).toBe(4);
  });

  it("counts extension characters as two septets", () => {
    expect(smsLength("€".repeat(80))).toEqual({ encoding: "gsm7", units: 160, segments: 1 });
    expect(smsLength(`${"€".repeat(80)}a`)).toEqual({ encoding: "gsm7", units: 161, segments: 2 });
    expect(smsLength("{}[]~|^\\").units).toBe(16);
  });

  it("never splits an escape pair between parts", () => {
    // 306 septets would be two full parts, but the € would straddle the first boundary.
    const text = `${"a".repeat(152)}€${"a".repeat(152)}`;
    expect(smsLength(text)).toEqual({ encoding: "gsm7", units: 306, segments: 3 });
  });

  it("treats an empty text as one SMS", () => {
    expect(smsLength("")).toEqual({ encoding: "gsm7", units: 0, segments: 1 });
  });

  it("matches ceil(units / 153) for plain GSM text of any length", () => {
    const gsmChar = fc.constantFrom(..."abcXYZ019 .,:@£$¥èé\nÆßÉ!?_ΔΦ");
    fc.assert(
      fc.property(fc.array(gsmChar, { maxLength: 1000 }), (chars) => {
        const text = chars.join("");
        const expected = text.length <= 160 ? 1 : Math.ceil(text.length / 153);
        expect(smsLength(text)).toEqual({ encoding: "gsm7", units: text.length, segments: expected });
      }),
    );
  });
});

describe("smsLength in UCS-2", () => {
  it("fits 70 Bangla characters in one SMS and 67 per part after that", () => {
    expect(smsLength("অ".repeat(70))).toEqual({ encoding: "ucs2", units: 70, segments: 1 });
    expect(smsLength("অ".repeat(71))).toEqual({ encoding: "ucs2", units: 71, segments: 2 });
    expect(smsLength("অ".repeat(134)).segments).toBe(2);
    expect(smsLength("অ".repeat(135)).segments).toBe(3);
  });

  it("switches the whole text to UCS-2 for one character outside GSM", () => {
    expect(isGsm7("Pay 500.00 BDT")).toBe(true);
    expect(isGsm7("Pay ৳500.00")).toBe(false);
    expect(smsLength(`${"a".repeat(100)}৳`)).toEqual({ encoding: "ucs2", units: 101, segments: 2 });
  });

  it("never splits a surrogate pair between parts", () => {
    const text = `${"অ".repeat(66)}😀${"অ".repeat(66)}`;
    expect(smsLength(text)).toEqual({ encoding: "ucs2", units: 134, segments: 3 });
  });
});
