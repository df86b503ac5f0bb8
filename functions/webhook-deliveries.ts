import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { DeliveryJobSchema } from "../shared/domain/schemas/outbound-event.js";
import { deliverWebhook } from "../shared/services/outbound-events.js";
import { deliverDeps } from "./outbound-deps.js";

/**
 * The webhook delivery queue's consumer: one attempt per job, concurrently. A job to retry is
 * postponed by its backoff and reported failed, so SQS gives it back then; after the last attempt
 * the queue's redrive policy moves it to the DLQ. Our own faults (table, KMS) are reported failed
 * too and come back after the queue's visibility timeout.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
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
