import type { EventSelection, WebhookDelivery } from "../domain/schemas/event-subscription.js";
import type { OutboundEvent } from "../domain/schemas/outbound-event.js";
import type { Page, PageRequest } from "./repositories.js";

/** Puts public events where other AWS consumers subscribe (EventBridge; a JSON-lines file locally). */
export interface EventPublisher {
  publish(events: readonly OutboundEvent[]): Promise<void>;
}

/** One event for one tenant's webhook, as it travels on the delivery queue. */
export interface DeliveryJob {
  readonly tenantId: string;
  readonly event: OutboundEvent;
}

/**
 * The delivery queue: jobs in, and a failed job's next attempt pushed back (SQS: its visibility
 * timeout; after the queue's maxReceiveCount it moves to the DLQ).
 */
export interface DeliveryQueue {
  enqueue(jobs: readonly DeliveryJob[]): Promise<void>;
  postpone(receiptHandle: string, seconds: number): Promise<void>;
}

/**
 * Tells the delivery consumer that jobs were just queued, so the first attempt need not wait for its
 * next scheduled drain. Best effort: a wake-up lost is only a later first attempt.
 */
export interface DeliveryWaker {
  wake(): Promise<void>;
}

export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}

/** What came back: a status code, or why none did (timeout, refused, DNS). */
export type WebhookResponse = { readonly status: number } | { readonly error: string };

/** POSTs a signed delivery; never throws for the receiver's failures, only reports them. */
export interface WebhookTransport {
  post(request: WebhookRequest): Promise<WebhookResponse>;
}

/** A tenant's webhook; the signing secret(s) only sealed. */
export interface StoredEventSubscription {
  readonly tenantId: string;
  readonly url: string;
  readonly events: EventSelection;
  readonly enabled: boolean;
  readonly secretCiphertext: string;
  readonly secretHint: string;
  /** A rotated-out secret, still signed with until `previousSecretExpiresAt`. */
  readonly previousSecretCiphertext?: string | undefined;
  readonly previousSecretExpiresAt?: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** An attempt's outcome, folded into the event's delivery record. */
export interface DeliveryAttempt {
  readonly tenantId: string;
  readonly eventId: string;
  readonly type: WebhookDelivery["type"];
  readonly attempt: number;
  readonly at: string;
  readonly outcome: "delivered" | "retrying" | "failed";
  readonly statusCode?: number | undefined;
  readonly error?: string | undefined;
  readonly nextAttemptAt?: string | undefined;
}

export interface EventSubscriptionRepository {
  get(tenantId: string): Promise<StoredEventSubscription | undefined>;
  /** Creates or replaces; `expectedVersion` 0 means "must not exist yet". */
  put(subscription: StoredEventSubscription, expectedVersion: number): Promise<void>;
  delete(tenantId: string): Promise<void>;
  getDelivery(tenantId: string, eventId: string): Promise<WebhookDelivery | undefined>;
  /**
   * Records an attempt unless the event was already delivered; false then (a duplicate job). A
   * `delivered` outcome is therefore recorded once per event, whatever the queue redelivers.
   */
  recordAttempt(attempt: DeliveryAttempt): Promise<boolean>;
  /** The tenant's deliveries, newest event first. */
  listDeliveries(tenantId: string, page: PageRequest): Promise<Page<WebhookDelivery>>;
}
