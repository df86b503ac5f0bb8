import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";

/** The smallest useful Lambda on this table: the floor that bench/bundle-size compares against. */
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async () => doc.send(new GetCommand({ TableName: "t", Key: { PK: "a", SK: "b" } }));
