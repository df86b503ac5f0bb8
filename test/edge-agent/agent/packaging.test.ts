import { execFile, spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentTuningSchema, tuningVariable } from "../../../edge-agent/agent.js";
import { buildAgent } from "../../../edge-agent/build.js";
import { parseConfig } from "../../../edge-agent/config.js";
import { agentDocument, startWorld, type World } from "./helpers.js";

const PACKAGING = fileURLToPath(new URL("../../../edge-agent/packaging/", import.meta.url));
const read = (name: string) => readFile(join(PACKAGING, name), "utf8");

let world: World;
let bundle: string;

beforeAll(async () => {
  world = await startWorld();
  bundle = (await buildAgent(join(world.dir, "edge-agent.mjs"))).outfile;
}, 60_000);

afterAll(async () => {
  await world.close();
});

function node(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      {
        timeout: 30_000,
        env: { ...process.env, AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

describe("the single-file bundle", () => {
  it("runs with nothing but node: version, and doctor against the simulated site", async () => {
    const config = join(world.dir, "bundle.json");
    await writeFile(
      config,
      JSON.stringify(agentDocument(world.site, world.queues, { stateFile: join(world.dir, "s.json") })),
    );

    const version = await node([bundle, "version"]);
    const doctor = await node([bundle, "doctor", "--config", config]);

    const pkg: unknown = JSON.parse(
      await readFile(new URL("../../../package.json", import.meta.url), "utf8"),
    );
    expect(version.stdout).toBe(`isp-edge-agent ${String(Reflect.get(Object(pkg), "version"))}\n`);
    expect(doctor.stdout).toMatch(/nas simulated api\s+\S+\s+OK/);
    expect(doctor.code).toBe(0);
  });
});

describe("packaging", () => {
  it("the unit runs the bundle as a dedicated, hardened user that may write only its state", async () => {
    const unit = await read("isp-edge-agent.service");
    for (const line of [
      "User=isp-edge-agent",
      "Restart=always",
      "RestartPreventExitStatus=78",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ReadWritePaths=/var/lib/isp-edge-agent",
      "StateDirectory=isp-edge-agent",
      "CapabilityBoundingSet=",
      "KillSignal=SIGTERM",
    ]) {
      expect(unit.split("\n")).toContain(line);
    }
    expect(unit).toMatch(
      /^ExecStart=\/usr\/bin\/node .*\/opt\/isp-edge-agent\/edge-agent\.mjs run --config \/etc\/isp-edge-agent\/config\.json$/m,
    );
    const verify = spawnSync("systemd-analyze", ["verify", join(PACKAGING, "isp-edge-agent.service")], {
      encoding: "utf8",
    });
    if (verify.error === undefined) expect(verify.stderr).not.toContain("isp-edge-agent.service:");
  });

  it("install.sh is valid POSIX sh and the example config passes the schema", async () => {
    expect(spawnSync("sh", ["-n", join(PACKAGING, "install.sh")]).status).toBe(0);
    const example: unknown = JSON.parse(await read("config.example.json"));
    expect(parseConfig(example).stateFile).toMatch(/^\/var\/lib\/isp-edge-agent\//);
  });

  it("README-install.md documents every tuning variable with its default", async () => {
    const readme = await read("README-install.md");
    const defaults = AgentTuningSchema.parse({});
    for (const [key, value] of Object.entries(defaults)) {
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${tuningVariable(key)}\`\\s*\\|\\s*${value}\\s*\\|`));
    }
  });
});
