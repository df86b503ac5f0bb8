import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { buildAgent } from "../edge-agent/build.js";
import { ResultEventSchema } from "../edge-agent/events.js";
import { RadiusDaClient } from "../edge-agent/radius/index.js";
import { NasRadiusServer, RouterSimulator } from "../edge-agent/simulator/index.js";
import { withoutSdkLogging } from "../shared/adapters/aws-client-hook.js";
import { newId } from "../shared/domain/ids.js";
import { startLocalSqs } from "../shared/local/sqs/index.js";
import { emit, percentile, round, runConcurrent } from "./lib/stats.js";

/**
 * A burst of 10,000 suspensions (RADIUS Disconnect) for one simulated NAS with 10,000 PPP sessions,
 * through the local SQS queue and the agent as deployed: the esbuild bundle in its own process, so
 * its RSS is its own (VmRSS/VmHWM from /proc), with the node flags of the systemd unit. Latency is message sent -> result `at` (the agent's
 * clock, same host). In the same run, the raw limit: a bare Disconnect loop with RadiusDaClient at
 * the same concurrency, also in a process of its own, against the same NAS, with sessions restored.
 * And the queue floor: the SQS work the agent cannot avoid per command (receive, send a result,
 * delete, all in batches of 10) done by bare SDK loops in a process of their own against the same
 * local SQS, with no router work at all; the agent cannot be faster than the slower of the two.
 *
 *   npm run bench -- edge-burst [commands=10000] [concurrency=64] [verify]
 *
 * `verify` also gives the NAS a RouterOS API read-back path: every suspension is then read back
 * (and the secret disabled over the API), outcome `verified` instead of `applied`.
 */

const here = fileURLToPath(new URL(".", import.meta.url));
const SECRET_ENV = "EDGE_BURST_RADIUS_SECRET";

if (process.argv[2] === "--raw-client") await rawClient();
else if (process.argv[2] === "--sqs-floor") await sqsFloor();
else await main();

async function main(): Promise<void> {
  const COMMANDS = Number(process.argv[2] ?? 10_000);
  const CONCURRENCY = Number(process.argv[3] ?? 64);
  const VERIFY = process.argv[4] === "verify";
  const secret = `bench-${newId("tenant").slice(-12)}`;
  const dir = await mkdtemp(join(tmpdir(), "edge-burst-"));
  const sqs = await startLocalSqs();
  const client = new SQSClient({
    endpoint: sqs.endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const apiCredentials = { username: "bench", password: `pw-${newId("site").slice(-10)}` };
  const sim = new RouterSimulator({ credentials: apiCredentials });
  const nas = new NasRadiusServer(sim.model, sim.faults, { secret });
  const children: ChildProcess[] = [];
  try {
    const names = Array.from({ length: COMMANDS }, (_, i) => `u${String(i).padStart(5, "0")}`);
    for (const name of names) sim.model.addSecret({ name, password: "pw", service: "pppoe" });
    const connectAll = () => {
      // The verify run disables secrets over the API; the raw run needs them enabled and online.
      for (const row of sim.model.print("/ppp/secret")) {
        if (row.disabled === "true") sim.model.set("/ppp/secret", row[".id"] ?? "", { disabled: "false" });
      }
      for (const name of names) sim.model.connectPpp(name);
    };
    connectAll();
    const radiusPort = await nas.listen();
    const { apiPort } = VERIFY ? await sim.start({ rest: false }) : { apiPort: undefined };
    const bundle = await buildAgent(join(dir, "edge-agent.mjs"), {
      minify: !process.env.EDGE_BURST_NODE_ARGS,
    });
    const commandsUrl = await createQueue(client, "burst-commands", { VisibilityTimeout: "60" });
    const eventsUrl = await createQueue(client, "burst-events");
    const tenantId = newId("tenant");
    const siteId = newId("site");
    const nasId = newId("nas");
    const configPath = join(dir, "agent.json");
    await writeFile(
      configPath,
      JSON.stringify({
        tenantId,
        siteId,
        queue: { commandsUrl, eventsUrl, region: "local", endpoint: sqs.endpoint },
        stateFile: join(dir, "state.json"),
        nas: [
          {
            id: nasId,
            name: "burst-nas",
            address: "127.0.0.1",
            method: "radius",
            services: ["pppoe"],
            radius: { secret, port: radiusPort },
            ...(apiPort !== undefined && { api: { port: apiPort, ...apiCredentials } }),
            suspension: { style: "disable" },
          },
        ],
      }),
    );

    // --- the agent ---------------------------------------------------------------------------
    // The node flags the systemd unit runs the agent with, plus any given for profiling.
    const extra = (process.env.EDGE_BURST_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
    const nodeArgs = [...unitNodeFlags(), ...extra];
    const agent = spawn(process.execPath, [...nodeArgs, bundle.outfile, "run", "--config", configPath], {
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        // Production logging (one line per command), written to a pipe this process drains.
        LOG_LEVEL: "info",
        ISP_EDGE_CONCURRENCY: String(CONCURRENCY),
        ISP_EDGE_WAIT_TIME_SECONDS: "2",
      },
    });
    children.push(agent);
    await started(agent);
    const pid = agent.pid ?? 0;
    await sleep(1_500);
    const rssIdle = procStatus(pid, "VmRSS");

    const sentAt = new Map<string, number>();
    const resultAt = new Map<string, number>();
    const failures: string[] = [];
    let peakRss = rssIdle;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, procStatus(pid, "VmRSS"));
    }, 100);
    const reading = readResults(client, eventsUrl, COMMANDS, (commandId, at, outcome) => {
      if (!resultAt.has(commandId)) resultAt.set(commandId, at);
      if (outcome !== "applied" && outcome !== "verified") failures.push(`${commandId}:${outcome}`);
    });
    const t0 = Date.now();
    const cpuBefore = cpuSeconds(pid);
    const ownBefore = process.cpuUsage();
    await runConcurrent(Math.ceil(COMMANDS / 10), 8, async (batch) => {
      const slice = names.slice(batch * 10, batch * 10 + 10);
      const now = new Date();
      const entries = slice.map((username, i) => {
        const commandId = `burst-${batch * 10 + i}`;
        const body = {
          commandId,
          tenantId,
          siteId,
          nasId,
          subscriberId: newId("subscriber"),
          username,
          service: "pppoe",
          desired: { state: "suspended" },
          version: 1,
          reason: "expired",
          notBefore: now.toISOString(),
          issuedAt: now.toISOString(),
        };
        return { Id: String(i), MessageBody: JSON.stringify(body), commandId };
      });
      const sendStart = Date.now();
      const out = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: commandsUrl,
          Entries: entries.map(({ Id, MessageBody }) => ({ Id, MessageBody })),
        }),
      );
      if (out.Failed?.length) throw new Error(`send failed: ${JSON.stringify(out.Failed)}`);
      for (const e of entries) sentAt.set(e.commandId, sendStart);
    });
    await reading;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, procStatus(pid, "VmHWM"));
    const last = Math.max(...resultAt.values());
    const drainSeconds = (last - t0) / 1000;
    const latencies = [...resultAt].map(([id, at]) => at - (sentAt.get(id) ?? t0));
    const stillOnline = sim.model.print("/ppp/active").length;
    const agentCpu = cpuSeconds(pid) - cpuBefore;
    const own = process.cpuUsage(ownBefore);
    const benchCpu = (own.user + own.system) / 1e6;
    agent.kill("SIGTERM");
    await exited(agent);

    // --- the raw limit: same NAS, same concurrency, sessions back online ---------------------
    connectAll();
    const rawFigures = await peer(children, ["--raw-client", String(radiusPort), String(CONCURRENCY)], {
      [SECRET_ENV]: secret,
      EDGE_BURST_NAMES: String(COMMANDS),
    });
    const rawPerSecond = Number(Reflect.get(Object(rawFigures), "per_s"));
    const perSecond = COMMANDS / drainSeconds;

    // --- the queue floor: the same SQS calls per command, nothing else --------------------------
    const floorCommands = await createQueue(client, "floor-commands", { VisibilityTimeout: "60" });
    const floorEvents = await createQueue(client, "floor-events");
    const results = JSON.stringify({ type: "result", tenantId, siteId, padding: "x".repeat(400) });
    await runConcurrent(Math.ceil(COMMANDS / 10), 8, async () => {
      const entries = Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: results }));
      await client.send(new SendMessageBatchCommand({ QueueUrl: floorCommands, Entries: entries }));
    });
    const floorFigures = await peer(children, [
      "--sqs-floor",
      sqs.endpoint,
      floorCommands,
      floorEvents,
      String(COMMANDS),
      String(Math.ceil(CONCURRENCY / 10)),
    ]);
    const floorPerSecond = Number(Reflect.get(Object(floorFigures), "per_s"));

    process.stderr.write(
      `agent: ${failures.length} non-applied results, ${stillOnline} sessions left online, ` +
        `CPU ${round(agentCpu, 1)} s (bench process incl. SQS + NAS: ${round(benchCpu, 1)} s); ` +
        `raw loop: ${JSON.stringify(rawFigures)}; queue floor: ${JSON.stringify(floorFigures)}\n`,
    );
    emit({
      bench: "edge-burst",
      commands: COMMANDS,
      concurrency: CONCURRENCY,
      read_back: VERIFY,
      node_flags: nodeArgs.join(" "),
      drain_s: round(drainSeconds, 2),
      per_s: round(perSecond, 0),
      p50_ms: round(percentile(latencies, 50), 1),
      p99_ms: round(percentile(latencies, 99), 1),
      rss_idle_mb: round(rssIdle / 1024, 1),
      rss_peak_mb: round(peakRss / 1024, 1),
      agent_cpu_ms_per_command: round((agentCpu * 1000) / COMMANDS, 3),
      raw_per_s: round(rawPerSecond, 0),
      ratio: round(perSecond / rawPerSecond, 2),
      sqs_floor_per_s: round(floorPerSecond, 0),
      ratio_to_floor: round(perSecond / Math.min(rawPerSecond, floorPerSecond), 2),
      failed: failures.length,
      bundle_kib: round(bundle.bytes / 1024, 0),
    });
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    client.destroy();
    await nas.close();
    await sim.close();
    await sqs.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** This bench in another mode (a peer), in a process of its own; its last line of figures. */
async function peer(
  children: ChildProcess[],
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<unknown> {
  const child = spawn(process.execPath, ["--import", "tsx", join(here, "edge-burst.ts"), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  await exited(child);
  return JSON.parse(out.trim().split("\n").pop() ?? "{}");
}

/** The raw limit, in its own process like the agent: Disconnect-Request per user, nothing else. */
async function rawClient(): Promise<void> {
  const port = Number(process.argv[3]);
  const concurrency = Number(process.argv[4]);
  const total = Number(process.env.EDGE_BURST_NAMES);
  const secret = process.env[SECRET_ENV] ?? "";
  const client = new RadiusDaClient({ bindAddress: "0.0.0.0" });
  const target = { address: "127.0.0.1", port, secret };
  let acks = 0;
  const t0 = performance.now();
  await runConcurrent(total, concurrency, async (i) => {
    const reply = await client.disconnect(target, { userName: `u${String(i).padStart(5, "0")}` });
    if (reply.kind === "ack") acks += 1;
  });
  const seconds = (performance.now() - t0) / 1000;
  await client.close();
  emit({ raw: true, total, acks, per_s: round(total / seconds, 0) });
}

/**
 * The queue floor, in its own process like the agent: `loops` bare loops each receive up to 10,
 * send 10 results and delete the 10 (the agent's three batch calls per 10 commands), until `total`.
 */
async function sqsFloor(): Promise<void> {
  const [endpoint = "", commandsUrl = "", eventsUrl = "", total = "0", loops = "1"] = process.argv.slice(3);
  const client = withoutSdkLogging(
    new SQSClient({
      endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    }),
  );
  let done = 0;
  const t0 = performance.now();
  const deadline = Date.now() + 300_000;
  await Promise.all(
    Array.from({ length: Number(loops) }, async () => {
      while (done < Number(total) && Date.now() < deadline) {
        const out = await client.send(
          new ReceiveMessageCommand({ QueueUrl: commandsUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) continue;
        await client.send(
          new SendMessageBatchCommand({
            QueueUrl: eventsUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body ?? "" })),
          }),
        );
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: commandsUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
        done += messages.length;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  client.destroy();
  emit({ floor: true, total: done, loops: Number(loops), per_s: round(done / seconds, 0) });
}

async function createQueue(client: SQSClient, QueueName: string, Attributes: Record<string, string> = {}) {
  const out = await client.send(new CreateQueueCommand({ QueueName, Attributes }));
  if (out.QueueUrl === undefined) throw new Error(`no URL for ${QueueName}`);
  return out.QueueUrl;
}

/** Long-polls the events queue until `total` final results were seen. */
async function readResults(
  client: SQSClient,
  QueueUrl: string,
  total: number,
  onResult: (commandId: string, at: number, outcome: string) => void,
): Promise<void> {
  const seen = new Set<string>();
  const deadline = Date.now() + 300_000;
  const receiver = async () => {
    while (seen.size < total) {
      if (Date.now() > deadline) throw new Error(`only ${seen.size}/${total} results in time`);
      const out = await client.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) continue;
      for (const m of messages) {
        const parsed = ResultEventSchema.safeParse(JSON.parse(m.Body ?? "{}"));
        if (!parsed.success || !parsed.data.final) continue;
        seen.add(parsed.data.result.commandId);
        onResult(parsed.data.result.commandId, Date.parse(parsed.data.result.at), parsed.data.result.outcome);
      }
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  };
  await Promise.all([receiver(), receiver()]);
}

function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = "";
    child.stderr?.on("data", (d: Buffer) => {
      if (log.length < 50_000) log += d.toString();
      if (log.includes('"msg":"edge agent started"')) resolve();
    });
    child.once("exit", (code) => reject(new Error(`agent exited (${code}): ${log.slice(-2000)}`)));
    setTimeout(() => resolve(), 10_000).unref();
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** The `--flags` between node and the bundle in the unit's ExecStart, so the bench runs it as deployed. */
function unitNodeFlags(): string[] {
  const unit = readFileSync(join(here, "..", "edge-agent", "packaging", "isp-edge-agent.service"), "utf8");
  const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? "";
  const words = exec.split(/\s+/);
  const bundleAt = words.findIndex((w) => w.endsWith(".mjs"));
  return words.slice(1, bundleAt).filter((w) => w.startsWith("--"));
}

/** utime + stime of a process, in seconds (Linux, USER_HZ 100). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** kB from /proc/<pid>/status (Linux). */
function procStatus(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
      readFileSync(`/proc/${pid}/status`, "utf8"),
    );
    return Number(match?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
