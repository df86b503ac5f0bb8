/**
 * Delivery attempts of one event before it is given up (and left on the delivery DLQ). The CDK
 * stack sets the queue's maxReceiveCount from this, so the queue and the consumer agree.
 */
export const WEBHOOK_MAX_ATTEMPTS = 8;

/** A receiver gets this long to answer an attempt. */
export const WEBHOOK_TIMEOUT_MS = 5_000;

/** SQS caps a message's visibility timeout at 12 hours. */
const MAX_DELAY_SECONDS = 43_200;

/** Base of the default schedule: 30 s, 2 min, 8 min, 32 min, ~2 h, ~8.5 h, 12 h (about a day). */
export const DEFAULT_RETRY_BASE_SECONDS = 30;

/**
 * Wait before attempt `failedAttempt + 1`: exponential (x4) from the base, with +-20% jitter so a
 * receiver coming back is not hit by every tenant's backlog in the same second.
 */
export function retryDelaySeconds(
  failedAttempt: number,
  baseSeconds: number = DEFAULT_RETRY_BASE_SECONDS,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.min(failedAttempt - 1, 20));
  const raw = baseSeconds * 4 ** exponent;
  const jittered = raw * (0.8 + 0.4 * random());
  return Math.max(1, Math.min(MAX_DELAY_SECONDS, Math.round(jittered)));
}
