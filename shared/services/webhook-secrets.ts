import type { StoredEventSubscription } from "../ports/outbound-events.js";
import type { SecretBox } from "../ports/secret-box.js";

/**
 * The encryption-context purpose webhook signing secrets are sealed under: a function granted KMS
 * for gateway credentials cannot open them, nor the other way round (infra/constructs/outbound-events.ts).
 */
export const WEBHOOK_SECRET_PURPOSE = "webhook-signing-secret";

const context = (tenantId: string) => ({ tenantId, purpose: WEBHOOK_SECRET_PURPOSE });

export function sealSigningSecret(box: SecretBox, tenantId: string, secret: string): Promise<string> {
  return box.seal(secret, context(tenantId));
}

/** The secrets a delivery is signed with now: the current one, then a rotated-out one still honoured. */
export async function openSigningSecrets(
  box: SecretBox,
  stored: StoredEventSubscription,
  now: Date,
): Promise<string[]> {
  const secrets = [await box.open(stored.secretCiphertext, context(stored.tenantId))];
  if (
    stored.previousSecretCiphertext &&
    stored.previousSecretExpiresAt &&
    Date.parse(stored.previousSecretExpiresAt) > now.getTime()
  ) {
    secrets.push(await box.open(stored.previousSecretCiphertext, context(stored.tenantId)));
  }
  return secrets;
}
