import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { NotFoundError, VersionConflictError } from "../../domain/errors.js";
import type { Page, PageRequest, WriteOptions } from "../../ports/repositories.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { withIdempotency } from "./idempotency.js";
import { toRecord, versionedUpdate } from "./items.js";
import { keys } from "./keys.js";
import { type GuardedItem, transact } from "./transact.js";

/**
 * Items that live in the tenant's own partition (PK = T#{tenant}): packages, sites, NAS entries,
 * API keys. One implementation of put / get / list / versioned update / delete for all of them.
 */
export class TenantPartitionStore<T extends { id: string }> {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Human name used in error messages, e.g. "Package". */
    private readonly kind: string,
    private readonly entity: string,
  ) {}

  async put(
    tenantId: string,
    sk: string,
    record: T,
    options: WriteOptions = {},
    guards: GuardedItem[] = [],
  ): Promise<void> {
    await transact(this.doc, [
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: { ...record, PK: keys.tenantPk(tenantId), SK: sk, entity: this.entity },
            ConditionExpression: "attribute_not_exists(PK)",
          },
        },
      },
      ...guards,
      ...withIdempotency(this.tableName, tenantId, options.idempotency),
    ]);
  }

  async get(tenantId: string, sk: string): Promise<T | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: sk },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRecord<T>(out.Item) : undefined;
  }

  async list(tenantId: string, skPrefix: string, page: PageRequest): Promise<Page<T>> {
    const pk = keys.tenantPk(tenantId);
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues: { ":pk": pk, ":prefix": skPrefix },
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, { attribute: "PK", value: pk }),
      }),
    );
    return {
      items: (out.Items ?? []).map((i) => toRecord<T>(i)),
      nextCursor: encodeCursor(out.LastEvaluatedKey),
    };
  }

  async update(
    tenantId: string,
    sk: string,
    id: string,
    patch: Record<string, unknown>,
    expectedVersion: number,
    now: string,
  ): Promise<T> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: keys.tenantPk(tenantId), SK: sk },
          ...versionedUpdate(patch, expectedVersion, now),
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return toRecord<T>(out.Attributes ?? {});
    } catch (error) {
      throw this.explainConditionFailure(error, id, expectedVersion);
    }
  }

  async delete(tenantId: string, sk: string, id: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { PK: keys.tenantPk(tenantId), SK: sk },
          ConditionExpression: "attribute_exists(PK)",
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new NotFoundError(`${this.kind} ${id} not found`);
      throw error;
    }
  }

  private explainConditionFailure(error: unknown, id: string, expectedVersion: number): unknown {
    if (!(error instanceof ConditionalCheckFailedException)) return error;
    const stored = error.Item?.version?.N;
    if (stored === undefined) return new NotFoundError(`${this.kind} ${id} not found`);
    return new VersionConflictError(
      `${this.kind} ${id} is at version ${stored}, not ${expectedVersion}: reload it and retry`,
      Number(stored),
    );
  }
}

/** A ConditionCheck that the named tenant-partition item exists (and optionally is not archived). */
export function mustExist(
  tableName: string,
  tenantId: string,
  sk: string,
  onMissing: () => Error,
  options: { notArchived?: boolean } = {},
): GuardedItem {
  return {
    item: {
      ConditionCheck: {
        TableName: tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: sk },
        ConditionExpression: options.notArchived
          ? "attribute_exists(PK) AND archived = :false"
          : "attribute_exists(PK)",
        ExpressionAttributeValues: options.notArchived ? { ":false": false } : undefined,
      },
    },
    onConditionFailed: onMissing,
  };
}
