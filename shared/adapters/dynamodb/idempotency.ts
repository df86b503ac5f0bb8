import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { IdempotencyKeyClaimed } from "../../domain/idempotency.js";
import type { IdempotencyClaim, IdempotencyStore } from "../../ports/repositories.js";
import { keys } from "./keys.js";
import type { GuardedItem } from "./transact.js";

export function idempotencyPut(tableName: string, tenantId: string, claim: IdempotencyClaim): GuardedItem {
  return {
    item: {
      Put: {
        TableName: tableName,
        Item: {
          PK: keys.tenantPk(tenantId),
          SK: keys.idempotencySk(claim.keyHash),
          entity: "idempotency",
          ...claim,
        },
        ConditionExpression: "attribute_not_exists(PK)",
      },
    },
    onConditionFailed: () => new IdempotencyKeyClaimed(claim.keyHash),
    precedence: 100,
  };
}

/** Optional idempotency Put, for spreading into a transaction's item list. */
export function withIdempotency(
  tableName: string,
  tenantId: string,
  claim: IdempotencyClaim | undefined,
): GuardedItem[] {
  return claim ? [idempotencyPut(tableName, tenantId, claim)] : [];
}

export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string, keyHash: string): Promise<IdempotencyClaim | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.idempotencySk(keyHash) },
        ConsistentRead: true,
      }),
    );
    const item = out.Item;
    if (!item || (typeof item.expiresAtEpoch === "number" && item.expiresAtEpoch * 1000 < Date.now()))
      return undefined;
    return {
      keyHash: String(item.keyHash),
      fingerprint: String(item.fingerprint),
      resourceType: String(item.resourceType),
      resourceId: String(item.resourceId),
      createdAt: String(item.createdAt),
      expiresAtEpoch: Number(item.expiresAtEpoch),
    };
  }
}
