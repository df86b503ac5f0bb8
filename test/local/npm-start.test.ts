import { type ChildProcess, execSync, spawn } from "node:child_process";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../shared/local/dynamodb-local.js";
import { call } from "../support/api.js";

interface Started {
  child: ChildProcess;
  url: string;
  key: string;
  output: () => string;
  readyMs: number;
}

/** Runs the README's `npm start` exactly, on a free port and a temporary data folder. */
async function npmStart(dataDir: string): Promise<Started> {
  const began = Date.now();
  const child = spawn("npm", ["start", "--silent"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: "0", ISP_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const deadline = Date.now() + 90_000;
  while (!/Press Ctrl\+C to stop/.test(output)) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = /API:\s+(http:\/\/\S+)\/v1/.exec(output)?.[1];
  const key = /Demo owner key: (\S+)/.exec(output)?.[1];
  if (!url || !key) throw new Error(`could not read the URL and key from:\n${output}`);
  return { child, url, key, output: () => output, readyMs: Date.now() - began };
}

/** Ctrl+C as a terminal sends it: SIGINT to the whole process group (npm, tsx, node, java). */
async function stop(started: Started): Promise<boolean> {
  const pid = started.child.pid;
  if (!pid) return false;
  const exited = new Promise<boolean>((resolve) =>
    started.child.once("exit", (code, signal) => resolve(code === 0 || signal === "SIGINT")),
  );
  process.kill(-pid, "SIGINT");
  const timer = setTimeout(() => process.kill(-pid, "SIGKILL"), 15_000);
  const clean = await exited;
  clearTimeout(timer);
  await expect(fetch(`${started.url}/v1/health`)).rejects.toThrow();
  return clean;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("npm start", () => {
  it("serves health and an authenticated list, and keeps the demo tenant across a restart", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "isp-start-"));
    dirs.push(dataDir);

    const first = await npmStart(dataDir);
    try {
      const health = await call(first, "GET", "/v1/health");
      expect(health.status).toBe(200);
      expect(health.json.status).toBe("ok");
      const list = await call(first, "GET", "/v1/subscribers", { token: first.key });
      expect(list.status).toBe(200);
      expect(list.json.items.length).toBeGreaterThanOrEqual(4);
      const openapi = await call(first, "GET", "/v1/openapi.json");
      expect(openapi.json.openapi).toBe("3.1.0");
      expect(first.output()).toContain(`curl -s ${first.url}/v1/subscribers`);
      process.stdout.write(`npm start ready in ${first.readyMs} ms (first start, includes seeding)\n`);
    } finally {
      expect(await stop(first)).toBe(true);
    }

    const second = await npmStart(dataDir);
    try {
      expect(second.key).toBe(first.key);
      const list = await call(second, "GET", "/v1/subscribers", { token: second.key });
      expect(list.status).toBe(200);
      expect(list.json.items.length).toBe(4);
      process.stdout.write(`npm start ready in ${second.readyMs} ms (restart)\n`);
    } finally {
      expect(await stop(second)).toBe(true);
    }
  }, 240_000);

  it("says what to install when java is missing", async () => {
    // A PATH with node and npm but no java.
    const bin = await mkdtemp(join(tmpdir(), "isp-nojava-"));
    dirs.push(bin);
    await symlink(process.execPath, join(bin, "node"));
    await symlink(execSync("command -v npm", { encoding: "utf8" }).trim(), join(bin, "npm"));
    await symlink("/bin/sh", join(bin, "sh"));
    const child = spawn(join(bin, "npm"), ["start", "--silent"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, PATH: bin, PORT: "0", ISP_DATA_DIR: "memory" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(output).toMatch(/Java was not found on PATH.*apt-get install -y openjdk-17-jre-headless/s);
  }, 60_000);
});
