import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { NotFoundError, VersionConflictError } from "../../domain/errors.js";
import type { WebhookDelivery } from "../../domain/schemas/event-subscription.js";
import type {
  DeliveryAttempt,
  EventSubscriptionRepository,
  StoredEventSubscription,
} from "../../ports/outbound-events.js";
import type { Page, PageRequest } from "../../ports/repositories.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { toRecord, versionedPutCondition } from "./items.js";
import { keys } from "./keys.js";

/** Delivery records are for looking into recent trouble, then DynamoDB's TTL removes them. */
const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;

/** The tenant's webhook (EVSUB) and one delivery record per event sent to it (WHDLV#{eventId}). */
export class DynamoEventSubscriptionRepository implements EventSubscriptionRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string): Promise<StoredEventSubscription | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.eventSubscriptionSk() },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRecord<StoredEventSubscription>(out.Item) : undefined;
  }

  async put(subscription: StoredEventSubscription, expectedVersion: number): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...subscription,
            PK: keys.tenantPk(subscription.tenantId),
            SK: keys.eventSubscriptionSk(),
            entity: "event-subscription",
          },
          ...versionedPutCondition(expectedVersion),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      throw new VersionConflictError("The event subscription changed meanwhile: reload and retry");
    }
  }

  async delete(tenantId: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { PK: keys.tenantPk(tenantId), SK: keys.eventSubscriptionSk() },
          ConditionExpression: "attribute_exists(PK)",
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError("No event subscription");
      throw error;
    }
  }

  async getDelivery(tenantId: string, eventId: string): Promise<WebhookDelivery | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.webhookDeliverySk(eventId) },
        ConsistentRead: true,
      }),
    );
    return out.Item ? deliveryOf(out.Item) : undefined;
  }

  async recordAttempt(a: DeliveryAttempt): Promise<boolean> {
    const fields: Record<string, unknown> = {
      eventId: a.eventId,
      type: a.type,
      status: a.outcome,
      attempts: a.attempt,
      lastAttemptAt: a.at,
      lastStatusCode: a.statusCode,
      lastError: a.error?.slice(0, 300),
      nextAttemptAt: a.nextAttemptAt,
      deliveredAt: a.outcome === "delivered" ? a.at : undefined,
      entity: "webhook-delivery",
      expiresAtEpoch: Math.floor(Date.parse(a.at) / 1000) + DELIVERY_RETENTION_SECONDS,
    };
    const names: Record<string, string> = { "#delivered": "deliveredAt" };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const removes: string[] = [];
    Object.entries(fields).forEach(([field, value], i) => {
      if (value === undefined && field === "deliveredAt") return;
      names[`#f${i}`] = field;
      if (value === undefined) {
        removes.push(`#f${i}`);
      } else {
        values[`:v${i}`] = value;
        sets.push(`#f${i} = :v${i}`);
      }
    });
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: keys.tenantPk(a.tenantId), SK: keys.webhookDeliverySk(a.eventId) },
          UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
          // Once delivered, an event's record is final: a duplicate job cannot add a second success.
          ConditionExpression: "attribute_not_exists(#delivered)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async listDeliveries(tenantId: string, page: PageRequest): Promise<Page<WebhookDelivery>> {
    const pk = keys.tenantPk(tenantId);
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues: { ":pk": pk, ":prefix": keys.webhookDeliverySk("") },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, { attribute: "PK", value: pk }),
      }),
    );
    return { items: (out.Items ?? []).map(deliveryOf), nextCursor: encodeCursor(out.LastEvaluatedKey) };
  }
}

function deliveryOf(item: Record<string, unknown>): WebhookDelivery {
  return toRecord<WebhookDelivery>(item);
}
