import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Page, PageRequest } from "../../ports/repositories.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { toRecord } from "./items.js";
import type { GsiName } from "./keys.js";

/** One Query, as a plan: its partition, key condition and the filters left over. */
export interface PagedQuery {
  /** Absent: the table itself. */
  readonly indexName?: GsiName | undefined;
  /** The partition attribute and value (a cursor must name the same one). */
  readonly partition: { readonly attribute: string; readonly value: string };
  readonly keyCondition: string;
  readonly filter?: string | undefined;
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, unknown>>;
  /** Sort-key order; default descending (newest, or latest, first). */
  readonly ascending?: boolean;
}

/** A filtered page stops after evaluating this many items, so a sparse filter stays cheap. */
export const MAX_EVALUATED_PER_PAGE = 2000;

/**
 * One page of a query's results. Unfiltered, a page is one Query of `limit` items. Filtered, it reads
 * up to MAX_EVALUATED_PER_PAGE items in Queries of 200 and may come back short (even empty) with a
 * cursor: a client pages on until no cursor comes back. A full page's cursor is the last returned
 * item's key (table and index attributes), so nothing read but not returned is skipped.
 */
export async function queryPage<T>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  plan: PagedQuery,
  page: PageRequest,
): Promise<Page<T>> {
  const keyAttributes = [
    "PK",
    "SK",
    ...(plan.indexName ? [`${plan.indexName}PK`, `${plan.indexName}SK`] : []),
  ];
  const keyOf = (item: Record<string, unknown>) =>
    Object.fromEntries(keyAttributes.map((a) => [a, String(item[a])]));
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined = decodeCursor(page.cursor, plan.partition);
  let evaluated = 0;
  do {
    const out = await doc.send(
      new QueryCommand({
        TableName: tableName,
        ...(plan.indexName ? { IndexName: plan.indexName } : {}),
        KeyConditionExpression: plan.keyCondition,
        ...(plan.filter ? { FilterExpression: plan.filter } : {}),
        ...(Object.keys(plan.names).length ? { ExpressionAttributeNames: { ...plan.names } } : {}),
        ExpressionAttributeValues: { ...plan.values },
        ScanIndexForward: plan.ascending === true,
        Limit: plan.filter ? 200 : page.limit - items.length,
        ExclusiveStartKey: startKey,
      }),
    );
    evaluated += out.ScannedCount ?? 0;
    for (const item of out.Items ?? []) {
      items.push(item);
      if (items.length === page.limit) {
        return { items: items.map((i) => toRecord<T>(i)), nextCursor: encodeCursor(keyOf(item)) };
      }
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey && evaluated < MAX_EVALUATED_PER_PAGE);
  return { items: items.map((i) => toRecord<T>(i)), nextCursor: encodeCursor(startKey) };
}

/** Every item of a query, page after page (reports that aggregate; bounded by the caller's range). */
export async function* queryAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  plan: Omit<PagedQuery, "partition">,
  projection?: readonly string[],
): AsyncGenerator<Record<string, unknown>> {
  const names: Record<string, string> = { ...plan.names };
  if (projection) for (const [i, field] of projection.entries()) names[`#p${i}`] = field;
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new QueryCommand({
        TableName: tableName,
        ...(plan.indexName ? { IndexName: plan.indexName } : {}),
        KeyConditionExpression: plan.keyCondition,
        ...(plan.filter ? { FilterExpression: plan.filter } : {}),
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: { ...plan.values },
        ...(projection ? { ProjectionExpression: projection.map((_, i) => `#p${i}`).join(", ") } : {}),
        ScanIndexForward: plan.ascending === true,
      }),
    );
    yield* out.Items ?? [];
    startKey = out.LastEvaluatedKey;
  } while (startKey);
}
