import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentConfigError, loadConfig, parseConfig, rateOf, redacted } from "../../edge-agent/config.js";
import { newId } from "../../shared/domain/ids.js";

const RADIUS_SECRET = "Radius-S3cret-XYZ";
const API_PASSWORD = "Api-Passw0rd-XYZ";
const REST_PASSWORD = "Rest-Passw0rd-XYZ";
const SECRETS = [RADIUS_SECRET, API_PASSWORD, REST_PASSWORD];
const NAS_ID = newId("nas");

function nas(over: Record<string, unknown> = {}) {
  return {
    id: NAS_ID,
    name: "core-1",
    address: "10.0.0.1",
    method: "radius",
    services: ["pppoe", "hotspot"],
    radius: { secret: RADIUS_SECRET },
    api: { username: "billing", password: API_PASSWORD },
    rest: { baseUrl: "https://10.0.0.1", username: "billing", password: REST_PASSWORD },
    suspension: { style: "address-list", suspendedList: "unpaid" },
    ...over,
  };
}

function document(over: Record<string, unknown> = {}, nasOver: Record<string, unknown> = {}) {
  return {
    tenantId: newId("tenant"),
    siteId: newId("site"),
    queue: {
      commandsUrl: "https://sqs.ap-south-1.amazonaws.com/123456789012/site-commands",
      eventsUrl: "https://sqs.ap-south-1.amazonaws.com/123456789012/agent-events",
      region: "ap-south-1",
    },
    stateFile: "/var/lib/isp-agent/state.json",
    nas: [nas(nasOver)],
    ...over,
  };
}

/** The issues of a refused document, as "path: message" lines. */
function issues(input: unknown): string[] {
  try {
    parseConfig(input);
  } catch (error) {
    if (!(error instanceof AgentConfigError)) throw error;
    for (const secret of SECRETS) expect(error.message).not.toContain(secret);
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected the config to be refused");
}

describe("agent config", () => {
  it("accepts a full document and fills the documented defaults", () => {
    const config = parseConfig(document());
    const [first] = config.nas;
    expect(first?.radius).toMatchObject({ port: 3799, messageAuthenticator: true });
    expect(first?.api).toMatchObject({ tls: false, timeoutMs: 10_000 });
    expect(first?.verify).toBe(true);
    expect(first && rateOf(first)).toBe("coa");
    expect(rateOf({ method: "api" })).toBe("queue");
  });

  it.each([
    [
      "a method without its block",
      { method: "api", api: undefined },
      'nas[0].api: is required when method is "api"',
    ],
    ["radius without radius", { radius: undefined }, 'nas[0].radius: is required when method is "radius"'],
    [
      "profile style without a profile",
      { suspension: { style: "profile" } },
      'nas[0].suspension.suspendedProfile: is required when style is "profile"',
    ],
    [
      "address-list style without a list",
      { suspension: { style: "address-list" } },
      'nas[0].suspension.suspendedList: is required when style is "address-list"',
    ],
    [
      "a walled style with RADIUS alone",
      { api: undefined, rest: undefined, suspension: { style: "profile", suspendedProfile: "x" } },
      'nas[0].suspension.style: "profile" needs api or rest credentials: RADIUS cannot change profiles or address lists',
    ],
    [
      "coa without RADIUS",
      { method: "api", radius: undefined, rate: "coa" },
      'nas[0].rate: "coa" needs a radius block',
    ],
    [
      "a queue rate with RADIUS alone",
      { api: undefined, rest: undefined, rate: "queue", suspension: { style: "disable" } },
      'nas[0].rate: "queue" needs api or rest credentials',
    ],
    ["a repeated service", { services: ["pppoe", "pppoe"] }, "nas[0].services: must not repeat a service"],
    ["no service", { services: [] }, "nas[0].services: must name at least one service"],
    ["a host name as address", { address: "router.local" }, "nas[0].address: must be an IP address literal"],
    [
      "a bind address of the other family",
      { radius: { secret: RADIUS_SECRET, bindAddress: "::1" } },
      "nas[0].radius.bindAddress: must be the same IP family as address",
    ],
    [
      "credentials in the REST URL",
      {
        rest: { baseUrl: `https://admin:${REST_PASSWORD}@10.0.0.1`, username: "a", password: REST_PASSWORD },
      },
      "nas[0].rest.baseUrl: must not carry credentials: use username and password",
    ],
    ["an empty secret", { radius: { secret: "" } }, "nas[0].radius.secret: must not be empty"],
    ["a missing password", { api: { username: "billing" } }, "nas[0].api.password: is required"],
    [
      "a misspelt key",
      { radius: { secret: RADIUS_SECRET, prot: 3799 } },
      'nas[0].radius: Unrecognized key: "prot"',
    ],
    [
      "a bad port",
      { radius: { secret: RADIUS_SECRET, port: 70000 } },
      "nas[0].radius.port: Too big: expected number to be <=65535",
    ],
  ])("refuses %s, naming the path", (_, nasOver, expected) => {
    expect(issues(document({}, nasOver))).toContain(expected);
  });

  it("names top-level paths exactly", () => {
    const refused = issues(
      document({
        tenantId: undefined,
        metrics: { host: "0.0.0.0", port: 9100 },
        queue: { commandsUrl: "not a url", eventsUrl: "ftp://x", region: "ap-south-1" },
      }),
    );
    expect(refused).toEqual([
      "tenantId: is required",
      "queue.commandsUrl: must be an http(s) URL",
      "queue.eventsUrl: must be an http(s) URL",
      'metrics.host: must be "127.0.0.1": metrics stay on loopback',
    ]);
  });

  it("refuses two NASes with one id", () => {
    const config = document();
    expect(issues({ ...config, nas: [nas(), nas({ name: "core-2" })] })).toEqual([
      "nas[1].id: duplicates nas[0].id",
    ]);
  });

  it("never echoes a secret, even one pasted into the wrong field", () => {
    const misplaced = nas({
      method: RADIUS_SECRET,
      address: API_PASSWORD,
      name: REST_PASSWORD.repeat(10),
      radius: { secret: RADIUS_SECRET, [RADIUS_SECRET]: 1 },
      rest: {
        baseUrl: `https://u:${REST_PASSWORD}@10.0.0.1`,
        username: "u",
        password: REST_PASSWORD.repeat(20),
      },
      api: { username: "", password: 42 },
    });
    const refused = issues(document({ siteId: REST_PASSWORD, nas: [misplaced] }));
    expect(refused.length).toBeGreaterThan(4);
  });

  it("redacted() hides every secret and keeps the rest", () => {
    const printed = JSON.stringify(redacted(parseConfig(document())));
    for (const secret of SECRETS) expect(printed).not.toContain(secret);
    expect(printed).toContain('"secret":"[redacted]"');
    expect(printed).toContain("10.0.0.1");
  });
});

describe("loadConfig", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "agent-config-"));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads JSON and resolves a relative state file against the config's directory", async () => {
    const file = join(dir, "agent.json");
    await writeFile(file, JSON.stringify(document({ stateFile: "state/applied.json" })));
    expect((await loadConfig(file)).stateFile).toBe(join(dir, "state/applied.json"));
  });

  it("resolves a relative enrollment token file against the config's directory too", async () => {
    const file = join(dir, "agent.json");
    const enrollment = { api: "https://api.example.net", tokenFile: "agent-token" };
    await writeFile(file, JSON.stringify(document({ enrollment })));
    expect((await loadConfig(file)).enrollment).toEqual({
      ...enrollment,
      tokenFile: join(dir, "agent-token"),
    });
  });

  it("refuses an enrollment block without an http(s) API or a token file, or with unknown keys", () => {
    expect(issues(document({ enrollment: { api: "ftp://x", tokenFile: "", token: "agt.x" } }))).toEqual([
      "enrollment.api: must be an http(s) URL",
      "enrollment.tokenFile: must not be empty",
      'enrollment: Unrecognized key: "token"',
    ]);
  });

  it("reports invalid JSON by file only: V8's message would quote the text around the fault", async () => {
    const file = join(dir, "agent.json");
    await writeFile(file, `{"nas":[{"radius":{"secret":"${RADIUS_SECRET}"}}]`);
    const error = await loadConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentConfigError);
    expect(String(error)).toBe(`AgentConfigError: agent config ${file} is not valid JSON`);
  });

  it("names the file and the error code when it cannot be read", async () => {
    const file = join(dir, "missing.json");
    await expect(loadConfig(file)).rejects.toThrow(`cannot read agent config ${file} (ENOENT)`);
  });

  it("prefixes validation errors with the file", async () => {
    const file = join(dir, "agent.json");
    await writeFile(file, JSON.stringify(document({}, { verify: "yes" })));
    await expect(loadConfig(file)).rejects.toThrow(
      `invalid agent config ${file}:\n  nas[0].verify: Invalid input: expected boolean, received string`,
    );
  });
});
