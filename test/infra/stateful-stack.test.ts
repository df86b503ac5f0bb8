import { App, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { DataTable } from "../../infra/constructs/data-table.js";
import { GLOBAL_INDEXES, TABLE_KEY, TTL_ATTRIBUTE } from "../../shared/adapters/dynamodb/table-definition.js";
import { resourcesOfType, type Synthesized, synthStage } from "./synth.js";

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
});
