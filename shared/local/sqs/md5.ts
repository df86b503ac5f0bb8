import { createHash, type Hash } from "node:crypto";

/** A message attribute exactly as the JSON protocol carries it (`BinaryValue` in base64). */
export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

export function md5Hex(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

/**
 * SQS's digest of message attributes: attributes sorted by name; for each, the 4-byte big-endian
 * length and UTF-8 bytes of the name and of the data type, one transport byte (1 = String, for the
 * String and Number types; 2 = Binary), then the length-prefixed value bytes.
 */
export function md5OfMessageAttributes(attributes: Readonly<Record<string, MessageAttributeValue>>): string {
  const hash = createHash("md5");
  // Names are ASCII (validated), so code-unit order equals byte order.
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name];
    if (!attribute) continue;
    prefixed(hash, Buffer.from(name, "utf8"));
    prefixed(hash, Buffer.from(attribute.DataType, "utf8"));
    if (isBinaryType(attribute.DataType)) {
      hash.update(Uint8Array.of(2));
      prefixed(hash, Buffer.from(attribute.BinaryValue ?? "", "base64"));
    } else {
      hash.update(Uint8Array.of(1));
      prefixed(hash, Buffer.from(attribute.StringValue ?? "", "utf8"));
    }
  }
  return hash.digest("hex");
}

export function isBinaryType(dataType: string): boolean {
  return dataType === "Binary" || dataType.startsWith("Binary.");
}

function prefixed(hash: Hash, bytes: Buffer): void {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  hash.update(length);
  hash.update(bytes);
}
