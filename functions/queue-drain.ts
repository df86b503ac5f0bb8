import { SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import * as z from "zod";
import { observed } from "../shared/adapters/aws-client-hook.js";
import { type DrainReport, drainQueue, type SqsBatchHandler } from "../shared/adapters/queue/sqs-drain.js";
import { loadApiConfig } from "../shared/config.js";
import type { Logger } from "../shared/logger.js";
import { parseEnv } from "./webhook-url-policy.js";

/** Without a Lambda context (the local cloud calls the handler itself), a drain gets this long. */
const LOCAL_BUDGET_MS = 60_000;

export interface ScheduledDrain {
  /** The variable holding the queue's URL. */
  readonly queueUrlVariable: string;
  /** For logs and configuration errors ("agent events"). */
  readonly what: string;
  readonly handler: SqsBatchHandler;
  /** No new batch is received with less than this left of the invocation. */
  readonly reserveMs: number;
  /** Wait up to this long for the first message (a wake-up knows work was just queued); default 0. */
  readonly firstWaitSeconds?: number;
}

const clients = new Map<string, SQSClient>();

/**
 * A function whose queue is emptied on a schedule rather than by an event source mapping (whose
 * pollers receive from the queue around the clock, whether anything is there or not): one drain of
 * the queue through the batch logic an event source would call, within the invocation's time.
 */
export async function runScheduledDrain(
  drain: ScheduledDrain,
  logger: Logger,
  context?: Pick<Context, "getRemainingTimeInMillis">,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DrainReport> {
  const schema = z.object({ [drain.queueUrlVariable]: z.url() });
  const queueUrl = String(parseEnv(schema, env, drain.what)[drain.queueUrlVariable]);
  const { AWS_REGION: region, SQS_ENDPOINT: endpoint } = loadApiConfig(env);
  let client = clients.get(queueUrl);
  if (!client) {
    // Shown to a bench's observer like functions/deps.ts's clients, so the drain's calls are counted.
    client = observed({
      kind: "sqs",
      client: new SQSClient({
        region,
        ...(endpoint ? { endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
      }),
    });
    clients.set(queueUrl, client);
  }
  const started = Date.now();
  const report = await drainQueue({
    client,
    queueUrl,
    region,
    handler: drain.handler,
    reserveMs: drain.reserveMs,
    remainingMs: context
      ? () => context.getRemainingTimeInMillis()
      : () => LOCAL_BUDGET_MS - (Date.now() - started),
    ...(drain.firstWaitSeconds ? { firstWaitSeconds: drain.firstWaitSeconds } : {}),
  });
  if (report.received > 0) logger.info(`${drain.what} drained`, { ...report });
  return report;
}
