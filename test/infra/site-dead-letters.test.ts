import { beforeAll, describe, expect, it } from "vitest";
import { SqsSiteQueue } from "../../shared/adapters/queue/sqs-site-queue.js";
import { deployedEnvironment } from "./deployed.js";
import { asArray, field, type Json, resourcesOfType, type Synthesized, synthStage } from "./synth.js";

/**
 * Per-site command queues are made at run time, so no alarm can be defined on them in CDK; they all
 * redrive to one dead-letter queue the stateful stack makes, and that queue is alarmed like every
 * other DLQ of the stage.
 */
describe("the site commands' dead-letter queue", () => {
  let synths: Synthesized[];

  beforeAll(() => {
    synths = [synthStage({ config: { stage: "dev" } }), synthStage({ config: { stage: "prod" } })];
  });

  /** The stateful queue SITE_DLQ_ARN names, by logical id, for every function of the stage. */
  const siteDlqOf = (synth: Synthesized) => {
    const functions = resourcesOfType(synth.stateless, "AWS::Lambda::Function");
    const targets = new Set(
      functions.map((fn) => {
        const variables = field(field(fn.properties, "Environment"), "Variables");
        const arn = field(variables, "SITE_DLQ_ARN");
        expect(arn, fn.logicalId).toBeDefined();
        return deployedEnvironment(synth, { arn: arn as Json }).arn ?? "";
      }),
    );
    expect(targets.size).toBe(1);
    const [arn = ""] = targets;
    const logicalId = arn.split(":").at(-1) ?? "";
    const queue = resourcesOfType(synth.stateful, "AWS::SQS::Queue").find((q) => q.logicalId === logicalId);
    return { arn, queue };
  };

  it("is a queue of the stateful stack that every function is told about", () => {
    for (const synth of synths) {
      const { queue } = siteDlqOf(synth);

      expect(queue).toBeDefined();
      expect(queue?.properties.SqsManagedSseEnabled).toBe(true);
      expect(queue?.properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      // A dead-letter queue: it has no redrive of its own, and its name is CloudFormation's.
      expect(queue?.properties.RedrivePolicy).toBeUndefined();
      expect(queue?.properties.QueueName).toBeUndefined();
      synth.stateful.hasOutput("SiteCommandDeadLetterQueueUrl", { Value: { Ref: queue?.logicalId } });
    }
    const prodQueue = siteDlqOf(synths[1] as Synthesized).queue;
    expect(prodQueue?.raw.DeletionPolicy).toBe("Retain");
  });

  it("is what the site-queue adapter redrives to, outside the run-time grant on the site queues", () => {
    for (const synth of synths) {
      const { arn } = siteDlqOf(synth);
      const prefix = synth.stacks.stateful.siteQueuePrefix;

      expect(() => new SqsSiteQueue({ prefix, deadLetterTargetArn: arn })).not.toThrow();
      // The generated name starts with the stack's, never with the site queues' prefix.
      expect(synth.stacks.stateful.stackName.startsWith(`${prefix}-`)).toBe(false);
    }
  });

  it("has an alarm as soon as one command lands in it, to the operators topic, saying what it holds", () => {
    for (const synth of synths) {
      const { queue } = siteDlqOf(synth);
      const alarms = resourcesOfType(synth.stateless, "AWS::CloudWatch::Alarm").filter((alarm) => {
        const queueName = field(
          asArray(alarm.properties.Dimensions).find((d) => field(d, "Name") === "QueueName"),
          "Value",
        );
        return JSON.stringify(queueName ?? null).includes(queue?.logicalId ?? "-");
      });

      expect(alarms).toHaveLength(1);
      expect(alarms[0]?.properties).toMatchObject({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Statistic: "Maximum",
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        TreatMissingData: "notBreaching",
      });
      expect(asArray(alarms[0]?.properties.AlarmActions)).toHaveLength(1);
      expect(String(alarms[0]?.properties.AlarmDescription)).toMatch(/edge commands of every site/);
      expect(String(alarms[0]?.properties.AlarmDescription)).toContain("DeadLetterQueueSourceArn");
    }
  });
});
