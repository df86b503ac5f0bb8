import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeLength,
  encodeLength,
  encodeSentence,
  encodeWord,
  SentenceDecoder,
  WordProtocolError,
} from "../../../edge-agent/routeros/api-words.js";

/** Every boundary of the 1 to 5 byte length forms, with the prefix the API spec gives it. */
const BOUNDARIES: [length: number, size: number, firstByte: number][] = [
  [0, 1, 0x00],
  [0x7f, 1, 0x7f],
  [0x80, 2, 0x80],
  [0x3fff, 2, 0xbf],
  [0x4000, 3, 0xc0],
  [0x1fffff, 3, 0xdf],
  [0x200000, 4, 0xe0],
  [0xfffffff, 4, 0xef],
  [0x10000000, 5, 0xf0],
  [0xffffffff, 5, 0xf0],
];

describe("RouterOS API word encoding", () => {
  it.each(BOUNDARIES)(
    "length %i uses %i prefix byte(s), the first %i, and decodes back",
    (length, size, first) => {
      const prefix = encodeLength(length);
      expect(prefix).toHaveLength(size);
      expect(prefix[0]).toBe(first);
      expect(decodeLength(prefix)).toEqual({ length, size });
    },
  );

  it("matches the spec's byte layout", () => {
    expect([...encodeLength(0x80)]).toEqual([0x80, 0x80]);
    expect([...encodeLength(0x4000)]).toEqual([0xc0, 0x40, 0x00]);
    expect([...encodeLength(0x200000)]).toEqual([0xe0, 0x20, 0x00, 0x00]);
    expect([...encodeLength(0x10000000)]).toEqual([0xf0, 0x10, 0x00, 0x00, 0x00]);
  });

  // Whole words up to the 4-byte form (a zero-length word is the terminator); the 256 MiB words of
  // the 4/5-byte boundary are covered through their prefixes above.
  it.each([1, 0x7f, 0x80, 0x3fff, 0x4000, 0x1fffff, 0x200000])(
    "round-trips a whole %i-byte word",
    (length) => {
      const word = Buffer.alloc(length, 0x61);
      const [sentence] = new SentenceDecoder({ maxWordBytes: 0x400000 }).push(encodeSentence([word, "=x=1"]));
      expect(sentence?.[0]?.equals(word)).toBe(true);
      expect(sentence?.at(-1)?.toString()).toBe("=x=1");
    },
  );

  it("reassembles sentences delivered one byte at a time", () => {
    const bytes = Buffer.concat([
      encodeSentence(["!re", "=name=a".padEnd(300, "x"), ".tag=1"]),
      encodeSentence(["!done", ".tag=1"]),
    ]);
    const decoder = new SentenceDecoder();
    const out = [...bytes].flatMap((b) => decoder.push(Buffer.from([b])));
    expect(out.map((s) => s.map((w) => w.toString()))).toEqual([
      ["!re", "=name=a".padEnd(300, "x"), ".tag=1"],
      ["!done", ".tag=1"],
    ]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it("reassembles a 1 MiB word from 1 KiB chunks, emitting nothing early", () => {
    const word = Buffer.alloc(1024 * 1024, 0x62);
    const bytes = encodeSentence([word]);
    const decoder = new SentenceDecoder();
    const out: Buffer[][] = [];
    for (let at = 0; at < bytes.length; at += 1024) {
      const got = decoder.push(bytes.subarray(at, at + 1024));
      if (at + 1024 < bytes.length) expect(got).toEqual([]);
      out.push(...got);
    }
    expect(out).toHaveLength(1);
    expect(out[0]?.[0]?.equals(word)).toBe(true);
  });

  it("round-trips arbitrary sentences split at arbitrary points", () => {
    const word = fc.string({ minLength: 1, maxLength: 400 });
    fc.assert(
      fc.property(
        fc.array(fc.array(word, { minLength: 1, maxLength: 6 }), { maxLength: 5 }),
        fc.nat(),
        (sentences, cut) => {
          const bytes = Buffer.concat(sentences.map((s) => encodeSentence(s)));
          const at = bytes.length === 0 ? 0 : cut % bytes.length;
          const decoder = new SentenceDecoder();
          const out = [...decoder.push(bytes.subarray(0, at)), ...decoder.push(bytes.subarray(at))];
          expect(out.map((s) => s.map((w) => w.toString("utf8")))).toEqual(sentences);
        },
      ),
    );
  });

  it("rejects reserved control bytes and oversized words instead of buffering them", () => {
    expect(() => new SentenceDecoder().push(Buffer.from([0xf8, 0, 0]))).toThrow(WordProtocolError);
    expect(() => new SentenceDecoder({ maxWordBytes: 10 }).push(encodeLength(11))).toThrow(WordProtocolError);
  });

  it("refuses lengths no prefix can carry", () => {
    expect(() => encodeLength(-1)).toThrow(RangeError);
    expect(() => encodeLength(0x100000000)).toThrow(RangeError);
    expect(encodeWord("abc")).toEqual(Buffer.from([3, 0x61, 0x62, 0x63]));
  });
});
