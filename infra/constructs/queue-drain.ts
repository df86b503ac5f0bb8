import { Duration } from "aws-cdk-lib";
import type { IScheduleGroup, Schedule } from "aws-cdk-lib/aws-scheduler";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { NodeLambda } from "./node-lambda.js";
import { recurringLambdaSchedule } from "./scheduler-target.js";

/**
 * How often the agent-events queue is drained (functions/agent-events.ts). Results, heartbeats and
 * session reports wait at most this long; an agent counts as silent after minutes, not seconds.
 */
export const AGENT_EVENTS_DRAIN_RATE = Duration.minutes(2);

/**
 * How often the webhook delivery queue is drained (functions/webhook-deliveries.ts). First attempts
 * do not wait for it (the publisher wakes the function); a retry goes at the first drain after its
 * backoff, and a job a lost wake-up left at the next drain. Failures are rare, so retrying a few
 * minutes late is the right trade against a tick every minute or two around the clock.
 */
export const WEBHOOK_DELIVERY_DRAIN_RATE = Duration.minutes(5);

/** What the async invocation of a drain may do: nothing again (the next tick drains anyway). */
export function drainAsyncInvoke(rate: Duration) {
  return { retryAttempts: 0, maxEventAge: rate };
}

export interface ScheduledQueueDrainProps {
  /** The function whose handler drains the queue (functions/queue-drain.ts). */
  readonly consumer: NodeLambda;
  readonly queue: IQueue;
  /** The variable the handler reads the queue URL from. */
  readonly queueUrlVariable: string;
  readonly rate: Duration;
  /** The stage's ops group (never the subscribers' group). */
  readonly group: IScheduleGroup;
  readonly groupName: string;
  /** Fires EventBridge Scheduler could not deliver. */
  readonly deadLetterQueue: IQueue;
  /** For the schedule's descriptions ("agent-events drain"). */
  readonly name: string;
  readonly stage: string;
}

/**
 * A queue emptied by its consumer on a schedule instead of an SQS event source mapping. An event
 * source's pollers long-poll the queue around the clock (AWS: five at first, as few as two when
 * traffic is low), which for a small deployment costs more than everything else it does; a drain
 * every few minutes costs one receive when there is nothing to do. For queues whose work can wait
 * that long. The consumer may receive, delete and change the visibility of this queue's messages
 * and nothing else of it; the schedule may invoke only the consumer.
 */
export function scheduleQueueDrain(scope: Construct, id: string, props: ScheduledQueueDrainProps): Schedule {
  props.consumer.function.addEnvironment(props.queueUrlVariable, props.queue.queueUrl);
  props.queue.grantConsumeMessages(props.consumer.role);
  return recurringLambdaSchedule(scope, id, {
    group: props.group,
    groupName: props.groupName,
    target: props.consumer.function,
    rate: props.rate,
    deadLetterQueue: props.deadLetterQueue,
    name: props.name,
    stage: props.stage,
  });
}
