import { ArnFormat, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { Role } from "aws-cdk-lib/aws-iam";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { type Schedule, ScheduleGroup } from "aws-cdk-lib/aws-scheduler";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { LIFECYCLE_ENTRY, SWEEP_ENTRY } from "../../functions/api/catalog.js";
import { LifecycleAccess } from "./lifecycle-access.js";
import { NodeLambda } from "./node-lambda.js";
import { allowScheduleTarget, recurringLambdaSchedule, schedulerExecutionRole } from "./scheduler-target.js";
import { grantTableAccess } from "./table-access.js";

export interface SubscriberLifecycleProps {
  readonly stage: string;
  readonly table: ITable;
  /** Group of the one-schedule-per-subscriber schedules (stateful stack). */
  readonly scheduleGroupName: string;
  /** Target DLQ of the subscriber schedules and of the sweep schedule. */
  readonly schedulerDeadLetterQueue: IQueue;
  /** On-failure destination of the lifecycle function. */
  readonly lifecycleFailureQueue: IQueue;
  readonly siteQueuePrefix: string;
  /** The shared dead-letter queue every run-time site queue redrives to. */
  readonly siteCommandDeadLetterQueue: IQueue;
  readonly logLevel: string;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/** How often the sweep runs: overdue actions and undelivered commands (functions/sweep.ts). */
export const SWEEP_RATE = Duration.minutes(2);

/**
 * Decisions 1 and 2 on AWS: the role the per-subscriber schedules run as, the lifecycle function
 * they invoke, the sweep and its recurring schedule, and the environment every function of the
 * stage loads with `loadApiConfig` (shared/config.ts). The subscriber schedules themselves are made
 * at run time by the functions, never by CloudFormation.
 */
export class SubscriberLifecycle extends Construct {
  readonly schedulerRole: Role;
  readonly lifecycle: NodeLambda;
  readonly sweep: NodeLambda;
  readonly sweepSchedule: Schedule;
  /**
   * Group of the stage's recurring schedules (the sweeps), kept apart from the subscribers' group,
   * whose schedules the functions may change: none of them needs to reach these.
   */
  readonly opsScheduleGroup: ScheduleGroup;
  readonly opsScheduleGroupName: string;
  /** The variables `loadApiConfig` requires, for every function of the stage. */
  readonly environment: Readonly<Record<string, string>>;
  readonly access: LifecycleAccess;

  constructor(scope: Construct, id: string, props: SubscriberLifecycleProps) {
    super(scope, id);
    const { stage, table } = props;
    const lambdaDefaults = { logRetention: props.logRetention, logRemovalPolicy: props.logRemovalPolicy };

    this.schedulerRole = schedulerExecutionRole(this, "SchedulerRole", {
      description: `EventBridge Scheduler: subscriber schedules invoke the lifecycle function (${stage})`,
      scheduleGroupName: props.scheduleGroupName,
    });
    // The lifecycle function needs its own ARN in its environment, which cannot reference the function
    // (a circular dependency); a fixed name gives the ARN before the function exists.
    const lifecycleFunctionName = `isp-billing-${stage}-lifecycle`;
    this.environment = {
      TABLE_NAME: table.tableName,
      SITE_QUEUE_PREFIX: props.siteQueuePrefix,
      SITE_DLQ_ARN: props.siteCommandDeadLetterQueue.queueArn,
      SCHEDULE_GROUP: props.scheduleGroupName,
      LIFECYCLE_FUNCTION_ARN: Stack.of(this).formatArn({
        service: "lambda",
        resource: "function",
        resourceName: lifecycleFunctionName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
      SCHEDULER_DLQ_ARN: props.schedulerDeadLetterQueue.queueArn,
      LOG_LEVEL: props.logLevel,
      // Business metrics as EMF (shared/adapters/metrics/emf-metrics.ts), for the alarms and dashboard.
      METRICS_STAGE: stage,
    };
    this.access = new LifecycleAccess(this, {
      scheduleGroupName: props.scheduleGroupName,
      schedulerRole: this.schedulerRole,
      siteQueuePrefix: props.siteQueuePrefix,
    });

    this.lifecycle = new NodeLambda(this, "Lifecycle", {
      ...lambdaDefaults,
      entry: LIFECYCLE_ENTRY,
      functionName: lifecycleFunctionName,
      description: `Scheduled subscriber action (${stage})`,
      environment: this.environment,
      timeout: Duration.seconds(30),
      // A fire re-reads the subscriber and is a no-op when stale, so retrying is safe. What still
      // fails is kept for inspection; the sweep catches the overdue action meanwhile.
      asyncInvoke: {
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        onFailure: new SqsDestination(props.lifecycleFailureQueue),
      },
    });
    this.sweep = new NodeLambda(this, "Sweep", {
      ...lambdaDefaults,
      entry: SWEEP_ENTRY,
      description: `Sweep of overdue actions and undelivered commands (${stage})`,
      environment: this.environment,
      // Up to 500 subscribers a run, a few calls each; well inside the interval between runs.
      timeout: Duration.seconds(90),
      // A failed tick is not retried or kept: it carries no data, and the next tick redoes its work.
      asyncInvoke: { retryAttempts: 0, maxEventAge: SWEEP_RATE },
    });
    for (const fn of [this.lifecycle, this.sweep]) {
      grantTableAccess(table, fn.function, "api");
      this.access.grantTo(fn);
    }
    allowScheduleTarget(this.schedulerRole, this.lifecycle.function, props.schedulerDeadLetterQueue);

    this.opsScheduleGroupName = `isp-billing-${stage}-ops`;
    this.opsScheduleGroup = new ScheduleGroup(this, "OpsSchedules", {
      scheduleGroupName: this.opsScheduleGroupName,
      // Holds only schedules defined in CDK, which CloudFormation recreates.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.sweepSchedule = recurringLambdaSchedule(this, "Sweep", {
      group: this.opsScheduleGroup,
      groupName: this.opsScheduleGroupName,
      target: this.sweep.function,
      rate: SWEEP_RATE,
      deadLetterQueue: props.schedulerDeadLetterQueue,
      name: "sweep",
      stage,
    });
  }

  /** Lets an API function change subscribers: their schedules and their sites' queues. */
  grantSubscriberChanges(fn: NodeLambda): void {
    this.access.grantTo(fn);
  }
}
