import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { withoutSdkLogging } from "../adapters/aws-client-hook.js";

/**
 * What Lambda's SQS event source mapping does, locally: long-poll a queue, hand batches to the
 * handler as SQS events, delete what succeeded and leave reported failures for redelivery.
 */
export interface SqsTrigger {
  readonly queueUrl: string;
  stop(): Promise<void>;
}

export async function startSqsTrigger(
  endpoint: string,
  queueName: string,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
  /** Queue attributes beyond the 30 s visibility timeout, e.g. a RedrivePolicy. */
  attributes: Readonly<Record<string, string>> = {},
): Promise<SqsTrigger> {
  const client = withoutSdkLogging(
    new SQSClient({
      endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    }),
  );
  const created = await client.send(
    new CreateQueueCommand({ QueueName: queueName, Attributes: { VisibilityTimeout: "30", ...attributes } }),
  );
  const queueUrl = created.QueueUrl ?? "";
  const abort = new AbortController();
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ["All"],
          }),
          { abortSignal: abort.signal },
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) continue;
        const result = await handler({ Records: messages.map((m) => toRecord(m, queueName)) });
        const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
        const done = messages.filter((m) => !failed.has(m.MessageId ?? ""));
        if (done.length > 0) {
          await client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
            }),
          );
        }
      } catch {
        if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();
  return {
    queueUrl,
    stop: async () => {
      abort.abort();
      await loop;
      client.destroy();
    },
  };
}

function toRecord(m: Message, queueName: string): SQSRecord {
  return {
    messageId: m.MessageId ?? "",
    receiptHandle: m.ReceiptHandle ?? "",
    body: m.Body ?? "",
    attributes: {
      ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1",
      SentTimestamp: m.Attributes?.SentTimestamp ?? "",
      SenderId: m.Attributes?.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? "",
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:local:000000000000:${queueName}`,
    awsRegion: "local",
  };
}
