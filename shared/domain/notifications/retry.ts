import {
  type NotificationChannel,
  NotificationError,
  type Notifier,
  type OutgoingMessage,
} from "../../ports/notifier.js";

export interface RetryPolicy {
  /** Sends in all, the first included. */
  readonly attempts: number;
  /** The wait after the first failure; it doubles after each further one, with jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Each attempt is aborted after this long (adapters may time out sooner). */
  readonly attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 4000,
  attemptTimeoutMs: 15_000,
};

export interface AttemptFailure {
  readonly attempt: number;
  readonly error: NotificationError;
  /** Set when another attempt follows after this many milliseconds. */
  readonly retryInMs?: number;
}

export interface RetryHooks {
  readonly policy?: Partial<RetryPolicy> | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Jitter source in [0, 1). */
  readonly random?: (() => number) | undefined;
  /** Called after each failed attempt, before any wait. */
  readonly onFailure?: ((failure: AttemptFailure) => Promise<void>) | undefined;
}

export type RetryResult =
  | { readonly ok: true; readonly attempts: number; readonly providerId?: string }
  | { readonly ok: false; readonly attempts: number; readonly error: NotificationError };

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends, trying again after a retryable failure with exponential backoff (equal jitter). Never
 * throws for a failed send: the result says what happened, so nothing is dropped silently.
 */
export async function sendWithRetry(
  notifier: Notifier,
  message: OutgoingMessage,
  hooks: RetryHooks = {},
): Promise<RetryResult> {
  const policy = { ...DEFAULT_RETRY, ...hooks.policy };
  const sleep = hooks.sleep ?? wait;
  const random = hooks.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await notifier.send(message, { signal: AbortSignal.timeout(policy.attemptTimeoutMs) });
      return out.providerId === undefined
        ? { ok: true, attempts: attempt }
        : { ok: true, attempts: attempt, providerId: out.providerId };
    } catch (caught) {
      const error = asNotificationError(caught, message.channel);
      const last = !error.retryable || attempt >= policy.attempts;
      const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const retryInMs = last ? undefined : Math.round(step / 2 + (random() * step) / 2);
      await hooks.onFailure?.({ attempt, error, ...(retryInMs === undefined ? {} : { retryInMs }) });
      if (retryInMs === undefined) return { ok: false, attempts: attempt, error };
      await sleep(retryInMs);
    }
  }
}

/** An adapter broke its contract (threw something else): a bug, so not worth repeating. */
function asNotificationError(error: unknown, channel: NotificationChannel): NotificationError {
  if (error instanceof NotificationError) return error;
  const name = error instanceof Error ? error.name : typeof error;
  return new NotificationError(`unexpected failure: ${name}`, {
    retryable: false,
    provider: "unknown",
    channel,
    cause: error,
  });
}
