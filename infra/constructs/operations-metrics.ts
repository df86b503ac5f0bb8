import { Duration, Stack, Stage } from "aws-cdk-lib";
import { Metric } from "aws-cdk-lib/aws-cloudwatch";
import { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { type IQueue, Queue } from "aws-cdk-lib/aws-sqs";
import type { IConstruct } from "constructs";
import { METRICS_NAMESPACE, STAGE_DIMENSION } from "../../shared/adapters/metrics/emf-metrics.js";
import type { MetricName } from "../../shared/ports/metrics.js";
import type { AdminApi } from "./admin-api.js";
import { SecureQueue } from "./secure-queue.js";

/** The period of every alarm and dashboard graph: CloudWatch's standard resolution for AWS metrics. */
export const OPERATIONS_PERIOD = Duration.minutes(5);

/** A metric the functions emit as EMF (shared/adapters/metrics/emf-metrics.ts), for one stage. */
export function businessMetric(stage: string, name: MetricName, statistic = "Sum"): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { [STAGE_DIMENSION]: stage },
    statistic,
    period: OPERATIONS_PERIOD,
  });
}

/**
 * A per-route HTTP API metric (`4xx`, `5xx`, `Count`, `Latency`): published only with detailed
 * metrics on (AdminApi turns them on). The Route dimension is the route key, `POST /v1/...`.
 */
export function routeMetric(api: AdminApi, routeKey: string, metricName: string, statistic = "Sum"): Metric {
  return new Metric({
    namespace: "AWS/ApiGateway",
    metricName,
    dimensionsMap: { ApiId: api.api.apiId, Stage: api.stage.stageName, Route: routeKey },
    statistic,
    period: OPERATIONS_PERIOD,
  });
}

/** A dead-letter queue found in the construct tree, with what it holds in words. */
export interface DeadLetterQueueEntry {
  readonly queue: IQueue;
  readonly holds: string;
}

/**
 * Every dead-letter queue defined in the same CDK stage (both stacks): the redrive target of every
 * queue, the DLQ of every Lambda function that has one, and every SecureQueue made as a dead-letter
 * queue (service targets such as EventBridge Scheduler and Lambda destinations have no redrive policy
 * to find them by). Found by walking the tree, so a DLQ added anywhere is alarmed without a list to
 * keep up to date. Per-site queues are created at run time and are not in the tree.
 */
export function deadLetterQueuesIn(scope: IConstruct): DeadLetterQueueEntry[] {
  const root = Stage.of(scope) ?? scope.node.root;
  const found = new Map<IQueue, string>();
  for (const construct of root.node.findAll()) {
    if (construct instanceof SecureQueue && construct.deadLetterFor) {
      found.set(construct.queue, construct.deadLetterFor);
    } else if (construct instanceof Queue && construct.deadLetterQueue) {
      const { queue, maxReceiveCount } = construct.deadLetterQueue;
      if (!found.has(queue)) {
        found.set(
          queue,
          `messages of ${construct.node.path} that failed ${maxReceiveCount} receives (poison messages)`,
        );
      }
    } else if (construct instanceof LambdaFunction && construct.deadLetterQueue) {
      found.set(construct.deadLetterQueue, `asynchronous events ${construct.node.path} failed to process`);
    }
  }
  return [...found].map(([queue, holds]) => ({ queue, holds }));
}

/** `AgentEvents/DeadLetters` rather than the full path: names and labels already say the stage. */
export function pathInStack(construct: IConstruct): string {
  const stackPath = Stack.of(construct).node.path;
  const path = construct.node.path.startsWith(`${stackPath}/`)
    ? construct.node.path.slice(stackPath.length + 1)
    : construct.node.path;
  return path.replace(/\/(Queue|Function)$/, "");
}
