import { Agent } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "../shared/adapters/dynamodb/client.js";
import { ensureTable } from "../shared/adapters/dynamodb/create-table.js";
import { keys } from "../shared/adapters/dynamodb/keys.js";
import { createDynamoRepositories } from "../shared/adapters/dynamodb/repositories.js";
import { DynamoSubscriberRepository } from "../shared/adapters/dynamodb/subscriber-repository.js";
import { createGatewayDirectory } from "../shared/adapters/gateways/directory.js";
import { OutboxNotifier } from "../shared/adapters/notify/index.js";
import { LocalSecretBox } from "../shared/adapters/secrets/local-secret-box.js";
import { newId } from "../shared/domain/ids.js";
import { startDynamoDbLocal } from "../shared/local/dynamodb-local.js";
import { createLogger } from "../shared/logger.js";
import type { StoredSubscriber } from "../shared/ports/repositories.js";
import type { ScheduledFire } from "../shared/ports/scheduler.js";
import type { Caller, ServiceDeps } from "../shared/services/caller.js";
import { handleFire } from "../shared/services/lifecycle.js";
import { createPackage } from "../shared/services/packages.js";
import { createNas, createSite } from "../shared/services/sites.js";
import { createSubscriber } from "../shared/services/subscribers.js";
import { createTenant } from "../shared/services/tenants.js";
import { profilePhase } from "./lib/profile.js";
import { emit, percentile, round } from "./lib/stats.js";
import { countWrites, itemBytes, type WriteTally } from "./lib/write-tally.js";

/**
 * One tenant's invoice run: N postpaid subscribers (default 100,000) billed on the 1st, every
 * subscriber's schedule fired at the cycle start through the lifecycle service exactly as the
 * lifecycle Lambda handles an EventBridge Scheduler fire (`handleFire`: re-read the subscriber,
 * tenant and package, number and store the invoice with the subscriber's next version in one
 * transaction, the period key, a pay link, the SMS and its outcome on the timeline). The fires run
 * at CONCURRENCY, each worker with repositories of its own: one warm Lambda instance, one fire at a
 * time, so nothing is shared between concurrent fires that separate Lambdas would not share. Only
 * the Scheduler API (the next schedule's upsert) and the SMS provider are stand-ins (no-op and an
 * in-memory outbox); every DynamoDB call is real, against one DynamoDB Local (in memory).
 *
 * Seeding (tenant, package, site, one subscriber through the services, then N - 1 copies of it
 * written by BatchWrite through the subscriber repository's item mapper) is outside the measured
 * window. Checked after the run: N invoices, sequences exactly 1..N, one per subscriber, and the
 * counter at N.
 *
 * The peer, in the same run on the same DynamoDB Local: raw BatchWriteItem (25 items a request,
 * unprocessed items resent) of as many items as the invoice run wrote, of the same average size, at
 * the same concurrency. Items are counted, not requests: every Put, Update and Delete in a write
 * request or transaction that succeeded (ConditionChecks and refused transactions are not items
 * written; refused ones are reported apart). Then:
 *
 *   items_per_invoice           = items the run wrote / N   (invoice, period key, subscriber,
 *                                 counter, timeline events, pay link: see written_by_op)
 *   raw_invoice_equivalent_per_s = raw items/s / items_per_invoice
 *   ratio                       = invoices/s / raw_invoice_equivalent_per_s   (the figure,
 *                                 target >= 0.6; equal to the run's items/s over raw items/s)
 *   ratio_vs_raw_items          = invoices/s / raw items/s (as if an invoice were one item)
 *
 * One process plays every Lambda instance, so on a small machine the SDK's own work (signing,
 * marshalling: about nine requests an invoice, where the peer sends one request per 25 items) is
 * part of what is measured; requests_by_op shows where the requests go.
 *
 *   npm run bench -- invoice-run [subscribers=100000] [concurrency=50]
 *
 * BENCH_CPU_PROFILE=file.cpuprofile profiles this process during the measured fires.
 */
const N = Number(process.argv[2] ?? 100_000);
const CONCURRENCY = Number(process.argv[3] ?? 50);
const TABLE = "invoice-run";
const JOINED = "2026-03-10T06:00:00.000Z";
const log = (msg: string) => process.stderr.write(`${msg}\n`);

process.env.PUBLIC_BASE_URL ??= "https://pay.isp.example";
const ddb = await startDynamoDbLocal();
const config = {
  endpoint: ddb.endpoint,
  region: "local",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
  maxAttempts: 3,
  requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 }) },
};
const admin = new DynamoDBClient(config);
await ensureTable(admin, TABLE);
const doc = createDocumentClient(config);
const tally = countWrites(doc);

const notifier = new OutboxNotifier({ capacity: 10 });
const secrets = new LocalSecretBox(LocalSecretBox.generateKey());
/** The services as one lifecycle Lambda instance holds them (its own repositories), at `now`. */
function lambdaDeps(now: Date): ServiceDeps {
  return {
    repos: createDynamoRepositories(doc, TABLE),
    clock: { now: () => now },
    logger: createLogger({}, "silent"),
    scheduler: { upsert: async () => {}, remove: async () => {} },
    queue: { send: async () => {}, provision: async () => "" },
    notifier,
    payments: { gateways: createGatewayDirectory(), secrets },
  };
}

// Seeding: one tenant, a monthly postpaid package billed on the 1st, N subscribers who joined on
// 10 March, so every one is invoiced at 08:00 on 1 April in Dhaka (the same schedule instant).
const setup = lambdaDeps(new Date(JOINED));
const { tenant } = await createTenant(setup, { name: "Bench Net", timeZone: "Asia/Dhaka", currency: "BDT" });
const owner: Caller = { tenantId: tenant.id, role: "owner", actor: { kind: "system", id: "bench" } };
const pkg = await createPackage(setup, owner, {
  name: "Office 20M",
  price: { amount: 50_000, currency: "BDT" },
  speed: { downloadKbps: 20_480, uploadKbps: 20_480 },
  billing: { type: "postpaid", billingDay: 1, dueDays: 7 },
  graceDays: 3,
  lateFee: { type: "fixed", amount: 5_000 },
  taxRateBasisPoints: 1500,
});
const site = await createSite(setup, owner, { name: "Bench POP" });
const nas = await createNas(setup, owner, site.resource.id, {
  name: "ccr1",
  address: "10.0.0.1",
  type: "mikrotik",
  method: "radius",
  services: ["pppoe"],
});
const first = await createSubscriber(setup, owner, {
  name: "Subscriber 0",
  phone: "+8801711000001",
  username: "b0",
  service: "pppoe",
  packageId: pkg.resource.id,
  siteId: site.resource.id,
  nasId: nas.resource.id,
});
const template = await setup.repos.subscribers.get(tenant.id, first.resource.id);
const action = template?.nextAction;
if (!template || action?.kind !== "invoice") throw new Error("the template subscriber has no invoice due");
// By the cycle start the provisioning command was long handed to the site: nothing is left in its outbox.
const { pendingCommand: _, ...settled } = template;
const mapper = new DynamoSubscriberRepository(doc, TABLE);
const subscribers: StoredSubscriber[] = [settled];
log(`seeding ${N} subscribers`);
const seedStart = performance.now();
for (let i = 1; i < N; i++) {
  subscribers.push({
    ...settled,
    id: newId("subscriber", Date.parse(JOINED)),
    name: `Subscriber ${i}`,
    username: `b${i}`,
  });
}
await pool(Math.ceil(subscribers.length / 25), CONCURRENCY, async (b) => {
  const chunk = subscribers.slice(b * 25, b * 25 + 25);
  await batchWrite(
    doc,
    chunk.map((s) => {
      const put = mapper.saveItems(settled, s, [])[0]?.item.Put;
      if (!put) throw new Error("the subscriber mapper wrote no item");
      return put.Item as Record<string, unknown>;
    }),
  );
});
log(`seeded in ${round((performance.now() - seedStart) / 1000, 1)} s`);

// Measured: every subscriber's schedule fires a minute before its invoice is due, as EventBridge
// Scheduler sends it (the payload the subscriber's version and next action were scheduled with).
const fireAt = new Date(Date.parse(action.at) - 60_000);
const fires: ScheduledFire[] = subscribers.map((s) => ({
  tenantId: s.tenantId,
  subscriberId: s.id,
  kind: action.kind,
  dueAt: action.at,
  version: s.version,
  data: action,
}));
log(`firing ${N} invoice schedules at concurrency ${CONCURRENCY}`);
const outcomes: Record<string, number> = {};
tally.reset();
const stopProfile = await profilePhase();
const started = performance.now();
const latencies = await pool(
  N,
  CONCURRENCY,
  async (i, worker) => {
    const outcome = await handleFire(worker, fires[i] as ScheduledFire);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  },
  () => lambdaDeps(fireAt),
);
const runS = (performance.now() - started) / 1000;
await stopProfile();
const run: WriteTally = tally.snapshot();

// Correctness: N invoices, numbered 1..N with no gap or repeat, one per subscriber.
log("checking the invoices");
const sequences = new Set<number>();
const billed = new Set<string>();
let invoices = 0;
let start: Record<string, unknown> | undefined;
do {
  const page = await doc.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :inv)",
      ExpressionAttributeValues: { ":pk": keys.tenantPk(tenant.id), ":inv": keys.invoiceSk("") },
      ProjectionExpression: "#seq, subscriberId",
      ExpressionAttributeNames: { "#seq": "sequence" },
      ExclusiveStartKey: start,
    }),
  );
  for (const item of page.Items ?? []) {
    invoices++;
    sequences.add(Number(item.sequence));
    billed.add(String(item.subscriberId));
  }
  start = page.LastEvaluatedKey;
} while (start);
const gapless = sequences.size === N && [...sequences].every((s) => s >= 1 && s <= N);
const correct = invoices === N && gapless && billed.size === N;

// Peer: raw BatchWriteItem of as many items of the same average size, same concurrency.
const itemsWritten = run.items;
const avgBytes = Math.max(1, Math.round(run.bytes / Math.max(1, itemsWritten)));
log(`peer: BatchWriteItem of ${itemsWritten} items of ~${avgBytes} bytes at concurrency ${CONCURRENCY}`);
// Same stored size: PK + SK + pad ~ the run's average item (itemBytes: names plus values).
const rawItem = (b: number, k: number) => ({ PK: `RAW#${(b * 25 + k) % 1000}`, SK: `${b}#${k}` });
const pad = "x".repeat(
  Math.max(0, avgBytes - itemBytes({ PK: { S: "RAW#000" }, SK: { S: "0000#00" }, pad: { S: "" } })),
);
const rawStart = performance.now();
await pool(Math.ceil(itemsWritten / 25), CONCURRENCY, async (b) => {
  const count = Math.min(25, itemsWritten - b * 25);
  await batchWrite(
    doc,
    Array.from({ length: count }, (_, k) => ({ ...rawItem(b, k), pad })),
  );
});
const rawS = (performance.now() - rawStart) / 1000;

admin.destroy();
doc.destroy();
await ddb.stop();

const invoicesPerS = N / runS;
const rawItemsPerS = itemsWritten / rawS;
const itemsPerInvoice = itemsWritten / N;
const rawInvoicesPerS = rawItemsPerS / itemsPerInvoice;
const ratio = invoicesPerS / rawInvoicesPerS;
emit({
  bench: "invoice-run",
  subscribers: N,
  concurrency: CONCURRENCY,
  outcomes,
  invoices,
  numbers_gapless: gapless,
  one_per_subscriber: billed.size === N,
  correct,
  run_s: round(runS, 2),
  invoices_per_s: round(invoicesPerS, 1),
  fire_p50_ms: round(percentile(latencies, 50), 1),
  fire_p99_ms: round(percentile(latencies, 99), 1),
  items_written: itemsWritten,
  items_per_invoice: round(itemsPerInvoice, 2),
  avg_item_bytes: avgBytes,
  written_by_op: run.byOp,
  requests_by_op: run.requests,
  refused_transactions: run.refusedTransactions,
  refused_transaction_items: run.refusedItems,
  run_items_per_s: round(itemsWritten / runS, 1),
  raw_batch_write_s: round(rawS, 2),
  raw_items_per_s: round(rawItemsPerS, 1),
  raw_invoice_equivalent_per_s: round(rawInvoicesPerS, 1),
  ratio: round(ratio, 3),
  ratio_vs_raw_items: round(invoicesPerS / rawItemsPerS, 3),
  target_ratio: 0.6,
  met: correct && ratio >= 0.6,
});

/** BatchWriteItem of up to 25 items, resending what DynamoDB left unprocessed. */
async function batchWrite(client: DynamoDBDocumentClient, items: Record<string, unknown>[]): Promise<void> {
  let requests = items.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; requests.length > 0; attempt++) {
    if (attempt > 20) throw new Error("BatchWriteItem kept leaving items unprocessed");
    const out = await client.send(new BatchWriteCommand({ RequestItems: { [TABLE]: requests } }));
    requests = (out.UnprocessedItems?.[TABLE] ?? []) as typeof requests;
  }
}

/**
 * Runs `task` for 0..total-1 on `concurrency` workers, each with its own context (made once per
 * worker); returns each task's latency in ms.
 */
async function pool<C = undefined>(
  total: number,
  concurrency: number,
  task: (i: number, context: C) => Promise<void>,
  context: () => C = () => undefined as C,
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    const own = context();
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      await task(i, own);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return latencies;
}
