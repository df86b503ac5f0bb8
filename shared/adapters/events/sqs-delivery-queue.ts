import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SQSClient,
  type SQSClientConfig,
} from "@aws-sdk/client-sqs";
import type { DeliveryJob, DeliveryQueue } from "../../ports/outbound-events.js";

const BATCH = 10;

export class DeliveryQueueError extends Error {
  constructor(
    message: string,
    readonly queueUrl: string,
    readonly eventIds: readonly string[],
  ) {
    super(message);
    this.name = "DeliveryQueueError";
  }
}

export interface SqsDeliveryQueueOptions {
  readonly queueUrl: string;
  readonly client?: SQSClient;
  readonly clientConfig?: SQSClientConfig;
}

/**
 * The webhook delivery queue. A failed attempt is pushed back by raising the message's visibility
 * timeout to the backoff delay (up to SQS's 12 hours, unlike DelaySeconds' 15 minutes); the queue's
 * redrive policy moves it to the DLQ after the last attempt, with no code of ours involved.
 */
export class SqsDeliveryQueue implements DeliveryQueue {
  private readonly client: SQSClient;

  constructor(private readonly options: SqsDeliveryQueueOptions) {
    this.client = options.client ?? new SQSClient(options.clientConfig ?? {});
  }

  async enqueue(jobs: readonly DeliveryJob[]): Promise<void> {
    for (let start = 0; start < jobs.length; start += BATCH) {
      const chunk = jobs.slice(start, start + BATCH);
      const out = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((job, i) => ({ Id: String(i), MessageBody: JSON.stringify(job) })),
        }),
      );
      const failed = out.Failed ?? [];
      if (failed.length > 0) {
        const ids = failed.map((f) => chunk[Number(f.Id)]?.event.id ?? "?");
        throw new DeliveryQueueError(
          `${failed.length} webhook deliveries were not queued (${failed[0]?.Code ?? "unknown"})`,
          this.options.queueUrl,
          ids,
        );
      }
    }
  }

  async postpone(receiptHandle: string, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.options.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
      }),
    );
  }
}
