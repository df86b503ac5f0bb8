import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { BuildMiddleware } from "@smithy/types";

/** Items written through a client, for benches that compare a code path with raw writes. */
export interface WriteTally {
  /** Put, Update and Delete items of write requests and transactions that succeeded. */
  items: number;
  /** Their approximate stored size (DynamoDB's rule: attribute names plus values), in bytes. */
  bytes: number;
  /** Items by operation, e.g. `TransactWriteItems: 12000`. */
  byOp: Record<string, number>;
  /** Transactions and single conditional writes that were refused (nothing written). */
  refusedTransactions: number;
  refusedItems: number;
  /** Every request by operation (reads too): how many, and their summed latency in ms. */
  requests: Record<string, { calls: number; ms: number }>;
}

type Av = AttributeValue | Record<string, unknown>;

/** DynamoDB's item size rule, roughly: names' UTF-8 bytes plus values' (numbers about half their digits). */
export function itemBytes(item: Record<string, unknown> | undefined): number {
  if (!item) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueBytes(value as Av);
  return size;
}

function valueBytes(v: Av): number {
  const a = v as Record<string, unknown>;
  if (typeof a.S === "string") return Buffer.byteLength(a.S);
  if (typeof a.N === "string") return Math.ceil(a.N.length / 2) + 1;
  if (a.BOOL !== undefined || a.NULL !== undefined) return 1;
  if (a.M && typeof a.M === "object") return 3 + itemBytes(a.M as Record<string, unknown>);
  if (Array.isArray(a.L)) return 3 + a.L.reduce((s: number, x) => s + 1 + valueBytes(x as Av), 0);
  if (a.B instanceof Uint8Array) return a.B.length;
  return 1;
}

interface WriteItem {
  Put?: { Item?: Record<string, unknown> };
  Update?: { Key?: Record<string, unknown>; ExpressionAttributeValues?: Record<string, unknown> };
  Delete?: { Key?: Record<string, unknown> };
}

function writeItemBytes(w: WriteItem): number | undefined {
  if (w.Put) return itemBytes(w.Put.Item);
  if (w.Update) return itemBytes(w.Update.Key) + itemBytes(w.Update.ExpressionAttributeValues);
  if (w.Delete) return itemBytes(w.Delete.Key);
  return undefined; // a ConditionCheck writes nothing
}

/**
 * Counts the items every write through `doc` (and the client under it: they share one middleware
 * stack) stores. Registered at the build step, where inputs are already in DynamoDB's own form.
 */
export function countWrites(doc: DynamoDBDocumentClient) {
  let tally = empty();
  const middleware: BuildMiddleware<object, object> = (next, context) => async (args) => {
    const op = String((context as { commandName?: string }).commandName ?? "").replace(/Command$/, "");
    const input = args.input as Record<string, unknown>;
    let sizes: number[] = [];
    if (op === "TransactWriteItems") {
      sizes = ((input.TransactItems ?? []) as WriteItem[])
        .map(writeItemBytes)
        .filter((s): s is number => s !== undefined);
    } else if (op === "BatchWriteItem") {
      for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>)) {
        for (const r of requests as { PutRequest?: { Item?: Record<string, unknown> } }[]) {
          sizes.push(r.PutRequest ? itemBytes(r.PutRequest.Item) : 0);
        }
      }
    } else if (op === "PutItem") sizes = [itemBytes(input.Item as Record<string, unknown>)];
    else if (op === "UpdateItem" || op === "DeleteItem") {
      sizes = [writeItemBytes({ Update: input as WriteItem["Update"] }) ?? 0];
    }
    const t0 = performance.now();
    const timed = () => {
      const r = tally.requests[op] ?? { calls: 0, ms: 0 };
      tally.requests[op] = r;
      r.calls++;
      r.ms += performance.now() - t0;
    };
    try {
      const out = await next(args);
      timed();
      if (op === "BatchWriteItem") {
        const left = (out.output as { UnprocessedItems?: Record<string, unknown[]> }).UnprocessedItems ?? {};
        const unprocessed = Object.values(left).reduce((s, r) => s + r.length, 0);
        sizes = sizes.slice(0, sizes.length - unprocessed);
      }
      if (sizes.length > 0) {
        tally.items += sizes.length;
        tally.bytes += sizes.reduce((s, x) => s + x, 0);
        tally.byOp[op] = (tally.byOp[op] ?? 0) + sizes.length;
      }
      return out;
    } catch (error) {
      timed();
      if (sizes.length > 0) {
        tally.refusedTransactions++;
        tally.refusedItems += sizes.length;
      }
      throw error;
    }
  };
  doc.middlewareStack.add(middleware as never, { step: "build", name: "benchWriteTally" });
  return {
    reset: () => {
      tally = empty();
    },
    snapshot: (): WriteTally => ({
      ...tally,
      byOp: { ...tally.byOp },
      requests: Object.fromEntries(
        Object.entries(tally.requests).map(([op, r]) => [op, { calls: r.calls, ms: Math.round(r.ms) }]),
      ),
    }),
  };
}

function empty(): WriteTally {
  return { items: 0, bytes: 0, byOp: {}, refusedTransactions: 0, refusedItems: 0, requests: {} };
}
