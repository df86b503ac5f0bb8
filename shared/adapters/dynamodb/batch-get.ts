import { BatchGetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

type Key = Record<string, string>;
type Item = Record<string, unknown>;

/** BatchGetItem takes at most 100 keys; callers here read a handful. */
const MAX_KEYS = 100;
const MAX_ROUNDS = 8;

/**
 * Several items of one table in one strongly consistent BatchGetItem, for hot paths that would
 * otherwise make one GetItem each. Keys DynamoDB leaves unprocessed (throttling) are asked again
 * with a growing pause; absent items are simply not in the result, which is in no particular order.
 */
export async function batchGetConsistent(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Key[],
): Promise<Item[]> {
  if (keys.length > MAX_KEYS) throw new RangeError(`at most ${MAX_KEYS} keys in one batch read`);
  const found: Item[] = [];
  let pending: Key[] = [...keys];
  for (let round = 0; pending.length > 0; round++) {
    if (round === MAX_ROUNDS) throw new Error(`batch read left ${pending.length} key(s) unprocessed`);
    if (round > 0) await new Promise((r) => setTimeout(r, 10 * 2 ** round * Math.random()));
    const out = await doc.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
    );
    found.push(...(out.Responses?.[tableName] ?? []));
    pending = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
  }
  return found;
}
