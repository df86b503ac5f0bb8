import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { GLOBAL_INDEXES, TABLE_KEY, TTL_ATTRIBUTE } from "./table-definition.js";

/** Creates the table on DynamoDB Local (the cloud table is created by the CDK stack). */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const attributes = [
    TABLE_KEY.partitionKey,
    TABLE_KEY.sortKey,
    ...GLOBAL_INDEXES.flatMap((g) => [g.partitionKey, g.sortKey]),
  ];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: attributes.map((a) => ({ AttributeName: a, AttributeType: "S" })),
        KeySchema: [
          { AttributeName: TABLE_KEY.partitionKey, KeyType: "HASH" },
          { AttributeName: TABLE_KEY.sortKey, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: GLOBAL_INDEXES.map((g) => ({
          IndexName: g.indexName,
          KeySchema: [
            { AttributeName: g.partitionKey, KeyType: "HASH" },
            { AttributeName: g.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: g.projection },
        })),
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await client.send(new DescribeTableCommand({ TableName: tableName }));
}
