import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { GLOBAL_INDEXES, STREAM_VIEW_TYPE, TABLE_KEY, TTL_ATTRIBUTE } from "./table-definition.js";

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
        StreamSpecification: { StreamEnabled: true, StreamViewType: STREAM_VIEW_TYPE },
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
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table?.StreamSpecification?.StreamEnabled) {
    // A data folder from before the table had a stream: turn it on (the outbound events read it).
    await client
      .send(
        new UpdateTableCommand({
          TableName: tableName,
          StreamSpecification: { StreamEnabled: true, StreamViewType: STREAM_VIEW_TYPE },
        }),
      )
      .catch(async (error: unknown) => {
        // Another process may have turned it on first.
        const again = await client.send(new DescribeTableCommand({ TableName: tableName }));
        if (!again.Table?.StreamSpecification?.StreamEnabled) throw error;
      });
  }
}
