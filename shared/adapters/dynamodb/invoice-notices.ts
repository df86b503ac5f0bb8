import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { NewInvoice } from "../../domain/schemas/invoice.js";
import type { InvoiceNoticeRef, InvoiceNoticeRepository } from "../../ports/invoices.js";
import { queryDueShards } from "./due-index.js";
import { dueShard, keys } from "./keys.js";

/**
 * How long a sender holds an invoice's notice: long enough for two quick tries per channel
 * (delivery.ts), after which a sender that died is replaced by the sweep.
 */
export const NOTICE_LEASE_MS = 5 * 60_000;

const indexSk = (since: string, tenantId: string, invoiceId: string) => `${since}#${tenantId}#${invoiceId}`;

/**
 * The notice an invoice owes its subscriber (SMS and e-mail), as an item put in the transaction
 * that stores the invoice: whoever writes an invoice can die before numbering or sending it, and
 * the item is how the sweep finds what was never sent (GSI6, every tenant, never a scan).
 */
export function invoiceNoticePut(tableName: string, invoice: NewInvoice) {
  return {
    Put: {
      TableName: tableName,
      Item: {
        PK: keys.tenantPk(invoice.tenantId),
        SK: keys.invoiceNoticeSk(invoice.id),
        entity: "invoice-notice",
        invoiceId: invoice.id,
        subscriberId: invoice.subscriberId,
        createdAt: invoice.createdAt,
        GSI6PK: keys.gsi.invoiceNotices(dueShard(invoice.id)),
        GSI6SK: indexSk(invoice.createdAt, invoice.tenantId, invoice.id),
      },
      ConditionExpression: "attribute_not_exists(PK)",
    },
  };
}

export class DynamoInvoiceNoticeRepository implements InvoiceNoticeRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(tenantId: string, invoiceId: string, now: Date): Promise<boolean> {
    const until = new Date(now.getTime() + NOTICE_LEASE_MS).toISOString();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: keys.tenantPk(tenantId), SK: keys.invoiceNoticeSk(invoiceId) },
          // The index entry moves to the lease's end: the sweep looks again only if it runs out.
          UpdateExpression: "SET #until = :until, GSI6SK = :sk",
          ConditionExpression: "attribute_exists(PK) AND (attribute_not_exists(#until) OR #until < :now)",
          ExpressionAttributeNames: { "#until": "claimedUntil" },
          ExpressionAttributeValues: {
            ":until": until,
            ":now": now.toISOString(),
            ":sk": indexSk(until, tenantId, invoiceId),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async complete(tenantId: string, invoiceId: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.invoiceNoticeSk(invoiceId) },
      }),
    );
  }

  async overdue(cutoff: string, limit: number): Promise<InvoiceNoticeRef[]> {
    const due = await queryDueShards(this.doc, this.tableName, keys.gsi.invoiceNotices, cutoff, limit);
    return due.map((d) => ({ tenantId: d.tenantId, invoiceId: d.id }));
  }
}
