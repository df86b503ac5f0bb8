import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { AgentTuningSchema } from "../edge-agent/agent.js";
import {
  AGENT_EVENTS_ENTRY,
  AUTHORIZER_ENTRY,
  apiFunctions,
  LIFECYCLE_ENTRY,
  PAYMENT_SWEEP_ENTRY,
  SWEEP_ENTRY,
  WEBHOOK_DELIVERIES_ENTRY,
} from "../functions/api/catalog.js";
import { MAX_AGENT_CREDENTIAL_SECONDS } from "../shared/adapters/agent-credentials/sts.js";
import type { LocalSchedule } from "../shared/adapters/scheduler/local-scheduler.js";
import type { Clock } from "../shared/domain/clock.js";
import { smsLength } from "../shared/domain/notifications/sms-length.js";
import type { ApiEvent, ApiResult } from "../shared/http/api-handler.js";
import { corsConfigFromEnv } from "../shared/http/cors.js";
import { createLocalApiGateway, type LocalAuthorizer, type LocalRoute } from "../shared/local/api-gateway.js";
import { AwsCallCounter, countAwsCalls } from "../shared/local/aws-call-counter.js";
import { startLocalCloud } from "../shared/local/cloud.js";
import { PROJECT_ROOT } from "../shared/local/dynamodb-local.js";
import { startSimulatedSite } from "../shared/local/simulated-site.js";
import { startSqsTrigger } from "../shared/local/sqs-trigger.js";
import { siteQueueName } from "../shared/ports/queue.js";
import type { ScheduledFire } from "../shared/ports/scheduler.js";
import { mintApiKey } from "../shared/services/api-keys.js";
import type { Caller } from "../shared/services/caller.js";
import { createPackage } from "../shared/services/packages.js";
import { putGateway } from "../shared/services/payments/gateway-settings.js";
import { createEnrollmentCode } from "../shared/services/site-agents.js";
import { createNas, createSite } from "../shared/services/sites.js";
import { createSubscriber } from "../shared/services/subscribers.js";
import { createTenant } from "../shared/services/tenants.js";
import { emit, round, runConcurrent } from "./lib/stats.js";

/**
 * What one month costs on AWS per 1,000 subscribers, at 1,000 and at 100,000 subscribers.
 *
 *   npm run bench -- cost-model [sample=200] [smsUsdPerSegment=0.005] [esmPollers=5]
 *
 * MEASURED on the local cloud, for a sample of S subscribers living one month through the deployed
 * handlers (DynamoDB Local, the local SQS, the Scheduler API stand-in, the Razorpay stand-in, the
 * real edge agent on a simulated MikroTik). Every AWS call the functions make is counted by an SDK
 * middleware (shared/local/aws-call-counter.ts): DynamoDB read/write units as DynamoDB Local
 * reports them (TransactWriteItems estimated from item sizes: 2 units per KB per item, plus
 * standard writes to the indexes holding the item), SQS requests in 64 KB chunks, Scheduler API
 * calls; every handler run is one Lambda invocation, timed. The month of each subscriber:
 *
 * - A prepaid 30-day package with 2 grace days and the default reminder policy (SMS at -5d, -3d,
 *   -1d, 0, +1d around expiry). Expiry falls inside the simulated window; time is driven, not
 *   waited for: the functions' clock is moved to each schedule's due instant and the schedule the
 *   code set through the Scheduler API is fired at the lifecycle handler (as EventBridge would),
 *   then deleted unless the handler replaced it.
 * - One renewal: 50% pay a day before expiry (after the -1d reminder), 25% during grace (after the
 *   +1d reminder), 25% after grace ended (suspended, then restored). 60% of payments are online
 *   through the Razorpay stand-in exactly as a payer does it (the pay link from the reminder SMS:
 *   pay page, checkout, gateway page, its two webhooks, the return page), 40% cash through
 *   `POST /v1/subscribers/{id}/payments` (API key, authorizer).
 * - Ten admin API reads from a frontend: 4 subscriber gets, 3 timelines, 1 payments list, 2 pages
 *   of the subscriber list (25 a page).
 * - The router commands this causes (suspend, restore, renew), applied by the agent, and their
 *   results through the agent-events function's batch logic.
 * Subscriber creation is setup, not part of the month. Agent events are fed to the batch logic one
 *   message at a time, to measure each type's cost; in AWS they are drained in batches of up to 10
 *   (below).
 *
 * MODELLED (counted analytically, priced with unit costs measured in the same run):
 * - Per site (1 site and 1 NAS per 500 subscribers), from the agent's production defaults: a
 *   20 s long poll on the site queue without pause (2,592,000 / 20 = 129,600 receives a month),
 *   a heartbeat and a session report at the agent's intervals (each one SendMessageBatch by the
 *   agent, in 64 KB chunks; processed as measured per event type, the session report's size scaled to
 *   500 sessions), credentials refreshed every 55 min (one API request to the agent function, costed
 *   as measured).
 * - Per router command: the agent's receive, delete and result send (3 SQS requests).
 * - Queue drains, per deployment and size: the agent-events and webhook-delivery queues are drained
 *   by their functions on schedules at their infra rates (infra/constructs/queue-drain.ts). Each tick
 *   is one Scheduler invocation and one Lambda invocation, costed as an idle drain measured here (its
 *   one empty receive included); the month's agent events (results, heartbeats, session reports)
 *   spread evenly over the ticks add, per tick, receives of up to 10 messages or 64 KB chunks and
 *   one delete per batch (a short batch ends the run: its receive replaces the idle one), and twice
 *   the idle drain's duration per batch. No webhook is configured in
 *   the month, so the delivery drain runs idle (its wake-ups come only with queued deliveries).
 * - Per deployment: the lifecycle sweep and the payment sweep at their infra rates (one Scheduler
 *   invocation and one Lambda invocation each, costed as measured when idle), and any SQS event
 *   source still in infra (ESM_POLLERS long polls of 20 s, around the clock: AWS documents five
 *   concurrent batches at first, scaled back to five and "as few as 2" when traffic is low).
 * - Lambda: the memory from infra (NodeLambda default, 512 MB), durations as measured locally plus
 *   GATEWAY_CALL_MS per payment-gateway call and SMS_SEND_MS per SMS sent (the stand-ins answer at
 *   once); init billed for cold starts, with P(cold) = exp(-rate x KEEP_WARM_MIN) per function.
 * - SMS: segments of the messages actually rendered (pay links on an execute-api URL), at a
 *   placeholder price per segment (REFERENCE gives none).
 * - Scheduler API calls (create, update, delete) are counted, not priced: EventBridge Scheduler
 *   bills invocations. Its free tier (14 M invocations a month) is reported separately.
 * Not priced (no REFERENCE price): CloudWatch logs, metrics, alarms and dashboard; KMS; EventBridge
 * events of the outbound-events work; data transfer; free tiers other than the Scheduler's.
 */
const SAMPLE = Number(process.argv[2] ?? 200);
const SMS_USD_PER_SEGMENT = Number(process.argv[3] ?? 0.005);
const SUBSCRIBERS_PER_SITE = 500;
const SIZES = [1_000, 100_000] as const;
const TARGET_USD_PER_1000 = 0.5;
const MONTH_S = 30 * 86_400;
const CONCURRENCY = 4;

// Assumptions (labelled in the output).
const ESM_POLLERS = Number(process.argv[4] ?? 5);
const ESM_WAIT_S = 20;
const GATEWAY_CALL_MS = 300;
const SMS_SEND_MS = 100;
const INIT_MS = 400;
const KEEP_WARM_MIN = 10;
/** A production API URL (pay links in SMS are this long). */
const PAY_LINK_BASE = "https://a1b2c3d4e5.execute-api.ap-south-1.amazonaws.com";
/** edge-agent/credentials.ts refreshes this long before expiry. */
const CREDENTIALS_REFRESH_BEFORE_S = 300;

// List prices, ../shared/REFERENCE.md (us-east-1, late 2025).
const PRICE = {
  lambdaGbS: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  writeUnit: 0.625 / 1e6,
  readUnit: 0.125 / 1e6,
  schedulerInvocation: 1 / 1e6,
  schedulerFreeInvocations: 14e6,
  apiRequest: 1 / 1e6,
  sqsRequest: 0.4 / 1e6,
};

// From infra and the agent's defaults.
const infra = readInfra();
const tuning = AgentTuningSchema.parse({});

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const started = performance.now();
const dir = await mkdtemp(join(tmpdir(), "cost-model-"));
const outboxFile = join(dir, "outbox.jsonl");

// Count before the cloud starts: the functions' SDK clients are built once, at its start.
const meter = new AwsCallCounter();
countAwsCalls(meter);
process.env.NOTIFY_OUTBOX_FILE = outboxFile;
process.env.PUBLIC_BASE_URL = PAY_LINK_BASE;
const cloud = await startLocalCloud({ port: 0, seed: false });
const deps = cloud.deps;
const gateways = cloud.gateways;
if (!gateways) throw new Error("the local cloud started without gateway stand-ins");

// The bench drives the scheduler, the sweeps and the agent-events trigger itself, through metered
// handlers; the cloud's own copies stop.
await cloud.scheduler.stop();
for (const name of ["sweep", "agent-events"]) await cloud.components.find((c) => c.name === name)?.stop();

// The functions' clock: behind the wall clock (router commands are never "early" for the agent),
// moved forward to each due instant.
let lag = 0;
const clock: Clock = { now: () => new Date(Date.now() - lag) };
Object.assign(deps, { clock });
const advanceTo = (t: number) => {
  lag = Math.min(lag, Date.now() - t);
};

const DAY = 86_400_000;
const HOUR = 3_600_000;
// Expiries at 12:00 Dhaka ten days ago (outside quiet hours), 3 s apart.
const E0 = Math.floor(Date.now() / DAY) * DAY - 10 * DAY + 6 * HOUR;
const expiryOf = (i: number) => E0 + i * 3000;
lag = Date.now() - (E0 - 5 * DAY - HOUR);

// Handlers, metered: one invoke is one Lambda invocation.
const load = async <H>(entry: string): Promise<H> =>
  ((await import(pathToFileURL(join(PROJECT_ROOT, entry)).href)) as { handler: H }).handler;
const lifecycle = await load<(event: unknown) => Promise<{ outcome: string }>>(LIFECYCLE_ENTRY);
const agentEventsModule = (await import(pathToFileURL(join(PROJECT_ROOT, AGENT_EVENTS_ENTRY)).href)) as {
  handler: DrainHandler;
  processBatch: (event: SQSEvent) => Promise<SQSBatchResponse>;
};
const agentEvents = agentEventsModule.processBatch;
const agentEventsDrain = agentEventsModule.handler;
const deliveriesDrain = await load<DrainHandler>(WEBHOOK_DELIVERIES_ENTRY);
type DrainHandler = (event: unknown, context: { getRemainingTimeInMillis(): number }) => Promise<unknown>;
const drainContext = { getRemainingTimeInMillis: () => 55_000 };
const sweep = await load<() => Promise<unknown>>(SWEEP_ENTRY);
const paymentSweep = await load<() => Promise<unknown>>(PAYMENT_SWEEP_ENTRY);
const authorizer = await load<LocalAuthorizer>(AUTHORIZER_ENTRY);
type ApiHandler = (event: ApiEvent, context: Context) => Promise<ApiResult>;
const routes: LocalRoute[] = [];
for (const spec of apiFunctions) {
  const handler = await load<ApiHandler>(spec.entry);
  for (const op of spec.operations) {
    routes.push({
      method: op.method,
      path: op.path,
      auth: op.permission !== "public",
      handler: (event, context) =>
        meter.invoke(spec.name, `${op.method} ${op.path}`, () => handler(event, context)),
    });
  }
}
const server = createLocalApiGateway({
  routes,
  authorizer: (event) => meter.invoke("authorizer", "authorize", () => authorizer(event)),
  cors: corsConfigFromEnv(),
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// The agent-events queue's consumer, one message per invocation.
interface EventSample {
  count: number;
  bytes: number;
}
const events = new Map<string, EventSample>();
/** Session reports that listed sessions (kept through the month: routers there may list none). */
const sessionSizes = { reports: 0, bytes: 0, sessions: 0, emptyBytes: 0 };
// One message per call of the batch logic (the cloud's own drain of this queue is stopped above).
const trigger = await startSqsTrigger(
  cloud.sqsEndpoint,
  "isp-local-agent-events",
  async (event) => {
    const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
    for (const record of event.Records) {
      const parsed = parseEvent(record.body);
      const sample = events.get(parsed.type) ?? { count: 0, bytes: 0 };
      sample.count++;
      sample.bytes += Buffer.byteLength(record.body);
      events.set(parsed.type, sample);
      if (parsed.sessions > 0) {
        sessionSizes.reports++;
        sessionSizes.bytes += Buffer.byteLength(record.body);
        sessionSizes.sessions += parsed.sessions;
        sessionSizes.emptyBytes += parsed.emptyBytes;
      }
      const out = await meter.invoke("agent-events", parsed.type, () => agentEvents({ Records: [record] }));
      batchItemFailures.push(...out.batchItemFailures);
    }
    return { batchItemFailures };
  },
  { VisibilityTimeout: "60" },
);

// The ISP: one site, one NAS, one package, Razorpay, an API key for the frontend.
const { tenant } = await createTenant(deps, {
  name: "Dhaka Fiber Net",
  timeZone: "Asia/Dhaka",
  currency: "BDT",
});
const owner: Caller = { tenantId: tenant.id, role: "owner", actor: { kind: "system", id: "bench" } };
const key = mintApiKey(tenant.id, "frontend", "billing", "bench", clock.now().toISOString());
await deps.repos.apiKeys.create(key.stored);
const auth = { authorization: `Bearer ${key.token}` };
const pkg = await createPackage(deps, owner, {
  name: "Home 10 Mbps",
  price: { amount: 50_000, currency: "BDT" },
  speed: { downloadKbps: 10_240, uploadKbps: 10_240 },
  billing: { type: "prepaid", validity: { unit: "days", count: 30 } },
  graceDays: 2,
  routerProfile: "home-10m",
});
const site = await createSite(deps, owner, { name: "Mirpur POP" });
const nas = await createNas(deps, owner, site.resource.id, {
  name: "ccr1",
  address: "10.0.0.1",
  type: "mikrotik",
  method: "radius",
  services: ["pppoe"],
});
await putGateway(
  deps,
  owner,
  "razorpay",
  { enabled: true, mode: "sandbox", credentials: gateways.credentials.razorpay },
  api,
);
gateways.razorpay.setWebhookUrl(`${api}/v1/webhooks/razorpay/${tenant.id}`);

const NAMES = [
  "Rahim Uddin",
  "Fatema Begum",
  "Abdul Karim",
  "Nusrat Jahan",
  "Shafiqul Islam",
  "Taslima Akter",
];
const usernames = Array.from({ length: SAMPLE }, (_, i) => `dfn${1000 + i}`);
const siteAgent = await startSimulatedSite({
  tenantId: tenant.id,
  siteId: site.resource.id,
  nasId: nas.resource.id,
  sqsEndpoint: cloud.sqsEndpoint,
  commandsUrl: `${cloud.sqsEndpoint}/000000000000/${siteQueueName("isp-local", tenant.id, site.resource.id)}`,
  eventsUrl: trigger.queueUrl,
  stateFile: join(dir, "applied.json"),
  subscribers: usernames.map((username) => ({ username, service: "pppoe" as const, online: true })),
  profiles: ["home-10m"],
  // Often, to sample their cost per event; the month counts them at the production intervals.
  heartbeatSeconds: 5,
  sessionsSeconds: 15,
});

log(`setup: ${SAMPLE} subscribers, provisioned through the agent`);
const ids: string[] = [];
await runConcurrent(SAMPLE, 8, async (i) => {
  const sub = await createSubscriber(deps, owner, {
    name: NAMES[i % NAMES.length] ?? "Subscriber",
    phone: `+88017${String(11_000_000 + i).padStart(8, "0")}`,
    username: usernames[i] ?? "",
    service: "pppoe",
    packageId: pkg.resource.id,
    siteId: site.resource.id,
    nasId: nas.resource.id,
    expiresAt: new Date(expiryOf(i)).toISOString(),
  });
  ids[i] = sub.resource.id;
});
await waitUntil("provisioning results", () => (events.get("result")?.count ?? 0) >= SAMPLE, 120_000);
const enrollment = await createEnrollmentCode(deps, owner, site.resource.id);
const enrolled = await call("POST", "/v1/agent/enroll", { body: { code: enrollment.code }, status: 201 });
const agentToken = String((enrolled as { token: string }).token);

// ---- The month ----
meter.reset();
events.clear();
const outboxAtStart = (await readOutbox()).length;
const gatewayCallsAtStart = gatewayCalls();
const monthStarted = performance.now();
log("month: reminders, expiries, payments, reads");

type Action = { at: number; run: () => Promise<void> };
const actions: Action[] = [];
const cohort = (i: number) => (i % 4 < 2 ? "early" : i % 4 === 2 ? "grace" : "lapsed");
const online = (i: number) => i % 5 < 3;
for (let i = 0; i < SAMPLE; i++) {
  const e = expiryOf(i);
  const c = cohort(i);
  const payAt =
    c === "early" ? e - DAY + 2 * HOUR : c === "grace" ? e + DAY + 2 * HOUR : e + 2 * DAY + 3 * HOUR;
  actions.push({ at: payAt, run: () => (online(i) ? payOnline(i) : payCash(i)) });
  actions.push({
    at: e - 4 * DAY + 2 * HOUR,
    run: () => reads(i, ["get", "get", "timeline", "payments", "list"]),
  });
  actions.push({ at: e + 3 * DAY, run: () => reads(i, ["get", "get", "timeline", "timeline", "list"]) });
}
const monthEnd = Math.max(...actions.map((a) => a.at)) + HOUR;
const firesByKind: Record<string, number> = {};
const firesOf = new Map<string, number>();
const WINDOW = 30 * 60_000;
const monthDeadline = Date.now() + 8 * 60_000;
for (;;) {
  if (Date.now() > monthDeadline) throw new Error("the simulated month took longer than 8 minutes");
  const fires = cloud.scheduler
    .list()
    .filter((s) => s.fire.tenantId === tenant.id && Date.parse(s.fire.dueAt) <= monthEnd);
  const next = Math.min(...fires.map((s) => Date.parse(s.fire.dueAt)), ...actions.map((a) => a.at));
  if (!Number.isFinite(next)) break;
  const dueFires = fires.filter((s) => Date.parse(s.fire.dueAt) <= next + WINDOW);
  const dueActions = actions.filter((a) => a.at <= next + WINDOW);
  advanceTo(Math.max(...dueFires.map((s) => Date.parse(s.fire.dueAt)), ...dueActions.map((a) => a.at)));
  if (dueFires.length > 0) {
    await runConcurrent(dueFires.length, CONCURRENCY, (k) => fire(dueFires[k] as LocalSchedule));
    continue; // actions go after the fires due before them
  }
  for (const a of dueActions) actions.splice(actions.indexOf(a), 1);
  await runConcurrent(dueActions.length, CONCURRENCY, (k) => (dueActions[k] as Action).run());
}

// Router commands the month queued, all applied and reported.
const commandsSent = () =>
  meter
    .operationRows()
    .filter((r) => r.service === "sqs" && r.operation === "SendMessage" && r.fn !== "agent-events")
    .reduce((s, r) => s + r.tally.calls, 0);
await waitUntil("command results", () => (events.get("result")?.count ?? 0) >= commandsSent(), 120_000);
// Samples of the per-site and per-deployment work.
for (let i = 0; i < 10; i++) {
  await call("POST", "/v1/agent/credentials", { headers: { authorization: `Bearer ${agentToken}` } });
}
for (let i = 0; i < 5; i++) {
  await meter.invoke("sweep", "idle", sweep);
  await meter.invoke("payment-sweep", "idle", paymentSweep);
}
await waitUntil("a session report", () => (events.get("sessions")?.count ?? 0) >= 1, 30_000);
const monthWallS = (performance.now() - monthStarted) / 1000;

const outbox = (await readOutbox()).slice(outboxAtStart);
const sms = outbox.filter((m) => m.channel === "sms");
const segments = sms.map((m) => smsLength(m.body).segments);
const receipts = sms.filter((m) => m.idempotencyKey.startsWith("receipt:")).length;
const gatewayCallsInMonth = gatewayCalls() - gatewayCallsAtStart;
const statusOf = await Promise.all(ids.map((id) => deps.repos.subscribers.get(tenant.id, id)));
const active = statusOf.filter((s) => s?.status === "active").length;

await siteAgent.stop();
await trigger.stop();
// Idle drains: what every tick costs when nothing waits (whatever the agent sent last is taken first).
await agentEventsDrain({}, drainContext);
for (let i = 0; i < 5; i++) {
  await meter.invoke("agent-events", "idle", () => agentEventsDrain({}, drainContext));
  await meter.invoke("webhook-deliveries", "idle", () => deliveriesDrain({}, drainContext));
}
server.closeAllConnections();
await new Promise((r) => server.close(r));
await cloud.stop();
await rm(dir, { recursive: true, force: true });

// ---- From counts to a monthly bill ----
interface Usage {
  /** Per Lambda function: invocations and billed milliseconds. */
  fns: Record<string, { invocations: number; ms: number }>;
  readUnits: number;
  writeUnits: number;
  estimatedWriteUnits: number;
  schedulerInvocations: number;
  schedulerApiCalls: number;
  apiRequests: number;
  sqsRequests: number;
  smsMessages: number;
  smsSegments: number;
}
const emptyUsage = (): Usage => ({
  fns: {},
  readUnits: 0,
  writeUnits: 0,
  estimatedWriteUnits: 0,
  schedulerInvocations: 0,
  schedulerApiCalls: 0,
  apiRequests: 0,
  sqsRequests: 0,
  smsMessages: 0,
  smsSegments: 0,
});
const addFn = (u: Usage, fn: string, invocations: number, ms: number) => {
  const f = u.fns[fn] ?? { invocations: 0, ms: 0 };
  f.invocations += invocations;
  f.ms += ms;
  u.fns[fn] = f;
};
function addUsage(into: Usage, from: Usage, times: number): void {
  for (const [fn, f] of Object.entries(from.fns)) addFn(into, fn, f.invocations * times, f.ms * times);
  for (const k of [
    "readUnits",
    "writeUnits",
    "estimatedWriteUnits",
    "schedulerInvocations",
    "schedulerApiCalls",
    "apiRequests",
    "sqsRequests",
    "smsMessages",
    "smsSegments",
  ] as const) {
    into[k] += from[k] * times;
  }
}
const API_FUNCTIONS = new Set(apiFunctions.map((f) => f.name));
/** What the metered scopes matching `pick` used (invocations, their AWS calls, API requests). */
function measured(pick: (fn: string, activity: string) => boolean): Usage {
  const u = emptyUsage();
  for (const r of meter.invocationRows()) {
    if (!pick(r.fn, r.activity)) continue;
    addFn(u, r.fn, r.tally.invocations, r.tally.billedMs);
    if (API_FUNCTIONS.has(r.fn)) u.apiRequests += r.tally.invocations;
  }
  for (const r of meter.operationRows()) {
    if (!pick(r.fn, r.activity)) continue;
    u.readUnits += r.tally.readUnits;
    u.writeUnits += r.tally.writeUnits;
    u.estimatedWriteUnits += r.tally.estimatedWriteUnits;
    if (r.service === "sqs") u.sqsRequests += r.tally.billedRequests;
    if (r.service === "scheduler") u.schedulerApiCalls += r.tally.calls;
  }
  return u;
}
/** One invocation's worth of a scope (its usage divided by its invocations). */
function perInvocation(fn: string, activity: string): Usage {
  const u = measured((f, a) => f === fn && a === activity);
  const n = u.fns[fn]?.invocations ?? 0;
  if (n === 0) throw new Error(`no sample of ${fn} ${activity}`);
  const one = emptyUsage();
  addUsage(one, u, 1 / n);
  return one;
}

const isPerSite = (fn: string, activity: string) =>
  (fn === "agent-events" && (activity === "heartbeat" || activity === "sessions")) ||
  (fn === "agent" && activity === "POST /v1/agent/credentials");
const isFixed = (fn: string, activity: string) =>
  fn === "sweep" || fn === "payment-sweep" || activity === "idle";
const isPerSubscriber = (fn: string, activity: string) =>
  fn !== "(outside)" && !isPerSite(fn, activity) && !isFixed(fn, activity);
/** Agent events are processed inside the drain's invocations, which the queue drains count. */
const withoutInvocations = (u: Usage): Usage => {
  const out = emptyUsage();
  addUsage(out, u, 1);
  for (const f of Object.values(out.fns)) f.invocations = 0;
  return out;
};

// Per subscriber: measured over the sample, plus what the month's commands cost at the agent.
const sampleUsage = measured(isPerSubscriber);
const resultFn = sampleUsage.fns["agent-events"];
if (resultFn) resultFn.invocations = 0;
const commands = commandsSent();
const results = events.get("result")?.count ?? 0;
sampleUsage.schedulerInvocations += Object.values(firesByKind).reduce((s, n) => s + n, 0);
sampleUsage.smsMessages += sms.length;
sampleUsage.smsSegments += segments.reduce((s, n) => s + n, 0);
const measuredPerSubscriber = emptyUsage();
addUsage(measuredPerSubscriber, sampleUsage, 1 / SAMPLE);
// Modelled on top: SQS at the agent (the drain's receives are in the queue drains), and the external
// calls' latency.
const modelledSample = emptyUsage();
modelledSample.sqsRequests += commands * 3;
const onlinePayments = Array.from({ length: SAMPLE }, (_, i) => online(i)).filter(Boolean).length;
addFn(modelledSample, "pay", 0, gatewayCallsInMonth * GATEWAY_CALL_MS);
addFn(modelledSample, "lifecycle", 0, (sms.length - receipts) * SMS_SEND_MS);
addFn(modelledSample, "pay", 0, receipts * (onlinePayments / SAMPLE) * SMS_SEND_MS);
addFn(modelledSample, "payments", 0, receipts * (1 - onlinePayments / SAMPLE) * SMS_SEND_MS);
const modelledPerSubscriber = emptyUsage();
addUsage(modelledPerSubscriber, modelledSample, 1 / SAMPLE);
const perSubscriber = emptyUsage();
addUsage(perSubscriber, measuredPerSubscriber, 1);
addUsage(perSubscriber, modelledPerSubscriber, 1);
/** Where a subscriber's DynamoDB units go: the biggest scopes and operations, per subscriber. */
const dynamoTop = meter
  .operationRows()
  .filter((r) => r.service === "dynamodb" && isPerSubscriber(r.fn, r.activity))
  .map((r) => ({
    scope: `${r.fn} ${r.activity} ${r.operation}`,
    calls: round(r.tally.calls / SAMPLE, 2),
    wru: round(r.tally.writeUnits / SAMPLE, 2),
    rru: round(r.tally.readUnits / SAMPLE, 2),
  }))
  .sort((a, b) => b.wru * 5 + b.rru - (a.wru * 5 + a.rru))
  .slice(0, 12);

// Per site and month.
const heartbeat = perInvocation("agent-events", "heartbeat");
const sessionReport = perInvocation("agent-events", "sessions");
const heartbeatSample = events.get("heartbeat");
if (!heartbeatSample) throw new Error("no heartbeat was sampled");
if (sessionSizes.reports === 0) throw new Error("no session report listed any session");
// A report's size at a full site: its fixed part plus each session as measured.
const bytesPerSession = (sessionSizes.bytes - sessionSizes.emptyBytes) / sessionSizes.sessions;
const reportBytes =
  sessionSizes.emptyBytes / sessionSizes.reports +
  bytesPerSession * Math.min(SUBSCRIBERS_PER_SITE, tuning.sessionsPerMessage);
const reportParts = Math.ceil(SUBSCRIBERS_PER_SITE / tuning.sessionsPerMessage);
const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / 65_536));
const perSite = emptyUsage();
const heartbeats = MONTH_S / tuning.heartbeatSeconds;
const heartbeatBytes = heartbeatSample.bytes / heartbeatSample.count;
addUsage(perSite, withoutInvocations(heartbeat), heartbeats);
// The agent's send, by 64 KB chunk (the drain's receives and deletes are in the queue drains).
perSite.sqsRequests += heartbeats * chunks(heartbeatBytes);
const reports = (MONTH_S / tuning.sessionsSeconds) * reportParts;
addUsage(perSite, withoutInvocations(sessionReport), reports);
perSite.sqsRequests += reports * chunks(reportBytes);
perSite.sqsRequests += MONTH_S / tuning.waitTimeSeconds;
const refreshes = MONTH_S / (MAX_AGENT_CREDENTIAL_SECONDS - CREDENTIALS_REFRESH_BEFORE_S);
addUsage(perSite, perInvocation("agent", "POST /v1/agent/credentials"), refreshes);

// Per deployment and month.
const fixed = emptyUsage();
const sweeps = MONTH_S / infra.sweepRateS;
const paymentSweeps = MONTH_S / infra.paymentSweepRateS;
addUsage(fixed, perInvocation("sweep", "idle"), sweeps);
addUsage(fixed, perInvocation("payment-sweep", "idle"), paymentSweeps);
fixed.schedulerInvocations += sweeps + paymentSweeps;
fixed.sqsRequests += infra.eventSourceQueues * ESM_POLLERS * (MONTH_S / ESM_WAIT_S);

// Queue drains: every tick idle as measured, plus the agent events of the month spread over the ticks.
const agentEventsTicks = MONTH_S / infra.agentEventsDrainRateS;
const deliveryTicks = MONTH_S / infra.webhookDrainRateS;
const idleDrainMs = perInvocation("agent-events", "idle").fns["agent-events"]?.ms ?? 0;
const resultSample = events.get("result");
const resultsPerSubscriber = results / SAMPLE;
const resultBytes = resultSample ? resultSample.bytes / resultSample.count : 0;
function drainsAt(n: number, sites: number): Usage {
  const u = emptyUsage();
  addUsage(u, perInvocation("agent-events", "idle"), agentEventsTicks);
  addUsage(u, perInvocation("webhook-deliveries", "idle"), deliveryTicks);
  u.schedulerInvocations += agentEventsTicks + deliveryTicks;
  const messages = sites * (heartbeats + reports) + n * resultsPerSubscriber;
  const bytes =
    sites * (heartbeats * heartbeatBytes + reports * reportBytes) + n * resultsPerSubscriber * resultBytes;
  const perTick = messages / agentEventsTicks;
  const batches = perTick > 0 ? Math.ceil(perTick / 10) : 0;
  const receives = perTick > 0 ? Math.max(batches, Math.ceil(bytes / agentEventsTicks / 65_536)) : 0;
  // The idle sample's one receive is already counted; a tick whose last batch is short ends there.
  u.sqsRequests += agentEventsTicks * Math.max(0, receives + batches - 1);
  addFn(u, "agent-events", 0, agentEventsTicks * batches * 2 * idleDrainMs);
  return u;
}

interface Bill {
  lambda_requests: number;
  lambda_compute: number;
  lambda_init: number;
  dynamodb_writes: number;
  dynamodb_reads: number;
  scheduler: number;
  http_api: number;
  sqs: number;
  sms: number;
}
function monthAt(n: number): { usage: Usage; sites: number } {
  const sites = Math.ceil(n / SUBSCRIBERS_PER_SITE);
  const usage = emptyUsage();
  addUsage(usage, perSubscriber, n);
  addUsage(usage, perSite, sites);
  addUsage(usage, fixed, 1);
  addUsage(usage, drainsAt(n, sites), 1);
  return { usage, sites };
}
/** The bill of a month's usage; `init: false` leaves cold starts out (for the parts of a whole). */
function price(usage: Usage, options: { freeTier?: boolean; init?: boolean } = {}): Bill {
  const { freeTier = false, init = true } = options;
  const gb = infra.memoryMb / 1024;
  let invocations = 0;
  let ms = 0;
  let coldStarts = 0;
  for (const f of Object.values(usage.fns)) {
    invocations += f.invocations;
    ms += f.ms;
    const perMinute = f.invocations / (MONTH_S / 60);
    coldStarts += f.invocations * Math.exp(-perMinute * KEEP_WARM_MIN);
  }
  const schedulerBilled = freeTier
    ? Math.max(0, usage.schedulerInvocations - PRICE.schedulerFreeInvocations)
    : usage.schedulerInvocations;
  return {
    lambda_requests: invocations * PRICE.lambdaRequest,
    lambda_compute: (ms / 1000) * gb * PRICE.lambdaGbS,
    lambda_init: init ? ((coldStarts * INIT_MS) / 1000) * gb * PRICE.lambdaGbS : 0,
    dynamodb_writes: usage.writeUnits * PRICE.writeUnit,
    dynamodb_reads: usage.readUnits * PRICE.readUnit,
    scheduler: schedulerBilled * PRICE.schedulerInvocation,
    http_api: usage.apiRequests * PRICE.apiRequest,
    sqs: usage.sqsRequests * PRICE.sqsRequest,
    sms: usage.smsSegments * SMS_USD_PER_SEGMENT,
  };
}
const total = (b: Bill, sms: boolean) =>
  Object.entries(b).reduce((s, [k, v]) => (k === "sms" && !sms ? s : s + v), 0);
const per1000 = (b: Bill, n: number): Bill =>
  Object.fromEntries(Object.entries(b).map(([k, v]) => [k, round((v * 1000) / n, 4)])) as unknown as Bill;

const figures: Record<string, unknown> = {};
const lines: string[] = [];
for (const n of SIZES) {
  const { usage, sites } = monthAt(n);
  const bill = price(usage);
  const withFreeTier = price(usage, { freeTier: true });
  const parts = {
    per_subscriber: monthPart(perSubscriber, n),
    per_site: monthPart(perSite, sites),
    fixed,
    queue_drains: drainsAt(n, sites),
  };
  const categories = {
    ...Object.fromEntries(
      Object.entries(parts).map(([k, u]) => [
        k,
        round((total(price(u, { init: false }), false) * 1000) / n, 4),
      ]),
    ),
    lambda_init: round((bill.lambda_init * 1000) / n, 4),
  };
  figures[`n${n}`] = {
    subscribers: n,
    sites,
    usd_per_1000_without_sms: round((total(bill, false) * 1000) / n, 4),
    usd_per_1000_with_sms: round((total(bill, true) * 1000) / n, 4),
    usd_per_1000_without_sms_scheduler_free_tier: round((total(withFreeTier, false) * 1000) / n, 4),
    usd_month_without_sms: round(total(bill, false), 2),
    by_service_per_1000: per1000(bill, n),
    by_part_per_1000_without_sms: categories,
    monthly: {
      lambda_invocations: Math.round(Object.values(usage.fns).reduce((s, f) => s + f.invocations, 0)),
      lambda_gb_s: round(
        (Object.values(usage.fns).reduce((s, f) => s + f.ms, 0) / 1000) * (infra.memoryMb / 1024),
        0,
      ),
      dynamodb_read_units: Math.round(usage.readUnits),
      dynamodb_write_units: Math.round(usage.writeUnits),
      scheduler_invocations: Math.round(usage.schedulerInvocations),
      scheduler_api_calls: Math.round(usage.schedulerApiCalls),
      http_api_requests: Math.round(usage.apiRequests),
      sqs_requests: Math.round(usage.sqsRequests),
      sms_segments: Math.round(usage.smsSegments),
    },
  };
  lines.push(
    `N=${n} (${sites} site${sites === 1 ? "" : "s"}): $${round((total(bill, false) * 1000) / n, 3)} per 1,000 subscribers a month without SMS, $${round((total(bill, true) * 1000) / n, 2)} with SMS`,
    `  by service per 1,000: ${Object.entries(per1000(bill, n))
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `  by part per 1,000 (no SMS): ${Object.entries(categories)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
}
function monthPart(u: Usage, times: number): Usage {
  const out = emptyUsage();
  addUsage(out, u, times);
  return out;
}

const perSubscriberFigures = {
  lambda_invocations: round(
    Object.values(measuredPerSubscriber.fns).reduce((s, f) => s + f.invocations, 0),
    2,
  ),
  lambda_ms: round(
    Object.values(measuredPerSubscriber.fns).reduce((s, f) => s + f.ms, 0),
    0,
  ),
  dynamodb_read_units: round(measuredPerSubscriber.readUnits, 2),
  dynamodb_write_units: round(measuredPerSubscriber.writeUnits, 2),
  dynamodb_write_units_estimated: round(measuredPerSubscriber.estimatedWriteUnits, 2),
  scheduler_invocations: round(measuredPerSubscriber.schedulerInvocations, 2),
  scheduler_api_calls: round(measuredPerSubscriber.schedulerApiCalls, 2),
  http_api_requests: round(measuredPerSubscriber.apiRequests, 2),
  sqs_requests: round(measuredPerSubscriber.sqsRequests, 2),
  sms_messages: round(measuredPerSubscriber.smsMessages, 2),
  sms_segments: round(measuredPerSubscriber.smsSegments, 2),
};
const perSubscriberModelledFigures = {
  sqs_requests_agent: round(modelledPerSubscriber.sqsRequests, 2),
  lambda_ms_external_calls: round(
    Object.values(modelledPerSubscriber.fns).reduce((s, f) => s + f.ms, 0),
    0,
  ),
};
const lambdaBySubscriber = Object.entries(perSubscriber.fns)
  .map(([fn, f]) =>
    f.invocations > 0
      ? `${fn} ${round(f.invocations, 2)} x ${round(f.ms / f.invocations, 0)} ms`
      : `${fn} ${round(f.ms, 0)} ms inside drains`,
  )
  .join(", ");
const perSiteFigures = {
  sqs_requests: Math.round(perSite.sqsRequests),
  agent_events_invocations: Math.round(perSite.fns["agent-events"]?.invocations ?? 0),
  dynamodb_write_units: Math.round(perSite.writeUnits),
  dynamodb_read_units: Math.round(perSite.readUnits),
  usd_without_sms: round(total(price(perSite, { init: false }), false), 4),
};
const drainFigures = (n: number) => {
  const u = drainsAt(n, Math.ceil(n / SUBSCRIBERS_PER_SITE));
  return {
    ticks: Math.round(agentEventsTicks + deliveryTicks),
    sqs_requests: Math.round(u.sqsRequests),
    usd: round(total(price(u, { init: false }), false), 4),
  };
};
const queueDrainFigures = {
  agent_events_drain_rate_s: infra.agentEventsDrainRateS,
  webhook_delivery_drain_rate_s: infra.webhookDrainRateS,
  idle_drain_ms: round(idleDrainMs, 1),
  n1000: drainFigures(1_000),
  n100000: drainFigures(100_000),
};
const fixedFigures = {
  sweep_invocations: Math.round(sweeps + paymentSweeps),
  event_source_queues: infra.eventSourceQueues,
  idle_polling_sqs_requests: infra.eventSourceQueues * ESM_POLLERS * (MONTH_S / ESM_WAIT_S),
  usd: round(total(price(fixed, { init: false }), false), 4),
};
const n1000 = figures.n1000 as { usd_per_1000_without_sms: number; usd_per_1000_with_sms: number };
const n100000 = figures.n100000 as { usd_per_1000_without_sms: number; usd_per_1000_with_sms: number };

process.stdout.write(
  [
    `sample: ${SAMPLE} subscribers through one month in ${round(monthWallS, 1)} s (${active} active at the end); ${commands} router commands, ${results} results; fires ${JSON.stringify(firesByKind)}`,
    `per subscriber and month (measured): ${JSON.stringify(perSubscriberFigures)}`,
    `per subscriber and month (modelled on top): ${JSON.stringify(perSubscriberModelledFigures)}`,
    `  Lambda per subscriber (invocations x mean billed ms, external calls included): ${lambdaBySubscriber}`,
    "  DynamoDB per subscriber, biggest first (calls, write units, read units):",
    ...dynamoTop.map((d) => `    ${d.scope}: ${d.calls} calls, ${d.wru} WRU, ${d.rru} RRU`),
    `per site and month (modelled counts, measured unit costs): ${JSON.stringify(perSiteFigures)}`,
    `per deployment and month: ${JSON.stringify(fixedFigures)}`,
    `queue drains per month: ${JSON.stringify(queueDrainFigures)}`,
    ...lines,
    "",
  ].join("\n"),
);
emit({
  bench: "cost-model",
  sample_subscribers: SAMPLE,
  subscribers_per_site: SUBSCRIBERS_PER_SITE,
  lambda_memory_mb: infra.memoryMb,
  sms_usd_per_segment_placeholder: SMS_USD_PER_SEGMENT,
  usd_per_1000_without_sms_n1000: n1000.usd_per_1000_without_sms,
  usd_per_1000_with_sms_n1000: n1000.usd_per_1000_with_sms,
  usd_per_1000_without_sms_n100000: n100000.usd_per_1000_without_sms,
  usd_per_1000_with_sms_n100000: n100000.usd_per_1000_with_sms,
  ...figures,
  per_subscriber_measured: perSubscriberFigures,
  per_subscriber_modelled: perSubscriberModelledFigures,
  per_site_modelled: perSiteFigures,
  per_deployment_modelled: fixedFigures,
  queue_drains_modelled: queueDrainFigures,
  fires: firesByKind,
  router_commands: commands,
  assumptions: {
    esm_idle_pollers: ESM_POLLERS,
    gateway_call_ms: GATEWAY_CALL_MS,
    sms_send_ms: SMS_SEND_MS,
    init_ms: INIT_MS,
    keep_warm_min: KEEP_WARM_MIN,
    sessions_report_bytes: Math.round(reportBytes),
  },
  wall_s: round((performance.now() - started) / 1000, 1),
  target_usd_per_1000_without_sms: TARGET_USD_PER_1000,
  met_n1000: n1000.usd_per_1000_without_sms < TARGET_USD_PER_1000,
  met_n100000: n100000.usd_per_1000_without_sms < TARGET_USD_PER_1000,
  met:
    n1000.usd_per_1000_without_sms < TARGET_USD_PER_1000 &&
    n100000.usd_per_1000_without_sms < TARGET_USD_PER_1000,
});

// ---- Helpers ----

/** A schedule fires: the lifecycle handler gets its input; EventBridge then deletes it (unless replaced). */
async function fire(schedule: LocalSchedule): Promise<void> {
  const fired = (firesOf.get(schedule.name) ?? 0) + 1;
  firesOf.set(schedule.name, fired);
  if (fired > 20) throw new Error(`schedule ${schedule.name} keeps firing: ${JSON.stringify(schedule.fire)}`);
  const before = JSON.stringify([schedule.fireAt, schedule.fire]);
  const input: ScheduledFire = schedule.fire;
  firesByKind[input.kind] = (firesByKind[input.kind] ?? 0) + 1;
  await meter.invoke("lifecycle", input.kind, () => lifecycle(input));
  const after = cloud.scheduler.get(schedule.name);
  if (after && JSON.stringify([after.fireAt, after.fire]) === before) {
    await cloud.scheduler.remove(input.tenantId, input.subscriberId);
  }
}

/** The payer opens the pay link of the latest reminder SMS and pays with Razorpay. */
async function payOnline(i: number): Promise<void> {
  const id = ids[i] ?? "";
  const link = (await readOutbox())
    .filter((m) => m.channel === "sms" && m.idempotencyKey.startsWith(`${id}:`))
    .map((m) => /\/v1\/pay\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(m.body)?.[1])
    .filter((t): t is string => t !== undefined)
    .at(-1);
  if (!link) throw new Error(`no pay link was sent to subscriber ${i}`);
  await call("GET", `/v1/pay/${link}`, { raw: true });
  const checkout = await fetch(`${api}/v1/pay/${link}/razorpay`, { method: "POST", redirect: "manual" });
  await checkout.arrayBuffer();
  const gatewayPage = checkout.headers.get("location");
  if (checkout.status !== 303 || !gatewayPage) throw new Error(`checkout: ${checkout.status}`);
  // The gateway's page: paying there sends its webhooks to the API, then returns the payer.
  const paid = await fetch(gatewayPage, { redirect: "manual" });
  await paid.arrayBuffer();
  const back = paid.headers.get("location");
  if (paid.status !== 302 || !back) throw new Error(`gateway page: ${paid.status}`);
  const { pathname, search } = new URL(back);
  await call("GET", `${pathname}${search}`, { raw: true });
}

async function payCash(i: number): Promise<void> {
  await call("POST", `/v1/subscribers/${ids[i]}/payments`, {
    headers: auth,
    body: { amount: { amount: 50_000, currency: "BDT" }, method: "cash" },
    status: 201,
  });
}

async function reads(i: number, kinds: readonly ("get" | "timeline" | "payments" | "list")[]): Promise<void> {
  const paths = {
    get: `/v1/subscribers/${ids[i]}`,
    timeline: `/v1/subscribers/${ids[i]}/timeline`,
    payments: `/v1/subscribers/${ids[i]}/payments`,
    list: "/v1/subscribers?limit=25",
  };
  for (const kind of kinds) await call("GET", paths[kind], { headers: auth });
}

async function call(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; status?: number; raw?: boolean } = {},
): Promise<unknown> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { ...(options.body ? { "content-type": "application/json" } : {}), ...options.headers },
    ...(options.body ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  if (res.status !== (options.status ?? 200)) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return options.raw ? text : JSON.parse(text);
}

interface OutboxLine {
  channel: string;
  body: string;
  idempotencyKey: string;
}
async function readOutbox(): Promise<OutboxLine[]> {
  const text = await readFile(outboxFile, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as OutboxLine);
}

function gatewayCalls(): number {
  const calls: Record<string, number> = { ...gateways?.razorpay.calls };
  // The hosted page is the payer's browser, not the function.
  return Object.entries(calls).reduce((s, [route, n]) => (route === "hostedPage" ? s : s + n), 0);
}

function parseEvent(body: string): { type: string; sessions: number; emptyBytes: number } {
  try {
    const event = JSON.parse(body) as { type?: string; sessions?: unknown[] };
    const sessions = Array.isArray(event.sessions) ? event.sessions.length : 0;
    const emptyBytes = sessions > 0 ? Buffer.byteLength(JSON.stringify({ ...event, sessions: [] })) : 0;
    return { type: String(event.type ?? "unknown"), sessions, emptyBytes };
  } catch {
    return { type: "malformed", sessions: 0, emptyBytes: 0 };
  }
}

/** Lambda memory and the periodic rates, read from the infra sources (so the model follows them). */
function readInfra() {
  const source = (file: string) => readFileSync(join(PROJECT_ROOT, file), "utf8");
  const figure = (file: string, pattern: RegExp) => {
    const m = pattern.exec(source(file));
    if (!m?.[1]) throw new Error(`${file}: ${pattern} not found; update bench/cost-model.ts`);
    return Number(m[1]);
  };
  const files = readdirSync(join(PROJECT_ROOT, "infra"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => source(join("infra", f)));
  if (files.some((text) => /memorySize:\s*\d/.test(text))) {
    log("note: a function overrides its memory size in infra; the model uses the default for all");
  }
  return {
    memoryMb: figure("infra/constructs/node-lambda.ts", /memorySize:\s*props\.memorySize\s*\?\?\s*(\d+)/),
    sweepRateS:
      60 * figure("infra/constructs/subscriber-lifecycle.ts", /SWEEP_RATE\s*=\s*Duration\.minutes\((\d+)\)/),
    paymentSweepRateS:
      60 * figure("infra/constructs/payment-sweep.ts", /PAYMENT_SWEEP_RATE\s*=\s*Duration\.minutes\((\d+)\)/),
    agentEventsDrainRateS:
      60 *
      figure("infra/constructs/queue-drain.ts", /AGENT_EVENTS_DRAIN_RATE\s*=\s*Duration\.minutes\((\d+)\)/),
    webhookDrainRateS:
      60 *
      figure(
        "infra/constructs/queue-drain.ts",
        /WEBHOOK_DELIVERY_DRAIN_RATE\s*=\s*Duration\.minutes\((\d+)\)/,
      ),
    eventSourceQueues: files.reduce((s, text) => s + (text.match(/new SqsEventSource\(/g)?.length ?? 0), 0),
  };
}

async function waitUntil(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
