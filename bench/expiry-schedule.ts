import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { startLocalCloud } from "../shared/local/cloud.js";
import { siteQueueName } from "../shared/ports/queue.js";
import type { Caller } from "../shared/services/caller.js";
import { createPackage } from "../shared/services/packages.js";
import { createSite } from "../shared/services/sites.js";
import { createSubscriber } from "../shared/services/subscribers.js";
import { createTenant } from "../shared/services/tenants.js";
import { SiteQueueWatcher } from "../test/support/site-queue.js";
import { emit, percentile, round, runConcurrent } from "./lib/stats.js";

/**
 * N subscribers (default 10,000) whose prepaid entitlement ends in the same second, on the local
 * cloud: real API services create them (each with its one schedule), the local scheduler fires the
 * lifecycle handler a minute early, and each fire hands a suspension to the site queue with a
 * delay. Measures how long enqueueing all commands takes, commands/s, and when each command became
 * visible against the due instant. Floor: raw SendMessageBatch throughput on the same local SQS.
 */
const N = Number(process.argv[2] ?? 10_000);
const LEAD_S = Number(process.argv[3] ?? 0);
const CONCURRENCY = 32;

process.env.LOG_LEVEL ??= "silent";
const cloud = await startLocalCloud({ port: 0, seed: false });
const deps = cloud.deps;
const { tenant } = await createTenant(deps, { name: "Bench Net", timeZone: "Asia/Dhaka", currency: "BDT" });
const owner: Caller = { tenantId: tenant.id, role: "owner", actor: { kind: "system", id: "bench" } };
const pkg = await createPackage(deps, owner, {
  name: "Prepaid 30 days",
  price: { amount: 50_000, currency: "BDT" },
  speed: { downloadKbps: 10_240, uploadKbps: 10_240 },
  billing: { type: "prepaid", validity: { unit: "days", count: 30 } },
  graceDays: 0,
});
const site = await createSite(deps, owner, { name: "Bench POP" });
// Estimate the setup rate on a sample, then place the due second after setup plus the scheduler lead.
const sample = Math.min(200, N);
const t0 = performance.now();
const create = (i: number, expiresAt: string) =>
  createSubscriber(deps, owner, {
    name: `Subscriber ${i}`,
    phone: "+8801711000000",
    username: `b${i}`,
    service: "pppoe",
    packageId: pkg.resource.id,
    siteId: site.resource.id,
    expiresAt,
  }).then(() => undefined);
const far = new Date(Date.now() + 10 * 86_400_000).toISOString();
await runConcurrent(sample, CONCURRENCY, (i) => create(i, far));
const setupPerS = sample / ((performance.now() - t0) / 1000);
const lead = LEAD_S || Math.ceil((N - sample) / setupPerS + 75);
const due = new Date(Math.ceil((Date.now() + lead * 1000) / 1000) * 1000);
process.stdout.write(
  `setup ${round(setupPerS, 0)} subscribers/s; due instant ${due.toISOString()} (${lead} s ahead)\n`,
);
await runConcurrent(N, CONCURRENCY, (i) => create(sample + i, due.toISOString()));
const slack = (due.getTime() - Date.now()) / 1000;
if (slack < 61)
  throw new Error(`setup ended ${round(slack, 1)} s before the due instant; pass a longer lead`);
process.stdout.write(`${N} subscribers created; ${round(slack, 1)} s to the due instant\n`);

// Watch the queue's own counters every 20 ms: a command is enqueued once it is delayed or visible,
// and visible once it leaves the delayed set. No receiver runs meanwhile, so its speed cannot skew
// the figures; the commands are read and checked afterwards.
const sqs = new SQSClient({
  endpoint: cloud.sqsEndpoint,
  region: "local",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});
const queueUrl = `${cloud.sqsEndpoint}/000000000000/${siteQueueName("isp-local", tenant.id, site.resource.id)}`;
const counts = async () => {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }));
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
};
const baseline = (await counts()).visible; // the provisioning commands, visible since creation
let firstEnqueued: number | undefined;
let allEnqueued: number | undefined;
const visibleAt: number[] = []; // visibleAt[k] = when the (k+1)-th expiry command became visible
const deadline = due.getTime() + 180_000;
while (Date.now() < deadline && visibleAt.length < N) {
  const { visible, delayed } = await counts();
  const now = Date.now();
  const shown = Math.max(0, visible - baseline);
  if (firstEnqueued === undefined && shown + delayed > 0) firstEnqueued = now;
  if (allEnqueued === undefined && shown + delayed >= N) allEnqueued = now;
  while (visibleAt.length < Math.min(shown, N)) visibleAt.push(now);
  await new Promise((r) => setTimeout(r, 20));
}
const watcher = new SiteQueueWatcher(cloud.sqsEndpoint, tenant.id, site.resource.id, 8);
const drainUntil = Date.now() + 120_000;
while (
  Date.now() < drainUntil &&
  watcher.received.filter((r) => r.command.desired.state === "suspended").length < N
) {
  await new Promise((r) => setTimeout(r, 200));
}
await watcher.stop();
const suspended = watcher.received.filter((r) => r.command.desired.state === "suspended");
const onTime = suspended.filter((r) => r.command.notBefore === due.toISOString()).length;
const arrivals = visibleAt.map((t) => t - due.getTime());
const effective = arrivals.map((ms) => Math.max(0, ms));
const enqueueS = firstEnqueued && allEnqueued ? (allEnqueued - firstEnqueued) / 1000 : Number.NaN;

// Floor: the same number of raw sends to the same local SQS at the same concurrency.
const floorQueue = `${cloud.sqsEndpoint}/000000000000/${siteQueueName("isp-local", tenant.id, "site_floor")}`;
await cloud.deps.queue.send(tenant.id, "site_floor", { body: "{}" });
const body = JSON.stringify(suspended[0]?.command ?? {});
const f0 = performance.now();
await runConcurrent(Math.ceil(N / 10), CONCURRENCY, async () => {
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: floorQueue,
      Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: body, DelaySeconds: 5 })),
    }),
  );
});
const rawPerS = (Math.ceil(N / 10) * 10) / ((performance.now() - f0) / 1000);
sqs.destroy();
await cloud.stop();

emit({
  bench: "expiry-schedule",
  subscribers: N,
  suspensions_received: suspended.length,
  with_due_not_before: onTime,
  setup_per_s: round(setupPerS, 0),
  enqueue_s: round(enqueueS, 1),
  commands_per_s: round(N / enqueueS, 0),
  visible_p50_ms: round(percentile(arrivals, 50), 0),
  visible_p99_ms: round(percentile(arrivals, 99), 0),
  visible_min_ms: round(Math.min(...arrivals), 0),
  visible_max_ms: round(Math.max(...arrivals), 0),
  lateness_p50_ms: round(percentile(effective, 50), 0),
  lateness_p99_ms: round(percentile(effective, 99), 0),
  raw_sqs_send_per_s: round(rawPerS, 0),
  ratio: round(N / enqueueS / rawPerS),
});
