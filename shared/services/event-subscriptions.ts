import { NotFoundError, ValidationError } from "../domain/errors.js";
import { newSigningSecret, secretHint } from "../domain/outbound-events/signature.js";
import { type WebhookUrlPolicy, webhookUrlProblem } from "../domain/outbound-events/webhook-url.js";
import type {
  EventSubscription,
  EventSubscriptionWithSecret,
  PutEventSubscriptionInput,
  RotateSecretInput,
  WebhookDelivery,
} from "../domain/schemas/event-subscription.js";
import type { StoredEventSubscription } from "../ports/outbound-events.js";
import type { Page, PageRequest } from "../ports/repositories.js";
import type { Caller, ServiceDeps } from "./caller.js";
import { sealSigningSecret } from "./webhook-secrets.js";

function publicView(stored: StoredEventSubscription, now: Date): EventSubscription {
  const previousLive =
    stored.previousSecretExpiresAt !== undefined &&
    Date.parse(stored.previousSecretExpiresAt) > now.getTime();
  return {
    tenantId: stored.tenantId,
    url: stored.url,
    events: [...stored.events],
    enabled: stored.enabled,
    secretHint: stored.secretHint,
    ...(previousLive ? { previousSecretExpiresAt: stored.previousSecretExpiresAt } : {}),
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
    version: stored.version,
  };
}

export async function getEventSubscription(deps: ServiceDeps, caller: Caller): Promise<EventSubscription> {
  const stored = await deps.repos.eventSubscriptions.get(caller.tenantId);
  if (!stored) throw new NotFoundError("No event subscription: PUT /v1/event-subscription to create one");
  return publicView(stored, deps.clock.now());
}

/**
 * `PUT /v1/event-subscription`: creates the tenant's webhook with a new signing secret (returned this
 * once), or replaces its URL, events and switch while keeping the secret.
 */
export async function putEventSubscription(
  deps: ServiceDeps,
  caller: Caller,
  input: PutEventSubscriptionInput,
  policy: WebhookUrlPolicy,
): Promise<{
  readonly created: boolean;
  readonly subscription: EventSubscription | EventSubscriptionWithSecret;
}> {
  const problem = webhookUrlProblem(input.url, policy);
  if (problem) {
    throw new ValidationError("Invalid webhook URL", [{ in: "body", path: "url", message: problem }]);
  }
  const now = deps.clock.now();
  const at = now.toISOString();
  const existing = await deps.repos.eventSubscriptions.get(caller.tenantId);
  if (existing) {
    const next: StoredEventSubscription = {
      ...existing,
      url: input.url,
      events: input.events,
      enabled: input.enabled,
      updatedAt: at,
      version: existing.version + 1,
    };
    await deps.repos.eventSubscriptions.put(next, existing.version);
    return { created: false, subscription: publicView(next, now) };
  }
  const secret = newSigningSecret();
  const stored: StoredEventSubscription = {
    tenantId: caller.tenantId,
    url: input.url,
    events: input.events,
    enabled: input.enabled,
    secretCiphertext: await sealSigningSecret(deps.payments.secrets, caller.tenantId, secret),
    secretHint: secretHint(secret),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  await deps.repos.eventSubscriptions.put(stored, 0);
  return { created: true, subscription: { ...publicView(stored, now), secret } };
}

export async function deleteEventSubscription(deps: ServiceDeps, caller: Caller): Promise<void> {
  await deps.repos.eventSubscriptions.delete(caller.tenantId);
}

/**
 * A new signing secret, returned this once. The old one keeps signing beside it (a second `v1=`)
 * for `keepPreviousForHours`, so receivers can switch without a gap; 0 drops it at once.
 */
export async function rotateSigningSecret(
  deps: ServiceDeps,
  caller: Caller,
  input: RotateSecretInput,
): Promise<EventSubscriptionWithSecret> {
  const existing = await deps.repos.eventSubscriptions.get(caller.tenantId);
  if (!existing) throw new NotFoundError("No event subscription to rotate the secret of");
  const now = deps.clock.now();
  const secret = newSigningSecret();
  const keep = input.keepPreviousForHours > 0;
  const next: StoredEventSubscription = {
    ...existing,
    secretCiphertext: await sealSigningSecret(deps.payments.secrets, caller.tenantId, secret),
    secretHint: secretHint(secret),
    previousSecretCiphertext: keep ? existing.secretCiphertext : undefined,
    previousSecretExpiresAt: keep
      ? new Date(now.getTime() + input.keepPreviousForHours * 3_600_000).toISOString()
      : undefined,
    updatedAt: now.toISOString(),
    version: existing.version + 1,
  };
  await deps.repos.eventSubscriptions.put(next, existing.version);
  return { ...publicView(next, now), secret };
}

export async function listWebhookDeliveries(
  deps: ServiceDeps,
  caller: Caller,
  page: PageRequest,
): Promise<Page<WebhookDelivery>> {
  return deps.repos.eventSubscriptions.listDeliveries(caller.tenantId, page);
}
