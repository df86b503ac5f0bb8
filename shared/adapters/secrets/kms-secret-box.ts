import { DecryptCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import { type SecretBox, SecretBoxError } from "../../ports/secret-box.js";

export interface KmsSecretBoxOptions {
  /** The customer-managed key's ARN. */
  readonly keyId: string;
  readonly client?: KMSClient;
}

/**
 * Gateway credentials are a few hundred bytes, well under KMS's 4 KB direct-encryption limit, so
 * they are encrypted by KMS itself; the encryption context (tenant, gateway) is bound to the
 * ciphertext and shows in CloudTrail on every decrypt.
 */
export class KmsSecretBox implements SecretBox {
  private readonly client: KMSClient;

  constructor(private readonly options: KmsSecretBoxOptions) {
    this.client = options.client ?? new KMSClient({});
  }

  async seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const out = await this.client.send(
      new EncryptCommand({
        KeyId: this.options.keyId,
        Plaintext: Buffer.from(plaintext, "utf8"),
        EncryptionContext: { ...context },
      }),
    );
    if (!out.CiphertextBlob) throw new SecretBoxError("KMS returned no ciphertext");
    return `k1.${Buffer.from(out.CiphertextBlob).toString("base64")}`;
  }

  async open(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string> {
    if (!ciphertext.startsWith("k1.")) throw new SecretBoxError("not a KMS-sealed value");
    try {
      const out = await this.client.send(
        new DecryptCommand({
          KeyId: this.options.keyId,
          CiphertextBlob: Buffer.from(ciphertext.slice(3), "base64"),
          EncryptionContext: { ...context },
        }),
      );
      if (!out.Plaintext) throw new SecretBoxError("KMS returned no plaintext");
      return Buffer.from(out.Plaintext).toString("utf8");
    } catch (error) {
      if (error instanceof SecretBoxError) throw error;
      throw new SecretBoxError("the sealed value did not open", { cause: error });
    }
  }
}
