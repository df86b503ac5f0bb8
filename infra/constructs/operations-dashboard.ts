import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  TextWidget,
} from "aws-cdk-lib/aws-cloudwatch";
import type { IScheduleGroup } from "aws-cdk-lib/aws-scheduler";
import { Construct } from "constructs";
import type { MetricName } from "../../shared/ports/metrics.js";
import type { AdminApi } from "./admin-api.js";
import type { NodeLambda } from "./node-lambda.js";
import {
  businessMetric,
  type DeadLetterQueueEntry,
  OPERATIONS_PERIOD,
  pathInStack,
  routeMetric,
} from "./operations-metrics.js";

export interface OperationsDashboardProps {
  readonly stage: string;
  readonly api: AdminApi;
  /** Routes with detailed metrics to graph on their own (the gateway webhook). */
  readonly watchedRoutes: readonly string[];
  readonly functions: readonly NodeLambda[];
  readonly deadLetterQueues: readonly DeadLetterQueueEntry[];
  readonly scheduleGroups: readonly IScheduleGroup[];
  readonly alarms: readonly Alarm[];
}

const COMMAND_METRICS: readonly MetricName[] = [
  "CommandsSent",
  "CommandsVerified",
  "CommandsApplied",
  "CommandsFailed",
  "CommandsSkipped",
];

/**
 * One page for the stage: alarm states; the API (requests, 4xx, 5xx, latency, the webhook route);
 * every function's errors and duration; dead-letter queue depths (the shared site-commands DLQ among
 * them); edge commands and payments; EventBridge Scheduler deliveries per group.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;
  /** A plain string (the Dashboard's own property is a token), for links. */
  readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const { api, stage } = props;
    const graph = (title: string, left: IMetric[], width = 8) =>
      new GraphWidget({ title, left, width, height: 6, period: OPERATIONS_PERIOD });

    this.dashboardName = `isp-billing-${stage}`;
    this.dashboard = new Dashboard(this, "Dashboard", {
      dashboardName: this.dashboardName,
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ISP billing (${stage})\nAlarms notify the operators SNS topic (stateful stack output). The per-site command queues, made at run time, share one DLQ (SiteCommandDeadLetters).`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: "Alarms", alarms: [...props.alarms], width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      graph("API requests and errors", [
        api.stage.metricCount({ statistic: "Sum", label: "requests" }),
        api.stage.metricClientError({ label: "4xx" }),
        api.stage.metricServerError({ label: "5xx" }),
      ]),
      graph(
        "API latency (ms)",
        ["p50", "p90", "p99"].map((statistic) => api.stage.metricLatency({ statistic, label: statistic })),
      ),
      graph(
        "Gateway webhooks",
        props.watchedRoutes.flatMap((route) => [
          routeMetric(api, route, "Count").with({ label: `${route} requests` }),
          routeMetric(api, route, "5xx").with({ label: `${route} 5xx` }),
        ]),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        "Function errors",
        props.functions.map((fn) => fn.function.metricErrors({ label: pathInStack(fn) })),
        12,
      ),
      graph(
        "Function duration p90 (ms)",
        props.functions.map((fn) => fn.function.metricDuration({ statistic: "p90", label: pathInStack(fn) })),
        12,
      ),
    );
    this.dashboard.addWidgets(
      graph(
        "Dead-letter queues (messages)",
        props.deadLetterQueues.map(({ queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ statistic: "Maximum", label: pathInStack(queue) }),
        ),
      ),
      graph("Silent edge agents", [businessMetric(stage, "SilentAgents", "Maximum")]),
    );
    this.dashboard.addWidgets(
      graph(
        "Edge commands",
        COMMAND_METRICS.map((name) => businessMetric(stage, name).with({ label: name })),
        12,
      ),
      graph("Payments settled", [businessMetric(stage, "PaymentsSettled")], 12),
    );
    this.dashboard.addWidgets(
      ...props.scheduleGroups.map((group) =>
        graph(
          `Scheduler: ${group.scheduleGroupName}`,
          [
            group.metricAttempts({ label: "attempts" }),
            group.metricTargetErrors({ label: "target errors" }),
            group.metricDropped({ label: "dropped" }),
            group.metricSentToDLQ({ label: "sent to DLQ" }),
          ],
          12,
        ),
      ),
    );
  }
}
