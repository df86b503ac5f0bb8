import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageSystemAttributeName,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

/** What a Lambda SQS event source hands its function: a batch in, the failed records out. */
export type SqsBatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

export interface DrainOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** The batch logic, exactly as an event source mapping would call it. */
  readonly handler: SqsBatchHandler;
  /** Milliseconds left to the caller (Lambda: `context.getRemainingTimeInMillis`). */
  readonly remainingMs: () => number;
  /** No new batch is received with less than this left: a received batch must finish in it. */
  readonly reserveMs: number;
  /**
   * Receive loops at most, side by side. One runs until a receive comes back full, then the rest
   * join, so an empty queue costs exactly one receive.
   * @default 4
   */
  readonly concurrency?: number;
  /** For the records' `awsRegion` and `eventSourceARN`. */
  readonly region?: string;
  /**
   * Long-poll the first receive this many seconds (0-20). A short poll asks a sample of SQS's
   * servers and may miss a message just sent; a caller woken because work was queued waits a little
   * for it instead. Default 0: an idle tick must not pay for waiting.
   */
  readonly firstWaitSeconds?: number;
}

export interface DrainReport {
  /** Messages received and handed to the handler. */
  readonly received: number;
  /** Reported failed by the handler: left on the queue, back after its visibility timeout. */
  readonly failed: number;
  /** ReceiveMessage calls, the last empty one included. */
  readonly receives: number;
}

export class QueueDrainError extends Error {
  constructor(
    message: string,
    readonly queueUrl: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "QueueDrainError";
  }
}

const BATCH = 10;
const SYSTEM_ATTRIBUTES: MessageSystemAttributeName[] = [
  "ApproximateReceiveCount",
  "SentTimestamp",
  "SenderId",
  "ApproximateFirstReceiveTimestamp",
];

/**
 * Empties a queue through a batch handler, the way an SQS event source mapping feeds a function, but
 * only when called: short-polling receives (no wait: an empty queue answers at once), each batch
 * handed to the handler, the records it did not report failed deleted, until a receive comes back
 * short of a full batch or the time left is down to the reserve. Failed records stay for redelivery and the queue's
 * redrive policy, as with an event source. A handler that throws stops the drain: its batch comes
 * back after the visibility timeout, and the error is rethrown once the other loops have stopped.
 */
export async function drainQueue(options: DrainOptions): Promise<DrainReport> {
  const concurrency = Math.max(1, Math.min(10, options.concurrency ?? 4));
  const arn = queueArn(options.queueUrl, options.region);
  let received = 0;
  let failed = 0;
  let receives = 0;
  let stopped = false;
  let thrown: unknown;
  let wait = Math.max(0, Math.min(20, Math.round(options.firstWaitSeconds ?? 0)));
  const loops: Promise<void>[] = [];

  const loop = async (): Promise<void> => {
    while (!stopped && options.remainingMs() > options.reserveMs) {
      receives++;
      const waitSeconds = wait;
      wait = 0;
      const out = await options.client.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: BATCH,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: SYSTEM_ATTRIBUTES,
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) return;
      const full = messages.length === BATCH;
      if (full) {
        while (loops.length < concurrency) loops.push(run());
      }
      received += messages.length;
      const result = await options.handler({
        Records: messages.map((m) => toRecord(m, arn, options.region)),
      });
      const failures = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
      failed += messages.filter((m) => failures.has(m.MessageId ?? "")).length;
      const done = messages.filter((m) => !failures.has(m.MessageId ?? ""));
      if (done.length > 0) {
        // A delete that fails only means a redelivery, which every handler here tolerates.
        await options.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
          }),
        );
      }
      // A short batch: the queue is (nearly) empty. What a short poll missed waits for the next run,
      // which spares every run that found a little work its trailing empty receive.
      if (!full) return;
    }
  };
  const run = () =>
    loop().catch((error: unknown) => {
      stopped = true;
      thrown ??= error;
    });

  loops.push(run());
  for (let i = 0; i < loops.length; i++) await loops[i];
  if (thrown !== undefined) {
    throw new QueueDrainError(`Draining ${options.queueUrl} stopped`, options.queueUrl, { cause: thrown });
  }
  return { received, failed, receives };
}

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` (or a local endpoint's `/<account>/<name>`). */
function queueArn(queueUrl: string, region = "local"): string {
  const [account = "", name = ""] = new URL(queueUrl).pathname.split("/").filter(Boolean);
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

function toRecord(m: Message, arn: string, region = "local"): SQSRecord {
  return {
    messageId: m.MessageId ?? "",
    receiptHandle: m.ReceiptHandle ?? "",
    body: m.Body ?? "",
    attributes: {
      ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1",
      SentTimestamp: m.Attributes?.SentTimestamp ?? "",
      SenderId: m.Attributes?.SenderId ?? "",
      ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? "",
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: arn,
    awsRegion: region,
  };
}
