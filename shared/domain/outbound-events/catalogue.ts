import { isConnected } from "../lifecycle/entitlement.js";
import {
  OUTBOUND_SCHEMA_VERSION,
  type OutboundEvent,
  OutboundEventSchema,
  type OutboundEventType,
} from "../schemas/outbound-event.js";
import { type SubscriberStatus, SubscriberStatusSchema } from "../schemas/subscriber.js";
import type { TimelineEvent } from "../schemas/timeline.js";

/**
 * Timeline types that can become a public event. The table's stream is filtered to these before a
 * Lambda is even invoked (infra), so every other timeline write costs nothing here.
 */
export const SOURCE_TIMELINE_TYPES = [
  "subscriber.suspended",
  "subscriber.expired",
  "subscriber.renewed",
  "subscriber.resumed",
  "subscriber.unpaused",
  "subscriber.expiry_changed",
  "payment.settled",
  "payment.held",
  "invoice.created",
  "invoice.paid",
] as const;

/** A public-looking timeline event whose data does not fit the catalogue: a bug, never retried. */
export class UnmappableEventError extends Error {
  constructor(
    message: string,
    readonly eventId: string,
    readonly paths: readonly string[],
  ) {
    super(message);
    this.name = "UnmappableEventError";
  }
}

/**
 * The public event a timeline event stands for, or undefined when it is not one. Subscriber events
 * are decided on the status change the lifecycle recorded (`statusBefore`/`statusAfter`), so a
 * renewal of an active subscriber is not "restored" and a suspension by any route is "suspended".
 */
export function toOutboundEvent(tenantId: string, event: TimelineEvent): OutboundEvent | undefined {
  const data = event.data ?? {};
  let candidate: { type: OutboundEventType; data: Record<string, unknown> } | undefined;
  if (event.type.startsWith("subscriber.")) {
    candidate = subscriberEvent(event, data);
  } else if (event.type === "payment.settled") {
    candidate = {
      type: "payment.settled",
      data: {
        paymentId: data.paymentId,
        subscriberId: event.subscriberId,
        amount: data.amount,
        gateway: data.gateway,
        periods: data.periods,
      },
    };
  } else if (event.type === "payment.held") {
    candidate = {
      type: "payment.held",
      data: {
        paymentId: data.paymentId,
        subscriberId: event.subscriberId,
        gateway: data.gateway,
        reason: typeof data.reason === "string" ? data.reason.slice(0, 300) : "",
      },
    };
  } else if (event.type === "invoice.created" || event.type === "invoice.paid") {
    candidate = { type: event.type, data: { subscriberId: event.subscriberId, ...data } };
  }
  if (!candidate) return undefined;
  const parsed = OutboundEventSchema.safeParse({
    id: event.id,
    type: candidate.type,
    schemaVersion: OUTBOUND_SCHEMA_VERSION,
    tenantId,
    occurredAt: event.at,
    data: candidate.data,
  });
  if (!parsed.success) {
    throw new UnmappableEventError(
      `Timeline event ${event.id} (${event.type}) does not fit ${candidate.type}`,
      event.id,
      parsed.error.issues.map((i) => i.path.join(".")),
    );
  }
  return parsed.data;
}

function subscriberEvent(
  event: TimelineEvent,
  data: Record<string, unknown>,
): { type: OutboundEventType; data: Record<string, unknown> } | undefined {
  const before = status(data.statusBefore);
  const after = status(data.statusAfter) ?? fallbackStatus(event.type);
  if (!after || (before !== undefined && before === after)) return undefined;
  let type: OutboundEventType | undefined;
  if (after === "suspended") type = "subscriber.suspended";
  else if (after === "expired") type = "subscriber.expired";
  else if (before !== undefined && isConnected(after) && !isConnected(before)) type = "subscriber.restored";
  if (!type) return undefined;
  return {
    type,
    data: {
      subscriberId: event.subscriberId,
      status: after,
      ...(before ? { previousStatus: before } : {}),
      ...(event.version ? { subscriberVersion: event.version } : {}),
      ...(typeof data.expiresAt === "string" ? { expiresAt: data.expiresAt } : {}),
      cause: event.type,
    },
  };
}

function status(value: unknown): SubscriberStatus | undefined {
  const parsed = SubscriberStatusSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Events written before the statuses were recorded: only the type says what happened. */
function fallbackStatus(type: string): SubscriberStatus | undefined {
  if (type === "subscriber.suspended") return "suspended";
  if (type === "subscriber.expired") return "expired";
  return undefined;
}
