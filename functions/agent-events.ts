import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { MalformedAgentEvent, parseAgentEvent, processAgentEvent } from "../shared/services/agent-events.js";
import { functionDeps } from "./deps.js";

/**
 * The shared agent-events queue's consumer. Reports partial batch failures so one bad message does
 * not redeliver the others; a malformed message is dropped with a log line (retrying cannot fix it).
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
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
