import type { Clock } from "../domain/clock.js";
import { toOutboundEvent, UnmappableEventError } from "../domain/outbound-events/catalogue.js";
import {
  retryDelaySeconds,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_TIMEOUT_MS,
} from "../domain/outbound-events/retry.js";
import { SIGNATURE_HEADER, signatureHeader, WEBHOOK_ID_HEADER } from "../domain/outbound-events/signature.js";
import { type WebhookUrlPolicy, webhookUrlProblem } from "../domain/outbound-events/webhook-url.js";
import type { EventSelection } from "../domain/schemas/event-subscription.js";
import type { OutboundEvent } from "../domain/schemas/outbound-event.js";
import type { TimelineEvent } from "../domain/schemas/timeline.js";
import type { Logger } from "../logger.js";
import type {
  DeliveryJob,
  DeliveryQueue,
  DeliveryWaker,
  EventPublisher,
  EventSubscriptionRepository,
  StoredEventSubscription,
  WebhookTransport,
} from "../ports/outbound-events.js";
import type { SecretBox } from "../ports/secret-box.js";
import { openSigningSecrets } from "./webhook-secrets.js";

interface BaseDeps {
  readonly subscriptions: EventSubscriptionRepository;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The stream side: timeline events in, public events out to the bus and the delivery queue. */
export interface PublishDeps extends BaseDeps {
  readonly publisher: EventPublisher;
  readonly queue: Pick<DeliveryQueue, "enqueue">;
  /** Starts the first attempts now; absent, they wait for the delivery queue's drain. */
  readonly waker?: DeliveryWaker;
}

/** Best effort: without the wake-up, the delivery queue's next scheduled drain takes the jobs. */
async function wakeDeliverer(deps: PublishDeps, queued: number): Promise<void> {
  if (!deps.waker) return;
  try {
    await deps.waker.wake();
  } catch (error) {
    deps.logger.warn("webhook deliverer not woken; its scheduled drain takes the jobs", { queued, error });
  }
}

/** The delivery side: one job, one signed POST, its outcome recorded. */
export interface DeliverDeps extends BaseDeps {
  readonly secrets: SecretBox;
  readonly transport: WebhookTransport;
  readonly urlPolicy: WebhookUrlPolicy;
  /** First retry delay; each next one is 4x (see retry.ts). */
  readonly retryBaseSeconds: number;
}

/** A timeline event as the table's stream delivered it, with the tenant its key names. */
export interface SourceEvent {
  readonly tenantId: string;
  readonly event: TimelineEvent;
}

export function subscribesTo(selection: EventSelection, type: OutboundEvent["type"]): boolean {
  return selection.includes("*") || selection.includes(type);
}

/**
 * Maps a batch of timeline events to public events, puts them all on the bus, and queues a delivery
 * for each one the tenant's enabled webhook asked for. Anything failing throws, so the stream
 * retries the batch: the bus may then see an event twice and the queue a job twice, both carrying
 * the same event id (the delivery record drops the second success, receivers de-duplicate on id).
 */
export async function publishTimelineEvents(
  deps: PublishDeps,
  sources: readonly SourceEvent[],
): Promise<{ published: number; queued: number }> {
  const events: OutboundEvent[] = [];
  for (const { tenantId, event } of sources) {
    try {
      const outbound = toOutboundEvent(tenantId, event);
      if (outbound) events.push(outbound);
    } catch (error) {
      if (!(error instanceof UnmappableEventError)) throw error;
      // A retry cannot fix the data: report it and let the rest of the batch through.
      deps.logger.error("timeline event not publishable", {
        tenantId,
        eventId: error.eventId,
        paths: error.paths,
      });
    }
  }
  if (events.length === 0) return { published: 0, queued: 0 };
  await deps.publisher.publish(events);
  const subscriptions = new Map<string, Promise<StoredEventSubscription | undefined>>();
  const jobs: DeliveryJob[] = [];
  for (const event of events) {
    let lookup = subscriptions.get(event.tenantId);
    if (!lookup) {
      lookup = deps.subscriptions.get(event.tenantId);
      subscriptions.set(event.tenantId, lookup);
    }
    const subscription = await lookup;
    if (subscription?.enabled && subscribesTo(subscription.events, event.type)) {
      jobs.push({ tenantId: event.tenantId, event });
    }
  }
  if (jobs.length > 0) {
    await deps.queue.enqueue(jobs);
    await wakeDeliverer(deps, jobs.length);
  }
  deps.logger.info("outbound events published", { published: events.length, queued: jobs.length });
  return { published: events.length, queued: jobs.length };
}

export type DeliveryOutcome =
  | { readonly outcome: "delivered"; readonly status: number }
  /** Nothing to do: delivered before, or the webhook is gone, off, or no longer wants the type. */
  | { readonly outcome: "skipped"; readonly reason: string }
  | { readonly outcome: "retry"; readonly afterSeconds: number; readonly reason: string }
  /** The last attempt failed too: the job goes to the delivery DLQ. */
  | { readonly outcome: "failed"; readonly reason: string };

/**
 * One attempt at a job. The webhook is re-read (an admin may have changed the URL or switched it
 * off since the event was queued) and the body signed at send time, so `t` is fresh on each retry.
 * The receiver's failures (non-2xx, timeout, network) are outcomes, never exceptions.
 */
export async function deliverWebhook(
  deps: DeliverDeps,
  job: DeliveryJob,
  attempt: number,
): Promise<DeliveryOutcome> {
  const { tenantId, event } = job;
  const log = deps.logger.child({ tenantId, eventId: event.id, type: event.type, attempt });
  const previous = await deps.subscriptions.getDelivery(tenantId, event.id);
  if (previous?.status === "delivered") return { outcome: "skipped", reason: "already delivered" };
  const subscription = await deps.subscriptions.get(tenantId);
  if (!subscription) return { outcome: "skipped", reason: "no webhook" };
  if (!subscription.enabled) return { outcome: "skipped", reason: "webhook disabled" };
  if (!subscribesTo(subscription.events, event.type)) return { outcome: "skipped", reason: "not subscribed" };

  const now = deps.clock.now();
  const record = (
    outcome: "delivered" | "retrying" | "failed",
    extra: { statusCode?: number; error?: string; nextAttemptAt?: string },
  ) =>
    deps.subscriptions.recordAttempt({
      tenantId,
      eventId: event.id,
      type: event.type,
      attempt,
      at: deps.clock.now().toISOString(),
      outcome,
      ...extra,
    });

  const refused = webhookUrlProblem(subscription.url, deps.urlPolicy);
  const response = refused
    ? { error: `URL refused: ${refused}` }
    : await post(deps, subscription, job.event, now);
  if ("status" in response && response.status >= 200 && response.status < 300) {
    const first = await record("delivered", { statusCode: response.status });
    log.info(first ? "webhook delivered" : "webhook delivered again (duplicate job)", {
      status: response.status,
    });
    return first
      ? { outcome: "delivered", status: response.status }
      : { outcome: "skipped", reason: "already delivered" };
  }
  const reason = "status" in response ? `HTTP ${response.status}` : response.error;
  const statusCode = "status" in response ? response.status : undefined;
  if (attempt >= WEBHOOK_MAX_ATTEMPTS) {
    await record("failed", { statusCode, error: reason });
    log.warn("webhook delivery given up", { reason });
    return { outcome: "failed", reason };
  }
  const afterSeconds = retryDelaySeconds(attempt, deps.retryBaseSeconds);
  const nextAttemptAt = new Date(deps.clock.now().getTime() + afterSeconds * 1000).toISOString();
  await record("retrying", { statusCode, error: reason, nextAttemptAt });
  log.info("webhook delivery failed; will retry", { reason, afterSeconds });
  return { outcome: "retry", afterSeconds, reason };
}

async function post(
  deps: DeliverDeps,
  subscription: StoredEventSubscription,
  event: OutboundEvent,
  now: Date,
) {
  const secrets = await signingSecrets(deps, subscription, now);
  const body = JSON.stringify(event);
  const timestamp = Math.floor(now.getTime() / 1000);
  return deps.transport.post({
    url: subscription.url,
    body,
    timeoutMs: WEBHOOK_TIMEOUT_MS,
    headers: {
      "content-type": "application/json",
      "user-agent": "isp-billing-webhooks/1",
      [WEBHOOK_ID_HEADER]: event.id,
      [SIGNATURE_HEADER]: signatureHeader(secrets, timestamp, body),
    },
  });
}

/**
 * Opened secrets are kept for a minute per execution environment and subscription version: a burst
 * for one tenant costs one KMS decrypt, and a rotation (a new version) takes effect at once.
 */
const SECRET_CACHE_MS = 60_000;
const secretCache = new Map<string, { readonly until: number; readonly secrets: Promise<string[]> }>();

function signingSecrets(
  deps: DeliverDeps,
  subscription: StoredEventSubscription,
  now: Date,
): Promise<string[]> {
  const key = `${subscription.tenantId}:${subscription.version}`;
  const hit = secretCache.get(key);
  if (hit && hit.until > now.getTime()) return hit.secrets;
  const secrets = openSigningSecrets(deps.secrets, subscription, now);
  if (secretCache.size > 1000) secretCache.clear();
  secretCache.set(key, { until: now.getTime() + SECRET_CACHE_MS, secrets });
  secrets.catch(() => secretCache.delete(key));
  return secrets;
}
