import { AsyncLocalStorage } from "node:async_hooks";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { InitializeMiddleware } from "@smithy/types";
import { type ObservedAwsClient, observeAwsClients } from "../adapters/aws-client-hook.js";
import { GLOBAL_INDEXES } from "../adapters/dynamodb/table-definition.js";

/**
 * Counts every AWS call the functions make, by function and activity, for bench/cost-model.ts.
 * Handlers run through `invoke` (one Lambda invocation: counted and timed); the SDK clients of
 * functions/deps.ts get a middleware (registered with `countAwsCalls`) that books each call on the
 * invocation it belongs to (AsyncLocalStorage), with what AWS bills for it:
 *
 * - DynamoDB: every read and write asks for `ReturnConsumedCapacity: "TOTAL"` and the reported units
 *   are summed (DynamoDB Local reports them, secondary indexes included). Two cases are estimated
 *   from item sizes instead, and booked as such: TransactWriteItems (DynamoDB Local's figures for
 *   transactions are not AWS's; AWS bills 2 write units per KB of each item, plus standard writes
 *   to the indexes the item is in) and writes refused by their condition (billed, not reported).
 * - SQS: each request, and as billed: one request per started 64 KB of payload.
 * - Scheduler: each API call (the invocations are counted where the bench fires schedules).
 *
 * Test and bench code only; nothing here is loaded by a deployed function.
 */
export interface CallScope {
  /** The function (Lambda) the call is made by, e.g. `lifecycle` or `payments`. */
  readonly fn: string;
  /** What it was doing, e.g. a fire kind, a route, an agent event type. */
  readonly activity: string;
}

export interface OperationTally {
  calls: number;
  failed: number;
  /** DynamoDB read request units (on-demand). */
  readUnits: number;
  /** DynamoDB write request units (on-demand), indexes included. */
  writeUnits: number;
  /** The part of writeUnits estimated from item sizes rather than reported. */
  estimatedWriteUnits: number;
  /** SQS requests as billed: each started 64 KB chunk of a request's payload counts as one. */
  billedRequests: number;
  /** SQS message bytes sent or received. */
  payloadBytes: number;
}

export interface InvocationTally {
  invocations: number;
  /** Sum of per-invocation durations rounded up to the millisecond (Lambda's billing unit). */
  billedMs: number;
  failed: number;
}

export interface OperationRow extends CallScope {
  readonly service: ObservedAwsClient["kind"];
  readonly operation: string;
  readonly tally: OperationTally;
}

export interface InvocationRow extends CallScope {
  readonly tally: InvocationTally;
}

/** Calls made outside any `invoke` (bench setup, background components). */
export const OUTSIDE: CallScope = { fn: "(outside)", activity: "" };

const SQS_CHUNK_BYTES = 64 * 1024;
const WRITE_UNIT_BYTES = 1024;
const DYNAMO_READS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);
const DYNAMO_WRITES = new Set([
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "BatchWriteItem",
  "TransactWriteItems",
]);

type Item = Record<string, unknown>;

export class AwsCallCounter {
  private readonly scope = new AsyncLocalStorage<CallScope>();
  /** Set around the counter's own look-ups (item sizes), which are not the functions' calls. */
  private readonly unmetered = new AsyncLocalStorage<true>();
  private operations = new Map<string, OperationRow>();
  private invocationTallies = new Map<string, InvocationRow>();

  /** Runs one handler invocation in its scope: counted, timed, and owner of the calls it makes. */
  async invoke<T>(fn: string, activity: string, run: () => Promise<T>): Promise<T> {
    const tally = this.invocationTally({ fn, activity });
    const started = performance.now();
    try {
      return await this.scope.run({ fn, activity }, run);
    } catch (error) {
      tally.failed++;
      throw error;
    } finally {
      tally.invocations++;
      tally.billedMs += Math.ceil(performance.now() - started);
    }
  }

  /** Forgets everything counted so far (e.g. at the end of a setup phase). */
  reset(): void {
    this.operations = new Map();
    this.invocationTallies = new Map();
  }

  operationRows(): OperationRow[] {
    return [...this.operations.values()];
  }

  invocationRows(): InvocationRow[] {
    return [...this.invocationTallies.values()];
  }

  /** Adds the counting middleware to one client. */
  instrument(observed: ObservedAwsClient): void {
    const options = { step: "initialize", name: "awsCallCounter", override: true } as const;
    switch (observed.kind) {
      case "dynamodb":
        observed.client.middlewareStack.add(this.middleware(observed), options);
        return;
      case "sqs":
        observed.client.middlewareStack.add(this.middleware(observed), options);
        return;
      case "scheduler":
        observed.client.middlewareStack.add(this.middleware(observed), options);
        return;
    }
  }

  private middleware<I extends object, O extends object>(
    observed: ObservedAwsClient,
  ): InitializeMiddleware<I, O> {
    const { kind } = observed;
    return (next, context) => async (args) => {
      if (this.unmetered.getStore()) return next(args);
      const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
      const tally = this.operationTally(this.scope.getStore() ?? OUTSIDE, kind, operation);
      const input = args.input as Item;
      tally.calls++;
      if (kind === "sqs") this.countSqsInput(tally, operation, input);
      const dynamo = kind === "dynamodb" && (DYNAMO_READS.has(operation) || DYNAMO_WRITES.has(operation));
      if (dynamo) input.ReturnConsumedCapacity = "TOTAL";
      const deletedSizes =
        kind === "dynamodb" && operation === "TransactWriteItems" && observed.kind === "dynamodb"
          ? await this.sizesBefore(observed.client, input)
          : undefined;
      try {
        const result = await next(args);
        const output = result.output as unknown as Item;
        if (kind === "sqs") this.countSqsOutput(tally, operation, output);
        if (dynamo && observed.kind === "dynamodb") {
          if (operation === "TransactWriteItems") {
            const units = await this.transactionUnits(observed.client, input, deletedSizes);
            tally.writeUnits += units;
            tally.estimatedWriteUnits += units;
          } else {
            const units = consumedUnits(output.ConsumedCapacity);
            if (DYNAMO_READS.has(operation)) tally.readUnits += units;
            else tally.writeUnits += units;
          }
        }
        return result;
      } catch (error) {
        tally.failed++;
        if (dynamo && DYNAMO_WRITES.has(operation)) {
          // A refused condition is billed like a write of at least one unit; a cancelled transaction
          // like its items, each at least 1 KB and transactional (x2).
          const name = (error as { name?: string }).name;
          const items = Array.isArray(input.TransactItems) ? input.TransactItems.length : 1;
          const units =
            name === "ConditionalCheckFailedException"
              ? 1
              : name === "TransactionCanceledException"
                ? 2 * items
                : 0;
          tally.writeUnits += units;
          tally.estimatedWriteUnits += units;
        }
        throw error;
      }
    };
  }

  private countSqsInput(tally: OperationTally, operation: string, input: Item): void {
    if (operation === "SendMessage") this.bill(tally, messageBytes(input));
    else if (operation === "SendMessageBatch") {
      const entries = Array.isArray(input.Entries) ? (input.Entries as Item[]) : [];
      this.bill(
        tally,
        entries.reduce((sum, e) => sum + messageBytes(e), 0),
      );
    } else if (operation !== "ReceiveMessage") tally.billedRequests++;
  }

  private countSqsOutput(tally: OperationTally, operation: string, output: Item): void {
    if (operation !== "ReceiveMessage") return;
    const messages = Array.isArray(output.Messages) ? (output.Messages as Item[]) : [];
    this.bill(
      tally,
      messages.reduce((sum, m) => sum + utf8(String(m.Body ?? "")), 0),
    );
  }

  private bill(tally: OperationTally, bytes: number): void {
    tally.payloadBytes += bytes;
    tally.billedRequests += Math.max(1, Math.ceil(bytes / SQS_CHUNK_BYTES));
  }

  /** Items a transaction deletes are gone afterwards: their sizes are read first. */
  private async sizesBefore(client: DocClient, input: Item): Promise<Map<number, number>> {
    const sizes = new Map<number, number>();
    const items = transactItems(input);
    for (const [index, entry] of items.entries()) {
      const del = entry.Delete as Item | undefined;
      if (del) sizes.set(index, itemBytes((await this.read(client, del)) ?? (del.Key as Item)));
    }
    return sizes;
  }

  /**
   * AWS's bill for a committed TransactWriteItems: each item is written twice (prepare, commit), in
   * 1 KB units of its size (the new item for a put, the stored one for an update, delete or
   * condition check); indexes holding the item get standard writes of their projection.
   */
  private async transactionUnits(
    client: DocClient,
    input: Item,
    deletedSizes: Map<number, number> | undefined,
  ): Promise<number> {
    let units = 0;
    for (const [index, entry] of transactItems(input).entries()) {
      const put = entry.Put as Item | undefined;
      const target = (entry.Update ?? entry.ConditionCheck ?? entry.Delete) as Item | undefined;
      let item: Item | undefined;
      let bytes: number;
      if (put) {
        item = put.Item as Item;
        bytes = itemBytes(item);
      } else if (entry.Delete) {
        bytes = deletedSizes?.get(index) ?? WRITE_UNIT_BYTES;
      } else {
        item = target ? await this.read(client, target) : undefined;
        bytes = item ? itemBytes(item) : WRITE_UNIT_BYTES;
      }
      const itemUnits = Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
      units += 2 * itemUnits;
      if (item && !entry.ConditionCheck) {
        for (const gsi of GLOBAL_INDEXES) {
          if (item[gsi.partitionKey] === undefined) continue;
          units += gsi.projection === "ALL" ? itemUnits : 1;
        }
      }
    }
    return units;
  }

  private async read(client: DocClient, target: Item): Promise<Item | undefined> {
    const out = await this.unmetered.run(true, () =>
      client.send(
        new GetCommand({
          TableName: String(target.TableName),
          Key: target.Key as Item,
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item;
  }

  private operationTally(scope: CallScope, service: ObservedAwsClient["kind"], operation: string) {
    const key = `${scope.fn}\u0000${scope.activity}\u0000${service}\u0000${operation}`;
    let row = this.operations.get(key);
    if (!row) {
      row = {
        ...scope,
        service,
        operation,
        tally: {
          calls: 0,
          failed: 0,
          readUnits: 0,
          writeUnits: 0,
          estimatedWriteUnits: 0,
          billedRequests: 0,
          payloadBytes: 0,
        },
      };
      this.operations.set(key, row);
    }
    return row.tally;
  }

  private invocationTally(scope: CallScope): InvocationTally {
    const key = `${scope.fn}\u0000${scope.activity}`;
    let row = this.invocationTallies.get(key);
    if (!row) {
      row = { ...scope, tally: { invocations: 0, billedMs: 0, failed: 0 } };
      this.invocationTallies.set(key, row);
    }
    return row.tally;
  }
}

type DocClient = Extract<ObservedAwsClient, { kind: "dynamodb" }>["client"];

/**
 * Instruments every client functions/deps.ts creates from now on (register before the local cloud
 * starts: the functions' adapters are built once per process). `undefined` stops instrumenting.
 */
export function countAwsCalls(counter: AwsCallCounter | undefined): void {
  observeAwsClients(counter ? (observed) => counter.instrument(observed) : undefined);
}

function transactItems(input: Item): Item[] {
  return Array.isArray(input.TransactItems) ? (input.TransactItems as Item[]) : [];
}

function consumedUnits(consumed: unknown): number {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((sum: number, c) => sum + Number((c as Item).CapacityUnits ?? 0), 0);
}

function messageBytes(message: Item): number {
  let bytes = utf8(String(message.MessageBody ?? ""));
  const attributes = (message.MessageAttributes ?? {}) as Record<string, Item>;
  for (const [name, value] of Object.entries(attributes)) {
    bytes += utf8(name) + utf8(String(value.DataType ?? "")) + utf8(String(value.StringValue ?? ""));
  }
  return bytes;
}

function utf8(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** An item's size as DynamoDB counts it: attribute names plus values (numbers ~1 byte per 2 digits). */
export function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) bytes += utf8(name) + valueBytes(value);
  }
  return bytes;
}

function valueBytes(value: unknown): number {
  if (value === null) return 1;
  if (typeof value === "string") return utf8(value);
  if (typeof value === "number" || typeof value === "bigint") {
    const digits = String(value).replace(/^-/, "").replace(/e.*$/i, "").replace(".", "").replace(/^0+/, "");
    return Math.ceil(digits.length / 2) + 1;
  }
  if (typeof value === "boolean") return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + valueBytes(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
  if (typeof value === "object") {
    let bytes = 3;
    for (const [name, v] of Object.entries(value)) {
      if (v !== undefined) bytes += utf8(name) + 1 + valueBytes(v);
    }
    return bytes;
  }
  return 0;
}
