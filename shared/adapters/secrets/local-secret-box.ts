import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { type SecretBox, SecretBoxError } from "../../ports/secret-box.js";

const VERSION = "l1";

/**
 * AES-256-GCM with a 32-byte key held by the local process (npm start keeps it in its data
 * directory). The context is the additional authenticated data, so it must match to open.
 * Format: `l1.<iv>.<tag>.<ciphertext>`, base64url parts.
 */
export class LocalSecretBox implements SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new RangeError("the local secret key must be 32 bytes");
    this.key = key;
  }

  static generateKey(): Buffer {
    return randomBytes(32);
  }

  async seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(aad(context));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), body].map(part).join(".");
  }

  async open(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const [version, iv, tag, body] = ciphertext.split(".");
    if (version !== VERSION || !iv || !tag || body === undefined) {
      throw new SecretBoxError("not a locally sealed value");
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
      decipher.setAAD(aad(context));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString(
        "utf8",
      );
    } catch (error) {
      throw new SecretBoxError("the sealed value does not open with this key and context", { cause: error });
    }
  }
}

function part(p: string | Buffer): string {
  return typeof p === "string" ? p : p.toString("base64url");
}

/** Sorted so the same context always gives the same bytes. */
export function aad(context: Readonly<Record<string, string>>): Buffer {
  const sorted = Object.keys(context)
    .sort()
    .map((k) => [k, context[k]]);
  return Buffer.from(JSON.stringify(sorted), "utf8");
}
