/*
 * Exact-second delivery (decision 1). EventBridge Scheduler fires within a minute of its `at()`
 * time, so the schedule is set a minute before the due instant and the fired Lambda hands the
 * command to SQS with DelaySeconds covering the rest. DelaySeconds is whole seconds, so it is
 * rounded DOWN (after a margin for transport): the message surfaces one to two seconds early and
 * the agent holds it until the command's notBefore, acting on the due instant to the millisecond. Rounding up instead would
 * make every enforcement up to a second late. Nobody is cut off early: notBefore is the gate.
 */

export const SCHEDULER_LEAD_SECONDS = 60;
/**
 * Head start for the message over its due instant. The delay is computed before the send reaches
 * SQS, which starts counting on receipt; the margin absorbs that transport time so a command is
 * never visible late. The agent holds it until notBefore, so arriving early costs nothing.
 */
export const DELIVERY_MARGIN_MS = 1000;
export const MAX_SQS_DELAY_SECONDS = 900;

export interface DeliveryPlan {
  /** Whole-second instant for the one-time schedule; never before `now`. */
  readonly scheduleAt: Date;
  /** DelaySeconds (0..900) to put on the message if it is sent at `now`. */
  readonly delaySeconds: number;
}

export function planDelivery(dueAt: Date, now: Date): DeliveryPlan {
  const lead = Math.floor((dueAt.getTime() - SCHEDULER_LEAD_SECONDS * 1000) / 1000) * 1000;
  const earliest = Math.ceil(now.getTime() / 1000) * 1000;
  return { scheduleAt: new Date(Math.max(lead, earliest)), delaySeconds: sqsDelaySeconds(dueAt, now) };
}

/** Whole seconds from `now` to the due instant less the margin, rounded down, clamped to what SQS accepts. */
export function sqsDelaySeconds(dueAt: Date, now: Date): number {
  const seconds = Math.floor((dueAt.getTime() - now.getTime() - DELIVERY_MARGIN_MS) / 1000);
  return Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, seconds));
}
