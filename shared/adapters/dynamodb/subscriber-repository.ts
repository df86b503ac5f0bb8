import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { ConflictError, NotFoundError, VersionConflictError } from "../../domain/errors.js";
import type { Package } from "../../domain/schemas/package.js";
import type { Subscriber, SubscriberListQuery } from "../../domain/schemas/subscriber.js";
import type { Tenant } from "../../domain/schemas/tenant.js";
import type { TimelineEvent } from "../../domain/schemas/timeline.js";
import type {
  OverdueSubscriber,
  Page,
  PageRequest,
  StoredSubscriber,
  SubscriberContextRead,
  SubscriberRepository,
  WriteOptions,
} from "../../ports/repositories.js";
import { batchGetConsistent } from "./batch-get.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { queryDueShards } from "./due-index.js";
import { withIdempotency } from "./idempotency.js";
import { toRecord } from "./items.js";
import { dueShard, keys } from "./keys.js";
import { buildSubscriberQuery } from "./subscriber-query.js";
import { mustExist } from "./tenant-store.js";
import { type GuardedItem, transact } from "./transact.js";

/** Upper bound on items DynamoDB evaluates for one filtered page, so a sparse filter stays cheap. */
const MAX_EVALUATED_PER_PAGE = 2000;

export class DynamoSubscriberRepository implements SubscriberRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(
    sub: StoredSubscriber,
    events: TimelineEvent | readonly TimelineEvent[],
    options: WriteOptions = {},
  ): Promise<void> {
    await transact(this.doc, [
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: this.toItem(sub),
            ConditionExpression: "attribute_not_exists(PK)",
          },
        },
        onConditionFailed: () => new ConflictError(`Subscriber ${sub.id} already exists`),
      },
      this.reserveUsername(sub),
      ...this.referenceGuards(sub.tenantId, sub),
      ...(Array.isArray(events) ? events : [events]).map((e: TimelineEvent) =>
        this.eventItem(sub.tenantId, e),
      ),
      ...withIdempotency(this.tableName, sub.tenantId, options.idempotency),
    ]);
  }

  async get(tenantId: string, subscriberId: string): Promise<StoredSubscriber | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: keys.subscriberPk(tenantId, subscriberId), SK: keys.subscriberSk() },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRecord<StoredSubscriber>(out.Item) : undefined;
  }

  async getWithContext(
    tenantId: string,
    subscriberId: string,
    packageId?: string,
  ): Promise<SubscriberContextRead> {
    const tenantPk = keys.tenantPk(tenantId);
    const subscriberPk = keys.subscriberPk(tenantId, subscriberId);
    const packageSk = packageId === undefined ? undefined : keys.packageSk(packageId);
    const items = await batchGetConsistent(this.doc, this.tableName, [
      { PK: subscriberPk, SK: keys.subscriberSk() },
      { PK: tenantPk, SK: keys.tenantSk() },
      ...(packageSk === undefined ? [] : [{ PK: tenantPk, SK: packageSk }]),
    ]);
    let subscriber: StoredSubscriber | undefined;
    let tenant: Tenant | undefined;
    let pkg: Package | undefined;
    for (const item of items) {
      if (item.PK === subscriberPk) subscriber = toRecord<StoredSubscriber>(item);
      else if (item.SK === keys.tenantSk()) tenant = toRecord<Tenant>(item);
      else if (item.SK === packageSk) pkg = toRecord<Package>(item);
    }
    return { subscriber, tenant, pkg };
  }

  save(
    current: StoredSubscriber,
    next: StoredSubscriber,
    events: readonly TimelineEvent[],
  ): Promise<StoredSubscriber> {
    return this.write(current, { ...next, version: current.version + 1 }, events);
  }

  /** Replaces `current` by `next` if nobody wrote in between; moves the username reservation if it changed. */
  private async write(
    current: StoredSubscriber,
    next: StoredSubscriber,
    events: readonly TimelineEvent[],
  ): Promise<StoredSubscriber> {
    await transact(this.doc, this.saveItems(current, next, events));
    return next;
  }

  /**
   * The transaction items of a `save` (`next` already at current.version + 1), for a caller that
   * commits them together with items of its own (a payment settlement).
   */
  saveItems(
    current: StoredSubscriber,
    next: StoredSubscriber,
    events: readonly TimelineEvent[],
  ): GuardedItem[] {
    const { tenantId, id } = current;
    const expectedVersion = current.version;
    const conflict = () =>
      new VersionConflictError(
        `Subscriber ${id} changed while version ${expectedVersion} was being updated: reload it and retry`,
      );
    const items: GuardedItem[] = [
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: this.toItem(next),
            ConditionExpression: "#version = :expected",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: { ":expected": expectedVersion },
          },
        },
        onConditionFailed: conflict,
      },
      ...this.referenceGuards(tenantId, changedReferences(current, next)),
      ...events.map((e) => this.eventItem(tenantId, { ...e, version: next.version })),
    ];
    if (current.username.toLowerCase() !== next.username.toLowerCase()) {
      items.push(this.reserveUsername(next), {
        item: {
          Delete: {
            TableName: this.tableName,
            Key: { PK: keys.tenantPk(tenantId), SK: keys.usernameSk(current.username) },
            ConditionExpression: "subscriberId = :id",
            ExpressionAttributeValues: { ":id": id },
          },
        },
        onConditionFailed: conflict,
      });
    }
    return items;
  }

  async appendEvents(
    tenantId: string,
    subscriberId: string,
    events: readonly TimelineEvent[],
    options: { readonly knownToExist?: boolean } = {},
  ): Promise<void> {
    if (options.knownToExist) {
      // Each event keeps its own condition (its id is never written twice).
      await Promise.all(
        events.map(async (e) => {
          const { item } = this.eventItem(tenantId, { ...e, subscriberId });
          if (!item.Put) return;
          try {
            await this.doc.send(new PutCommand(item.Put));
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
            throw new ConflictError(`Timeline event ${e.id} is already recorded`, { cause: error });
          }
        }),
      );
      return;
    }
    // A transaction holds 100 items: one check that the subscriber exists, then the events.
    for (let start = 0; start < events.length; start += 99) {
      await transact(this.doc, [
        {
          item: {
            ConditionCheck: {
              TableName: this.tableName,
              Key: { PK: keys.subscriberPk(tenantId, subscriberId), SK: keys.subscriberSk() },
              ConditionExpression: "attribute_exists(PK)",
            },
          },
          onConditionFailed: () => new NotFoundError(`Subscriber ${subscriberId} not found`),
        },
        ...events.slice(start, start + 99).map((e) => this.eventItem(tenantId, { ...e, subscriberId })),
      ]);
    }
  }

  async clearPendingCommand(sub: StoredSubscriber, commandId: string): Promise<void> {
    const due = dueIndex({ ...sub, pendingCommand: undefined });
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: keys.subscriberPk(sub.tenantId, sub.id), SK: keys.subscriberSk() },
          UpdateExpression: due
            ? "REMOVE pendingCommand SET GSI6PK = :pk, GSI6SK = :sk"
            : "REMOVE pendingCommand, GSI6PK, GSI6SK",
          ConditionExpression: "pendingCommand.commandId = :cid",
          ExpressionAttributeValues: {
            ":cid": commandId,
            ...(due ? { ":pk": due.GSI6PK, ":sk": due.GSI6SK } : {}),
          },
        }),
      );
    } catch (error) {
      // A newer change replaced the command (it has its own outbox entry), or it was already cleared.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async overdue(cutoff: string, limit: number): Promise<OverdueSubscriber[]> {
    const due = await queryDueShards(this.doc, this.tableName, keys.gsi.due, cutoff, limit);
    return due.map((d) => ({ dueAt: d.dueAt, tenantId: d.tenantId, subscriberId: d.id }));
  }

  async list(tenantId: string, query: SubscriberListQuery, page: PageRequest): Promise<Page<Subscriber>> {
    const plan = buildSubscriberQuery(tenantId, query);
    const items: Record<string, unknown>[] = [];
    let startKey = decodeCursor(page.cursor, {
      attribute: plan.partitionAttribute,
      value: plan.partitionValue,
    });
    let evaluated = 0;
    let nextCursor: string | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: plan.indexName,
          KeyConditionExpression: plan.keyCondition,
          FilterExpression: plan.filter,
          ExpressionAttributeNames: plan.names,
          ExpressionAttributeValues: plan.values,
          Limit: plan.filter
            ? Math.min(MAX_EVALUATED_PER_PAGE, Math.max(page.limit * 4, 100))
            : page.limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      evaluated += out.ScannedCount ?? 0;
      const found = out.Items ?? [];
      const room = page.limit - items.length;
      if (found.length > room) {
        items.push(...found.slice(0, room));
        nextCursor = encodeCursor(indexKeyOf(items[items.length - 1] ?? {}, plan.indexName));
        startKey = undefined;
        break;
      }
      items.push(...found);
      startKey = out.LastEvaluatedKey as Record<string, string> | undefined;
      nextCursor = encodeCursor(startKey);
    } while (startKey && items.length < page.limit && evaluated < MAX_EVALUATED_PER_PAGE);
    return { items: items.map((i) => toRecord<Subscriber>(i)), nextCursor };
  }

  async timeline(tenantId: string, subscriberId: string, page: PageRequest): Promise<Page<TimelineEvent>> {
    const pk = keys.subscriberPk(tenantId, subscriberId);
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :ev)",
        ExpressionAttributeValues: { ":pk": pk, ":ev": "EV#" },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, { attribute: "PK", value: pk }),
      }),
    );
    return {
      items: (out.Items ?? []).map((i) => toRecord<TimelineEvent>(i)),
      nextCursor: encodeCursor(out.LastEvaluatedKey),
    };
  }

  /** Whether any non-terminated subscriber is at the site (on the given NAS, when named). */
  async anyAtSite(tenantId: string, siteId: string, nasId?: string): Promise<boolean> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "GSI4",
          KeyConditionExpression: "GSI4PK = :pk",
          FilterExpression: nasId ? "#status <> :terminated AND nasId = :nas" : "#status <> :terminated",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":pk": keys.gsi.site(tenantId, siteId),
            ":terminated": "terminated",
            ...(nasId ? { ":nas": nasId } : {}),
          },
          Limit: 1000,
          ExclusiveStartKey: startKey,
        }),
      );
      if ((out.Items ?? []).length > 0) return true;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return false;
  }

  private toItem(sub: StoredSubscriber): Record<string, unknown> {
    const t = sub.tenantId;
    return {
      ...dueIndex(sub),
      ...sub,
      PK: keys.subscriberPk(t, sub.id),
      SK: keys.subscriberSk(),
      entity: "subscriber",
      search: [sub.name, sub.phone, sub.username].join("\n").toLowerCase(),
      GSI1PK: keys.gsi.all(t),
      GSI1SK: sub.id,
      GSI2PK: keys.gsi.status(t, sub.status),
      GSI2SK: sub.id,
      GSI3PK: keys.gsi.package(t, sub.packageId),
      GSI3SK: sub.id,
      GSI4PK: keys.gsi.site(t, sub.siteId),
      GSI4SK: sub.id,
      ...(sub.expiresAt ? { GSI5PK: keys.gsi.expiry(t), GSI5SK: `${sub.expiresAt}#${sub.id}` } : {}),
    };
  }

  private reserveUsername(sub: Subscriber): GuardedItem {
    return {
      item: {
        Put: {
          TableName: this.tableName,
          Item: {
            PK: keys.tenantPk(sub.tenantId),
            SK: keys.usernameSk(sub.username),
            entity: "username",
            subscriberId: sub.id,
          },
          ConditionExpression: "attribute_not_exists(PK)",
        },
      },
      onConditionFailed: () =>
        new ConflictError(`Username ${sub.username} is already used by another subscriber`),
    };
  }

  /** Referenced package (live), site (live) and NAS must exist when the write commits. */
  private referenceGuards(
    tenantId: string,
    refs: Partial<Pick<Subscriber, "packageId" | "siteId" | "nasId">>,
  ): GuardedItem[] {
    const guards: GuardedItem[] = [];
    if (refs.packageId) {
      const id = refs.packageId;
      guards.push(
        mustExist(
          this.tableName,
          tenantId,
          keys.packageSk(id),
          () => new NotFoundError(`Package ${id} not found or archived`),
          {
            notArchived: true,
          },
        ),
      );
    }
    if (refs.siteId) {
      const id = refs.siteId;
      guards.push(
        mustExist(
          this.tableName,
          tenantId,
          keys.siteSk(id),
          () => new NotFoundError(`Site ${id} not found or archived`),
          {
            notArchived: true,
          },
        ),
      );
    }
    if (refs.nasId && refs.siteId) {
      const { nasId, siteId } = refs;
      guards.push(
        mustExist(
          this.tableName,
          tenantId,
          keys.nasSk(siteId, nasId),
          () => new NotFoundError(`NAS ${nasId} not found at site ${siteId}`),
        ),
      );
    }
    return guards;
  }

  /** A timeline event's Put, for transactions that record events beside other items. */
  eventItem(tenantId: string, event: TimelineEvent): GuardedItem {
    return {
      item: {
        Put: {
          TableName: this.tableName,
          Item: {
            ...event,
            PK: keys.subscriberPk(tenantId, event.subscriberId),
            SK: keys.eventSk(event.id),
            entity: "event",
          },
          ConditionExpression: "attribute_not_exists(PK)",
        },
      },
    };
  }
}

/** GSI6 keys: when the earliest lifecycle work for this subscriber is due (absent = nothing). */
function dueIndex(sub: StoredSubscriber): { GSI6PK: string; GSI6SK: string } | undefined {
  const candidates = [sub.nextAction?.at, sub.pendingCommand?.issuedAt].filter(
    (v): v is string => typeof v === "string",
  );
  if (candidates.length === 0) return undefined;
  const dueAt = candidates.sort()[0];
  return { GSI6PK: keys.gsi.due(dueShard(sub.id)), GSI6SK: `${dueAt}#${sub.tenantId}#${sub.id}` };
}

/** The references a change touches; a changed site re-checks the NAS under the new site too. */
function changedReferences(
  before: Subscriber,
  after: Subscriber,
): Partial<Pick<Subscriber, "packageId" | "siteId" | "nasId">> {
  const siteChanged = before.siteId !== after.siteId;
  const nasChanged = before.nasId !== after.nasId;
  return {
    packageId: before.packageId !== after.packageId ? after.packageId : undefined,
    siteId: siteChanged || (nasChanged && after.nasId) ? after.siteId : undefined,
    nasId: siteChanged || nasChanged ? after.nasId : undefined,
  };
}

function indexKeyOf(item: Record<string, unknown>, indexName: string | undefined): Record<string, unknown> {
  const key: Record<string, unknown> = { PK: item.PK, SK: item.SK };
  if (indexName) {
    key[`${indexName}PK`] = item[`${indexName}PK`];
    key[`${indexName}SK`] = item[`${indexName}SK`];
  }
  return key;
}
