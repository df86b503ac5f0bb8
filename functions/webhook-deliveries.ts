import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { DrainReport } from "../shared/adapters/queue/sqs-drain.js";
import { DeliveryJobSchema } from "../shared/domain/schemas/outbound-event.js";
import { deliverWebhook } from "../shared/services/outbound-events.js";
import { WEBHOOK_DELIVERY_QUEUE_URL_ENV } from "./api/catalog.js";
import { deliverDeps } from "./outbound-deps.js";
import { runScheduledDrain } from "./queue-drain.js";

/**
 * Drains the webhook delivery queue. Woken by the publisher as soon as it queued jobs (first
 * attempts go out at once; the first receive then long-polls a second for them), and run on a
 * schedule (infra WEBHOOK_DELIVERY_DRAIN_RATE) for the retries, whose backoff has made them visible
 * again, and for jobs a lost wake-up left behind.
 */
export async function handler(
  event?: unknown,
  context?: Pick<Context, "getRemainingTimeInMillis">,
): Promise<DrainReport> {
  const woken = typeof event === "object" && event !== null && "wake" in event && event.wake === true;
  return runScheduledDrain(
    {
      queueUrlVariable: WEBHOOK_DELIVERY_QUEUE_URL_ENV,
      what: "webhook deliveries",
      handler: processBatch,
      // Ten attempts side by side, each given 5 s by its receiver, plus the table and KMS.
      reserveMs: 15_000,
      ...(woken ? { firstWaitSeconds: 1 } : {}),
    },
    deliverDeps().logger,
    context,
  );
}

/**
 * One batch of the delivery queue: one attempt per job, concurrently. A job to retry is postponed
 * by its backoff and reported failed, so SQS gives it back then; after the last attempt the queue's
 * redrive policy moves it to the DLQ. Our own faults (table, KMS) are reported failed too and come
 * back after the queue's visibility timeout.
 */
export async function processBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const deps = deliverDeps();
  const failed = await Promise.all(event.Records.map((record) => attempt(record)));
  return {
    batchItemFailures: event.Records.filter((_, i) => failed[i]).map((r) => ({
      itemIdentifier: r.messageId,
    })),
  };

  async function attempt(record: SQSRecord): Promise<boolean> {
    const log = deps.logger.child({ messageId: record.messageId });
    const job = DeliveryJobSchema.safeParse(parseJson(record.body));
    if (!job.success) {
      // Our own producer wrote it: keep it for inspection on the DLQ rather than drop it.
      log.error("malformed webhook delivery job", { paths: job.error.issues.map((i) => i.path.join(".")) });
      return true;
    }
    try {
      const receives = Number(record.attributes.ApproximateReceiveCount);
      const result = await deliverWebhook(
        deps,
        job.data,
        Number.isInteger(receives) && receives > 0 ? receives : 1,
      );
      if (result.outcome === "retry") {
        await deps.queue.postpone(record.receiptHandle, result.afterSeconds);
        return true;
      }
      return result.outcome === "failed";
    } catch (error) {
      log.error("webhook delivery attempt failed in our code", { tenantId: job.data.tenantId, error });
      return true;
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
