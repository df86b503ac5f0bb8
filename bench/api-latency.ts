import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { createLocalDocumentClient } from "../shared/adapters/dynamodb/client.js";
import { keys } from "../shared/adapters/dynamodb/keys.js";
import { startLocalCloud } from "../shared/local/cloud.js";
import { emit, percentile, round, runConcurrent } from "./lib/stats.js";

/**
 * An authenticated `GET /v1/subscribers?limit=25` through the local API Gateway, authorizer and
 * handler, against the raw floor: the same DynamoDB Query sent directly, at the same concurrency.
 */
const TOTAL = Number(process.argv[2] ?? 2000);
const CONCURRENCY = Number(process.argv[3] ?? 8);

const cloud = await startLocalCloud({ port: 0 });
try {
  const demo = cloud.demo;
  if (!demo) throw new Error("no demo tenant");
  const headers = { authorization: `Bearer ${demo.ownerToken}` };
  const url = `${cloud.url}/v1/subscribers?limit=25`;
  await runConcurrent(
    100,
    CONCURRENCY,
    async () => void (await (await fetch(url, { headers })).arrayBuffer()),
  );

  const t0 = performance.now();
  const api = await runConcurrent(TOTAL, CONCURRENCY, async () => {
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  });
  const apiSeconds = (performance.now() - t0) / 1000;

  const doc = createLocalDocumentClient(cloud.dynamoEndpoint);
  const query = () =>
    doc.send(
      new QueryCommand({
        TableName: cloud.tableName,
        IndexName: "GSI1",
        KeyConditionExpression: "GSI1PK = :pk",
        ExpressionAttributeValues: { ":pk": keys.gsi.all(demo.tenantId) },
        Limit: 25,
      }),
    );
  await runConcurrent(100, CONCURRENCY, async () => void (await query()));
  const t1 = performance.now();
  const raw = await runConcurrent(TOTAL, CONCURRENCY, async () => void (await query()));
  const rawSeconds = (performance.now() - t1) / 1000;

  emit({
    bench: "api-latency",
    requests: TOTAL,
    concurrency: CONCURRENCY,
    per_s: round(TOTAL / apiSeconds, 0),
    p50_ms: round(percentile(api, 50)),
    p99_ms: round(percentile(api, 99)),
    raw_query_per_s: round(TOTAL / rawSeconds, 0),
    raw_p50_ms: round(percentile(raw, 50)),
    raw_p99_ms: round(percentile(raw, 99)),
    ratio: round(TOTAL / apiSeconds / (TOTAL / rawSeconds)),
  });
} finally {
  await cloud.stop();
}
