import * as z from "zod";
import { sqsErrors } from "./errors.js";

/**
 * Request shapes as `@aws-sdk/client-sqs` serialises them (AWS JSON 1.0, member names as in the
 * model). Types only: ranges are checked by the actions, which need SQS's own messages and, in
 * batches, per-entry failures. Unknown members are ignored, as SQS does.
 */
const str = z.string();
const int = z.number().int();
const stringMap = z.record(z.string(), z.string());
const attribute = z.object({
  DataType: str.optional(),
  StringValue: str.optional(),
  BinaryValue: str.optional(),
  StringListValues: z.array(str).optional(),
  BinaryListValues: z.array(str).optional(),
});
const messageFields = {
  MessageBody: str,
  DelaySeconds: int.optional(),
  MessageAttributes: z.record(z.string(), attribute).optional(),
  MessageSystemAttributes: z.record(z.string(), attribute).optional(),
  MessageDeduplicationId: str.optional(),
  MessageGroupId: str.optional(),
};
const queue = { QueueUrl: str };
const receiptEntry = { Id: str, ReceiptHandle: str };

export const inputs = {
  CreateQueue: z.object({ QueueName: str, Attributes: stringMap.optional(), tags: stringMap.optional() }),
  GetQueueUrl: z.object({ QueueName: str, QueueOwnerAWSAccountId: str.optional() }),
  ListQueues: z.object({
    QueueNamePrefix: str.optional(),
    NextToken: str.optional(),
    MaxResults: int.optional(),
  }),
  QueueOnly: z.object(queue),
  GetQueueAttributes: z.object({ ...queue, AttributeNames: z.array(str).optional() }),
  SetQueueAttributes: z.object({ ...queue, Attributes: stringMap }),
  TagQueue: z.object({ ...queue, Tags: stringMap }),
  UntagQueue: z.object({ ...queue, TagKeys: z.array(str) }),
  ListDeadLetterSourceQueues: z.object({ ...queue, NextToken: str.optional(), MaxResults: int.optional() }),
  SendMessage: z.object({ ...queue, ...messageFields, MessageBody: str.optional() }),
  SendMessageBatch: z.object({ ...queue, Entries: z.array(z.object({ Id: str, ...messageFields })) }),
  ReceiveMessage: z.object({
    ...queue,
    AttributeNames: z.array(str).optional(),
    MessageSystemAttributeNames: z.array(str).optional(),
    MessageAttributeNames: z.array(str).optional(),
    MaxNumberOfMessages: int.optional(),
    VisibilityTimeout: int.optional(),
    WaitTimeSeconds: int.optional(),
    ReceiveRequestAttemptId: str.optional(),
  }),
  DeleteMessage: z.object({ ...queue, ReceiptHandle: str }),
  DeleteMessageBatch: z.object({ ...queue, Entries: z.array(z.object(receiptEntry)) }),
  ChangeMessageVisibility: z.object({ ...queue, ReceiptHandle: str, VisibilityTimeout: int }),
  ChangeMessageVisibilityBatch: z.object({
    ...queue,
    Entries: z.array(z.object({ ...receiptEntry, VisibilityTimeout: int })),
  }),
};

/** Parses a request body; a missing member is `MissingParameter`, a mistyped one `InvalidParameterValue`. */
export function parseInput<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  let value: unknown = body;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  const name = path.map(String).join(".") || "(request)";
  if (value === undefined) throw sqsErrors.missingParameter(name);
  throw sqsErrors.invalidValue(name, JSON.stringify(value), issue?.message ?? "invalid");
}
