import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { encodeTime } from "ulid";
import { VersionConflictError } from "../../domain/errors.js";
import { PaymentAlreadySettledError } from "../../domain/payments/errors.js";
import type { Payment, PaymentListQuery } from "../../domain/schemas/payment.js";
import type { TimelineEvent } from "../../domain/schemas/timeline.js";
import type {
  DuePayment,
  GatewayEventClaim,
  NotificationLookup,
  Page,
  PageRequest,
  PaymentRepository,
  PaymentSettlement,
  StoredPayLink,
  WriteOptions,
} from "../../ports/repositories.js";
import { batchGetConsistent } from "./batch-get.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { queryDueShards } from "./due-index.js";
import { withIdempotency } from "./idempotency.js";
import { invoiceVersionedPut } from "./invoice-repository.js";
import { toRecord } from "./items.js";
import { dueShard, keys } from "./keys.js";
import type { DynamoSubscriberRepository } from "./subscriber-repository.js";
import { type GuardedItem, transact } from "./transact.js";

/** DynamoDB's TransactWriteItems limit. */
const MAX_TRANSACTION_ITEMS = 100;

/** Filtered pages stop after evaluating this many items, so a sparse filter stays cheap. */
const MAX_EVALUATED_PER_PAGE = 2000;

export class DynamoPaymentRepository implements PaymentRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly subscribers: DynamoSubscriberRepository,
  ) {}

  async create(
    payment: Payment,
    events: readonly TimelineEvent[],
    options: WriteOptions = {},
  ): Promise<void> {
    await transact(this.doc, [
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: this.toItem(payment),
            ConditionExpression: "attribute_not_exists(PK)",
          },
        },
      },
      ...events.map((e) => this.subscribers.eventItem(payment.tenantId, e)),
      ...withIdempotency(this.tableName, payment.tenantId, options.idempotency),
    ]);
  }

  async get(tenantId: string, paymentId: string): Promise<Payment | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.paymentSk(paymentId) },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRecord<Payment>(out.Item) : undefined;
  }

  async list(tenantId: string, query: PaymentListQuery, page: PageRequest): Promise<Page<Payment>> {
    const filters: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const filter = (field: string, value: unknown) => {
      if (value === undefined) return;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      filters.push(`#${field} = :${field}`);
    };
    filter("status", query.status);
    filter("gateway", query.gateway);
    let input: QueryCommandInput;
    let partition: { attribute: string; value: string };
    if (query.subscriberId) {
      partition = { attribute: "GSI1PK", value: keys.gsi.subscriberPayments(tenantId, query.subscriberId) };
      values[":pk"] = partition.value;
      input = { TableName: this.tableName, IndexName: "GSI1", KeyConditionExpression: "GSI1PK = :pk" };
    } else {
      // Payment ids are ULIDs, so a time range is a key range.
      partition = { attribute: "PK", value: keys.tenantPk(tenantId) };
      values[":pk"] = partition.value;
      values[":lo"] = keys.paymentSk(query.from ? `pay_${encodeTime(Date.parse(query.from), 10)}` : "pay_");
      values[":hi"] = keys.paymentSk(query.to ? `pay_${encodeTime(Date.parse(query.to), 10)}` : "pay_~");
      input = {
        TableName: this.tableName,
        KeyConditionExpression: "PK = :pk AND SK BETWEEN :lo AND :hi",
      };
    }
    if (query.subscriberId && (query.from || query.to)) {
      if (query.from) {
        values[":from"] = query.from;
        filters.push("createdAt >= :from");
      }
      if (query.to) {
        values[":to"] = query.to;
        filters.push("createdAt < :to");
      }
    }
    const items: Payment[] = [];
    let startKey = decodeCursor(page.cursor, partition);
    let evaluated = 0;
    let nextCursor: string | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          ...input,
          ScanIndexForward: false,
          ExpressionAttributeValues: values,
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ...(filters.length ? { FilterExpression: filters.join(" AND ") } : {}),
          Limit: filters.length ? 200 : page.limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      evaluated += out.ScannedCount ?? 0;
      for (const item of out.Items ?? []) {
        if (items.length < page.limit) items.push(toRecord<Payment>(item));
      }
      startKey = out.LastEvaluatedKey as Record<string, string> | undefined;
      if (items.length >= page.limit) {
        const last = items[items.length - 1];
        nextCursor = last ? encodeCursor(this.cursorKey(last, query.subscriberId !== undefined)) : undefined;
        break;
      }
      nextCursor = encodeCursor(startKey);
    } while (startKey && evaluated < MAX_EVALUATED_PER_PAGE);
    return { items, nextCursor };
  }

  async update(current: Payment, next: Payment, events: readonly TimelineEvent[]): Promise<Payment> {
    const stored = { ...next, version: current.version + 1 };
    await transact(this.doc, [
      this.versionedPut(stored, current.version),
      ...events.map((e) => this.subscribers.eventItem(current.tenantId, e)),
    ]);
    return stored;
  }

  async settle(s: PaymentSettlement): Promise<void> {
    const { payment } = s;
    const items: GuardedItem[] = [
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: {
              PK: keys.tenantPk(payment.tenantId),
              SK: keys.paymentTxnSk(s.transactionKey),
              entity: "payment-transaction",
              paymentId: payment.id,
              subscriberId: payment.subscriberId,
              at: payment.settledAt,
            },
            ConditionExpression: "attribute_not_exists(PK)",
          },
        },
        onConditionFailed: () => new PaymentAlreadySettledError(s.transactionKey),
        // A second settlement also fails the payment's and the subscriber's version checks; the
        // claim is what explains it.
        precedence: 50,
      },
      s.expectedStatus === "new"
        ? {
            item: {
              Put: {
                TableName: this.tableName,
                Item: this.toItem(payment),
                ConditionExpression: "attribute_not_exists(PK)",
              },
            },
          }
        : this.versionedPut(payment, payment.version - 1, s.expectedStatus),
      ...this.subscribers.saveItems(s.subscriber.current, s.subscriber.next, s.subscriber.events),
      ...withIdempotency(this.tableName, payment.tenantId, s.idempotency),
    ];
    // Unconditional: the event may have been remembered by a delivery that found the payment
    // still pending; settling is decided by the transaction key above, never by the event.
    if (s.gatewayEvent) items.push({ item: { Put: this.eventClaimPut(payment.tenantId, s.gatewayEvent) } });
    for (const { current, next } of s.invoices ?? []) {
      if (next.version !== current.version + 1 || next.id !== current.id) {
        throw new Error(`invoice ${current.id}: the next version must be ${current.version + 1}`);
      }
      items.push(invoiceVersionedPut(this.tableName, current, next));
    }
    if (items.length > MAX_TRANSACTION_ITEMS) {
      throw new RangeError(`a settlement of ${items.length} items exceeds one transaction`);
    }
    await transact(this.doc, items);
  }

  async duePending(cutoff: string, limit: number): Promise<DuePayment[]> {
    const due = await queryDueShards(this.doc, this.tableName, keys.gsi.paymentDue, cutoff, limit);
    return due.map((d) => ({ checkAt: d.dueAt, tenantId: d.tenantId, paymentId: d.id }));
  }

  async lookupNotification(
    tenantId: string,
    paymentId: string,
    event?: { readonly gateway: string; readonly eventId: string },
  ): Promise<NotificationLookup> {
    const paymentKey = { PK: keys.tenantPk(tenantId), SK: keys.paymentSk(paymentId) };
    if (!event) return { payment: await this.get(tenantId, paymentId), eventSeen: false };
    const eventKey = { PK: keys.tenantPk(tenantId), SK: keys.gatewayEventSk(event.gateway, event.eventId) };
    // One BatchGetItem instead of two GetItems: this is on every webhook's path.
    const items = await batchGetConsistent(this.doc, this.tableName, [paymentKey, eventKey]);
    const payment = items.find((i) => i.SK === paymentKey.SK);
    return {
      payment: payment ? toRecord<Payment>(payment) : undefined,
      eventSeen: items.some((i) => i.SK === eventKey.SK),
    };
  }

  async claimEvent(tenantId: string, claim: GatewayEventClaim): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          ...this.eventClaimPut(tenantId, claim),
          ConditionExpression: "attribute_not_exists(PK)",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private eventClaimPut(tenantId: string, claim: GatewayEventClaim) {
    return {
      TableName: this.tableName,
      Item: {
        PK: keys.tenantPk(tenantId),
        SK: keys.gatewayEventSk(claim.gateway, claim.eventId),
        entity: "gateway-event",
        expiresAtEpoch: Math.floor(Date.now() / 1000) + claim.ttlSeconds,
      },
    };
  }

  async putPayLink(link: StoredPayLink): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...link,
          PK: keys.tenantPk(link.tenantId),
          SK: keys.payLinkSk(link.secretHash),
          entity: "pay-link",
          // Kept a week past expiry so an expired link says "expired" rather than "not found".
          expiresAtEpoch: Math.floor(Date.parse(link.expiresAt) / 1000) + 7 * 86_400,
        },
        ConditionExpression: "attribute_not_exists(PK)",
      }),
    );
  }

  async getPayLink(tenantId: string, secretHash: string): Promise<StoredPayLink | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.payLinkSk(secretHash) },
      }),
    );
    return out.Item ? toRecord<StoredPayLink>(out.Item) : undefined;
  }

  private versionedPut(payment: Payment, expectedVersion: number, expectedStatus?: string): GuardedItem {
    const values: Record<string, unknown> = { ":expected": expectedVersion };
    let condition = "#version = :expected";
    if (expectedStatus) {
      values[":status"] = expectedStatus;
      condition += " AND #status = :status";
    }
    return {
      item: {
        Put: {
          TableName: this.tableName,
          Item: this.toItem(payment),
          ConditionExpression: condition,
          ExpressionAttributeNames: {
            "#version": "version",
            ...(expectedStatus ? { "#status": "status" } : {}),
          },
          ExpressionAttributeValues: values,
        },
      },
      onConditionFailed: () =>
        new VersionConflictError(
          `Payment ${payment.id} changed while it was being updated: reload it and retry`,
        ),
    };
  }

  private toItem(payment: Payment): Record<string, unknown> {
    const item: Record<string, unknown> = {
      ...payment,
      PK: keys.tenantPk(payment.tenantId),
      SK: keys.paymentSk(payment.id),
      entity: "payment",
      GSI1PK: keys.gsi.subscriberPayments(payment.tenantId, payment.subscriberId),
      GSI1SK: payment.id,
    };
    if (payment.status === "pending" && payment.nextCheckAt) {
      item.GSI6PK = keys.gsi.paymentDue(dueShard(payment.id));
      item.GSI6SK = `${payment.nextCheckAt}#${payment.tenantId}#${payment.id}`;
    }
    return item;
  }

  private cursorKey(p: Payment, bySubscriber: boolean): Record<string, string> {
    const base = { PK: keys.tenantPk(p.tenantId), SK: keys.paymentSk(p.id) };
    return bySubscriber
      ? { ...base, GSI1PK: keys.gsi.subscriberPayments(p.tenantId, p.subscriberId), GSI1SK: p.id }
      : base;
  }
}
