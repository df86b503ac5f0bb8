import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { isIP } from "node:net";
import { dirname } from "node:path";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe } from "./agent.js";
import { AppliedVersionStore, AppliedVersionsCorruptError, journalFileOf } from "./applied-versions.js";
import type { AgentConfig, NasConfig } from "./config.js";
import { AgentCredentialProvider } from "./credentials.js";
import { RadiusCode, RadiusDaClient, RadiusTimeoutError } from "./radius/index.js";
import { RouterApiClient } from "./routeros/api-driver.js";
import { RouterAuthError } from "./routeros/errors.js";

/*
 * `isp-edge-agent doctor`: can this agent do its job? Checks the state file, both queues
 * (GetQueueAttributes, harmless), and every NAS path the config names: an API login, a REST GET,
 * and a RADIUS CoA-Request for a user that does not exist (any authenticated reply, NAK 503
 * included, proves the address, port and shared secret). Each line names what failed and why,
 * never a password or secret.
 */

export interface DoctorCheck {
  readonly check: string;
  readonly target: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface DoctorOptions {
  readonly client?: SQSClient;
  /** Where the config came from, for the first line. */
  readonly source?: string;
  /** Bound on each network check. @default 5000 */
  readonly timeoutMs?: number;
}

const PROBE_USER = "isp-edge-doctor-probe";

export async function runDoctor(config: AgentConfig, options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  // An enrolled agent's credentials come from the cloud API, shared by the checks below.
  const enrolled =
    config.enrollment &&
    new AgentCredentialProvider({ ...config.enrollment, timeoutMs, failureBackoffMs: 0 });
  const client =
    options.client ??
    new SQSClient({
      region: config.queue.region,
      maxAttempts: 1,
      ...(config.queue.endpoint !== undefined && { endpoint: config.queue.endpoint }),
      ...(enrolled && { credentials: enrolled.provide }),
    });
  try {
    const head: DoctorCheck = {
      check: "config",
      target: options.source ?? "agent config",
      ok: true,
      detail: `tenant ${config.tenantId}, site ${config.siteId}, ${config.nas.length} NAS`,
    };
    const checks = await Promise.all([
      stateFileCheck(config.stateFile),
      ...(enrolled ? [credentialsCheck(enrolled, config.enrollment?.api ?? "")] : []),
      queueCheck(client, "commands queue", config.queue.commandsUrl, timeoutMs),
      // Enrolled credentials may only send to the events queue: there is nothing to read there.
      enrolled
        ? sendOnlyCheck(config.queue.eventsUrl)
        : queueCheck(client, "events queue", config.queue.eventsUrl, timeoutMs),
      ...config.nas.flatMap((nas) => nasChecks(nas, timeoutMs)),
    ]);
    return [head, ...checks];
  } finally {
    if (options.client === undefined) client.destroy();
  }
}

/** A fixed-width table: CHECK, TARGET, STATUS (OK / FAIL), DETAIL. */
export function formatChecks(checks: readonly DoctorCheck[]): string {
  const rows = [
    ["CHECK", "TARGET", "STATUS", "DETAIL"],
    ...checks.map((c) => [c.check, c.target, c.ok ? "OK" : "FAIL", c.detail]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return `${rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

async function stateFileCheck(file: string): Promise<DoctorCheck> {
  const check = (ok: boolean, detail: string) => ({ check: "state file", target: file, ok, detail });
  try {
    const versions = await AppliedVersionStore.read(file);
    const present = await Promise.all(
      [file, journalFileOf(file)].map((f) =>
        access(f).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (!present.includes(true)) return writableDirectory(file, check);
    // The journal is appended and snapshots are renamed into place: the directory must be writable.
    await access(dirname(file), constants.W_OK);
    return check(true, `${versions.size} subscriber version(s) recorded`);
  } catch (error) {
    if (error instanceof AppliedVersionsCorruptError) {
      return check(false, `${error.message.replace(/^state file \S+ /, "")}: the agent will refuse to start`);
    }
    const code = errorCode(error);
    return check(false, `cannot use it (${code ?? describe(error)})`);
  }
}

/** No file yet: the nearest existing directory must let the agent create it. */
async function writableDirectory(
  file: string,
  check: (ok: boolean, detail: string) => DoctorCheck,
): Promise<DoctorCheck> {
  for (let dir = dirname(file), i = 0; i < 64; dir = dirname(dir), i++) {
    try {
      await access(dir, constants.W_OK);
      return check(true, `not created yet; ${dir} is writable`);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") return check(false, `${dir} is not writable`);
    }
    if (dirname(dir) === dir) break;
  }
  return check(false, "no writable directory above it");
}

async function queueCheck(client: SQSClient, check: string, url: string, timeoutMs: number) {
  try {
    const out = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          "ApproximateNumberOfMessages",
          "ApproximateNumberOfMessagesNotVisible",
          "ApproximateNumberOfMessagesDelayed",
          "RedrivePolicy",
        ],
      }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    const a = out.Attributes ?? {};
    const redrive = parseRedrive(a.RedrivePolicy);
    const detail =
      `${a.ApproximateNumberOfMessages ?? "?"} waiting, ${a.ApproximateNumberOfMessagesNotVisible ?? "?"} ` +
      `in flight, ${a.ApproximateNumberOfMessagesDelayed ?? "?"} delayed; ` +
      (redrive === undefined ? "no dead-letter queue" : `dead-letter after ${redrive} receives`);
    return { check, target: url, ok: true, detail };
  } catch (error) {
    return { check, target: url, ok: false, detail: `GetQueueAttributes failed: ${describe(error)}` };
  }
}

async function credentialsCheck(provider: AgentCredentialProvider, api: string): Promise<DoctorCheck> {
  const check = (ok: boolean, detail: string) => ({ check: "aws credentials", target: api, ok, detail });
  try {
    const credentials = await provider.provide();
    return check(true, `issued for this site, valid until ${credentials.expiration.toISOString()}`);
  } catch (error) {
    return check(false, describe(error));
  }
}

function sendOnlyCheck(url: string): Promise<DoctorCheck> {
  const detail = "not read: enrolled credentials may only send here (the first heartbeat does)";
  return Promise.resolve({ check: "events queue", target: url, ok: true, detail });
}

function nasChecks(nas: NasConfig, timeoutMs: number): Promise<DoctorCheck>[] {
  const label = (path: string) => `nas ${nas.name} ${path}`;
  const out: Promise<DoctorCheck>[] = [];
  if (nas.api) out.push(apiCheck(nas, nas.api, label("api"), timeoutMs));
  if (nas.rest) out.push(restCheck(nas.rest, label("rest"), timeoutMs));
  if (nas.radius) out.push(radiusCheck(nas, nas.radius, label("radius"), timeoutMs));
  return out;
}

async function apiCheck(
  nas: NasConfig,
  api: NonNullable<NasConfig["api"]>,
  check: string,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const client = new RouterApiClient({
    host: nas.address,
    ...(api.port !== undefined && { port: api.port }),
    username: api.username,
    password: api.password,
    ...(api.tls && { tls: {} }),
    commandTimeoutMs: Math.min(api.timeoutMs, timeoutMs),
    connectTimeoutMs: Math.min(api.timeoutMs, timeoutMs),
  });
  const target = client.router;
  try {
    const [resource] = await client.exec("/system/resource/print");
    const version = resource?.version;
    return { check, target, ok: true, detail: `logged in as ${api.username}; RouterOS ${version ?? "?"}` };
  } catch (error) {
    const detail =
      error instanceof RouterAuthError
        ? `login as ${api.username} rejected: check api.username and api.password`
        : describe(error);
    return { check, target, ok: false, detail };
  } finally {
    await client.close().catch(() => {});
  }
}

async function restCheck(
  rest: NonNullable<NasConfig["rest"]>,
  check: string,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const url = new URL("/rest/system/resource", rest.baseUrl);
  const target = url.origin;
  try {
    const response = await fetch(url, {
      headers: {
        authorization: `Basic ${Buffer.from(`${rest.username}:${rest.password}`).toString("base64")}`,
      },
      signal: AbortSignal.timeout(Math.min(rest.timeoutMs, timeoutMs)),
    });
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status === 401 || response.status === 403) {
      return {
        check,
        target,
        ok: false,
        detail: `HTTP ${response.status}: login as ${rest.username} rejected: check rest.username and rest.password`,
      };
    }
    if (!response.ok) return { check, target, ok: false, detail: `HTTP ${response.status}` };
    // RouterOS answers an object for this one-item menu; the simulator a one-row list.
    const row: unknown = Array.isArray(body) ? body[0] : body;
    const version = row && typeof row === "object" ? Reflect.get(row, "version") : undefined;
    return { check, target, ok: true, detail: `HTTP 200; RouterOS ${String(version ?? "?")}` };
  } catch (error) {
    return { check, target, ok: false, detail: `unreachable: ${describe(error)}` };
  }
}

async function radiusCheck(
  nas: NasConfig,
  radius: NonNullable<NasConfig["radius"]>,
  check: string,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const target = `${nas.address}:${radius.port} (udp)`;
  const client = new RadiusDaClient({
    bindAddress: radius.bindAddress ?? (isIP(nas.address) === 6 ? "::" : "0.0.0.0"),
    messageAuthenticator: radius.messageAuthenticator,
  });
  const initial = Math.max(200, Math.floor(timeoutMs / 4));
  try {
    // Only session identification, for a user nobody has: nothing on the NAS can change.
    const reply = await client.send(
      { address: nas.address, port: radius.port, secret: radius.secret },
      RadiusCode.CoaRequest,
      [{ name: "User-Name", value: PROBE_USER }],
      {
        retry: {
          initialTimeoutMs: initial,
          maxTimeoutMs: initial * 2,
          maxAttempts: 3,
          maxDurationMs: timeoutMs,
        },
      },
    );
    const what =
      reply.kind === "ack"
        ? "CoA-ACK"
        : `CoA-NAK${reply.errorCause === undefined ? "" : ` ${reply.errorCause} ${reply.errorCauseName ?? ""}`.trimEnd()}`;
    return { check, target, ok: true, detail: `${what} to a probe: reachable, shared secret accepted` };
  } catch (error) {
    const detail =
      error instanceof RadiusTimeoutError
        ? `no reply within ${timeoutMs} ms: wrong radius.secret, this host is not a RADIUS client of the NAS ` +
          "(/radius incoming accept=yes), or the port is blocked"
        : describe(error);
    return { check, target, ok: false, detail };
  } finally {
    await client.close();
  }
}

function parseRedrive(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    const count: unknown = Reflect.get(Object(JSON.parse(text)), "maxReceiveCount");
    return typeof count === "number" || typeof count === "string" ? Number(count) : undefined;
  } catch {
    return undefined;
  }
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined;
}
