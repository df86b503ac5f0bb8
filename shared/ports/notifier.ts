/**
 * Where subscriber messages go: SMS through SNS or a local gateway, e-mail through SES, or the
 * local outbox in `npm start`. Adapters throw `NotificationError` only, so the caller can decide
 * whether to try again without matching on provider-specific names.
 */
export type NotificationChannel = "sms" | "email";

export interface OutgoingMessage {
  readonly channel: NotificationChannel;
  /** An E.164 phone number for SMS (some gateways take local forms), an address for e-mail. */
  readonly to: string;
  readonly body: string;
  /** Required for e-mail. */
  readonly subject?: string;
  /**
   * The same key for the same logical message: providers that deduplicate (and the local outbox)
   * then deliver a retried or duplicated send once.
   */
  readonly idempotencyKey: string;
}

export interface SendResult {
  /** The provider's message id, when it returns one. */
  readonly providerId?: string;
}

export interface SendOptions {
  /** Aborts the request; adapters also apply their own timeout. */
  readonly signal?: AbortSignal;
}

export interface Notifier {
  send(message: OutgoingMessage, options?: SendOptions): Promise<SendResult>;
}

/**
 * A message was not accepted. `retryable` says whether the same send may succeed later (timeouts,
 * throttling, provider faults) or never will as it stands (bad number, rejected key, no address).
 * The message names the provider and what went wrong, never credentials or the message body.
 */
export class NotificationError extends Error {
  readonly retryable: boolean;
  readonly provider: string;
  readonly channel: NotificationChannel;
  /** The provider's HTTP status, when there was a response. */
  readonly status?: number;

  constructor(
    message: string,
    options: {
      readonly retryable: boolean;
      readonly provider: string;
      readonly channel: NotificationChannel;
      readonly status?: number;
      readonly cause?: unknown;
    },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "NotificationError";
    this.retryable = options.retryable;
    this.provider = options.provider;
    this.channel = options.channel;
    if (options.status !== undefined) this.status = options.status;
  }
}
