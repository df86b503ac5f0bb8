import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT, startDynamoDbLocal } from "../shared/local/dynamodb-local.js";
import { emit, percentile, round } from "./lib/stats.js";

/**
 * Time from `npm start` to a healthy API (first start seeds the demo tenant; a restart reuses it),
 * against the floor: DynamoDB Local alone starting and answering. Runs RUNS rounds (default 3).
 */
const RUNS = Number(process.argv[2] ?? 3);

async function npmStartUntilHealthy(dataDir: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn("npm", ["start", "--silent"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: "0", ISP_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => {
    output += d.toString();
  });
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`not healthy in time:\n${output}`);
      const url = /API:\s+(http:\/\/\S+)\/v1/.exec(output)?.[1];
      if (url) {
        const res = await fetch(`${url}/v1/health`).catch(() => undefined);
        if (res?.status === 200) return performance.now() - t0;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    if (child.pid) process.kill(-child.pid, "SIGINT");
    await exited;
  }
}

const first: number[] = [];
const restart: number[] = [];
const floor: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const dir = await mkdtemp(join(tmpdir(), "isp-bench-start-"));
  try {
    first.push(await npmStartUntilHealthy(dir));
    restart.push(await npmStartUntilHealthy(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const t0 = performance.now();
  const ddb = await startDynamoDbLocal();
  floor.push(performance.now() - t0);
  await ddb.stop();
}

const median = (xs: number[]) => percentile(xs, 50);
emit({
  bench: "start-to-healthy",
  runs: RUNS,
  first_start_ms: round(median(first), 0),
  restart_ms: round(median(restart), 0),
  dynamodb_local_alone_ms: round(median(floor), 0),
  ratio_restart_to_floor: round(median(restart) / median(floor)),
});
