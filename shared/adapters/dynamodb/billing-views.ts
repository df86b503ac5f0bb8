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
import type { SubscriberStatus } from "../../domain/schemas/subscriber.js";
import type { Tenant, TenantBranding } from "../../domain/schemas/tenant.js";
import type {
  InvoiceFigures,
  InvoiceLinkRepository,
  ReportRepository,
  StoredDailySummary,
  StoredInvoiceLink,
  TenantSettingsRepository,
} from "../../ports/billing-views.js";
import { toRecord, versionedPutCondition } from "./items.js";
import { keys } from "./keys.js";
import { queryAll } from "./paged-query.js";

export class DynamoInvoiceLinkRepository implements InvoiceLinkRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(link: StoredInvoiceLink): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...link,
          PK: keys.tenantPk(link.tenantId),
          SK: keys.invoiceLinkSk(link.secretHash),
          entity: "invoice-link",
          // Kept a week past expiry so an expired link says "expired" rather than "not found".
          expiresAtEpoch: Math.floor(Date.parse(link.expiresAt) / 1000) + 7 * 86_400,
        },
        ConditionExpression: "attribute_not_exists(PK)",
      }),
    );
  }

  async get(tenantId: string, secretHash: string): Promise<StoredInvoiceLink | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.invoiceLinkSk(secretHash) },
      }),
    );
    return out.Item ? toRecord<StoredInvoiceLink>(out.Item) : undefined;
  }
}

const FIGURES = ["status", "currency", "total", "amountPaid", "dueAt", "creditNotes"] as const;

function figures(item: Record<string, unknown>): InvoiceFigures {
  return item as unknown as InvoiceFigures;
}

/**
 * Report reads, each one index range (no scan; keys.ts has the access patterns):
 * - a period's invoices: GSI3 `T#{t}#INVPER`, SK BETWEEN {from} AND {to} (invoice-query.ts explains
 *   why that is [from, to)), projected to the five figures a summary adds up. Cost: one read unit
 *   per 4 KB of the period's invoices (eventually consistent halves it), whatever the page count;
 * - unpaid invoices due in a window: GSI5 `T#{t}#INVDUE#unpaid` with the window as the key range,
 *   so paid and void invoices are never read;
 * - suspended subscribers: a COUNT over GSI2 `T#{t}#SUB#ST#suspended` (items are read, not returned).
 */
export class DynamoReportRepository implements ReportRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async *invoicesOfPeriod(tenantId: string, from: string, to: string): AsyncIterable<InvoiceFigures> {
    const plan = {
      indexName: "GSI3" as const,
      keyCondition: "GSI3PK = :pk AND GSI3SK BETWEEN :from AND :to",
      names: {},
      values: { ":pk": keys.gsi.invoicePeriods(tenantId), ":from": from, ":to": to },
    };
    for await (const item of queryAll(this.doc, this.tableName, plan, FIGURES)) yield figures(item);
  }

  async *unpaidDue(
    tenantId: string,
    from: string | undefined,
    to: string | undefined,
  ): AsyncIterable<InvoiceFigures> {
    const values: Record<string, unknown> = { ":pk": keys.gsi.invoiceDue(tenantId, "unpaid") };
    let range = "";
    if (from !== undefined) values[":from"] = from;
    if (to !== undefined) values[":to"] = to;
    if (from !== undefined && to !== undefined) range = " AND GSI5SK BETWEEN :from AND :to";
    else if (from !== undefined) range = " AND GSI5SK >= :from";
    else if (to !== undefined) range = " AND GSI5SK < :to";
    const plan = { indexName: "GSI5" as const, keyCondition: `GSI5PK = :pk${range}`, names: {}, values };
    for await (const item of queryAll(this.doc, this.tableName, plan, FIGURES)) yield figures(item);
  }

  async countSubscribers(tenantId: string, status: SubscriberStatus): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "GSI2",
          KeyConditionExpression: "GSI2PK = :pk",
          ExpressionAttributeValues: { ":pk": keys.gsi.status(tenantId, status) },
          Select: "COUNT",
          ExclusiveStartKey: startKey,
        }),
      );
      count += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  async getDailySummary(tenantId: string): Promise<StoredDailySummary | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.dailySummarySk() },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRecord<StoredDailySummary>(out.Item) : undefined;
  }

  async putDailySummary(setup: StoredDailySummary, expectedVersion: number): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...setup,
            PK: keys.tenantPk(setup.tenantId),
            SK: keys.dailySummarySk(),
            entity: "daily-summary",
            // The schedule finds tenants with the summary on through this sparse entry.
            ...(setup.enabled ? { GSI6PK: keys.gsi.dailySummaries(), GSI6SK: setup.tenantId } : {}),
          },
          ...versionedPutCondition(expectedVersion),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new VersionConflictError("The daily summary settings changed meanwhile: reload them and retry");
      }
      throw error;
    }
  }

  async deleteDailySummary(tenantId: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.dailySummarySk() },
      }),
    );
  }

  async *dailySummaryTenants(): AsyncIterable<string> {
    const plan = {
      indexName: "GSI6" as const,
      keyCondition: "GSI6PK = :pk",
      names: {},
      values: { ":pk": keys.gsi.dailySummaries() },
      ascending: true,
    };
    for await (const item of queryAll(this.doc, this.tableName, plan)) yield String(item.GSI6SK);
  }

  async claimDailySummary(tenantId: string, localDate: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: keys.tenantPk(tenantId), SK: keys.dailySummarySk() },
          UpdateExpression: "SET lastSentOn = :d",
          ConditionExpression:
            "attribute_exists(PK) AND (attribute_not_exists(lastSentOn) OR lastSentOn < :d)",
          ExpressionAttributeValues: { ":d": localDate },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async releaseDailySummary(tenantId: string, localDate: string): Promise<void> {
    await this.doc
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: keys.tenantPk(tenantId), SK: keys.dailySummarySk() },
          UpdateExpression: "REMOVE lastSentOn",
          ConditionExpression: "lastSentOn = :d",
          ExpressionAttributeValues: { ":d": localDate },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }
}

export class DynamoTenantSettingsRepository implements TenantSettingsRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putBranding(tenantId: string, branding: TenantBranding | undefined, now: string): Promise<Tenant> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: keys.tenantPk(tenantId), SK: keys.tenantSk() },
          UpdateExpression: `SET #version = #version + :one, updatedAt = :now${branding ? ", branding = :b" : ""}${
            branding ? "" : " REMOVE branding"
          }`,
          ConditionExpression: "attribute_exists(PK)",
          ExpressionAttributeNames: { "#version": "version" },
          ExpressionAttributeValues: { ":one": 1, ":now": now, ...(branding ? { ":b": branding } : {}) },
          ReturnValues: "ALL_NEW",
        }),
      );
      return toRecord<Tenant>(out.Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError("Tenant not found");
      throw error;
    }
  }
}
