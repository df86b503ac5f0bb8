import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type LocalSchedulerOptions,
  LocalSubscriberScheduler,
} from "../../../../shared/adapters/scheduler/local-scheduler.js";
import { ScheduleStateError } from "../../../../shared/adapters/scheduler/state-file.js";
import { ConfigError } from "../../../../shared/config.js";
import { type ScheduledFire, scheduleName } from "../../../../shared/ports/scheduler.js";

const TENANT = "t".repeat(30);

function fireFor(subscriberId: string, version = 1): ScheduledFire {
  return { tenantId: TENANT, subscriberId, kind: "expire", dueAt: "2026-03-05T18:00:00.000Z", version };
}

interface Received {
  readonly fire: ScheduledFire;
  readonly at: number;
}

/** Records every target call with its wall-clock instant (Date.now(), the clock schedules use). */
function recorder() {
  const received: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const target = async (fire: ScheduledFire) => {
    received.push({ fire, at: Date.now() });
    for (const w of waiters) if (received.length >= w.count) w.resolve();
  };
  /** Resolves once `count` fires arrived; rejects after `timeoutMs`. */
  const waitFor = (count: number, timeoutMs = 5000) =>
    new Promise<void>((resolve, reject) => {
      if (received.length >= count) return resolve();
      const timer = setTimeout(() => reject(new Error(`only ${received.length}/${count} fires`)), timeoutMs);
      waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  return { received, target, waitFor };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `done` every 5 ms for at most `timeoutMs`. */
async function until(done: () => boolean, timeoutMs = 2000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !done(); await sleep(5)) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
  }
}
const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

const started: LocalSubscriberScheduler[] = [];
function scheduler(options: LocalSchedulerOptions): LocalSubscriberScheduler {
  const s = new LocalSubscriberScheduler({ logger: silent, ...options });
  started.push(s);
  return s;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "local-scheduler-"));
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

describe("LocalSubscriberScheduler", () => {
  it("fires a schedule on time", async () => {
    const r = recorder();
    const s = scheduler({ target: r.target });
    await s.start();
    const fireAt = new Date(Date.now() + 300);

    await s.upsert(fireAt, fireFor("sub-1"));
    await r.waitFor(1);

    const lateness = (r.received[0]?.at ?? Number.NaN) - fireAt.getTime();
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(100);
    expect(r.received[0]?.fire).toEqual(fireFor("sub-1"));
    await until(() => s.size === 0);
  });

  it("replaces a subscriber's schedule on upsert: only the latest fires, once", async () => {
    const r = recorder();
    const s = scheduler({ target: r.target });
    await s.start();

    await s.upsert(new Date(Date.now() + 100), fireFor("sub-1", 1));
    await s.upsert(new Date(Date.now() + 250), fireFor("sub-1", 2));
    expect(s.list()).toHaveLength(1);
    await r.waitFor(1);
    await sleep(200);

    expect(r.received.map((x) => x.fire.version)).toEqual([2]);
  });

  it("fires an upsert moved earlier at the earlier instant", async () => {
    const r = recorder();
    const s = scheduler({ target: r.target });
    await s.start();
    await s.upsert(new Date(Date.now() + 10_000), fireFor("sub-1", 1));
    const fireAt = new Date(Date.now() + 100);

    await s.upsert(fireAt, fireFor("sub-1", 2));
    await r.waitFor(1);

    expect(r.received[0]?.fire.version).toBe(2);
    expect((r.received[0]?.at ?? Number.NaN) - fireAt.getTime()).toBeLessThan(100);
  });

  it("cancels a removed schedule", async () => {
    const r = recorder();
    const s = scheduler({ target: r.target });
    await s.start();
    await s.upsert(new Date(Date.now() + 100), fireFor("sub-1"));
    await s.upsert(new Date(Date.now() + 100), fireFor("sub-2"));

    await s.remove(TENANT, "sub-1");
    await s.remove(TENANT, "never-scheduled");
    await r.waitFor(1);
    await sleep(150);

    expect(r.received.map((x) => x.fire.subscriberId)).toEqual(["sub-2"]);
  });

  it("retries a failing target with backoff, then dead-letters the fire and deletes the schedule", async () => {
    const calls: number[] = [];
    const letters: string[] = [];
    const s = scheduler({
      target: async () => {
        calls.push(Date.now());
        throw new Error("lambda unavailable");
      },
      maximumRetryAttempts: 2,
      retryDelayMs: 20,
      onDeadLetter: (l) => letters.push(l.name),
    });
    await s.start();

    await s.upsert(new Date(Date.now() + 10), fireFor("sub-1"));
    await until(() => s.deadLetters().length > 0);

    expect(calls).toHaveLength(3);
    expect((calls[2] ?? 0) - (calls[1] ?? 0)).toBeGreaterThanOrEqual((calls[1] ?? 0) - (calls[0] ?? 0));
    expect(s.deadLetters()).toMatchObject([
      { name: scheduleName(TENANT, "sub-1"), attempts: 3, error: { message: "lambda unavailable" } },
    ]);
    expect(letters).toEqual([scheduleName(TENANT, "sub-1")]);
    expect(s.size).toBe(0);
  });

  it("delivers once when a retry succeeds", async () => {
    let calls = 0;
    const s = scheduler({
      target: async () => {
        if (++calls === 1) throw new Error("cold start");
      },
      retryDelayMs: 10,
    });
    await s.start();

    await s.upsert(new Date(Date.now() + 10), fireFor("sub-1"));
    await until(() => s.size === 0);

    expect(calls).toBe(2);
    expect(s.deadLetters()).toEqual([]);
  });

  it("keeps a fire whose retry was pending at stop, and delivers it after the next start", async () => {
    let calls = 0;
    const s = scheduler({
      target: async () => {
        if (++calls === 1) throw new Error("first attempt fails");
      },
      retryDelayMs: 10_000,
    });
    await s.start();
    await s.upsert(new Date(), fireFor("sub-1"));
    await until(() => calls === 1);

    await s.stop();
    expect(s.size).toBe(1);
    await s.start();
    await until(() => s.size === 0);

    expect(calls).toBe(2);
  });

  it("never runs more target calls at once than its concurrency", async () => {
    let active = 0;
    let peak = 0;
    let done = 0;
    const s = scheduler({
      concurrency: 4,
      target: async () => {
        peak = Math.max(peak, ++active);
        await sleep(2);
        active--;
        done++;
      },
    });
    await s.start();

    await Promise.all(Array.from({ length: 40 }, (_, i) => s.upsert(new Date(), fireFor(`sub-${i}`))));
    await until(() => done === 40);

    expect(peak).toBe(4);
  });

  it("dead-letters a burst of targets that throw synchronously without recursing", async () => {
    const s = scheduler({
      target: () => {
        throw new Error("sync failure");
      },
      maximumRetryAttempts: 0,
      concurrency: 10,
    });
    await s.start();

    await Promise.all(Array.from({ length: 5000 }, (_, i) => s.upsert(new Date(), fireFor(`sub-${i}`))));
    await until(() => s.deadLetters().length === 5000);

    expect(s.size).toBe(0);
  });

  it("counts a target that never settles as failed after the attempt timeout", async () => {
    const s = scheduler({
      target: () => new Promise<void>(() => {}),
      attemptTimeoutMs: 20,
      maximumRetryAttempts: 0,
    });
    await s.start();

    await s.upsert(new Date(), fireFor("sub-1"));
    await until(() => s.deadLetters().length > 0);

    expect(s.deadLetters()[0]?.error.message).toMatch(/within 20 ms/);
  });

  it("keeps a schedule the target upserts for the same subscriber while it is being fired", async () => {
    const r = recorder();
    let s: LocalSubscriberScheduler | undefined;
    const target = async (fire: ScheduledFire) => {
      await r.target(fire);
      if (fire.version === 1) await s?.upsert(new Date(Date.now() + 50), { ...fire, version: 2 });
    };
    s = scheduler({ target });
    await s.start();

    await s.upsert(new Date(Date.now() + 10), fireFor("sub-1", 1));
    await r.waitFor(2);

    expect(r.received.map((x) => x.fire.version)).toEqual([1, 2]);
  });

  it("survives a restart through the state file", async () => {
    const stateFile = join(dir, "state", "schedules.json");
    const first = recorder();
    const before = scheduler({ target: first.target, stateFile });
    await before.start();
    const fireAt = new Date(Date.now() + 400);
    await before.upsert(fireAt, fireFor("sub-1"));
    await before.stop();

    const second = recorder();
    const after = scheduler({ target: second.target, stateFile });
    expect(after.size).toBe(0);
    await after.start();
    expect(after.get(scheduleName(TENANT, "sub-1"))).toEqual({
      name: scheduleName(TENANT, "sub-1"),
      fireAt,
      fire: fireFor("sub-1"),
    });
    await second.waitFor(1);

    const lateness = (second.received[0]?.at ?? Number.NaN) - fireAt.getTime();
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(100);
    expect(first.received).toEqual([]);
    await after.stop();
    expect(JSON.parse(await readFile(stateFile, "utf8"))).toEqual({ version: 1, schedules: [] });
    expect(await readdir(join(dir, "state"))).toEqual(["schedules.json"]);
  });

  it("fires a schedule that fell due while stopped immediately at start", async () => {
    const stateFile = join(dir, "schedules.json");
    const before = scheduler({ target: async () => {}, stateFile });
    await before.upsert(new Date(Date.now() + 50), fireFor("sub-1"));
    await before.stop();
    await sleep(150);

    const r = recorder();
    const after = scheduler({ target: r.target, stateFile });
    const startedAt = Date.now();
    await after.start();
    await r.waitFor(1);

    expect((r.received[0]?.at ?? Number.NaN) - startedAt).toBeLessThan(100);
  });

  it("refuses a corrupt state file instead of dropping its schedules", async () => {
    const stateFile = join(dir, "schedules.json");
    await writeFile(stateFile, "{ half a snapshot");

    const s = scheduler({ target: async () => {}, stateFile });

    await expect(s.start()).rejects.toBeInstanceOf(ScheduleStateError);
  });

  it("fires 10,000 schedules exactly once each", async () => {
    const r = recorder();
    const s = scheduler({ target: r.target, stateFile: join(dir, "many.json") });
    await s.start();
    const base = Date.now() + 300;

    await Promise.all(
      Array.from({ length: 10_000 }, (_, i) => s.upsert(new Date(base + (i % 500)), fireFor(`sub-${i}`))),
    );
    await r.waitFor(10_000, 20_000);
    await until(() => s.size === 0);
    await sleep(50);

    const ids = r.received.map((x) => x.fire.subscriberId);
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids).size).toBe(10_000);
  });

  it("waits for fires in flight when stopping", async () => {
    let finished = false;
    let begun = () => {};
    const begunPromise = new Promise<void>((resolve) => {
      begun = resolve;
    });
    const s = scheduler({
      target: async () => {
        begun();
        await sleep(200);
        finished = true;
      },
    });
    await s.start();
    await s.upsert(new Date(), fireFor("sub-1"));
    await begunPromise;

    await s.stop();

    expect(finished).toBe(true);
    expect(s.size).toBe(0);
  });

  it("does not fire while stopped, and resumes at start", async () => {
    const r = recorder();
    const s = scheduler({ target: r.target });
    await s.upsert(new Date(Date.now() + 20), fireFor("sub-1"));
    await sleep(80);
    expect(r.received).toEqual([]);

    await s.start();
    await r.waitFor(1);
    expect(r.received).toHaveLength(1);
  });

  it("rejects invalid options, names and instants", async () => {
    expect(() => new LocalSubscriberScheduler({} as LocalSchedulerOptions)).toThrow(ConfigError);
    expect(() => new LocalSubscriberScheduler({ target: async () => {}, concurrency: 0 })).toThrow(
      /concurrency/,
    );
    const s = scheduler({ target: async () => {} });
    await expect(s.upsert(new Date(Number.NaN), fireFor("sub-1"))).rejects.toThrow(RangeError);
    await expect(s.upsert(new Date(), fireFor("bad/id"))).rejects.toThrow(/invalid schedule name/);
  });
});
