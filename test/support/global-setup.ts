import "./provided.js";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TestProject } from "vitest/node";
import { ensureTable } from "../../shared/adapters/dynamodb/create-table.js";
import { startDynamoDbLocal } from "../../shared/local/dynamodb-local.js";

/** One in-memory DynamoDB Local for the whole run; every test uses its own tenant ids. */
export default async function setup(project: TestProject) {
  const ddb = await startDynamoDbLocal();
  const tableName = "isp-test";
  const client = new DynamoDBClient({
    endpoint: ddb.endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await ensureTable(client, tableName);
  client.destroy();
  project.provide("dynamoEndpoint", ddb.endpoint);
  project.provide("tableName", tableName);
  return async () => {
    await ddb.stop();
  };
}
