import { type NotificationChannel, NotificationError } from "../../ports/notifier.js";

/** Throttling codes of the services we call; faults ("server") and transport failures retry too. */
const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "KMSThrottlingException",
  "RequestLimitExceeded",
  "SlowDown",
]);

interface SdkErrorShape {
  readonly name: string;
  readonly $fault?: "client" | "server";
  readonly $retryable?: unknown;
}

/**
 * Whether an AWS SDK error may go away on its own. Service errors carry `$fault`; an error without
 * it never got a service answer (connection reset, DNS, a timeout), so the send may be repeated.
 */
export function isRetryableSdkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & SdkErrorShape;
  if (e.$retryable || e.$fault === "server" || THROTTLING.has(e.name)) return true;
  return e.$fault === undefined;
}

/** Wraps an SDK failure; the message holds the operation and the error name only. */
export function sdkNotificationError(
  provider: string,
  channel: NotificationChannel,
  operation: string,
  error: unknown,
): NotificationError {
  if (error instanceof NotificationError) return error;
  const name = error instanceof Error ? error.name : "unknown error";
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return new NotificationError(`${provider} ${operation} failed: ${name}`, {
    retryable: isRetryableSdkError(error),
    provider,
    channel,
    ...(status === undefined ? {} : { status }),
    cause: error,
  });
}

export function wrongChannel(provider: string, expected: NotificationChannel): NotificationError {
  return new NotificationError(`${provider} sends ${expected} only`, {
    retryable: false,
    provider,
    channel: expected,
  });
}
