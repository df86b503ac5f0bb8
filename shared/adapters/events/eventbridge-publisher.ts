import {
  EventBridgeClient,
  type EventBridgeClientConfig,
  PutEventsCommand,
} from "@aws-sdk/client-eventbridge";
import type { OutboundEvent } from "../../domain/schemas/outbound-event.js";
import type { EventPublisher } from "../../ports/outbound-events.js";

/** The `source` of every event this project puts on its bus; rules match on it and `detail-type`. */
export const EVENT_SOURCE = "isp-billing";

/** PutEvents takes at most 10 entries a call. */
const BATCH = 10;

export class EventPublishError extends Error {
  constructor(
    message: string,
    readonly busName: string,
    /** Event ids and the error codes EventBridge gave them (never the payloads). */
    readonly failures: readonly { readonly eventId: string; readonly code: string }[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "EventPublishError";
  }
}

export interface EventBridgePublisherOptions {
  readonly busName: string;
  readonly client?: EventBridgeClient;
  readonly clientConfig?: EventBridgeClientConfig;
}

/**
 * Puts public events on the project's custom bus: `detail-type` is the event type, `detail` the
 * whole envelope (what webhooks receive), `time` when it happened. A partly failed PutEvents throws
 * so the caller's batch is retried; entries that did go in then arrive twice, with the same id.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;

  constructor(private readonly options: EventBridgePublisherOptions) {
    this.client = options.client ?? new EventBridgeClient(options.clientConfig ?? {});
  }

  async publish(events: readonly OutboundEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += BATCH) {
      const chunk = events.slice(start, start + BATCH);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: chunk.map((e) => ({
            EventBusName: this.options.busName,
            Source: EVENT_SOURCE,
            DetailType: e.type,
            Detail: JSON.stringify(e),
            Time: new Date(e.occurredAt),
          })),
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const failures = (out.Entries ?? []).flatMap((entry, i) =>
          entry.ErrorCode ? [{ eventId: chunk[i]?.id ?? "?", code: entry.ErrorCode }] : [],
        );
        throw new EventPublishError(
          `${out.FailedEntryCount} of ${chunk.length} events were not put on ${this.options.busName}`,
          this.options.busName,
          failures,
        );
      }
    }
  }
}
