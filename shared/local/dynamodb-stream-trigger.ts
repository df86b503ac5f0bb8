import { readFile, writeFile } from "node:fs/promises";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type ShardIteratorType,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { withoutSdkLogging } from "../adapters/aws-client-hook.js";

/**
 * What Lambda's DynamoDB event source mapping does, locally, on DynamoDB Local's own stream: poll
 * every shard, drop records the filter pattern does not match, hand the rest to the handler as a
 * DynamoDBStreamEvent, and on a failure retry from the failed record (a thrown error retries the
 * whole batch, a reported batch item failure from that record on). With a checkpoint file a restart
 * resumes after the last record handled; without one it starts at the stream's tip.
 */
export interface StreamTriggerOptions {
  readonly endpoint: string;
  readonly tableName: string;
  /** May return a DynamoDBBatchResponse (partial batch failures); anything else counts as success. */
  readonly handler: (event: DynamoDBStreamEvent) => Promise<unknown>;
  /** A Lambda filter pattern (exact-value lists only), e.g. OUTBOUND_STREAM_FILTER. */
  readonly filter?: FilterPattern;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly retryDelayMs?: number;
  readonly checkpointFile?: string;
}

export interface FilterPattern {
  readonly [key: string]: readonly string[] | FilterPattern;
}

export interface StreamTrigger {
  readonly streamArn: string;
  stop(): Promise<void>;
}

interface ShardState {
  iterator: string | undefined;
  lastSequence: string | undefined;
}

const SHARD_REFRESH_MS = 5_000;

export async function startStreamTrigger(options: StreamTriggerOptions): Promise<StreamTrigger> {
  const config = {
    endpoint: options.endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  };
  const ddb = new DynamoDBClient(config);
  const described = await ddb.send(new DescribeTableCommand({ TableName: options.tableName }));
  ddb.destroy();
  const streamArn = described.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${options.tableName} has no stream`);
  const streams = withoutSdkLogging(new DynamoDBStreamsClient(config));
  const checkpoint = await readCheckpoint(options.checkpointFile, streamArn);
  const shards = new Map<string, ShardState>();
  const abort = new AbortController();

  const iteratorFor = async (shardId: string, type: ShardIteratorType, sequence?: string) =>
    (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: type,
          ...(sequence ? { SequenceNumber: sequence } : {}),
        }),
      )
    ).ShardIterator;

  const discover = async (initial: boolean) => {
    let start: string | undefined;
    do {
      const out = await streams.send(
        new DescribeStreamCommand({
          StreamArn: streamArn,
          ...(start ? { ExclusiveStartShardId: start } : {}),
        }),
      );
      for (const shard of out.StreamDescription?.Shards ?? []) {
        const id = shard.ShardId;
        if (!id || shards.has(id)) continue;
        const saved = checkpoint[id];
        const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
        let iterator: string | undefined;
        if (saved) iterator = await iteratorFor(id, "AFTER_SEQUENCE_NUMBER", saved);
        else if (!initial) iterator = await iteratorFor(id, "TRIM_HORIZON");
        else if (!closed) iterator = await iteratorFor(id, "LATEST");
        shards.set(id, { iterator, lastSequence: saved });
      }
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
  };
  await discover(true);

  const pollShard = async (shardId: string, state: ShardState) => {
    if (!state.iterator) return;
    let out: GetRecordsCommandOutput;
    try {
      out = await streams.send(
        new GetRecordsCommand({ ShardIterator: state.iterator, Limit: options.batchSize ?? 100 }),
      );
    } catch (error) {
      if (!(error instanceof ExpiredIteratorException)) throw error;
      state.iterator = state.lastSequence
        ? await iteratorFor(shardId, "AFTER_SEQUENCE_NUMBER", state.lastSequence)
        : await iteratorFor(shardId, "LATEST");
      return;
    }
    const records = out.Records ?? [];
    const batch = records.map((r) => toLambdaRecord(r, streamArn)).filter((r) => matches(r, options.filter));
    if (batch.length > 0) {
      let failedAt: string | undefined;
      try {
        const result = (await options.handler({ Records: batch })) as DynamoDBBatchResponse | undefined;
        failedAt = result?.batchItemFailures?.[0]?.itemIdentifier;
      } catch {
        failedAt = batch[0]?.dynamodb?.SequenceNumber;
      }
      if (failedAt) {
        await sleep(options.retryDelayMs ?? 1_000, abort.signal);
        state.iterator = await iteratorFor(shardId, "AT_SEQUENCE_NUMBER", failedAt);
        return;
      }
    }
    const last = records[records.length - 1]?.dynamodb?.SequenceNumber;
    if (last) {
      state.lastSequence = last;
      checkpoint[shardId] = last;
      await writeCheckpoint(options.checkpointFile, streamArn, checkpoint);
    }
    state.iterator = out.NextShardIterator;
  };

  const loop = (async () => {
    let lastRefresh = Date.now();
    while (!abort.signal.aborted) {
      try {
        if (Date.now() - lastRefresh > SHARD_REFRESH_MS) {
          lastRefresh = Date.now();
          await discover(false);
        }
        for (const [id, state] of shards) await pollShard(id, state);
      } catch {
        // DynamoDB Local restarting or the table being replaced: try again on the next tick.
      }
      await sleep(options.pollIntervalMs ?? 250, abort.signal);
    }
  })();

  return {
    streamArn,
    stop: async () => {
      abort.abort();
      await loop;
      streams.destroy();
    },
  };
}

function toLambdaRecord(r: StreamRecord, streamArn: string): DynamoDBRecord {
  const d = r.dynamodb;
  return {
    eventID: r.eventID ?? "",
    eventName: r.eventName as DynamoDBRecord["eventName"],
    eventVersion: r.eventVersion ?? "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: r.awsRegion ?? "local",
    eventSourceARN: streamArn,
    dynamodb: {
      ...(d?.ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) }
        : {}),
      Keys: d?.Keys as NonNullable<DynamoDBRecord["dynamodb"]>["Keys"],
      NewImage: d?.NewImage as NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"],
      ...(d?.SequenceNumber ? { SequenceNumber: d.SequenceNumber } : {}),
      ...(d?.SizeBytes !== undefined ? { SizeBytes: d.SizeBytes } : {}),
      StreamViewType: "NEW_IMAGE",
    },
  };
}

/** Lambda's filter semantics for the subset used here: every key must match one of the listed values. */
export function matches(value: unknown, pattern: FilterPattern | undefined): boolean {
  if (!pattern) return true;
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return Object.entries(pattern).every(([key, expected]) =>
    Array.isArray(expected)
      ? (expected as readonly string[]).includes(record[key] as string)
      : matches(record[key], expected as FilterPattern),
  );
}

async function readCheckpoint(file: string | undefined, streamArn: string): Promise<Record<string, string>> {
  if (!file) return {};
  try {
    const saved = JSON.parse(await readFile(file, "utf8")) as {
      streamArn?: string;
      shards?: Record<string, string>;
    };
    return saved.streamArn === streamArn && saved.shards ? { ...saved.shards } : {};
  } catch {
    return {};
  }
}

async function writeCheckpoint(
  file: string | undefined,
  streamArn: string,
  shards: Record<string, string>,
): Promise<void> {
  if (file) await writeFile(file, JSON.stringify({ streamArn, shards }), { mode: 0o600 });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
