import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { createLocalDocumentClient } from "../../shared/adapters/dynamodb/client.js";

describe("DynamoDB Local", () => {
  it("serves the test table", async () => {
    const doc = createLocalDocumentClient(inject("dynamoEndpoint"));
    const out = await doc.send(new ListTablesCommand({}));
    expect(out.TableNames).toContain(inject("tableName"));
  });
});
