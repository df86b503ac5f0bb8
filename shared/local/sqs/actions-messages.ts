import type { z } from "zod";
import type { Action } from "./actions-queues.js";
import { MAX_MESSAGE_BYTES } from "./attributes.js";
import { ACCOUNT_ID } from "./broker.js";
import { SqsError, sqsErrors } from "./errors.js";
import { md5OfMessageAttributes } from "./md5.js";
import { type ValidatedMessage, validateMessage } from "./message.js";
import type { Delivery, LocalQueue } from "./queue.js";
import { inputs, parseInput } from "./schemas.js";

type SendFields = Omit<z.infer<typeof inputs.SendMessage>, "QueueUrl">;

export const messageActions: Record<string, Action> = {
  SendMessage: (body, { broker }) => {
    const input = parseInput(inputs.SendMessage, body);
    const queue = broker.fromUrl(input.QueueUrl);
    const item = prepare(input, queue);
    const [message] = queue.send([item]);
    return message ? sendResult(message.id, item.valid) : {};
  },

  SendMessageBatch: (body, { broker }) => {
    const input = parseInput(inputs.SendMessageBatch, body);
    checkBatch(input.Entries, "SendMessageBatchRequestEntry");
    const queue = broker.fromUrl(input.QueueUrl);
    const accepted: { id: string; item: Prepared }[] = [];
    const failed = perEntry(input.Entries, (entry) => {
      accepted.push({ id: entry.Id, item: prepare(entry, queue) });
    });
    const size = accepted.reduce((sum, a) => sum + a.item.valid.size, 0);
    if (size > MAX_MESSAGE_BYTES) throw sqsErrors.batchRequestTooLong(size, MAX_MESSAGE_BYTES);
    const sent = queue.send(accepted.map((a) => a.item));
    const successful = sent.map((m, i) => {
      const a = accepted[i];
      return a ? { Id: a.id, ...sendResult(m.id, a.item.valid) } : {};
    });
    return { Successful: successful, Failed: failed };
  },

  ReceiveMessage: async (body, { broker, signal }) => {
    const input = parseInput(inputs.ReceiveMessage, body);
    const queue = broker.fromUrl(input.QueueUrl);
    const max = input.MaxNumberOfMessages ?? 1;
    if (max < 1 || max > 10)
      throw sqsErrors.invalidValue("MaxNumberOfMessages", max, "Must be between 1 and 10, if provided.");
    const wait = input.WaitTimeSeconds ?? queue.config.receiveMessageWaitTimeSeconds;
    if (wait < 0 || wait > 20)
      throw sqsErrors.invalidValue("WaitTimeSeconds", wait, "Must be >= 0 and <= 20, if provided.");
    const visibilityTimeout = input.VisibilityTimeout ?? queue.config.visibilityTimeout;
    checkVisibility(visibilityTimeout);
    const deliveries = await queue.receive({ max, visibilityTimeout }, wait * 1000, signal);
    if (deliveries.length === 0) return {};
    const system = new Set([...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])]);
    const user = input.MessageAttributeNames ?? [];
    return { Messages: deliveries.map((d) => formatMessage(d, system, user)) };
  },

  DeleteMessage: (body, { broker }) => {
    const input = parseInput(inputs.DeleteMessage, body);
    broker.fromUrl(input.QueueUrl).delete(input.ReceiptHandle);
    return {};
  },

  DeleteMessageBatch: (body, { broker }) => {
    const input = parseInput(inputs.DeleteMessageBatch, body);
    checkBatch(input.Entries, "DeleteMessageBatchRequestEntry");
    const queue = broker.fromUrl(input.QueueUrl);
    const successful: { Id: string }[] = [];
    const failed = perEntry(input.Entries, (entry) => {
      queue.delete(entry.ReceiptHandle);
      successful.push({ Id: entry.Id });
    });
    return { Successful: successful, Failed: failed };
  },

  ChangeMessageVisibility: (body, { broker }) => {
    const input = parseInput(inputs.ChangeMessageVisibility, body);
    const queue = broker.fromUrl(input.QueueUrl);
    checkVisibility(input.VisibilityTimeout);
    queue.changeVisibility(input.ReceiptHandle, input.VisibilityTimeout);
    return {};
  },

  ChangeMessageVisibilityBatch: (body, { broker }) => {
    const input = parseInput(inputs.ChangeMessageVisibilityBatch, body);
    checkBatch(input.Entries, "ChangeMessageVisibilityBatchRequestEntry");
    const queue = broker.fromUrl(input.QueueUrl);
    const successful: { Id: string }[] = [];
    const failed = perEntry(input.Entries, (entry) => {
      checkVisibility(entry.VisibilityTimeout);
      queue.changeVisibility(entry.ReceiptHandle, entry.VisibilityTimeout);
      successful.push({ Id: entry.Id });
    });
    return { Successful: successful, Failed: failed };
  },
};

interface Prepared {
  readonly valid: ValidatedMessage;
  readonly delaySeconds: number;
}

function prepare(entry: SendFields, queue: LocalQueue): Prepared {
  const delaySeconds = entry.DelaySeconds ?? queue.config.delaySeconds;
  if (delaySeconds < 0 || delaySeconds > 900)
    throw sqsErrors.invalidValue("DelaySeconds", delaySeconds, "DelaySeconds must be >= 0 and <= 900.");
  if (entry.MessageDeduplicationId !== undefined)
    throw sqsErrors.invalidParameterValue(
      "The request include parameter that is not valid for this queue type",
    );
  return { valid: validateMessage(entry, queue.config.maximumMessageSize), delaySeconds };
}

function sendResult(messageId: string, valid: ValidatedMessage) {
  return {
    MessageId: messageId,
    MD5OfMessageBody: valid.md5OfBody,
    ...(valid.md5OfAttributes ? { MD5OfMessageAttributes: valid.md5OfAttributes } : {}),
    ...(valid.md5OfSystemAttributes ? { MD5OfMessageSystemAttributes: valid.md5OfSystemAttributes } : {}),
  };
}

function checkVisibility(seconds: number): void {
  if (seconds < 0 || seconds > 43_200)
    throw sqsErrors.invalidValue("VisibilityTimeout", seconds, "Must be >= 0 and <= 43200, if provided.");
}

const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

function checkBatch(entries: readonly { Id: string }[], entryName: string): void {
  if (entries.length === 0) throw sqsErrors.emptyBatchRequest(entryName);
  if (entries.length > 10) throw sqsErrors.tooManyEntriesInBatchRequest(entries.length);
  const seen = new Set<string>();
  for (const { Id } of entries) {
    if (!ENTRY_ID.test(Id)) throw sqsErrors.invalidBatchEntryId();
    if (seen.has(Id)) throw sqsErrors.batchEntryIdsNotDistinct(Id);
    seen.add(Id);
  }
}

/** Runs `each` per entry; an SQS error becomes that entry's failure, anything else fails the request. */
function perEntry<E extends { Id: string }>(entries: readonly E[], each: (entry: E) => void) {
  const failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
  for (const entry of entries) {
    try {
      each(entry);
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      failed.push({ Id: entry.Id, SenderFault: true, Code: error.queryCode, Message: error.message });
    }
  }
  return failed;
}

function formatMessage(d: Delivery, system: ReadonlySet<string>, userNames: readonly string[]) {
  const m = d.message;
  const all = system.has("All");
  const available: Record<string, string | undefined> = {
    SenderId: ACCOUNT_ID,
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(d.receiveCount),
    ApproximateFirstReceiveTimestamp: String(d.firstReceivedAt),
    AWSTraceHeader: m.traceHeader,
    DeadLetterQueueSourceArn: m.deadLetterSourceArn,
  };
  const attributes = Object.fromEntries(
    Object.entries(available).filter(([k, v]) => v !== undefined && (all || system.has(k))),
  );
  const selected = selectAttributes(m.attributes ?? {}, userNames);
  const names = Object.keys(selected);
  return {
    MessageId: m.id,
    ReceiptHandle: d.receipt,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(names.length > 0
      ? {
          MessageAttributes: selected,
          // The digest covers the attributes returned, which is what clients check it against.
          MD5OfMessageAttributes:
            names.length === Object.keys(m.attributes ?? {}).length && m.md5OfAttributes
              ? m.md5OfAttributes
              : md5OfMessageAttributes(selected),
        }
      : {}),
  };
}

function selectAttributes<T>(attributes: Readonly<Record<string, T>>, names: readonly string[]) {
  if (names.includes("All") || names.includes(".*")) return { ...attributes };
  const prefixes = names.filter((n) => n.endsWith(".*")).map((n) => n.slice(0, -1));
  return Object.fromEntries(
    Object.entries(attributes).filter(([k]) => names.includes(k) || prefixes.some((p) => k.startsWith(p))),
  );
}
