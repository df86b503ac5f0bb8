import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { DUE_SHARDS } from "./keys.js";

/** One entry of a sharded due index: GSI6SK is `{dueAt}#{tenantId}#{id}`. */
export interface DueEntry {
  readonly dueAt: string;
  readonly tenantId: string;
  readonly id: string;
}

/**
 * Reads every shard of a due index (lifecycle work under DUE#n, payment checks under PAYDUE#n)
 * for entries due before `cutoff`, earliest first. KEYS_ONLY, so each shard is one cheap query.
 */
export async function queryDueShards(
  doc: DynamoDBDocumentClient,
  tableName: string,
  partition: (shard: number) => string,
  cutoff: string,
  limit: number,
): Promise<DueEntry[]> {
  const perShard = await Promise.all(
    Array.from({ length: DUE_SHARDS }, (_, shard) =>
      doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: "GSI6",
          KeyConditionExpression: "GSI6PK = :pk AND GSI6SK < :cutoff",
          ExpressionAttributeValues: { ":pk": partition(shard), ":cutoff": cutoff },
          Limit: Math.max(1, Math.ceil(limit / DUE_SHARDS)),
        }),
      ),
    ),
  );
  return perShard
    .flatMap((out) => out.Items ?? [])
    .map((item) => {
      const [dueAt = "", tenantId = "", id = ""] = String(item.GSI6SK).split("#");
      return { dueAt, tenantId, id };
    })
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
    .slice(0, limit);
}
