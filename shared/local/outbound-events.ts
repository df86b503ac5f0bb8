import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { OUTBOUND_STREAM_FILTER } from "../adapters/dynamodb/stream-records.js";
import { WEBHOOK_MAX_ATTEMPTS } from "../domain/outbound-events/retry.js";
import { startStreamTrigger } from "./dynamodb-stream-trigger.js";
import { every } from "./interval.js";

export interface LocalOutboundEventsOptions {
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly sqsEndpoint: string;
  readonly queuePrefix: string;
  readonly dataDir?: string | undefined;
  /** First retry delay of a failed webhook delivery (default: the deployed 30 s). */
  readonly retryBaseSeconds?: number | undefined;
  /** How often the delivery queue is drained (AWS: woken by the publisher, and every few minutes). */
  readonly drainIntervalMs: number;
  /** The deployed handlers, loaded by the caller after `environment` is applied. */
  readonly handlers: () => Promise<{
    readonly stream: (event: DynamoDBStreamEvent) => Promise<unknown>;
    /** The delivery function's handler: one drain of the queue. */
    readonly deliveries: () => Promise<unknown>;
  }>;
}

export interface LocalOutboundEvents {
  /** Where the bus stand-in appends published events (JSON lines). */
  readonly eventsFile: string;
  readonly deliveryQueueUrl: string;
  stop(): Promise<void>;
}

/**
 * The outbound events on one machine, built as in AWS: DynamoDB Local's stream of the table feeds
 * the outbound-events handler through the same filter the event source mapping has, and the webhook
 * delivery queue (with its DLQ after the same number of attempts) is drained by the delivery handler.
 * Loopback webhook URLs are allowed here, and only here.
 */
export async function startLocalOutboundEvents(
  options: LocalOutboundEventsOptions,
): Promise<LocalOutboundEvents> {
  const sqs = new SQSClient({
    endpoint: options.sqsEndpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const queueName = `${options.queuePrefix}-webhook-deliveries`;
  let deliveryQueueUrl: string;
  try {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${queueName}-dlq` }));
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }))
    ).Attributes?.QueueArn;
    const attributes = {
      VisibilityTimeout: "60",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: WEBHOOK_MAX_ATTEMPTS }),
    };
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
    deliveryQueueUrl = queue.QueueUrl ?? "";
  } finally {
    sqs.destroy();
  }
  const eventsFile = options.dataDir
    ? join(options.dataDir, "events.jsonl")
    : join(tmpdir(), `isp-events-${process.pid}-${Date.now()}.jsonl`);
  // The handlers read their configuration from the environment on their first event, as in Lambda.
  Object.assign(process.env, {
    EVENTS_OUTBOX_FILE: eventsFile,
    WEBHOOK_DELIVERY_QUEUE_URL: deliveryQueueUrl,
    WEBHOOK_ALLOW_LOOPBACK: "true",
    ...(options.retryBaseSeconds ? { WEBHOOK_RETRY_BASE_SECONDS: String(options.retryBaseSeconds) } : {}),
  });
  const handlers = await options.handlers();
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    // No wake-ups here (no Lambda to invoke): draining every second is as soon.
    const deliveries = every(options.drainIntervalMs, handlers.deliveries);
    stops.push(deliveries.stop);
    const stream = await startStreamTrigger({
      endpoint: options.dynamoEndpoint,
      tableName: options.tableName,
      filter: OUTBOUND_STREAM_FILTER,
      handler: handlers.stream,
      ...(options.dataDir ? { checkpointFile: join(options.dataDir, "stream-checkpoint.json") } : {}),
    });
    stops.push(stream.stop);
    return { eventsFile, deliveryQueueUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
