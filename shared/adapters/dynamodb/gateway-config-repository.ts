import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import { NotFoundError, VersionConflictError } from "../../domain/errors.js";
import type { OnlineGateway } from "../../domain/schemas/payment.js";
import type { GatewayConfigRepository, StoredGatewayConfig } from "../../ports/repositories.js";
import { toRecord, versionedPutCondition } from "./items.js";
import { keys } from "./keys.js";

export class DynamoGatewayConfigRepository implements GatewayConfigRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(config: StoredGatewayConfig, expectedVersion: number): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...config,
            PK: keys.tenantPk(config.tenantId),
            SK: keys.gatewaySk(config.gateway),
            entity: "gateway",
          },
          ...versionedPutCondition(expectedVersion),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      throw new VersionConflictError(
        `The ${config.gateway} settings changed meanwhile (expected version ${expectedVersion}): reload and retry`,
      );
    }
  }

  async get(tenantId: string, gateway: OnlineGateway): Promise<StoredGatewayConfig | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.gatewaySk(gateway) },
      }),
    );
    return out.Item ? toRecord<StoredGatewayConfig>(out.Item) : undefined;
  }

  async list(tenantId: string): Promise<StoredGatewayConfig[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues: { ":pk": keys.tenantPk(tenantId), ":prefix": "GATEWAY#" },
      }),
    );
    return (out.Items ?? []).map((i) => toRecord<StoredGatewayConfig>(i));
  }

  async delete(tenantId: string, gateway: OnlineGateway): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { PK: keys.tenantPk(tenantId), SK: keys.gatewaySk(gateway) },
          ConditionExpression: "attribute_exists(PK)",
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new NotFoundError(`No ${gateway} settings to delete`);
      throw error;
    }
  }
}
