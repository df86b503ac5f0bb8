import { App, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { DataTable } from "../../infra/constructs/data-table.js";
import { GLOBAL_INDEXES, TABLE_KEY, TTL_ATTRIBUTE } from "../../shared/adapters/dynamodb/table-definition.js";
import { asArray, field, type Json, resourcesOfType, type Synthesized, synthStage } from "./synth.js";

describe("stateful stack", () => {
  let dev: Synthesized;
  let prod: Synthesized;

  beforeAll(() => {
    dev = synthStage({ config: { stage: "dev" } });
    prod = synthStage({ config: { stage: "prod" } });
  });

  it("holds exactly one table, on-demand, encrypted, with PITR and the TTL attribute", () => {
    dev.stateful.resourceCountIs("AWS::DynamoDB::Table", 1);
    dev.stateful.hasResourceProperties("AWS::DynamoDB::Table", {
      BillingMode: "PAY_PER_REQUEST",
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      KeySchema: [
        { AttributeName: TABLE_KEY.partitionKey, KeyType: "HASH" },
        { AttributeName: TABLE_KEY.sortKey, KeyType: "RANGE" },
      ],
    });
  });

  it("has the GSIs of the shared table definition with their projections", () => {
    const [table] = resourcesOfType(dev.stateful, "AWS::DynamoDB::Table");
    const indexes = table?.properties.GlobalSecondaryIndexes;

    expect(indexes).toHaveLength(6);
    expect(indexes).toEqual(
      GLOBAL_INDEXES.map((index) =>
        expect.objectContaining({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: "HASH" },
            { AttributeName: index.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: index.projection },
        }),
      ),
    );
  });

  it("retains the table and turns on deletion protection in prod", () => {
    prod.stateful.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    expect(prod.stacks.stateful.terminationProtection).toBe(true);
  });

  it("lets dev tables be destroyed with their stack", () => {
    dev.stateful.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Delete",
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
    expect(dev.stacks.stateful.terminationProtection).toBe(false);
  });

  it("refuses a DESTROY removal policy on a deletion-protected table", () => {
    const stack = new Stack(new App(), "Conflict");

    expect(
      () => new DataTable(stack, "Data", { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: true }),
    ).toThrow(/conflicts with deletionProtection/);
  });

  describe("scheduling, queues and the operators topic", () => {
    it("has the subscribers' schedule group, named from the stage", () => {
      dev.stateful.resourcePropertiesCountIs("AWS::Scheduler::ScheduleGroup", { Name: "isp-billing-dev" }, 1);
      prod.stateful.resourcePropertiesCountIs(
        "AWS::Scheduler::ScheduleGroup",
        { Name: "isp-billing-prod" },
        1,
      );
      expect(dev.stacks.stateful.scheduleGroupName).toBe("isp-billing-dev");
    });

    it("exposes a site-queue prefix the adapter accepts and no queue of the stacks can match", () => {
      for (const synth of [dev, prod]) {
        const prefix = synth.stacks.stateful.siteQueuePrefix;
        expect(prefix).toMatch(/^[A-Za-z0-9_-]{1,16}$/);
        for (const stack of [synth.stacks.stateful, synth.stacks.stateless]) {
          expect(stack.stackName.startsWith(`${prefix}-`), stack.stackName).toBe(false);
        }
        for (const queue of resourcesOfType(synth.stateful, "AWS::SQS::Queue")) {
          expect(queue.properties.QueueName, queue.logicalId).toBeUndefined();
        }
      }
      expect(dev.stacks.stateful.siteQueuePrefix).toBe("isp-dev");
    });

    it("encrypts every queue, keeps messages 14 days and refuses anything but TLS", () => {
      const queues = resourcesOfType(dev.stateful, "AWS::SQS::Queue");
      const policies = resourcesOfType(dev.stateful, "AWS::SQS::QueuePolicy");

      expect(queues.length).toBeGreaterThanOrEqual(2);
      for (const queue of queues) {
        expect(
          queue.properties.SqsManagedSseEnabled ?? queue.properties.KmsMasterKeyId,
          queue.logicalId,
        ).toBeTruthy();
        expect(queue.properties.MessageRetentionPeriod, queue.logicalId).toBe(14 * 24 * 3600);
        const policy = policies.find((p) =>
          asArray(p.properties.Queues).some((q) => field(q, "Ref") === queue.logicalId),
        );
        expect(
          asArray(field(policy?.properties.PolicyDocument, "Statement")),
          queue.logicalId,
        ).toContainEqual({
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "sqs:*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
          Resource: { "Fn::GetAtt": [queue.logicalId, "Arn"] },
        });
      }
    });

    it("gives every work queue a DLQ; the others are dead-letter targets of the stateless stack", () => {
      const { stateful } = dev.stacks;
      const deadLetterIds = [
        stateful.schedulerDeadLetterQueue,
        stateful.lifecycleFailureQueue,
        stateful.outboundEvents.streamFailureQueue,
        // The run-time site queues' redrive target, which the functions learn from their environment.
        stateful.siteCommandDeadLetterQueue,
      ].map((q) => (stateful.resolve(q.queueUrl) as { Ref: string }).Ref);
      const exported = (logicalId: string) =>
        Object.entries(
          dev.stateful.toJSON().Outputs as Record<string, { Value: Json; Export: { Name: string } }>,
        )
          .filter(([, o]) => JSON.stringify(o.Value) === JSON.stringify({ "Fn::GetAtt": [logicalId, "Arn"] }))
          .map(([, o]) => ({ "Fn::ImportValue": o.Export.Name }));
      const statelessJson = JSON.stringify([
        ...resourcesOfType(dev.stateless, "AWS::Scheduler::Schedule").map((s) =>
          field(s.properties.Target, "DeadLetterConfig"),
        ),
        ...resourcesOfType(dev.stateless, "AWS::Lambda::EventInvokeConfig").map(
          (c) => c.properties.DestinationConfig,
        ),
        ...resourcesOfType(dev.stateless, "AWS::Lambda::EventSourceMapping").map(
          (m) => m.properties.DestinationConfig,
        ),
        ...resourcesOfType(dev.stateless, "AWS::Lambda::Function").map(
          (f) => field(field(f.properties.Environment, "Variables"), "SITE_DLQ_ARN") ?? null,
        ),
      ]);

      // A work queue's own DLQ is the target of its RedrivePolicy.
      const redriveTargets = resourcesOfType(dev.stateful, "AWS::SQS::Queue").flatMap((q) => {
        const target = field(q.properties.RedrivePolicy, "deadLetterTargetArn");
        return target ? [JSON.stringify(target)] : [];
      });
      for (const queue of resourcesOfType(dev.stateful, "AWS::SQS::Queue")) {
        if (redriveTargets.includes(JSON.stringify({ "Fn::GetAtt": [queue.logicalId, "Arn"] }))) continue;
        if (deadLetterIds.includes(queue.logicalId)) {
          const [imported] = exported(queue.logicalId);
          expect(imported, queue.logicalId).toBeDefined();
          expect(statelessJson, queue.logicalId).toContain(JSON.stringify(imported));
        } else {
          expect(field(queue.properties.RedrivePolicy, "maxReceiveCount"), queue.logicalId).toEqual(
            expect.any(Number),
          );
        }
      }
    });

    it("encrypts the operators topic with a rotated customer-managed key and requires TLS to publish", () => {
      const [topic] = resourcesOfType(dev.stateful, "AWS::SNS::Topic");
      const [keyId, attribute] = asArray(field(topic?.properties.KmsMasterKeyId, "Fn::GetAtt"));
      const key = resourcesOfType(dev.stateful, "AWS::KMS::Key").find((k) => k.logicalId === keyId);

      expect(attribute).toBe("Arn");
      expect(key?.properties.EnableKeyRotation).toBe(true);
      dev.stateful.hasResourceProperties("AWS::SNS::TopicPolicy", {
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: "Deny",
              Action: "sns:Publish",
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            }),
          ]),
        }),
      });
    });

    it("lets only this account's CloudWatch alarms publish through the topic and its key", () => {
      const fromAlarms = Match.objectLike({
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Condition: {
          StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
          ArnLike: { "aws:SourceArn": Match.anyValue() },
        },
      });

      dev.stateful.hasResourceProperties("AWS::SNS::TopicPolicy", {
        PolicyDocument: Match.objectLike({ Statement: Match.arrayWith([fromAlarms]) }),
      });
      dev.stateful.hasResourceProperties("AWS::KMS::Key", {
        KeyPolicy: Match.objectLike({ Statement: Match.arrayWith([fromAlarms]) }),
      });
    });

    it("retains the schedule group, queues, topic and key in prod, and lets dev remove them", () => {
      const types = ["AWS::Scheduler::ScheduleGroup", "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::KMS::Key"];
      for (const type of types) {
        for (const resource of resourcesOfType(prod.stateful, type)) {
          expect(resource.raw.DeletionPolicy, `${type} ${resource.logicalId}`).toBe("Retain");
        }
        for (const resource of resourcesOfType(dev.stateful, type)) {
          expect(resource.raw.DeletionPolicy, `${type} ${resource.logicalId}`).toBe("Delete");
        }
      }
    });
  });
});
