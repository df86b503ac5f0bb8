import { beforeAll, describe, expect, it } from "vitest";
import { AGENT_EVENTS_QUEUE_URL_ENV } from "../../functions/api/catalog.js";
import { AGENT_EVENTS_DRAIN_RATE } from "../../infra/constructs/queue-drain.js";
import {
  asArray,
  field,
  type Json,
  resourcesOfType,
  type Synthesized,
  statementList,
  synthStage,
} from "./synth.js";

/**
 * Queues whose work can wait a few minutes are drained on a schedule by their consumer, instead of
 * an event source mapping whose pollers receive from them around the clock.
 */
describe("queues drained on a schedule", () => {
  let dev: Synthesized;

  beforeAll(() => {
    dev = synthStage({ config: { stage: "dev" } });
  });

  const resolved = (value: string) => JSON.stringify(dev.stacks.stateless.resolve(value));
  const functionNamed = (fnArn: string) =>
    resourcesOfType(dev.stateless, "AWS::Lambda::Function").find(
      (f) => JSON.stringify({ "Fn::GetAtt": [f.logicalId, "Arn"] }) === resolved(fnArn),
    );
  const policiesOf = (roleName: string) =>
    resourcesOfType(dev.stateless, "AWS::IAM::Policy").filter((p) =>
      asArray(p.properties.Roles).some((r) => JSON.stringify(r) === resolved(roleName)),
    );
  const statementsOn = (queueArn: string) =>
    resourcesOfType(dev.stateless, "AWS::IAM::Policy").flatMap((p) =>
      statementList(p.properties.PolicyDocument)
        .filter((s) => JSON.stringify(field(s, "Resource")) === resolved(queueArn))
        .map((s) => ({ roles: asArray(p.properties.Roles).map((r) => JSON.stringify(r)), statement: s })),
    );

  describe("the agent-events queue", () => {
    it("has no event source mapping", () => {
      const queueArn = resolved(dev.stacks.stateful.agentEventsQueue.queueArn);
      const mappings = resourcesOfType(dev.stateless, "AWS::Lambda::EventSourceMapping");

      expect(mappings.map((m) => JSON.stringify(m.properties.EventSourceArn))).not.toContain(queueArn);
    });

    it("is drained by the agent-events function every two minutes from the ops group, flexible window off", () => {
      const { agentEvents } = dev.stacks.stateless;
      const schedules = resourcesOfType(dev.stateless, "AWS::Scheduler::Schedule").filter(
        (s) =>
          JSON.stringify(field(s.properties.Target, "Arn")) === resolved(agentEvents.function.functionArn),
      );

      expect(AGENT_EVENTS_DRAIN_RATE.toMinutes()).toBe(2);
      expect(schedules).toHaveLength(1);
      expect(schedules[0]?.properties).toMatchObject({
        GroupName: "isp-billing-dev-ops",
        ScheduleExpression: "rate(2 minutes)",
        FlexibleTimeWindow: { Mode: "OFF" },
      });
      expect(field(schedules[0]?.properties.Target, "DeadLetterConfig")).toBeDefined();
    });

    it("gives the drain its queue's URL, a minute to run, and no retry of a failed tick", () => {
      const { agentEvents } = dev.stacks.stateless;
      const fn = functionNamed(agentEvents.function.functionArn);
      const variables = field(field(fn?.properties, "Environment"), "Variables");
      const invokeConfig = resourcesOfType(dev.stateless, "AWS::Lambda::EventInvokeConfig").find(
        (c) => JSON.stringify(c.properties.FunctionName) === resolved(agentEvents.function.functionName),
      );

      expect(JSON.stringify(field(variables, AGENT_EVENTS_QUEUE_URL_ENV))).toBe(
        resolved(dev.stacks.stateful.agentEventsQueue.queueUrl),
      );
      expect(fn?.properties.Timeout).toBe(60);
      expect(invokeConfig?.properties).toMatchObject({
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: AGENT_EVENTS_DRAIN_RATE.toSeconds(),
      });
    });

    it("lets only the agent-events function receive and delete its messages, on that queue alone", () => {
      const { agentEvents } = dev.stacks.stateless;
      const grants = statementsOn(dev.stacks.stateful.agentEventsQueue.queueArn).filter(({ statement }) =>
        asArray(field(statement, "Action")).some(
          (a) => a === "sqs:ReceiveMessage" || a === "sqs:DeleteMessage",
        ),
      );

      expect(grants).toHaveLength(1);
      expect(grants[0]?.roles).toEqual([resolved(agentEvents.role.roleName)]);
      expect(asArray(field(grants[0]?.statement, "Action"))).toEqual(
        expect.arrayContaining(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]),
      );
      // Its other statements name no other queue for receiving.
      const receives = policiesOf(agentEvents.role.roleName)
        .flatMap((p) => statementList(p.properties.PolicyDocument))
        .filter((s) => asArray(field(s, "Action")).includes("sqs:ReceiveMessage" as Json));
      expect(receives).toHaveLength(1);
    });

    it("alarms when its oldest message has waited well past a few drains", () => {
      const queueName = resolved(dev.stacks.stateful.agentEventsQueue.queueName);
      const ages = resourcesOfType(dev.stateless, "AWS::CloudWatch::Alarm").filter(
        (a) =>
          a.properties.MetricName === "ApproximateAgeOfOldestMessage" &&
          JSON.stringify(field(asArray(a.properties.Dimensions)[0], "Value")) === queueName,
      );

      expect(ages).toHaveLength(1);
      expect(ages[0]?.properties).toMatchObject({
        Namespace: "AWS/SQS",
        Statistic: "Maximum",
        ComparisonOperator: "GreaterThanThreshold",
        EvaluationPeriods: 2,
        TreatMissingData: "notBreaching",
      });
      expect(Number(ages[0]?.properties.Threshold)).toBeGreaterThan(AGENT_EVENTS_DRAIN_RATE.toSeconds() * 2);
      expect(Number(ages[0]?.properties.Threshold)).toBeLessThanOrEqual(15 * 60);
    });
  });
});
