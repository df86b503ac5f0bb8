import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { AgentHealth } from "../../domain/schemas/site-health.js";
import type { SilentAgent } from "../../ports/agent-heartbeats.js";
import { keys } from "./keys.js";

/**
 * The heartbeat index lives in GSI6 (keys only, sparse) under one partition: each site-health item
 * whose agent is "online" carries GSI6PK = BEAT and GSI6SK = `{heard by}#{tenantId}#{siteId}`.
 * A clean stop ("stopped") writes the item without them, which takes the site out.
 *
 * One partition takes about 1,000 index writes a second; at one change per site every 5 minutes
 * (below) that is far beyond any deployment's number of sites.
 */
export const HEARTBEAT_PARTITION = "BEAT";

/**
 * Heartbeats arrive every minute; rounding the instant UP to 5 minutes changes the index key (a
 * GSI delete and put) once per 5 minutes per site instead of on every heartbeat. Rounding up keeps
 * the index from calling an agent silent early: it may call it silent up to 5 minutes late.
 */
export const HEARTBEAT_BUCKET_MS = 5 * 60_000;

/** The GSI6 attributes a site-health item carries for its agent, or none. */
export function heartbeatIndexKeys(
  tenantId: string,
  siteId: string,
  agent: AgentHealth,
): { GSI6PK: string; GSI6SK: string } | Record<string, never> {
  const heard = Date.parse(agent.lastHeartbeatAt);
  if (agent.status !== "online" || !Number.isFinite(heard)) return {};
  const by = new Date(Math.ceil(heard / HEARTBEAT_BUCKET_MS) * HEARTBEAT_BUCKET_MS).toISOString();
  return { GSI6PK: HEARTBEAT_PARTITION, GSI6SK: `${by}#${tenantId}#${siteId}` };
}

export async function querySilentAgents(
  doc: DynamoDBDocumentClient,
  tableName: string,
  cutoff: string,
  limit: number,
): Promise<SilentAgent[]> {
  const found: SilentAgent[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: "GSI6",
        KeyConditionExpression: "GSI6PK = :pk AND GSI6SK < :cutoff",
        ExpressionAttributeValues: { ":pk": HEARTBEAT_PARTITION, ":cutoff": cutoff },
        Limit: limit - found.length,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      const entry = String(item.GSI6SK);
      const [lastHeardBy = "", tenantId = "", siteId = ""] = entry.split("#");
      found.push({ tenantId, siteId, lastHeardBy, entry });
    }
    start = out.LastEvaluatedKey;
  } while (start && found.length < limit);
  return found;
}

export async function forgetSilentAgent(
  doc: DynamoDBDocumentClient,
  tableName: string,
  agent: SilentAgent,
): Promise<void> {
  await doc
    .send(
      new UpdateCommand({
        TableName: tableName,
        Key: { PK: keys.tenantPk(agent.tenantId), SK: keys.siteHealthSk(agent.siteId) },
        UpdateExpression: "REMOVE GSI6PK, GSI6SK",
        // A heartbeat since the read moved the entry on: that one stays.
        ConditionExpression: "GSI6SK = :entry",
        ExpressionAttributeValues: { ":entry": agent.entry },
      }),
    )
    .catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
}
