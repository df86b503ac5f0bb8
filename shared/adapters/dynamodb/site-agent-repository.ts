import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { NotFoundError } from "../../domain/errors.js";
import {
  EnrollmentRefusedError,
  type SiteAgentRepository,
  type StoredEnrollmentCode,
  type StoredSiteAgent,
} from "../../ports/site-agents.js";
import { toRecord } from "./items.js";
import { keys } from "./keys.js";
import { mustExist } from "./tenant-store.js";
import { transact } from "./transact.js";

/** Expired codes linger a day for the "expired" answer, then DynamoDB's TTL removes them. */
const CODE_RETENTION_SECONDS = 24 * 3600;

/**
 * A site's agent (AGENT#{siteId}) and its enrollment codes (ENROLL#{siteId}#{sha256}) in the tenant's
 * partition. The agent record's `generation` is the revocation switch: every enrollment and every
 * revocation bumps it, a token names the generation it was minted for, and a code the generation it
 * was issued at, so anything older stops working at once.
 */
export class DynamoSiteAgentRepository implements SiteAgentRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getAgent(tenantId: string, siteId: string): Promise<StoredSiteAgent | undefined> {
    return this.get<StoredSiteAgent>(tenantId, keys.siteAgentSk(siteId));
  }

  getCode(tenantId: string, siteId: string, codeHash: string): Promise<StoredEnrollmentCode | undefined> {
    return this.get<StoredEnrollmentCode>(tenantId, keys.enrollmentCodeSk(siteId, codeHash));
  }

  async createCode(code: StoredEnrollmentCode): Promise<void> {
    await transact(this.doc, [
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: {
              ...code,
              PK: keys.tenantPk(code.tenantId),
              SK: keys.enrollmentCodeSk(code.siteId, code.codeHash),
              entity: "enrollment-code",
              expiresAtEpoch: Math.floor(Date.parse(code.expiresAt) / 1000) + CODE_RETENTION_SECONDS,
            },
            ConditionExpression: "attribute_not_exists(PK)",
          },
        },
      },
      this.liveSite(code.tenantId, code.siteId, () => new NotFoundError(`Site ${code.siteId} not found`)),
    ]);
  }

  async redeemCode(code: StoredEnrollmentCode, agent: StoredSiteAgent, now: string): Promise<void> {
    const pk = keys.tenantPk(code.tenantId);
    const first = code.generation === 0;
    await transact(this.doc, [
      {
        item: {
          Update: {
            TableName: this.tableName,
            Key: { PK: pk, SK: keys.enrollmentCodeSk(code.siteId, code.codeHash) },
            UpdateExpression: "SET usedAt = :now",
            ConditionExpression: "attribute_exists(PK) AND attribute_not_exists(usedAt) AND expiresAt > :now",
            ExpressionAttributeValues: { ":now": now },
          },
        },
        // The pre-read found it unused and unexpired, so what changed meanwhile is a concurrent use.
        onConditionFailed: () => new EnrollmentRefusedError("used"),
      },
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: { ...agent, PK: pk, SK: keys.siteAgentSk(code.siteId), entity: "site-agent" },
            ConditionExpression: first ? "attribute_not_exists(PK)" : "generation = :generation",
            ExpressionAttributeValues: first ? undefined : { ":generation": code.generation },
          },
        },
        onConditionFailed: () => new EnrollmentRefusedError("superseded"),
      },
      this.liveSite(code.tenantId, code.siteId, () => new EnrollmentRefusedError("site-unavailable")),
    ]);
  }

  async revoke(tenantId: string, siteId: string, now: string): Promise<StoredSiteAgent> {
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.siteAgentSk(siteId) },
        UpdateExpression:
          "SET generation = if_not_exists(generation, :zero) + :one, #status = :revoked, revokedAt = :now, " +
          "updatedAt = :now, tenantId = :tenantId, siteId = :siteId, entity = :entity REMOVE tokenHash",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":zero": 0,
          ":one": 1,
          ":revoked": "revoked",
          ":now": now,
          ":tenantId": tenantId,
          ":siteId": siteId,
          ":entity": "site-agent",
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    return toRecord<StoredSiteAgent>(out.Attributes ?? {});
  }

  private async get<T>(tenantId: string, sk: string): Promise<T | undefined> {
    // Consistent: a revocation or a redemption must be seen by the very next request.
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: sk },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRecord<T>(out.Item) : undefined;
  }

  private liveSite(tenantId: string, siteId: string, onMissing: () => Error) {
    return mustExist(this.tableName, tenantId, keys.siteSk(siteId), onMissing, { notArchived: true });
  }
}
