import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sameRate } from "../../../edge-agent/enforce/verify.js";
import { MENU, RouterSimulator } from "../../../edge-agent/simulator/index.js";
import { newId } from "../../../shared/domain/ids.js";
import {
  type EdgeCommand,
  EdgeCommandSchema,
  mikrotikRateLimit,
} from "../../../shared/domain/schemas/edge-command.js";
import { NAS_ID, SITE, TENANT } from "../enforcer-helpers.js";
import { CREDENTIALS } from "../routeros/helpers.js";
import { type Queues, queueCounts, queueEmpty, sendBodies, startQueues, until } from "./helpers.js";

/*
 * SIGKILL the agent, as a child process, at random instants while it works through 1,000 commands
 * for 300 subscribers (random versions, duplicates, out of order, some delayed, some due later),
 * restart it, and
 * at the end demand that the router holds exactly the state of each subscriber's highest version.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const MAIN = join(ROOT, "edge-agent", "main.ts");
const SUBSCRIBERS = 300;
const COMMANDS = 1_000;
const KILLS = 6;
const DEADLINE_MS = 120_000;

// A seeded generator, so a failure can be replayed (the seed is printed when the test fails).
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
let state = SEED || 1;
const random = () => {
  state = (state * 48_271) % 2_147_483_647;
  return state / 2_147_483_647;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

interface Subscriber {
  readonly id: string;
  readonly name: string;
  readonly versions: Map<number, EdgeCommand["desired"]>;
}

let sim: RouterSimulator;
let queues: Queues;
let dir: string;
let configPath: string;
const children = new Set<ChildProcess>();

const subscribers: Subscriber[] = Array.from({ length: SUBSCRIBERS }, (_, i) => ({
  id: newId("subscriber"),
  name: `crash-${String(i).padStart(3, "0")}`,
  versions: new Map(),
}));

function desiredFor(): EdgeCommand["desired"] {
  if (random() < 0.5) return { state: "suspended" };
  const kbps = pick([5_000, 10_000, 20_000, 30_000]);
  return {
    state: "active",
    rateLimit: { downloadKbps: kbps, uploadKbps: Math.max(8, kbps / 2) },
    profile: pick(["10M", "20M"]),
  };
}

function commandFor(who: Subscriber, version: number): string {
  let desired = who.versions.get(version);
  if (desired === undefined) {
    desired = desiredFor();
    who.versions.set(version, desired);
  }
  const now = new Date().toISOString();
  // A quarter fall due up to 10 s later: the agent holds them in flight, so kills catch them waiting.
  const notBefore = random() < 0.25 ? new Date(Date.now() + random() * 10_000).toISOString() : now;
  return JSON.stringify(
    EdgeCommandSchema.parse({
      commandId: `${who.name}-v${version}`,
      tenantId: TENANT,
      siteId: SITE,
      nasId: NAS_ID,
      subscriberId: who.id,
      username: who.name,
      service: "pppoe",
      desired,
      version,
      reason: desired.state === "active" ? "renewed" : "expired",
      notBefore,
      issuedAt: now,
    }),
  );
}

function startAgent(): { child: ChildProcess; started: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "run", "--config", configPath], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      LOG_LEVEL: "info",
      ISP_EDGE_WAIT_TIME_SECONDS: "1",
      ISP_EDGE_VISIBILITY_TIMEOUT_SECONDS: "3",
      ISP_EDGE_VISIBILITY_HEARTBEAT_SECONDS: "1",
      ISP_EDGE_CONCURRENCY: "8",
      ISP_EDGE_MAX_ATTEMPTS: "100",
      ISP_EDGE_RETRY_BACKOFF_SECONDS: "1",
      ISP_EDGE_HEARTBEAT_SECONDS: "5",
      ISP_EDGE_SESSIONS_SECONDS: "0",
    },
  });
  children.add(child);
  let log = "";
  const started = new Promise<void>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      if (log.length < 100_000) log += chunk.toString();
      if (log.includes('"msg":"edge agent started"')) resolve();
    });
    child.once("exit", (code) =>
      reject(new Error(`agent exited (${code}) before starting: ${log.slice(-2000)}`)),
    );
  });
  started.catch(() => {});
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return { child, started, exited };
}

beforeAll(async () => {
  sim = new RouterSimulator({ credentials: CREDENTIALS });
  const { model } = sim;
  model.addPppProfile("10M", "10M/10M");
  model.addPppProfile("20M", "20M/20M");
  subscribers.forEach((s, i) => {
    const address = `10.40.${Math.floor(i / 200)}.${(i % 200) + 2}`;
    model.addSecret({
      name: s.name,
      password: "pw",
      profile: "10M",
      service: "pppoe",
      remoteAddress: address,
    });
    model.addQueue({ name: s.name, target: `${address}/32`, maxLimit: "10M/10M" });
    if (i % 2 === 0) model.connectPpp(s.name);
  });
  const { apiPort } = await sim.start({ rest: false });
  queues = await startQueues({ visibilityTimeout: 3 });
  dir = await mkdtemp(join(tmpdir(), "edge-crash-"));
  configPath = join(dir, "agent.json");
  const config = {
    tenantId: TENANT,
    siteId: SITE,
    queue: {
      commandsUrl: queues.commandsUrl,
      eventsUrl: queues.eventsUrl,
      region: "local",
      endpoint: queues.sqs.endpoint,
    },
    stateFile: "state/applied.json",
    nas: [
      {
        id: NAS_ID,
        name: "crash-nas",
        address: "127.0.0.1",
        method: "api",
        services: ["pppoe"],
        api: { port: apiPort, ...CREDENTIALS, timeoutMs: 5_000 },
        suspension: { style: "disable" },
      },
    ],
  };
  await writeFile(configPath, JSON.stringify(config));
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await queues?.close();
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("agent crash safety", () => {
  it(
    `ends in exactly the highest version's state after ${KILLS} SIGKILLs (seed ${SEED})`,
    async () => {
      const t0 = Date.now();
      const plan: [Subscriber, number][] = [];
      for (let i = 0; i < COMMANDS; i++) {
        const who = i < SUBSCRIBERS ? (subscribers[i] as Subscriber) : pick(subscribers);
        plan.push([who, 1 + Math.floor(random() * 8)]);
      }
      for (let i = plan.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [plan[i], plan[j]] = [plan[j] as [Subscriber, number], plan[i] as [Subscriber, number]];
      }
      // The commands arrive in waves, one before each agent starts, so every kill lands while work
      // is still there however fast the agent has become: each wave's commands due up to 10 s later
      // are held in flight. A third of each wave also arrives later (SQS delays).
      const waves = KILLS + 1;
      const sendWave = async (k: number) => {
        const from = Math.floor((plan.length * k) / waves);
        const to = Math.floor((plan.length * (k + 1)) / waves);
        const bodies = plan.slice(from, to).map(([who, version]) => commandFor(who, version));
        await sendBodies(queues.client, queues.commandsUrl, bodies, () =>
          random() < 0.33 ? Math.floor(random() * 12) : 0,
        );
      };

      const atKill: { pending: number; inFlight: number }[] = [];
      for (let k = 0; k < KILLS; k++) {
        await sendWave(k);
        const agent = startAgent();
        await agent.started;
        await new Promise((resolve) => setTimeout(resolve, 300 + random() * 1_200));
        const counts = await queueCounts(queues.client, queues.commandsUrl);
        atKill.push({
          pending: counts.visible + counts.inFlight + counts.delayed,
          inFlight: counts.inFlight,
        });
        agent.child.kill("SIGKILL");
        await agent.exited;
      }

      await sendWave(KILLS);
      const last = startAgent();
      await last.started;
      await until(
        () => queueEmpty(queues.client, queues.commandsUrl),
        DEADLINE_MS - (Date.now() - t0),
        "the queue to drain",
      );
      last.child.kill("SIGTERM");
      expect(await last.exited).toBe(0);

      // Every kill left work behind, and most hit messages being handled.
      expect(atKill.every((c) => c.pending > 0)).toBe(true);
      expect(atKill.filter((c) => c.inFlight > 0).length).toBeGreaterThanOrEqual(KILLS / 2);
      const secrets = new Map(sim.model.print(MENU.pppSecret).map((r) => [r.name, r]));
      const limits = new Map(sim.model.print(MENU.simpleQueue).map((r) => [r.name, r["max-limit"]]));
      const online = new Set(sim.model.print(MENU.pppActive).map((r) => r.name));
      const wrong: string[] = [];
      for (const s of subscribers) {
        const top = Math.max(...s.versions.keys());
        const want = s.versions.get(top);
        const secret = secrets.get(s.name);
        if (want === undefined || secret === undefined) throw new Error(`no data for ${s.name}`);
        const ok =
          want.state === "active"
            ? secret.disabled === "false" &&
              secret.profile === want.profile &&
              sameRate(limits.get(s.name), mikrotikRateLimit(want.rateLimit))
            : secret.disabled === "true" && !online.has(s.name);
        if (!ok) wrong.push(`${s.name} v${top} wants ${JSON.stringify(want)}, has ${JSON.stringify(secret)}`);
      }
      expect(wrong).toEqual([]);
      expect(Date.now() - t0).toBeLessThan(DEADLINE_MS);
    },
    DEADLINE_MS + 30_000,
  );
});
