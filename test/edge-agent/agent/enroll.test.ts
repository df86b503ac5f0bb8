import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../edge-agent/config.js";
import { AgentCredentialProvider } from "../../../edge-agent/credentials.js";
import { runDoctor } from "../../../edge-agent/doctor.js";
import { EnrollError, enroll } from "../../../edge-agent/enroll.js";
import type { LocalCloud } from "../../../shared/local/cloud.js";
import { siteQueueName } from "../../../shared/ports/queue.js";
import { createEnrollmentCode } from "../../../shared/services/site-agents.js";
import { call, createWorld, startTestCloud, type TenantWorld } from "../../support/api.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const MAIN = join(ROOT, "edge-agent", "main.ts");

let cloud: LocalCloud;
let world: TenantWorld;
let dir: string;

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "agent enroll");
  dir = await mkdtemp(join(tmpdir(), "agent-enroll-"));
});
afterAll(async () => {
  await cloud?.stop();
  await rm(dir, { recursive: true, force: true });
});

const newCode = async () => (await createEnrollmentCode(cloud.deps, world.owner, world.siteId)).code;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe("isp-edge-agent enroll", () => {
  it("writes the token to a 0600 file beside the config, prints the config block, never the token", async () => {
    const config = join(dir, "site-a", "config.json");
    const res = await cli(["enroll", await newCode(), "--api", cloud.url, "--config", config]);
    expect(res.code, res.stderr).toBe(0);

    const tokenFile = join(dir, "site-a", "agent-token");
    expect(await mode(tokenFile)).toBe(0o600);
    const token = (await readFile(tokenFile, "utf8")).trim();
    expect(token).toMatch(new RegExp(`^agt\\.${world.tenantId}\\.${world.siteId}\\.\\d+\\.`));
    expect(res.stdout).toContain(`enrolled: tenant ${world.tenantId}, site ${world.siteId}`);
    expect(res.stdout).toContain(`"enrollment": ${JSON.stringify({ api: cloud.url, tokenFile })}`);
    expect(res.stdout + res.stderr).not.toContain(token.split(".").pop());
  }, 60_000);

  it("refuses a used code with the cloud's reason and exit code 1", async () => {
    const used = await newCode();
    const tokenFile = join(dir, "once", "agent-token");
    expect((await cli(["enroll", used, "--api", cloud.url, "--token-file", tokenFile])).code).toBe(0);
    const again = await cli([
      "enroll",
      used,
      "--api",
      cloud.url,
      "--token-file",
      join(dir, "twice", "agent-token"),
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/enrollment refused \(HTTP 409\): This enrollment code was already used/);
  }, 60_000);

  it("replaces a readable token file with a 0600 one", async () => {
    const tokenFile = join(dir, "loose", "agent-token");
    await enroll({ code: await newCode(), api: cloud.url, tokenFile, agentVersion: "test" });
    await writeFile(tokenFile, "old\n", { mode: 0o644 });
    await enroll({ code: await newCode(), api: cloud.url, tokenFile, agentVersion: "test" });
    expect(await mode(tokenFile)).toBe(0o600);
    expect(await readFile(tokenFile, "utf8")).toMatch(/^agt\./);
  });

  it("reports an unreachable API without writing anything", async () => {
    const tokenFile = join(dir, "unreachable", "agent-token");
    const error = await enroll({
      code: await newCode(),
      api: "http://127.0.0.1:9",
      tokenFile,
      agentVersion: "test",
      timeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnrollError);
    await expect(stat(tokenFile)).rejects.toThrow(/ENOENT/);
  });
});

describe("an enrolled agent", () => {
  it("reaches its site queue with fetched credentials, and its next refresh after revocation is refused", async () => {
    const tokenFile = join(dir, "live", "agent-token");
    const enrolled = await enroll({ code: await newCode(), api: cloud.url, tokenFile, agentVersion: "test" });
    expect(enrolled).toMatchObject({ tenantId: world.tenantId, siteId: world.siteId });

    let now = Date.now();
    const provider = new AgentCredentialProvider({ api: cloud.url, tokenFile, now: () => now });
    const client = new SQSClient({
      endpoint: cloud.sqsEndpoint,
      region: "local",
      credentials: provider.provide,
    });
    const queueUrl = `${cloud.sqsEndpoint}/000000000000/${siteQueueName("isp-local", world.tenantId, world.siteId)}`;
    const out = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }),
    );
    expect(out.Attributes?.QueueArn).toContain(world.siteId);

    const revoked = await call(cloud, "DELETE", `/v1/sites/${world.siteId}/agent`, {
      token: world.keys.admin,
    });
    expect(revoked.status).toBe(200);
    now += 56 * 60_000; // inside the refresh window of the hour-long credentials
    await expect(provider.provide()).rejects.toMatchObject({
      name: "CredentialsProviderError",
      reason: "refused",
    });
    client.destroy();
  });

  it("is checked by doctor: credentials from the cloud, its commands queue, the events queue not read", async () => {
    const configPath = join(dir, "doctor", "config.json");
    const tokenFile = join(dir, "doctor", "agent-token");
    await enroll({ code: await newCode(), api: cloud.url, tokenFile, agentVersion: "test" });
    const queueName = siteQueueName("isp-local", world.tenantId, world.siteId);
    await writeFile(
      configPath,
      JSON.stringify({
        tenantId: world.tenantId,
        siteId: world.siteId,
        queue: {
          commandsUrl: `${cloud.sqsEndpoint}/000000000000/${queueName}`,
          eventsUrl: cloud.agentEventsUrl,
          region: "local",
          endpoint: cloud.sqsEndpoint,
        },
        stateFile: "state.json",
        enrollment: { api: cloud.url, tokenFile: "agent-token" },
        nas: [
          {
            id: world.nasId,
            name: "core",
            address: "127.0.0.1",
            method: "radius",
            services: ["pppoe"],
            radius: { secret: "doctor-secret", port: 9, retry: { maxAttempts: 1, initialTimeoutMs: 100 } },
            suspension: { style: "disable" },
          },
        ],
      }),
    );
    const config = await loadConfig(configPath);
    expect(config.enrollment?.tokenFile).toBe(tokenFile);

    const checks = await runDoctor(config, { timeoutMs: 2_000 });
    const byName = new Map(checks.map((c) => [c.check, c]));
    expect(byName.get("aws credentials")).toMatchObject({ ok: true, target: cloud.url });
    expect(byName.get("aws credentials")?.detail).toMatch(/valid until/);
    expect(byName.get("commands queue")).toMatchObject({ ok: true });
    expect(byName.get("events queue")).toMatchObject({ ok: true });
    expect(byName.get("events queue")?.detail).toMatch(/not read/);
  }, 30_000);
});
