import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from "@smithy/types";
import { MENU } from "../edge-agent/simulator/index.js";
import { observeAwsClients } from "../shared/adapters/aws-client-hook.js";
import { startLocalCloud } from "../shared/local/cloud.js";
import { startSimulatedSite } from "../shared/local/simulated-site.js";
import { siteQueueName } from "../shared/ports/queue.js";
import { mintApiKey } from "../shared/services/api-keys.js";
import type { Caller } from "../shared/services/caller.js";
import { createPackage } from "../shared/services/packages.js";
import { putGateway } from "../shared/services/payments/gateway-settings.js";
import { createPayLink, startCheckout } from "../shared/services/payments/pay-links.js";
import { createNas, createSite } from "../shared/services/sites.js";
import { createSubscriber } from "../shared/services/subscribers.js";
import { createTenant } from "../shared/services/tenants.js";
import { childPids, cpuMeter } from "./lib/proc-cpu.js";
import { profilePhase } from "./lib/profile.js";
import { emit, percentile, round, runConcurrent } from "./lib/stats.js";

/**
 * 1,000 Razorpay payments for suspended subscribers, delivered as signed webhooks at concurrency
 * 50 to the local cloud (the deployed handlers, DynamoDB Local, the local SQS, the real edge agent
 * and a simulated MikroTik). Latency: webhook sent -> the router's PPP secret back on the paid
 * profile (a change event from the simulated router). In the same run, the peer: the same restore
 * through a cash payment recorded by the admin API (same settlement, no gateway), so the ratio
 * shows what gateway verification costs.
 *
 * The site (the edge agent and the simulated MikroTik) runs in a process of its own, as it runs on
 * the ISP's mini-PC; it reports each PPP secret change over IPC with a wall-clock timestamp.
 *
 *   npm run bench -- payment-restore [payments=1000] [concurrency=50] [peer=200]
 *
 * Also printed: CPU per webhook of each process (the cloud, DynamoDB Local, the site) over the
 * measured window, the AWS calls per webhook, the latency's two legs (webhook -> restore command on
 * the site queue; queue -> router), and what the machine allows: the webhook rate at which its
 * cores are saturated and, by Little's law, the mean answer time a closed loop of `concurrency`
 * senders cannot beat at that CPU cost.
 *
 * BENCH_CPU_PROFILE=file.cpuprofile profiles the cloud process during the measured webhooks;
 * BENCH_SITE_CPU_PROFILE=dir writes the site process's profile there.
 */
if (process.argv[2] === "--site") await runSite(JSON.parse(process.argv[3] ?? "{}"));
else await main();

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The child: a simulated site that reports PPP secret changes to the parent. */
async function runSite(options: Parameters<typeof startSimulatedSite>[0]): Promise<void> {
  const site = await startSimulatedSite(options);
  site.router.model.onChange((change) => {
    if (change.menu !== MENU.pppSecret) return;
    process.send?.({
      name: String(change.row.name ?? ""),
      profile: String(change.row.profile ?? ""),
      at: nowMs(),
    });
  });
  process.send?.({ ready: true });
  process.on("disconnect", () => void site.stop().then(() => process.exit(0)));
}

async function main(): Promise<void> {
  const PAYMENTS = Number(process.argv[2] ?? 1000);
  const CONCURRENCY = Number(process.argv[3] ?? 50);
  const PEER = Number(process.argv[4] ?? 200);
  const PROFILE = "home-10m";

  const log = (msg: string) => process.stderr.write(`${msg}\n`);
  const dir = await mkdtemp(join(tmpdir(), "payment-restore-"));
  // Every AWS SDK call the cloud's functions make, by service and operation, while webhooks run.
  const calls: Record<string, number> = {};
  let counting = false;
  /** When the cloud handed each subscriber's restore command to the site queue (SendMessage). */
  const queuedAt = new Map<string, number>();
  observeAwsClients(({ kind, client }) => {
    const count: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
      if (!counting) return next(args);
      const key = `${kind}:${String(context.commandName).replace(/Command$/, "")}`;
      calls[key] = (calls[key] ?? 0) + 1;
      const output = await next(args);
      const body = (args.input as { MessageBody?: unknown }).MessageBody;
      if (kind === "sqs" && typeof body === "string") {
        const { username } = JSON.parse(body) as { username?: string };
        if (username && !queuedAt.has(username)) queuedAt.set(username, nowMs());
      }
      return output;
    };
    (client.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>).add(count, {
      step: "initialize",
      name: "benchCallCount",
    });
  });
  const cloud = await startLocalCloud({ port: 0, seed: false });
  const gateways = cloud.gateways;
  if (!gateways) throw new Error("the local cloud started without gateway stand-ins");
  const deps = cloud.deps;

  // A tenant with one site, one NAS, a package whose router profile is PROFILE.
  const { tenant } = await createTenant(deps, { name: "Bench ISP", timeZone: "Asia/Dhaka", currency: "BDT" });
  const owner: Caller = { tenantId: tenant.id, role: "owner", actor: { kind: "system", id: "bench" } };
  const key = mintApiKey(tenant.id, "bench", "billing", "bench", new Date().toISOString());
  await deps.repos.apiKeys.create(key.stored);
  const pkg = await createPackage(deps, owner, {
    name: "Home 10",
    price: { amount: 50_000, currency: "BDT" },
    speed: { downloadKbps: 10_240, uploadKbps: 10_240 },
    billing: { type: "prepaid", validity: { unit: "days", count: 30 } },
    graceDays: 0,
    routerProfile: PROFILE,
  });
  const site = await createSite(deps, owner, { name: "Bench site" });
  const nas = await createNas(deps, owner, site.resource.id, {
    name: "ccr1",
    address: "10.0.0.1",
    type: "mikrotik",
    method: "radius",
    services: ["pppoe"],
  });
  const total = PAYMENTS + PEER;
  const usernames = Array.from({ length: total }, (_, i) => `bench${i}`);
  const siteOptions = {
    tenantId: tenant.id,
    siteId: site.resource.id,
    nasId: nas.resource.id,
    sqsEndpoint: cloud.sqsEndpoint,
    commandsUrl: `${cloud.sqsEndpoint}/000000000000/${siteQueueName("isp-local", tenant.id, site.resource.id)}`,
    eventsUrl: cloud.agentEventsUrl,
    stateFile: join(dir, "applied.json"),
    subscribers: usernames.map((username) => ({ username, service: "pppoe" as const, online: true })),
    profiles: [PROFILE],
  };
  const router = spawn(
    process.execPath,
    [
      // BENCH_SITE_CPU_PROFILE=dir writes the site process's CPU profile there when it exits.
      ...(process.env.BENCH_SITE_CPU_PROFILE
        ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_SITE_CPU_PROFILE}`]
        : []),
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "--site",
      JSON.stringify(siteOptions),
    ],
    { stdio: ["ignore", "inherit", "inherit", "ipc"], env: process.env },
  );
  const profileOf = new Map<string, string>();
  const restoredAt = new Map<string, number>();
  let siteReady = false;
  router.on("message", (m: { ready?: boolean; name?: string; profile?: string; at?: number }) => {
    if (m.ready) siteReady = true;
    if (m.name === undefined || m.profile === undefined || m.at === undefined) return;
    profileOf.set(m.name, m.profile);
    if (m.profile === PROFILE && !restoredAt.has(m.name)) restoredAt.set(m.name, m.at);
  });
  await waitUntil("the site process", () => siteReady, 60_000);

  // Every subscriber starts suspended: created with an expiry already past.
  log(`creating ${total} expired subscribers`);
  const ids: string[] = [];
  await runConcurrent(total, 20, async (i) => {
    const sub = await createSubscriber(deps, owner, {
      name: `Bench ${i}`,
      phone: "+8801711000001",
      username: usernames[i] ?? "",
      service: "pppoe",
      packageId: pkg.resource.id,
      siteId: site.resource.id,
      nasId: nas.resource.id,
      expiresAt: new Date(Date.now() - 86_400_000).toISOString(),
    });
    ids[i] = sub.resource.id;
  });
  await waitUntil(
    "all suspended at the router",
    () => usernames.every((u) => profileOf.get(u) === "suspended"),
    180_000,
  );
  restoredAt.clear();

  // Razorpay for the tenant; checkouts paid at the stand-in with the webhooks captured, not delivered.
  await putGateway(
    deps,
    owner,
    "razorpay",
    { enabled: true, mode: "sandbox", credentials: gateways.credentials.razorpay },
    cloud.url,
  );
  const captured = new Map<string, { body: string; signature: string; eventId: string }>();
  const sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const parsed = JSON.parse(body) as {
        event: string;
        payload: { payment?: { entity: { notes?: { paymentId?: string } } } };
      };
      const paymentId = parsed.payload.payment?.entity.notes?.paymentId;
      if (parsed.event === "payment.captured" && paymentId) {
        captured.set(paymentId, {
          body,
          signature: String(req.headers["x-razorpay-signature"]),
          eventId: String(req.headers["x-razorpay-event-id"]),
        });
      }
      res.end("ok");
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", () => r()));
  gateways.razorpay.setWebhookUrl(`http://127.0.0.1:${(sink.address() as AddressInfo).port}/`);
  log(`creating ${PAYMENTS} checkouts`);
  const paymentOf: string[] = [];
  await runConcurrent(PAYMENTS, 20, async (i) => {
    const link = await createPayLink(
      deps,
      owner,
      ids[i] ?? "",
      { periods: 1, expiresInHours: 24 },
      cloud.url,
    );
    const token = link.url.slice(link.url.lastIndexOf("/") + 1);
    const { redirectUrl, payment } = await startCheckout(deps, token, "razorpay", cloud.url);
    paymentOf[i] = payment.id;
    const res = await fetch(redirectUrl, { redirect: "manual" });
    await res.arrayBuffer();
  });
  await waitUntil("webhooks captured", () => captured.size === PAYMENTS, 30_000);

  // Measured: the webhooks, at CONCURRENCY, each timed until its subscriber is restored at the router.
  log(`delivering ${PAYMENTS} webhooks at concurrency ${CONCURRENCY}`);
  const hookUrl = `${cloud.url}/v1/webhooks/razorpay/${tenant.id}`;
  const sentAt = new Map<string, number>();
  const stopProfile = await profilePhase();
  counting = true;
  const stopCpu = cpuMeter({ cloud: process.pid, dynamodb_local: childPids("java")[0], site: router.pid });
  const started = performance.now();
  const outcomes: Record<string, number> = {};
  const answered = await runConcurrent(PAYMENTS, CONCURRENCY, async (i) => {
    const hook = captured.get(paymentOf[i] ?? "");
    if (!hook) throw new Error(`no webhook for payment ${i}`);
    sentAt.set(usernames[i] ?? "", nowMs());
    const res = await fetch(hookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-razorpay-signature": hook.signature,
        "x-razorpay-event-id": hook.eventId,
      },
      body: hook.body,
    });
    const { outcome } = (await res.json()) as { outcome: string };
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  });
  const answeredMs = performance.now() - started;
  const paid = usernames.slice(0, PAYMENTS);
  await waitUntil("all restored", () => paid.every((u) => restoredAt.has(u)), 60_000);
  const drainMs = performance.now() - started;
  const cpu = stopCpu();
  counting = false;
  await stopProfile();
  const latencies = paid.map((u) => (restoredAt.get(u) ?? Number.NaN) - (sentAt.get(u) ?? Number.NaN));
  const toQueue = paid.map((u) => (queuedAt.get(u) ?? Number.NaN) - (sentAt.get(u) ?? Number.NaN));
  const queueToRouter = paid.map((u) => (restoredAt.get(u) ?? Number.NaN) - (queuedAt.get(u) ?? Number.NaN));

  // Peer: cash payments through the admin API for the other subscribers, same concurrency.
  log(`peer: ${PEER} cash payments through the API`);
  const peerSent = new Map<string, number>();
  await runConcurrent(PEER, CONCURRENCY, async (j) => {
    const i = PAYMENTS + j;
    peerSent.set(usernames[i] ?? "", nowMs());
    const res = await fetch(`${cloud.url}/v1/subscribers/${ids[i]}/payments`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key.token}` },
      body: JSON.stringify({ amount: { amount: 50_000, currency: "BDT" }, method: "cash" }),
    });
    if (res.status !== 201) throw new Error(`cash payment: ${res.status} ${await res.text()}`);
  });
  const peerUsers = usernames.slice(PAYMENTS);
  await waitUntil("peer restored", () => peerUsers.every((u) => restoredAt.has(u)), 60_000);
  const peer = peerUsers.map((u) => (restoredAt.get(u) ?? Number.NaN) - (peerSent.get(u) ?? Number.NaN));

  // Settlements as stored: every payment of the tenant, counted by status.
  let settled = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.repos.payments.list(tenant.id, { gateway: "razorpay" }, { limit: 100, cursor });
    settled += page.items.filter((p) => p.status === "settled").length;
    cursor = page.nextCursor;
  } while (cursor);

  router.disconnect();
  await new Promise((r) => router.once("exit", r));
  await new Promise((r) => sink.close(r));
  await cloud.stop();
  await rm(dir, { recursive: true, force: true });

  const p99 = percentile(latencies, 99);
  const cores = availableParallelism();
  const cpuPerWebhook = Object.values(cpu).reduce((a, b) => a + b, 0) / PAYMENTS;
  const peerP99 = percentile(peer, 99);
  emit({
    bench: "payment-restore",
    payments: PAYMENTS,
    concurrency: CONCURRENCY,
    settlements: settled,
    outcomes,
    drain_s: round(drainMs / 1000, 2),
    webhooks_answered_s: round(answeredMs / 1000, 2),
    webhook_answer_p50_ms: round(percentile(answered, 50), 1),
    webhook_answer_p99_ms: round(percentile(answered, 99), 1),
    restore_p50_ms: round(percentile(latencies, 50), 1),
    restore_p99_ms: round(p99, 1),
    restore_max_ms: round(Math.max(...latencies), 1),
    // The two legs: webhook -> restore command sent to the site queue (the cloud), and queue ->
    // router changed (the local SQS, the edge agent, the simulated MikroTik).
    to_queue_p50_ms: round(percentile(toQueue, 50), 1),
    to_queue_p99_ms: round(percentile(toQueue, 99), 1),
    queue_to_router_p50_ms: round(percentile(queueToRouter, 50), 1),
    queue_to_router_p99_ms: round(percentile(queueToRouter, 99), 1),
    peer_cash_payments: PEER,
    peer_p50_ms: round(percentile(peer, 50), 1),
    peer_p99_ms: round(peerP99, 1),
    ratio_p99_vs_peer: round(p99 / peerP99, 2),
    // CPU per webhook of each process (less sensitive to a busy machine than latency).
    cpu_ms_per_webhook: {
      ...Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v / PAYMENTS, 2)])),
      total: round(cpuPerWebhook, 2),
    },
    // What the machine allows: all processes share `cores`, so webhooks/s cannot exceed
    // cores / CPU per webhook, and a closed loop of CONCURRENCY senders then waits at least
    // CONCURRENCY / that rate for each answer on average (Little's law), however fast any part is.
    cores,
    webhooks_per_s: round(PAYMENTS / (answeredMs / 1000), 1),
    saturation_webhooks_per_s: round((cores * 1000) / cpuPerWebhook, 1),
    closed_loop_mean_answer_floor_ms: round((CONCURRENCY * cpuPerWebhook) / cores, 1),
    aws_calls_per_webhook: Object.fromEntries(
      Object.entries(calls)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, round(v / PAYMENTS, 2)]),
    ),
    target_p99_ms: 1000,
    met: settled === PAYMENTS && p99 < 1000,
  });
}

async function waitUntil(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
