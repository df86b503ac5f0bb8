import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { DrainReport } from "../shared/adapters/queue/sqs-drain.js";
import { MalformedAgentEvent, parseAgentEvent, processAgentEvent } from "../shared/services/agent-events.js";
import { AGENT_EVENTS_QUEUE_URL_ENV } from "./api/catalog.js";
import { functionDeps } from "./deps.js";
import { runScheduledDrain } from "./queue-drain.js";

/**
 * Runs on a schedule (infra AGENT_EVENTS_DRAIN_RATE) and empties the shared agent-events queue
 * through `processBatch`. Results, heartbeats and session reports wait for the next tick at most:
 * nothing downstream needs them sooner (the router already acted; an agent is called silent after
 * minutes), and an idle queue then costs one receive a tick instead of an event source's pollers.
 */
export async function handler(
  _event?: unknown,
  context?: Pick<Context, "getRemainingTimeInMillis">,
): Promise<DrainReport> {
  return runScheduledDrain(
    {
      queueUrlVariable: AGENT_EVENTS_QUEUE_URL_ENV,
      what: "agent events",
      handler: processBatch,
      // A batch is ten events processed one after another, each a few table calls.
      reserveMs: 15_000,
    },
    functionDeps().logger,
    context,
  );
}

/**
 * One batch of the shared agent-events queue. Reports partial batch failures so one bad message does
 * not redeliver the others; a malformed message is dropped with a log line (retrying cannot fix it).
 */
export async function processBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const deps = functionDeps();
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    try {
      await processAgentEvent(deps, parseAgentEvent(record.body));
    } catch (error) {
      if (error instanceof MalformedAgentEvent) {
        deps.logger.warn("malformed agent event dropped", {
          messageId: record.messageId,
          paths: error.paths,
        });
        continue;
      }
      deps.logger.error("agent event failed", { messageId: record.messageId, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
