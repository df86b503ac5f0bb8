import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { LocalSubscriberScheduler } from "../shared/adapters/scheduler/local-scheduler.js";
import type { ScheduledFire } from "../shared/ports/scheduler.js";
import { emit, percentile, round } from "./lib/stats.js";

/**
 * The local scheduler under a burst: COUNT (default 10,000) schedules upserted for the same
 * instant about 2 s ahead, the time to upsert them, and how late each fire reaches the target,
 * against the floor: the same number of bare setTimeouts aimed at one instant. Runs once in memory
 * and once with a state file (concurrent upserts, each awaiting its durable write). A first
 * round warms the JIT up and is reported apart (cold_*); the in-memory figures are medians over
 * ROUNDS (default 3) rounds, each followed by its setTimeout floor. `npm run bench -- scheduler-local
 * [COUNT] [ROUNDS]`.
 */
const COUNT = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const nowMs = () => performance.timeOrigin + performance.now();
/** A whole second at least `aheadMs` away. */
const dueSecond = (aheadMs: number) => new Date(Math.ceil((Date.now() + aheadMs) / 1000) * 1000);

function fire(i: number, dueAt: Date): ScheduledFire {
  const subscriberId = `sub-${String(i).padStart(26, "0")}`;
  return { tenantId: "bench-tenant", subscriberId, kind: "expire", dueAt: dueAt.toISOString(), version: 1 };
}

async function schedulerRun(
  count: number,
  stateFile?: string,
): Promise<{ upsertMs: number; lateness: number[]; early: number }> {
  const lateness: number[] = [];
  let early = 0;
  let done = () => {};
  const allFired = new Promise<void>((resolve) => {
    done = resolve;
  });
  const due = dueSecond(2000);
  const scheduler = new LocalSubscriberScheduler({
    logger: silent,
    ...(stateFile ? { stateFile } : {}),
    target: async () => {
      // Sub-millisecond lateness from the monotonic clock; "early" by the wall clock schedules use.
      lateness.push(nowMs() - due.getTime());
      if (Date.now() < due.getTime()) early++;
      if (lateness.length === count) done();
    },
  });
  await scheduler.start();
  const t0 = performance.now();
  if (stateFile) {
    await Promise.all(Array.from({ length: count }, (_, i) => scheduler.upsert(due, fire(i, due))));
  } else {
    for (let i = 0; i < count; i++) await scheduler.upsert(due, fire(i, due));
  }
  const upsertMs = performance.now() - t0;
  if (Date.now() >= due.getTime()) throw new Error("upserts took longer than the lead; lower COUNT");
  await withDeadline(allFired, due.getTime() - Date.now() + 30_000);
  await scheduler.stop();
  return { upsertMs, lateness, early };
}

async function setTimeoutFloor(): Promise<number[]> {
  const lateness: number[] = [];
  const due = dueSecond(2000);
  await withDeadline(
    new Promise<void>((resolve) => {
      for (let i = 0; i < COUNT; i++) {
        setTimeout(() => {
          lateness.push(nowMs() - due.getTime());
          if (lateness.length === COUNT) resolve();
        }, due.getTime() - Date.now());
      }
    }),
    due.getTime() - Date.now() + 30_000,
  );
  return lateness;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

const cold = await schedulerRun(COUNT);
const rounds: (Awaited<ReturnType<typeof schedulerRun>> & { floor: number[] })[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const run = await schedulerRun(COUNT);
  rounds.push({ ...run, floor: await setTimeoutFloor() });
}
const dir = await mkdtemp(join(tmpdir(), "isp-bench-scheduler-"));
let durable: Awaited<ReturnType<typeof schedulerRun>>;
try {
  durable = await schedulerRun(COUNT, join(dir, "schedules.json"));
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** The median over rounds of a per-round figure. */
const med = (figure: (r: (typeof rounds)[number]) => number) => percentile(rounds.map(figure), 50);
const late = (q: number) => med((r) => percentile(r.lateness, q));
const floor = (q: number) => med((r) => percentile(r.floor, q));
emit({
  bench: "scheduler-local",
  schedules: COUNT,
  rounds: ROUNDS,
  load_avg_1m: round(loadavg()[0] ?? Number.NaN),
  upsert_total_ms: round(
    med((r) => r.upsertMs),
    1,
  ),
  upsert_per_op_us: round((med((r) => r.upsertMs) * 1000) / COUNT, 2),
  first_fire_ms: round(late(0), 2),
  lateness_p50_ms: round(late(50), 2),
  lateness_p99_ms: round(late(99), 2),
  lateness_max_ms: round(late(100), 2),
  early_fires: [cold, ...rounds, durable].reduce((n, r) => n + r.early, 0),
  floor_settimeout_p50_ms: round(floor(50), 2),
  floor_settimeout_p99_ms: round(floor(99), 2),
  ratio_p50_to_floor: round(late(50) / floor(50)),
  ratio_p99_to_floor: round(late(99) / floor(99)),
  cold_first_burst_p50_ms: round(percentile(cold.lateness, 50), 2),
  cold_first_burst_p99_ms: round(percentile(cold.lateness, 99), 2),
  state_file_upsert_total_ms: round(durable.upsertMs, 1),
  state_file_lateness_p50_ms: round(percentile(durable.lateness, 50), 2),
  state_file_lateness_p99_ms: round(percentile(durable.lateness, 99), 2),
});
