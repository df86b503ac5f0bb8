import { Stack } from "aws-cdk-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { SecureQueue } from "../../infra/constructs/secure-queue.js";
import { GATEWAY_WEBHOOK_ROUTE, type StatelessStack } from "../../infra/stateless-stack.js";
import { METRICS_NAMESPACE } from "../../shared/adapters/metrics/emf-metrics.js";
import {
  asArray,
  field,
  type Json,
  type ResourceEntry,
  resourcesOfType,
  type Synthesized,
  synthStage,
} from "./synth.js";

type Template = {
  Resources: Record<string, { Type: string }>;
  Outputs?: Record<string, { Value: Json; Export?: { Name: string } }>;
};

/**
 * Which resource a value points at, as `stack:logicalId`, following the stateless stack's imports
 * back to the stateful stack's exports: `{ Ref }`, `{ Fn::GetAtt }` or `{ Fn::ImportValue }`.
 */
function referencedResource(synth: Synthesized, value: Json | undefined, inStack: "stateful" | "stateless") {
  const templates = {
    stateful: synth.stateful.toJSON() as Template,
    stateless: synth.stateless.toJSON() as Template,
  };
  const ref = field(value, "Ref");
  if (typeof ref === "string") return `${inStack}:${ref}`;
  const getAtt = field(value, "Fn::GetAtt");
  if (Array.isArray(getAtt)) return `${inStack}:${String(getAtt[0])}`;
  const imported = field(value, "Fn::ImportValue");
  if (typeof imported === "string") {
    const output = Object.values(templates.stateful.Outputs ?? {}).find((o) => o.Export?.Name === imported);
    if (!output) throw new Error(`no export ${imported}`);
    return referencedResource(synth, output.Value, "stateful");
  }
  return undefined;
}

function alarms(synth: Synthesized): ResourceEntry[] {
  return resourcesOfType(synth.stateless, "AWS::CloudWatch::Alarm");
}

/** The metrics an alarm reads, whether it has one metric or a math expression over several. */
function alarmMetrics(alarm: ResourceEntry): { namespace: string; name: string; dimensions: Json[] }[] {
  const single = alarm.properties.MetricName;
  if (typeof single === "string") {
    return [
      {
        namespace: String(alarm.properties.Namespace),
        name: single,
        dimensions: asArray(alarm.properties.Dimensions),
      },
    ];
  }
  return asArray(alarm.properties.Metrics).flatMap((query) => {
    const metric = field(field(query, "MetricStat"), "Metric");
    if (!metric) return [];
    return [
      {
        namespace: String(field(metric, "Namespace")),
        name: String(field(metric, "MetricName")),
        dimensions: asArray(field(metric, "Dimensions")),
      },
    ];
  });
}

function dimension(dimensions: Json[], name: string): Json | undefined {
  return field(
    dimensions.find((d) => field(d, "Name") === name),
    "Value",
  );
}

/** Every queue that receives dead letters: redrive targets, Lambda on-failure destinations, schedule DLQs. */
function deadLetterTargets(synth: Synthesized): Set<string> {
  const targets = new Set<string>();
  for (const stack of ["stateful", "stateless"] as const) {
    for (const queue of resourcesOfType(synth[stack], "AWS::SQS::Queue")) {
      const redrive = field(queue.properties.RedrivePolicy, "deadLetterTargetArn");
      const target = referencedResource(synth, redrive, stack);
      if (target) targets.add(target);
    }
  }
  for (const config of resourcesOfType(synth.stateless, "AWS::Lambda::EventInvokeConfig")) {
    const destination = field(field(config.properties.DestinationConfig, "OnFailure"), "Destination");
    const target = referencedResource(synth, destination, "stateless");
    if (target) targets.add(target);
  }
  for (const schedule of resourcesOfType(synth.stateless, "AWS::Scheduler::Schedule")) {
    const arn = field(field(schedule.properties.Target, "DeadLetterConfig"), "Arn");
    const target = referencedResource(synth, arn, "stateless");
    if (target) targets.add(target);
  }
  return targets;
}

describe("operations alarms", () => {
  let dev: Synthesized;
  let prod: Synthesized;

  beforeAll(() => {
    dev = synthStage({ config: { stage: "dev" } });
    prod = synthStage({ config: { stage: "prod" } });
  });

  it("alarms on every queue that is some queue's, function's or schedule's dead-letter target", () => {
    for (const synth of [dev, prod]) {
      const targets = deadLetterTargets(synth);
      const watched = new Set(
        alarms(synth)
          .filter((a) => a.properties.MetricName === "ApproximateNumberOfMessagesVisible")
          .map((a) =>
            referencedResource(synth, dimension(asArray(a.properties.Dimensions), "QueueName"), "stateless"),
          ),
      );

      // The scheduler DLQ, the lifecycle failure queue and the agent-events DLQ, at least.
      expect(targets.size).toBeGreaterThanOrEqual(3);
      for (const target of targets) expect(watched, target).toContain(target);
    }
  });

  it("alarms on a dead-letter queue as soon as it holds one message", () => {
    const deadLetterAlarms = alarms(dev).filter(
      (a) => a.properties.MetricName === "ApproximateNumberOfMessagesVisible",
    );
    expect(deadLetterAlarms.length).toBeGreaterThanOrEqual(4);
    for (const alarm of deadLetterAlarms) {
      expect(alarm.properties).toMatchObject({
        Statistic: "Maximum",
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        EvaluationPeriods: 1,
        TreatMissingData: "notBreaching",
      });
    }
  });

  it("notifies the operators topic on every alarm and on its return to OK", () => {
    const topics = resourcesOfType(dev.stateful, "AWS::SNS::Topic").map((t) => `stateful:${t.logicalId}`);
    expect(topics).toHaveLength(1);

    expect(alarms(dev).length).toBeGreaterThanOrEqual(8);
    for (const alarm of alarms(dev)) {
      for (const key of ["AlarmActions", "OKActions"]) {
        const actions = asArray(alarm.properties[key]).map((a) => referencedResource(dev, a, "stateless"));
        expect(actions, `${alarm.logicalId} ${key}`).toEqual(topics);
      }
    }
  });

  it("fails synthesis when a dead-letter queue is added after the alarms were made", () => {
    expect(() =>
      synthStage({
        beforeSynth: (app) => {
          const stateless = app.node.findAll().find((c) => c.node.id === "isp-billing-dev-stateless");
          if (!(stateless instanceof Stack)) throw new Error("no stateless stack");
          new SecureQueue(stateless, "LateWork", { role: { kind: "work" } });
        },
      }),
    ).toThrow(/LateWork\/DeadLetters has no alarm/);
  });

  it("counts silent edge agents from the sweep's metric, treating no data as silent", () => {
    const silent = alarms(dev).filter((a) => a.properties.MetricName === "SilentAgents");

    expect(silent).toHaveLength(1);
    expect(silent[0]?.properties).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [{ Name: "Stage", Value: "dev" }],
      Statistic: "Maximum",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "breaching",
    });
  });

  it("alarms on the webhook route's 5xx rate, from its detailed metrics", () => {
    const webhook = alarms(dev).filter((a) =>
      alarmMetrics(a).some((m) => m.namespace === "AWS/ApiGateway" && m.name === "5xx"),
    );

    expect(webhook).toHaveLength(1);
    const metrics = alarmMetrics(webhook[0] as ResourceEntry);
    expect(metrics.map((m) => m.name).sort()).toEqual(["5xx", "Count"]);
    for (const m of metrics) {
      expect(dimension(m.dimensions, "Route")).toBe(GATEWAY_WEBHOOK_ROUTE);
      expect(dimension(m.dimensions, "Stage")).toBe("$default");
      expect(referencedResource(dev, dimension(m.dimensions, "ApiId"), "stateless")).toMatch(
        /^stateless:AdminApi/,
      );
    }
  });

  it("turns detailed metrics on for the webhook route only (they are billed per route)", () => {
    const [stage] = resourcesOfType(dev.stateless, "AWS::ApiGatewayV2::Stage");
    const settings = stage?.properties.RouteSettings as Record<string, Record<string, Json>>;

    expect(settings[GATEWAY_WEBHOOK_ROUTE]).toMatchObject({ DetailedMetricsEnabled: true });
    const detailed = Object.entries(settings).filter(([, s]) => s.DetailedMetricsEnabled === true);
    expect(detailed.map(([key]) => key)).toEqual([GATEWAY_WEBHOOK_ROUTE]);
    expect(field(stage?.properties.DefaultRouteSettings, "DetailedMetricsEnabled")).toBeUndefined();
  });

  it.each([["isp-billing-dev"], ["isp-billing-dev-ops"]])(
    "alarms on schedule deliveries of %s that failed for good and on sustained target errors",
    (group) => {
      const ofGroup = alarms(dev).filter((a) =>
        alarmMetrics(a).some(
          (m) => m.namespace === "AWS/Scheduler" && dimension(m.dimensions, "ScheduleGroup") === group,
        ),
      );
      const names = ofGroup.map((a) =>
        alarmMetrics(a)
          .map((m) => m.name)
          .sort(),
      );

      expect(names).toEqual(
        expect.arrayContaining([
          [
            "InvocationDroppedCount",
            "InvocationsFailedToBeSentToDeadLetterCount",
            "InvocationsSentToDeadLetterCount",
          ],
          ["InvocationAttemptCount", "TargetErrorCount"],
        ]),
      );
      expect(ofGroup).toHaveLength(2);
    },
  );

  it("gives every function the stage for its metrics", () => {
    for (const fn of resourcesOfType(dev.stateless, "AWS::Lambda::Function")) {
      const variables = field(field(fn.properties.Environment, "Variables"), "METRICS_STAGE");
      expect(variables, fn.logicalId).toBe("dev");
    }
  });
});

describe("operations dashboard", () => {
  it("has one dashboard per stage with the API, functions, DLQs, commands, payments and scheduler", () => {
    const synth = synthStage({ config: { stage: "prod" } });
    const dashboards = resourcesOfType(synth.stateless, "AWS::CloudWatch::Dashboard");
    const stack: StatelessStack = synth.stacks.stateless;

    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]?.properties.DashboardName).toBe("isp-billing-prod");
    const body = JSON.stringify(dashboards[0]?.properties.DashboardBody);
    for (const title of [
      "API requests and errors",
      "API latency (ms)",
      "Gateway webhooks",
      "Function errors",
      "Function duration p90 (ms)",
      "Dead-letter queues (messages)",
      "Silent edge agents",
      "Edge commands",
      "Payments settled",
      "Scheduler: isp-billing-prod",
      "Scheduler: isp-billing-prod-ops",
    ]) {
      expect(body, title).toContain(`\\"title\\":\\"${title}\\"`);
    }
    for (const metric of ["CommandsSent", "CommandsVerified", "CommandsFailed", "PaymentsSettled"]) {
      expect(body).toContain(metric);
    }
    // Every function of the stack is graphed.
    expect(stack.operations.dashboard).toBeDefined();
    const functions = resourcesOfType(synth.stateless, "AWS::Lambda::Function");
    expect(body.match(/\\"Errors\\"/g)?.length).toBe(functions.length);
  });

  it("outputs the operators topic to subscribe to and the dashboard's address", () => {
    const synth = synthStage({ config: { stage: "dev" } });
    const outputs = (synth.stateless.toJSON() as { Outputs: Record<string, { Value: Json }> }).Outputs;

    expect(referencedResource(synth, outputs.OperatorsTopicArn?.Value, "stateless")).toMatch(
      /^stateful:OperatorsTopic/,
    );
    expect(JSON.stringify(outputs.DashboardUrl?.Value)).toContain("#dashboards/dashboard/isp-billing-dev");
  });
});
