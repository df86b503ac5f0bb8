import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentConfigError, loadConfig } from "../../../edge-agent/config.js";
import { formatChecks, runDoctor } from "../../../edge-agent/doctor.js";
import { agentDocument, SECRETS, startWorld, type World } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const MAIN = join(ROOT, "edge-agent", "main.ts");
const WRONG_PASSWORD = "Wr0ng-Passw0rd-xyz";
const WRONG_SECRET = "Wr0ng-Radius-Secret";

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", MAIN, ...args],
      {
        cwd: ROOT,
        timeout: 30_000,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: "local",
          AWS_SECRET_ACCESS_KEY: "local",
          LOG_LEVEL: "silent",
          ...env,
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function configFile(name: string, over: Parameters<typeof agentDocument>[2] | object): Promise<string> {
  const file = join(world.dir, name);
  const doc = agentDocument(world.site, world.queues, { stateFile: join(world.dir, "state.json"), ...over });
  await writeFile(file, JSON.stringify(doc));
  return file;
}

const statusOf = (table: string, check: string) =>
  table
    .split("\n")
    .find((line) => line.startsWith(check))
    ?.match(/\s(OK|FAIL)\s/)?.[1];

describe("doctor", () => {
  it("reports OK for the config, state file, both queues and every path to the simulated NAS", async () => {
    const checks = await runDoctor(world.config(), { client: world.queues.client, timeoutMs: 2_000 });
    const table = formatChecks(checks);

    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ["config", true],
      ["state file", true],
      ["commands queue", true],
      ["events queue", true],
      ["nas simulated api", true],
      ["nas simulated rest", true],
      ["nas simulated radius", true],
    ]);
    expect(table.split("\n")[0]).toMatch(/^CHECK\s+TARGET\s+STATUS\s+DETAIL$/);
    expect(table).toMatch(/nas simulated radius .*CoA-NAK 503/);
    expect(table).toContain("RouterOS 7.18.2");
  });

  it("reports FAIL with a reason for a wrong API password and RADIUS secret, never printing them", async () => {
    const config = world.config({ apiPassword: WRONG_PASSWORD, radiusSecret: WRONG_SECRET });
    const checks = await runDoctor(config, { client: world.queues.client, timeoutMs: 1_000 });
    const table = formatChecks(checks);

    expect(statusOf(table, "nas simulated api")).toBe("FAIL");
    expect(statusOf(table, "nas simulated radius")).toBe("FAIL");
    expect(statusOf(table, "nas simulated rest")).toBe("OK");
    expect(table).toContain("login as billing rejected");
    expect(table).toMatch(/no reply within 1000 ms: wrong radius.secret/);
    for (const secret of [...SECRETS, WRONG_PASSWORD, WRONG_SECRET]) expect(table).not.toContain(secret);
  });

  it("reports a queue it cannot reach as FAIL", async () => {
    const config = world.config();
    const broken = {
      ...config,
      queue: { ...config.queue, commandsUrl: `${world.queues.sqs.endpoint}/000000000000/missing` },
    };
    const checks = await runDoctor(broken, { client: world.queues.client, timeoutMs: 1_000 });
    expect(checks.find((c) => c.check === "commands queue")).toMatchObject({ ok: false });
    expect(checks.find((c) => c.check === "events queue")).toMatchObject({ ok: true });
  });
});

describe("the isp-edge-agent CLI", () => {
  it("doctor prints the table and exits 0 when everything answers", async () => {
    const file = await configFile("good.json", {});
    const { code, stdout } = await cli(["doctor", "--config", file]);

    expect(statusOf(stdout, "nas simulated api")).toBe("OK");
    expect(stdout).not.toContain("FAIL");
    expect(code).toBe(0);
  });

  it("doctor exits 1 on a wrong password and prints neither it nor any secret", async () => {
    const file = await configFile("wrong.json", { apiPassword: WRONG_PASSWORD });
    const { code, stdout, stderr } = await cli(["doctor", "--config", file]);

    expect(code).toBe(1);
    expect(statusOf(stdout, "nas simulated api")).toBe("FAIL");
    expect(statusOf(stdout, "nas simulated radius")).toBe("OK");
    for (const secret of [...SECRETS, WRONG_PASSWORD]) expect(stdout + stderr).not.toContain(secret);
  });

  it("run and doctor refuse a bad config with the config loader's exact message", async () => {
    const file = join(world.dir, "bad.json");
    const doc = agentDocument(world.site, world.queues, { stateFile: "s.json" });
    const [nas] = doc.nas;
    await writeFile(file, JSON.stringify({ ...doc, nas: [{ ...nas, radius: { secret: "" }, extra: 1 }] }));
    const expected = await loadConfig(file).then(
      () => "",
      (error: unknown) => (error instanceof AgentConfigError ? error.message : ""),
    );
    expect(expected).toContain("nas[0].radius.secret: must not be empty");

    const run = await cli(["run", "--config", file]);
    const doctor = await cli(["doctor", "--config", file]);

    expect(run.code).toBe(78);
    expect(run.stderr).toBe(`${expected}\n`);
    expect(doctor.code).toBe(1);
    expect(doctor.stderr).toBe(`${expected}\n`);
    expect(doctor.stdout).toMatch(/^config\s+\S+bad\.json\s+FAIL/m);
  });

  it("refuses an unknown or invalid ISP_EDGE_ tuning variable by name", async () => {
    const file = await configFile("tuning.json", {});
    const { code, stderr } = await cli(["run", "--config", file], {
      ISP_EDGE_CONCURRENCY: "lots",
      ISP_EDGE_WAIT_TIME_SECONDS: "25",
      ISP_EDGE_NO_SUCH: "1",
    });

    expect(code).toBe(78);
    expect(stderr).toContain("ISP_EDGE_CONCURRENCY: must be a whole number");
    expect(stderr).toContain("ISP_EDGE_WAIT_TIME_SECONDS: Too big");
    expect(stderr).toContain("ISP_EDGE_NO_SUCH: is not a known setting");
  });

  it("prints its version and a usage line for anything else", async () => {
    const version = await cli(["version"]);
    const usage = await cli(["frobnicate"]);

    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^isp-edge-agent \S+\n$/) });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage: isp-edge-agent");
  });
});
