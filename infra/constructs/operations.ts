import { CfnOutput, Stack } from "aws-cdk-lib";
import { type IScheduleGroup, ScheduleGroup } from "aws-cdk-lib/aws-scheduler";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import type { AdminApi } from "./admin-api.js";
import { NodeLambda } from "./node-lambda.js";
import { type DrainedQueue, OperationsAlarms } from "./operations-alarms.js";
import { OperationsDashboard } from "./operations-dashboard.js";
import { deadLetterQueuesIn } from "./operations-metrics.js";
import type { SubscriberLifecycle } from "./subscriber-lifecycle.js";

export interface OperationsProps {
  readonly stage: string;
  readonly operatorsTopic: ITopic;
  readonly api: AdminApi;
  /** The gateway webhook route, watched for 5xx; the API must publish its detailed metrics. */
  readonly webhookRouteKey: string;
  /** Group of the one-schedule-per-subscriber schedules (stateful stack). */
  readonly subscriberScheduleGroupName: string;
  /** Gives the ops schedule group (the sweeps). */
  readonly lifecycle: SubscriberLifecycle;
  /** Queues drained on a schedule, alarmed when their oldest message gets old. */
  readonly drainedQueues?: readonly DrainedQueue[];
}

/**
 * Issue 7 item 4: the alarms and the dashboard of one stage. Create it last in the stateless stack:
 * it watches every dead-letter queue of both stacks and graphs every function of its own stack.
 */
export class Operations extends Construct {
  readonly alarms: OperationsAlarms;
  readonly dashboard: OperationsDashboard;
  readonly scheduleGroups: readonly IScheduleGroup[];

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    if (!props.api.detailedMetricsRoutes.has(props.webhookRouteKey)) {
      throw new Error(`Operations: ${props.webhookRouteKey} needs detailed metrics on the API`);
    }
    this.scheduleGroups = [
      ScheduleGroup.fromScheduleGroupName(this, "SubscriberSchedules", props.subscriberScheduleGroupName),
      props.lifecycle.opsScheduleGroup,
    ];
    this.alarms = new OperationsAlarms(this, "Alarms", {
      stage: props.stage,
      topic: props.operatorsTopic,
      api: props.api,
      webhookRouteKey: props.webhookRouteKey,
      scheduleGroups: this.scheduleGroups,
      ...(props.drainedQueues ? { drainedQueues: props.drainedQueues } : {}),
    });
    const stack = Stack.of(this);
    this.dashboard = new OperationsDashboard(this, "Dashboard", {
      stage: props.stage,
      api: props.api,
      watchedRoutes: [props.webhookRouteKey],
      functions: stack.node.findAll().filter((c): c is NodeLambda => c instanceof NodeLambda),
      deadLetterQueues: deadLetterQueuesIn(this),
      scheduleGroups: this.scheduleGroups,
      alarms: this.alarms.alarms,
    });
    new CfnOutput(stack, "OperatorsTopicArn", {
      value: props.operatorsTopic.topicArn,
      description: "Every alarm notifies this SNS topic: subscribe operators to it",
    });
    new CfnOutput(stack, "DashboardUrl", {
      value: `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards/dashboard/${this.dashboard.dashboardName}`,
      description: "The stage's CloudWatch dashboard",
    });
  }
}
