/**
 * One pending schedule per subscriber: "the next thing due". Upserted on every state change,
 * removed on termination. Implemented by EventBridge Scheduler in AWS and by a local scheduler that
 * survives restarts in `npm start`.
 */
export interface ScheduledFire {
  readonly tenantId: string;
  readonly subscriberId: string;
  /** What is due (reminder, expire, grace_end, ...), as decided by the lifecycle. */
  readonly kind: string;
  /** The instant the action is due (UTC ISO); the fire may come up to a minute before it. */
  readonly dueAt: string;
  /** The subscriber version that scheduled it; a fire for an older version is stale. */
  readonly version: number;
  readonly data?: Record<string, unknown>;
  /**
   * The package the subscriber was on when it was scheduled: a hint that lets the fire read the
   * subscriber, tenant and package in one request. Checked against the subscriber, never trusted.
   */
  readonly packageId?: string;
}

export interface SubscriberScheduler {
  /** Creates or replaces the subscriber's one schedule, to fire at `fireAt` with `fire` as input. */
  upsert(fireAt: Date, fire: ScheduledFire): Promise<void>;
  /** Removes the subscriber's schedule; absent is fine. */
  remove(tenantId: string, subscriberId: string): Promise<void>;
}

/** Schedule names: [0-9a-zA-Z-_.]{1,64}; tenant and subscriber ids are 30 characters each. */
export function scheduleName(tenantId: string, subscriberId: string): string {
  return `${tenantId}.${subscriberId}`;
}
