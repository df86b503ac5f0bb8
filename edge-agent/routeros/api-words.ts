/**
 * RouterOS API word and sentence codec. A word is a length prefix (1 to 5 bytes) followed by that many
 * bytes; a sentence is a run of words closed by a zero-length word. Words stay raw bytes here so a
 * proxy can pass them through unchanged; text conversion is the caller's choice.
 */

/** Largest length the 5-byte form can carry. */
export const MAX_WORD_LENGTH = 0xffffffff;

export class WordProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WordProtocolError";
  }
}

export function encodeLength(length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_WORD_LENGTH) {
    throw new RangeError(`word length out of range: ${length}`);
  }
  if (length < 0x80) return Buffer.from([length]);
  if (length < 0x4000) return Buffer.from([(length >>> 8) | 0x80, length & 0xff]);
  if (length < 0x200000) {
    return Buffer.from([(length >>> 16) | 0xc0, (length >>> 8) & 0xff, length & 0xff]);
  }
  if (length < 0x10000000) {
    return Buffer.from([
      (length >>> 24) | 0xe0,
      (length >>> 16) & 0xff,
      (length >>> 8) & 0xff,
      length & 0xff,
    ]);
  }
  const out = Buffer.alloc(5);
  out[0] = 0xf0;
  out.writeUInt32BE(length, 1);
  return out;
}

/**
 * Reads a length prefix at `offset`. Returns undefined when the buffer ends inside the prefix, so a
 * stream decoder can wait for more bytes.
 */
export function decodeLength(buf: Buffer, offset = 0): { length: number; size: number } | undefined {
  const first = buf[offset];
  if (first === undefined) return undefined;
  let size: number;
  if ((first & 0x80) === 0x00) size = 1;
  else if ((first & 0xc0) === 0x80) size = 2;
  else if ((first & 0xe0) === 0xc0) size = 3;
  else if ((first & 0xf0) === 0xe0) size = 4;
  else if (first === 0xf0) size = 5;
  else throw new WordProtocolError(`reserved control byte 0x${first.toString(16)} in word length`);
  if (buf.length - offset < size) return undefined;
  if (size === 1) return { length: first, size };
  if (size === 5) return { length: buf.readUInt32BE(offset + 1), size };
  // The prefix bits are masked off the first byte; the remaining bytes are big-endian.
  let length = first & (0xff >>> size);
  for (let i = 1; i < size; i++) length = length * 256 + (buf[offset + i] ?? 0);
  return { length, size };
}

export function encodeWord(word: string | Buffer): Buffer {
  const bytes = typeof word === "string" ? Buffer.from(word, "utf8") : word;
  return Buffer.concat([encodeLength(bytes.length), bytes]);
}

export function encodeSentence(words: readonly (string | Buffer)[]): Buffer {
  return Buffer.concat([...words.map((w) => encodeWord(w)), Buffer.from([0])]);
}

export interface SentenceDecoderOptions {
  /** Words longer than this are treated as a protocol error instead of being buffered. */
  readonly maxWordBytes?: number;
  /** Cap on words per sentence, so a peer that never sends the terminator can not grow memory. */
  readonly maxWords?: number;
}

/** Incremental decoder: feed socket chunks, get back every sentence completed so far. */
export class SentenceDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  /** Chunks held back until `buffer` plus them reaches `need` bytes, so a long word is joined once. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private need = 1;
  private words: Buffer[] = [];
  private readonly maxWordBytes: number;
  private readonly maxWords: number;

  constructor(options: SentenceDecoderOptions = {}) {
    this.maxWordBytes = options.maxWordBytes ?? 16 * 1024 * 1024;
    this.maxWords = options.maxWords ?? 10_000;
  }

  push(chunk: Buffer): Buffer[][] {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.buffer.length + this.heldBytes < this.need) return [];
    this.buffer = Buffer.concat([this.buffer, ...this.held]);
    this.held = [];
    this.heldBytes = 0;
    const sentences: Buffer[][] = [];
    let offset = 0;
    this.need = 1;
    // Every pass consumes at least one byte, so the loop is bounded by the buffer length.
    while (offset < this.buffer.length) {
      const prefix = decodeLength(this.buffer, offset);
      if (prefix === undefined) {
        this.need = this.buffer.length - offset + 1;
        break;
      }
      if (prefix.length > this.maxWordBytes) {
        throw new WordProtocolError(`word of ${prefix.length} bytes exceeds ${this.maxWordBytes}`);
      }
      const end = offset + prefix.size + prefix.length;
      if (end > this.buffer.length) {
        this.need = end - offset;
        break;
      }
      if (prefix.length === 0) {
        sentences.push(this.words);
        this.words = [];
      } else {
        if (this.words.length >= this.maxWords) throw new WordProtocolError("sentence has too many words");
        this.words.push(Buffer.from(this.buffer.subarray(offset + prefix.size, end)));
      }
      offset = end;
    }
    this.buffer = this.buffer.subarray(offset);
    return sentences;
  }

  /** Bytes held for an incomplete word plus words of an incomplete sentence. */
  get pendingBytes(): number {
    return this.buffer.length + this.heldBytes + this.words.reduce((n, w) => n + w.length, 0);
  }
}

export const wordsToStrings = (words: readonly Buffer[]): string[] => words.map((w) => w.toString("utf8"));
