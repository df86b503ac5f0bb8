/**
 * SQS errors as the AWS JSON 1.0 protocol carries them: the Smithy shape name in `__type` and the
 * legacy query code in `x-amzn-query-error`, which `@aws-sdk/client-sqs` (query-compatible) reads
 * first to pick its typed exception class.
 */
export class SqsError extends Error {
  constructor(
    /** Smithy shape name, e.g. `QueueDoesNotExist`. */
    readonly shape: string,
    /** Query-protocol code, e.g. `AWS.SimpleQueueService.NonExistentQueue`. */
    readonly queryCode: string,
    message: string,
    readonly status = 400,
    readonly namespace = "com.amazonaws.sqs",
  ) {
    super(message);
    this.name = "SqsError";
  }

  get type(): string {
    return `${this.namespace}#${this.shape}`;
  }
}

const simple = (shape: string, message: string, status = 400) => new SqsError(shape, shape, message, status);
const legacy = (shape: string, message: string) =>
  new SqsError(shape, `AWS.SimpleQueueService.${shape}`, message);

export const sqsErrors = {
  queueDoesNotExist: () =>
    new SqsError(
      "QueueDoesNotExist",
      "AWS.SimpleQueueService.NonExistentQueue",
      "The specified queue does not exist.",
    ),
  queueNameExists: (attribute: string) =>
    new SqsError(
      "QueueNameExists",
      "QueueAlreadyExists",
      `A queue already exists with the same name and a different value for attribute ${attribute}`,
    ),
  invalidParameterValue: (message: string) => simple("InvalidParameterValue", message),
  invalidValue: (name: string, value: unknown, reason: string) =>
    simple(
      "InvalidParameterValue",
      `Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}`,
    ),
  missingParameter: (name: string) =>
    simple("MissingParameter", `The request must contain the parameter ${name}.`),
  invalidAttributeName: (name: string) => simple("InvalidAttributeName", `Unknown Attribute ${name}.`),
  invalidAttributeValue: (name: string) =>
    simple("InvalidAttributeValue", `Invalid value for the parameter ${name}.`),
  invalidMessageContents: (message: string) => simple("InvalidMessageContents", message),
  receiptHandleIsInvalid: (handle: string) =>
    simple(
      "ReceiptHandleIsInvalid",
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
      404,
    ),
  messageNotInflight: () => legacy("MessageNotInflight", "The message referred to isn't in flight."),
  overLimit: (message: string) => simple("OverLimit", message, 403),
  emptyBatchRequest: (entry: string) =>
    legacy("EmptyBatchRequest", `There should be at least one ${entry} in the request.`),
  tooManyEntriesInBatchRequest: (count: number) =>
    legacy(
      "TooManyEntriesInBatchRequest",
      `Maximum number of entries per request are 10. You have sent ${count}.`,
    ),
  batchEntryIdsNotDistinct: (id: string) => legacy("BatchEntryIdsNotDistinct", `Id ${id} repeated.`),
  invalidBatchEntryId: () =>
    legacy(
      "InvalidBatchEntryId",
      "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
    ),
  batchRequestTooLong: (size: number, max: number) =>
    legacy(
      "BatchRequestTooLong",
      `Batch requests cannot be longer than ${max} bytes. You have sent ${size} bytes.`,
    ),
  unsupportedOperation: (message: string) => legacy("UnsupportedOperation", message),
  unknownOperation: (target: string) =>
    new SqsError(
      "UnknownOperationException",
      "UnknownOperationException",
      `Unknown operation ${target}`,
      400,
      "com.amazon.coral.service",
    ),
  serialization: (message: string) =>
    new SqsError(
      "SerializationException",
      "SerializationException",
      message,
      400,
      "com.amazon.coral.service",
    ),
  payloadTooLarge: () =>
    new SqsError("RequestEntityTooLarge", "RequestEntityTooLarge", "Request body too large.", 413),
};
