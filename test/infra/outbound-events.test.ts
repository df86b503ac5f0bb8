import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { ScheduleGroup } from "aws-cdk-lib/aws-scheduler";
import { beforeAll, describe, expect, it } from "vitest";
import { DataTable } from "../../infra/constructs/data-table.js";
import { GatewayCredentialsKey } from "../../infra/constructs/gateway-credentials-key.js";
import { OutboundEventChannels } from "../../infra/constructs/outbound-event-channels.js";
import { OutboundEvents } from "../../infra/constructs/outbound-events.js";
import { WEBHOOK_DELIVERY_DRAIN_RATE } from "../../infra/constructs/queue-drain.js";
import { SecureQueue } from "../../infra/constructs/secure-queue.js";
import { OUTBOUND_STREAM_FILTER } from "../../shared/adapters/dynamodb/stream-records.js";
import { SOURCE_TIMELINE_TYPES } from "../../shared/domain/outbound-events/catalogue.js";
import { WEBHOOK_MAX_ATTEMPTS } from "../../shared/domain/outbound-events/retry.js";
import { WEBHOOK_SECRET_PURPOSE } from "../../shared/services/webhook-secrets.js";
import {
  asArray,
  field,
  iamStatements,
  type Json,
  resourcesOfType,
  statementsOfRole,
  synthStage,
} from "./synth.js";

/** The outbound events' constructs in one stack, with the table and key they are given in the stage. */
function build() {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new Stack(app, "Outbound");
  const { table } = new DataTable(stack, "Data");
  const { key } = new GatewayCredentialsKey(stack, "Key", { stage: "test" });
  const channels = new OutboundEventChannels(stack, "Channels", { stage: "test" });
  const opsScheduleGroup = new ScheduleGroup(stack, "Ops", { scheduleGroupName: "isp-billing-test-ops" });
  const schedulerDeadLetters = new SecureQueue(stack, "SchedulerDeadLetters", {
    role: { kind: "dead-letter", deadLetterFor: "scheduler fires that could not be delivered" },
  }).queue;
  const outbound = new OutboundEvents(stack, "Functions", {
    stage: "test",
    table,
    bus: channels.bus,
    deliveryQueue: channels.deliveryQueue,
    streamFailureQueue: channels.streamFailureQueue,
    key,
    environment: { TABLE_NAME: "t" },
    logRetention: RetentionDays.ONE_WEEK,
    opsScheduleGroup,
    opsScheduleGroupName: "isp-billing-test-ops",
    schedulerDeadLetterQueue: schedulerDeadLetters,
  });
  const template = Template.fromStack(stack);
  const ref = (value: string) => stack.resolve(value) as Json;
  return { stack, table, key, channels, outbound, template, ref };
}

type Built = ReturnType<typeof build>;

const actionsOf = (statement: Json) => asArray(field(statement, "Action")).map(String);

describe("outbound events on AWS", () => {
  let b: Built;
  beforeAll(() => {
    b = build();
  });
  const roleRef = (lambda: OutboundEvents["publisher"]) => b.ref(lambda.role.roleName);
  const functionOf = (lambda: OutboundEvents["publisher"]) =>
    resourcesOfType(b.template, "AWS::Lambda::Function").find(
      (f) => JSON.stringify({ Ref: f.logicalId }) === JSON.stringify(b.ref(lambda.function.functionName)),
    );

  it("streams new images of the table, and puts events on a custom bus named for the stage", () => {
    b.template.hasResourceProperties("AWS::DynamoDB::Table", {
      StreamSpecification: { StreamViewType: "NEW_IMAGE" },
    });
    b.template.hasResourceProperties("AWS::Events::EventBus", { Name: "isp-billing-test" });
  });

  it("feeds the publisher only inserted timeline items of public source types, and bisects, retries, then parks failures", () => {
    const [mapping] = resourcesOfType(b.template, "AWS::Lambda::EventSourceMapping").filter(
      (m) =>
        JSON.stringify(m.properties.EventSourceArn) === JSON.stringify(b.ref(b.table.tableStreamArn ?? "")),
    );
    const pattern = JSON.parse(
      String(field(asArray(field(mapping?.properties.FilterCriteria, "Filters"))[0], "Pattern")),
    );

    expect(pattern).toEqual(JSON.parse(JSON.stringify(OUTBOUND_STREAM_FILTER)));
    expect(pattern.dynamodb.NewImage.entity.S).toEqual(["event"]);
    expect(pattern.dynamodb.NewImage.type.S).toEqual([...SOURCE_TIMELINE_TYPES]);
    expect(mapping?.properties).toMatchObject({
      StartingPosition: "LATEST",
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: { OnFailure: { Destination: b.ref(b.channels.streamFailureQueue.queueArn) } },
      FunctionName: b.ref(b.outbound.publisher.function.functionName),
    });
  });

  it("gives the delivery queue encryption, TLS only, and its DLQ after the last attempt", () => {
    const queueId = field(b.ref(b.channels.deliveryQueue.queueUrl), "Ref");
    const dlqId = field(b.ref(b.channels.deliveryDeadLetterQueue.queueUrl), "Ref");
    const queue = resourcesOfType(b.template, "AWS::SQS::Queue").find((q) => q.logicalId === queueId);

    expect(WEBHOOK_MAX_ATTEMPTS).toBe(8);
    expect(queue?.properties).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { "Fn::GetAtt": [dlqId, "Arn"] },
        maxReceiveCount: WEBHOOK_MAX_ATTEMPTS,
      },
    });
    // The queue must hide a message as long as the function may run with it (a drain receives its
    // last batch with a reserve of time left, so it never holds one past its own end).
    const timeout = Number(functionOf(b.outbound.delivery)?.properties.Timeout);
    expect(Number(queue?.properties.VisibilityTimeout)).toBeGreaterThanOrEqual(timeout);
    for (const id of [queueId, dlqId, field(b.ref(b.channels.streamFailureQueue.queueUrl), "Ref")]) {
      const policy = resourcesOfType(b.template, "AWS::SQS::QueuePolicy").find((p) =>
        asArray(p.properties.Queues).some((q) => JSON.stringify(q) === JSON.stringify({ Ref: id })),
      );
      expect(JSON.stringify(policy?.properties.PolicyDocument), String(id)).toContain(
        '"aws:SecureTransport":"false"',
      );
    }
  });

  it("drains the delivery queue from the delivery function, woken by the publisher and every five minutes, with no event source mapping", () => {
    const mappings = resourcesOfType(b.template, "AWS::Lambda::EventSourceMapping").filter(
      (m) =>
        JSON.stringify(m.properties.EventSourceArn) ===
        JSON.stringify(b.ref(b.channels.deliveryQueue.queueArn)),
    );
    const schedules = resourcesOfType(b.template, "AWS::Scheduler::Schedule").filter(
      (s) =>
        JSON.stringify(field(s.properties.Target, "Arn")) ===
        JSON.stringify(b.ref(b.outbound.delivery.function.functionArn)),
    );
    const publisherVariables = field(functionOf(b.outbound.publisher)?.properties.Environment, "Variables");
    const invokes = statementsOfRole(b.template, roleRef(b.outbound.publisher)).filter((s) =>
      actionsOf(s).includes("lambda:InvokeFunction"),
    );

    expect(mappings).toEqual([]);
    expect(WEBHOOK_DELIVERY_DRAIN_RATE.toMinutes()).toBe(5);
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.properties).toMatchObject({
      GroupName: "isp-billing-test-ops",
      ScheduleExpression: "rate(5 minutes)",
      FlexibleTimeWindow: { Mode: "OFF" },
    });
    expect(field(publisherVariables, "WEBHOOK_DELIVERY_FUNCTION_NAME")).toEqual(
      b.ref(b.outbound.delivery.function.functionName),
    );
    // The delivery function alone, by its unqualified ARN: no version or alias wildcard.
    expect(invokes.map((s) => field(s, "Resource"))).toEqual([
      b.ref(b.outbound.delivery.function.functionArn),
    ]);
  });

  it("lets the publisher put on this bus, send to this queue and read the webhook, and nothing more", () => {
    const statements = statementsOfRole(b.template, roleRef(b.outbound.publisher));
    const byAction = (action: string) => statements.filter((s) => actionsOf(s).includes(action));

    expect(byAction("events:PutEvents").map((s) => field(s, "Resource"))).toEqual([
      b.ref(b.channels.bus.eventBusArn),
    ]);
    expect(
      byAction("sqs:SendMessage")
        .map((s) => field(s, "Resource"))
        .sort(),
    ).toEqual(
      [b.ref(b.channels.deliveryQueue.queueArn), b.ref(b.channels.streamFailureQueue.queueArn)].sort(),
    );
    expect(byAction("dynamodb:GetItem").map((s) => field(s, "Resource"))).toEqual([b.ref(b.table.tableArn)]);
    for (const s of statements) {
      const actions = actionsOf(s);
      expect(
        actions.some((a) => a.startsWith("kms:")),
        JSON.stringify(s),
      ).toBe(false);
      expect(actions.filter((a) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|Scan)$/.test(a))).toEqual([]);
      expect(field(s, "Resource"), JSON.stringify(s)).not.toBe("*");
    }
    // Every stream action on this table's stream alone (no ListStreams on "*").
    for (const action of [
      "dynamodb:DescribeStream",
      "dynamodb:GetRecords",
      "dynamodb:GetShardIterator",
      "dynamodb:ListStreams",
    ]) {
      expect(
        byAction(action).map((s) => field(s, "Resource")),
        action,
      ).toEqual([b.ref(b.table.tableStreamArn ?? "")]);
    }
  });

  it("lets the delivery function open webhook secrets only, never seal, and never touch the bus", () => {
    const statements = statementsOfRole(b.template, roleRef(b.outbound.delivery));
    const kms = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("kms:")));

    expect(kms).toEqual([
      {
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: b.ref(b.key.keyArn),
        Condition: { StringEquals: { "kms:EncryptionContext:purpose": WEBHOOK_SECRET_PURPOSE } },
      },
    ]);
    expect(statements.some((s) => actionsOf(s).includes("events:PutEvents"))).toBe(false);
    expect(statements.some((s) => actionsOf(s).includes("sqs:ChangeMessageVisibility"))).toBe(true);
    expect(statements.some((s) => actionsOf(s).includes("lambda:InvokeFunction"))).toBe(false);
    expect(statements.every((s) => field(s, "Resource") !== "*")).toBe(true);
    const variables = field(functionOf(b.outbound.delivery)?.properties.Environment, "Variables");
    expect(field(variables, "GATEWAY_KEY_ARN")).toEqual(b.ref(b.key.keyArn));
    expect(field(variables, "WEBHOOK_DELIVERY_QUEUE_URL")).toEqual(b.ref(b.channels.deliveryQueue.queueUrl));
    expect(field(variables, "WEBHOOK_ALLOW_LOOPBACK")).toBeUndefined();
  });

  it("runs both functions on arm64 and Node.js 22 or newer", () => {
    for (const lambda of [b.outbound.publisher, b.outbound.delivery]) {
      const props = functionOf(lambda)?.properties;
      expect(props?.Architectures).toEqual(["arm64"]);
      expect(Number(/^nodejs(\d+)\.x$/.exec(String(props?.Runtime))?.[1])).toBeGreaterThanOrEqual(22);
    }
  });
});

describe("outbound events in the deployed stage", () => {
  const dev = synthStage({ config: { stage: "dev" } });
  const { stateful, stateless } = dev.stacks;
  const resolve = (value: string) => stateless.resolve(value) as Json;
  const purposeOf = (s: Json) =>
    field(field(field(s, "Condition"), "StringEquals"), "kms:EncryptionContext:purpose");
  const rolesWith = (matches: (s: Json) => boolean) =>
    resourcesOfType(dev.stateless, "AWS::IAM::Policy")
      .filter((p) => asArray(field(p.properties.PolicyDocument, "Statement")).some(matches))
      .flatMap((p) => asArray(p.properties.Roles).map((r) => JSON.stringify(r)))
      .sort();
  const roleOf = (lambda: OutboundEvents["publisher"] | undefined) =>
    JSON.stringify(resolve(lambda?.role.roleName ?? ""));

  it("streams the table and names the bus for the stage", () => {
    dev.stateful.hasResourceProperties("AWS::DynamoDB::Table", {
      StreamSpecification: { StreamViewType: "NEW_IMAGE" },
    });
    dev.stateful.hasResourceProperties("AWS::Events::EventBus", { Name: "isp-billing-dev" });
    expect(stateful.outboundEvents.bus.eventBusName).toBeDefined();
  });

  it("lets only the events API seal and only the delivery function open webhook secrets", () => {
    const webhookKms = (action: string) => (s: Json) =>
      purposeOf(s) === WEBHOOK_SECRET_PURPOSE && actionsOf(s).includes(action);
    const eventsApi = stateless.functions.get("events");

    expect(rolesWith(webhookKms("kms:Encrypt"))).toEqual([roleOf(eventsApi)]);
    expect(rolesWith(webhookKms("kms:Decrypt"))).toEqual([roleOf(stateless.outboundEvents.delivery)]);
    // Neither may open gateway credentials.
    const gatewayKms = (s: Json) =>
      actionsOf(s).some((a) => a.startsWith("kms:")) && purposeOf(s) !== WEBHOOK_SECRET_PURPOSE;
    for (const lambda of [eventsApi, stateless.outboundEvents.delivery, stateless.outboundEvents.publisher]) {
      expect(rolesWith(gatewayKms)).not.toContain(roleOf(lambda));
    }
    const env = resourcesOfType(dev.stateless, "AWS::Lambda::Function").find(
      (f) =>
        JSON.stringify({ Ref: f.logicalId }) ===
        JSON.stringify(resolve(eventsApi?.function.functionName ?? "")),
    );
    expect(field(field(env?.properties.Environment, "Variables"), "GATEWAY_KEY_ARN")).toBeDefined();
  });

  it("lets only the publisher put events on the bus, and no statement anywhere allow it on every bus", () => {
    const putEvents = (s: Json) => actionsOf(s).includes("events:PutEvents");
    expect(rolesWith(putEvents)).toEqual([roleOf(stateless.outboundEvents.publisher)]);
    for (const s of [dev.stateful, dev.stateless].flatMap(iamStatements).filter(putEvents)) {
      expect(field(s, "Resource")).not.toBe("*");
    }
  });
});
