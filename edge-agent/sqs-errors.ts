/* Errors of the queue consumer and how an SQS failure is classified for the pause that follows. */

export type SqsOperation = "ReceiveMessage" | "DeleteMessageBatch" | "ChangeMessageVisibilityBatch";

/** An SQS call or a handler failed; carries the queue and the message ids, the original as `cause`. */
export class QueueConsumerError extends Error {
  readonly operation: SqsOperation | "handler";
  readonly queueUrl: string;
  readonly messageIds: readonly string[];

  constructor(
    message: string,
    context: {
      readonly operation: SqsOperation | "handler";
      readonly queueUrl: string;
      readonly messageIds: readonly string[];
      readonly cause?: unknown;
    },
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = "QueueConsumerError";
    this.operation = context.operation;
    this.queueUrl = context.queueUrl;
    this.messageIds = context.messageIds;
  }
}

export type PauseReason = "credentials" | "network" | "other";

// AWS reports these as error names (the SDK's documented way to tell service errors apart).
const CREDENTIAL_ERRORS = new Set([
  "CredentialsProviderError",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "RequestExpired",
  "AccessDenied",
  "AccessDeniedException",
  "InvalidSecurity",
]);
const NETWORK_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "NetworkingError",
]);

/** Why a receive failed, to choose the pause: expired or missing credentials, the network, or else. */
export function classifySqsError(error: unknown): PauseReason {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = "code" in e && typeof e.code === "string" ? e.code : undefined;
    if (CREDENTIAL_ERRORS.has(e.name) || (code !== undefined && CREDENTIAL_ERRORS.has(code))) {
      return "credentials";
    }
    const status = "$metadata" in e ? Reflect.get(Object(e.$metadata), "httpStatusCode") : undefined;
    if (status === 401 || status === 403) return "credentials";
    if (NETWORK_ERRORS.has(e.name) || (code !== undefined && NETWORK_ERRORS.has(code))) return "network";
  }
  return "other";
}
