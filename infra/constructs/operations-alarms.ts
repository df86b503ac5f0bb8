import type { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IScheduleGroup } from "aws-cdk-lib/aws-scheduler";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { AGENT_SILENT_AFTER_MINUTES } from "../../shared/services/agent-silence.js";
import type { AdminApi } from "./admin-api.js";
import {
  businessMetric,
  type DeadLetterQueueEntry,
  deadLetterQueuesIn,
  OPERATIONS_PERIOD,
  pathInStack,
  routeMetric,
} from "./operations-metrics.js";

export interface OperationsAlarmsProps {
  readonly stage: string;
  /** Every alarm notifies it, on ALARM and back to OK: the stateful stack's operators topic. */
  readonly topic: ITopic;
  readonly api: AdminApi;
  /** The gateway webhook route (`POST /v1/webhooks/{gateway}/{tenantId}`); it must exist on the API. */
  readonly webhookRouteKey: string;
  /** Groups whose schedules deliver work: the subscribers' one-per-subscriber group and the ops group. */
  readonly scheduleGroups: readonly IScheduleGroup[];
  /** Queues drained on a schedule (queue-drain.ts) whose oldest message must not get older than this. */
  readonly drainedQueues?: readonly DrainedQueue[];
}

export interface DrainedQueue {
  readonly queue: IQueue;
  /** In the alarm's name and description ("agent events"). */
  readonly name: string;
  /** A few drain intervals: older means the drain stopped or cannot keep up. */
  readonly maxAge: Duration;
}

/**
 * A webhook answered 5xx this often (percent of its requests), in 2 of 3 five-minute periods, with at
 * least WEBHOOK_MIN_ERRORS errors in the period. The route answers 503 on purpose while a gateway has
 * not confirmed a payment yet (so it delivers again): one payment retried by its gateway stays under the
 * minimum; a gateway or our verification failing for everyone does not.
 */
export const WEBHOOK_ERROR_PERCENT = 10;
export const WEBHOOK_MIN_ERRORS = 3;
/** Schedule target errors this often (percent of attempts) for 15 minutes: retries are not keeping up. */
export const SCHEDULE_TARGET_ERROR_PERCENT = 10;

/**
 * The operators' alarms, every one notifying the operators topic:
 * - every dead-letter queue of the stage holds a message (found by walking the construct tree, and a
 *   DLQ created after this construct fails synthesis instead of going unwatched);
 * - an edge agent last heard running is silent (`SilentAgents`, counted by the sweep);
 * - the gateway webhook route's 5xx rate;
 * - schedule deliveries that failed for good, and a sustained rate of schedule target errors.
 */
export class OperationsAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly deadLetterAlarms = new Map<IQueue, Alarm>();
  readonly silentAgents: Alarm;
  readonly webhookErrors: Alarm;
  readonly scheduleDeliveryFailures: Alarm[];
  readonly scheduleTargetErrors: Alarm[];
  readonly drainBacklogs: Alarm[];
  private readonly action: SnsAction;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    this.action = new SnsAction(props.topic);
    this.prefix = `isp-billing-${props.stage}`;
    if (!props.api.routeKeys.has(props.webhookRouteKey)) {
      throw new Error(`OperationsAlarms: the API has no route "${props.webhookRouteKey}"`);
    }

    for (const entry of deadLetterQueuesIn(this)) this.watchDeadLetterQueue(entry);
    this.silentAgents = this.addSilentAgents(props.stage);
    this.webhookErrors = this.addWebhookErrors(props.api, props.webhookRouteKey);
    this.scheduleDeliveryFailures = props.scheduleGroups.map((g) => this.addScheduleDeliveryFailures(g));
    this.scheduleTargetErrors = props.scheduleGroups.map((g) => this.addScheduleTargetErrors(g));
    this.drainBacklogs = (props.drainedQueues ?? []).map((q) => this.addDrainBacklog(q));

    // A DLQ defined after this construct would otherwise go unwatched: fail synthesis instead.
    this.node.addValidation({
      validate: () =>
        deadLetterQueuesIn(this)
          .filter(({ queue }) => !this.deadLetterAlarms.has(queue))
          .map(
            ({ queue }) =>
              `Dead-letter queue ${queue.node.path} has no alarm: define it before OperationsAlarms or call watchDeadLetterQueue`,
          ),
    });
  }

  /** Alarms as soon as one message is visible: every message on a DLQ is work that did not happen. */
  watchDeadLetterQueue({ queue, holds }: DeadLetterQueueEntry): Alarm {
    const existing = this.deadLetterAlarms.get(queue);
    if (existing) return existing;
    const alarm = this.add(`DeadLetters${this.deadLetterAlarms.size + 1}`, {
      name: `dlq ${pathInStack(queue).replaceAll("/", " ")}`,
      description: `A dead-letter queue holds messages: ${holds}. Inspect them (they are kept 14 days), fix the cause, then redrive or delete them.`,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        statistic: "Maximum",
        period: OPERATIONS_PERIOD,
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // SQS stops publishing for an empty queue nobody touches: no data means nothing waits.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarms.set(queue, alarm);
    return alarm;
  }

  /**
   * Heartbeats come from the agents, so per-site alarms would have to be made at run time, one per
   * site; and an alarm on a per-site heartbeat metric cannot see a site that stopped sending, since
   * its metric simply stops existing. Instead the sweep (every 2 minutes) counts agents whose last
   * "running" heartbeat is older than the threshold, through a sparse index of heartbeats (no scan),
   * and publishes the count. No data at all means the sweep is not counting: treated as breaching.
   */
  private addSilentAgents(stage: string): Alarm {
    return this.add("SilentAgents", {
      name: "silent edge agents",
      description: `At least one edge agent has sent no heartbeat for ${AGENT_SILENT_AFTER_MINUTES} minutes while running (a stopped or revoked agent does not count), or the sweep stopped reporting. The sweep logs "silent edge agent" with each tenant and site; GET /v1/sites/{siteId} shows its health. Suspensions and restores at that site wait until it is back.`,
      metric: businessMetric(stage, "SilentAgents", "Maximum"),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    });
  }

  private addWebhookErrors(api: AdminApi, routeKey: string): Alarm {
    const expression = new MathExpression({
      label: "webhook 5xx %",
      expression: `IF(errors >= ${WEBHOOK_MIN_ERRORS}, 100 * errors / requests, 0)`,
      usingMetrics: {
        errors: routeMetric(api, routeKey, "5xx"),
        requests: routeMetric(api, routeKey, "Count"),
      },
      period: OPERATIONS_PERIOD,
    });
    return this.add("WebhookErrors", {
      name: "gateway webhook 5xx",
      description: `${routeKey} answered 5xx to ${WEBHOOK_ERROR_PERCENT}% or more of its requests (at least ${WEBHOOK_MIN_ERRORS} in 5 minutes) in 2 of the last 3 periods: gateways retry, and the payment sweep re-queries pending payments, but settlements are late. Check the pay function's errors and the gateways' status.`,
      metric: expression,
      threshold: WEBHOOK_ERROR_PERCENT,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * A queue drained on a schedule has no event source whose errors or throttles would show: its
   * oldest message getting old is the sign the drain stopped (schedule, permissions, a crash) or
   * falls behind, in two consecutive periods so one slow tick is not news.
   */
  private addDrainBacklog({ queue, name, maxAge }: DrainedQueue): Alarm {
    return this.add(`DrainBacklog${name.replaceAll(/[^A-Za-z0-9]/g, "")}`, {
      name: `${name} waiting`,
      description: `The oldest message on the ${name} queue has waited more than ${maxAge.toMinutes()} minutes in two consecutive periods: its scheduled drain is not running or cannot keep up. Check the drain function's errors and duration and the ops schedule group's deliveries.`,
      metric: queue.metricApproximateAgeOfOldestMessage({ statistic: "Maximum", period: OPERATIONS_PERIOD }),
      threshold: maxAge.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      // An empty queue publishes nothing once inactive: nothing waits.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** Fires EventBridge Scheduler gave up on: dropped, sent to the DLQ, or lost sending to it. */
  private addScheduleDeliveryFailures(group: IScheduleGroup): Alarm {
    const expression = new MathExpression({
      label: "failed deliveries",
      expression: "FILL(dropped, 0) + FILL(deadLettered, 0) + FILL(deadLetterFailed, 0)",
      usingMetrics: {
        dropped: group.metricDropped({ period: OPERATIONS_PERIOD }),
        deadLettered: group.metricSentToDLQ({ period: OPERATIONS_PERIOD }),
        deadLetterFailed: group.metricFailedToBeSentToDLQ(undefined, { period: OPERATIONS_PERIOD }),
      },
      period: OPERATIONS_PERIOD,
    });
    return this.add(`ScheduleDeliveryFailures${group.node.id}`, {
      name: `schedule deliveries failed ${group.scheduleGroupName}`,
      description: `EventBridge Scheduler gave up delivering fires of the ${group.scheduleGroupName} schedule group after its retries (InvocationDroppedCount, InvocationsSentToDeadLetterCount, InvocationsFailedToBeSentToDeadLetterCount). The sweep catches overdue subscriber actions; look at the target function and the scheduler DLQ.`,
      metric: expression,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** Target errors are retried, so only a sustained rate is news (a broken permission, a throttled target). */
  private addScheduleTargetErrors(group: IScheduleGroup): Alarm {
    const expression = new MathExpression({
      label: "target errors %",
      expression: "100 * FILL(errors, 0) / attempts",
      usingMetrics: {
        errors: group.metricTargetErrors({ period: OPERATIONS_PERIOD }),
        attempts: group.metricAttempts({ period: OPERATIONS_PERIOD }),
      },
      period: OPERATIONS_PERIOD,
    });
    return this.add(`ScheduleTargetErrors${group.node.id}`, {
      name: `schedule target errors ${group.scheduleGroupName}`,
      description: `${SCHEDULE_TARGET_ERROR_PERCENT}% or more of the ${group.scheduleGroupName} group's invocation attempts failed at the target (TargetErrorCount / InvocationAttemptCount) for 15 minutes. Check the scheduler role's permissions and the target function's throttling.`,
      metric: expression,
      threshold: SCHEDULE_TARGET_ERROR_PERCENT,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  private add(
    id: string,
    spec: {
      name: string;
      description: string;
      metric: IMetric;
      threshold: number;
      comparisonOperator: ComparisonOperator;
      treatMissingData: TreatMissingData;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: `${this.prefix} ${spec.name}`,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      ...(spec.datapointsToAlarm ? { datapointsToAlarm: spec.datapointsToAlarm } : {}),
      treatMissingData: spec.treatMissingData,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
