import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { DrainReport } from "../shared/adapters/queue/sqs-drain.js";
import { agentSessionName } from "../shared/domain/agent-session-policy.js";
import { MalformedAgentEvent, parseAgentEvent, processAgentEvent } from "../shared/services/agent-events.js";
import { AGENT_EVENTS_QUEUE_URL_ENV, AGENT_ROLE_ID_ENV } from "./api/catalog.js";
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
  const agentRoleId = process.env[AGENT_ROLE_ID_ENV];
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    try {
      const parsed = parseAgentEvent(record.body);
      const sender = record.attributes?.SenderId;
      if (agentRoleId && !sentBySite(sender, agentRoleId, parsed.tenantId, parsed.siteId)) {
        // Another site's agent (or anyone else who can send to the shared queue) speaking for this
        // site: dropped, never retried. The claimed ids are logged, not the body.
        deps.logger.warn("agent event from a sender that is not this site's agent dropped", {
          messageId: record.messageId,
          tenantId: parsed.tenantId,
          siteId: parsed.siteId,
          senderId: sender,
        });
        continue;
      }
      await processAgentEvent(deps, parsed);
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

/**
 * Whether an SQS SenderId is the edge-agent role's session for this tenant and site. An agent sends
 * with STS credentials whose session is named `<tenantId>.<siteId>` (adapters/agent-credentials/sts.ts),
 * and SQS names such a sender `<role id>:<session name>`. The session policy already keeps each
 * agent to its own site queue; this keeps it from speaking for another site on the shared events queue.
 */
export function sentBySite(
  senderId: string | undefined,
  agentRoleId: string,
  tenantId: string,
  siteId: string,
): boolean {
  return senderId === `${agentRoleId}:${agentSessionName(tenantId, siteId)}`;
}
