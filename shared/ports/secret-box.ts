/**
 * Seals small secrets (a tenant's gateway credentials) for storage. The context (tenant, gateway)
 * is bound to the ciphertext: a sealed value copied to another tenant's record does not open.
 * Implementations: AWS KMS in the cloud, AES-256-GCM with a local key file in `npm start`.
 */
export interface SecretBox {
  seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string>;
  open(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string>;
}

/** A sealed value did not open: wrong key, wrong context, or tampered. Never carries the value. */
export class SecretBoxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SecretBoxError";
  }
}
