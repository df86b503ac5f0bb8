import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { AGENT_VERSION, Agent, type AgentLogger, describe, tuningFromEnvironment } from "./agent.js";
import { AppliedVersionsCorruptError } from "./applied-versions.js";
import { AgentConfigError, loadConfig } from "./config.js";
import { formatChecks, runDoctor } from "./doctor.js";
import { EnrollError, enroll } from "./enroll.js";

/*
 * isp-edge-agent run | doctor | enroll | version. Exit codes: 0 done, 1 a check or the run failed, 2 usage,
 * 78 (EX_CONFIG) configuration or state file refused: the systemd unit does not restart on 78,
 * because starting again with the same file fails the same way.
 */

const EXIT = { ok: 0, failed: 1, usage: 2, config: 78 } as const;

/** Where install.sh puts the config; `enroll` keeps the token beside it unless told otherwise. */
const DEFAULT_TOKEN_FILE = "/etc/isp-edge-agent/agent-token";

const USAGE = `usage: isp-edge-agent <command> [--config <path>]

  run --config <path>      run the agent (SIGTERM/SIGINT stop it gracefully; a second signal aborts)
  doctor --config <path>   check the config, the state file, both queues and every NAS path
  enroll <code> --api <url> [--token-file <path> | --config <path>]
                           exchange a one-time enrollment code (from POST /v1/sites/{id}/enrollments;
                           "-" reads it from stdin) for this site's agent token, written with mode
                           0600 to --token-file, else beside --config, else ${DEFAULT_TOKEN_FILE}
  version                  print the agent version

Tuning comes from ISP_EDGE_* environment variables (see README-install.md); LOG_LEVEL is one of
error, warn, info (default), silent.
`;

const LEVELS = { silent: 0, error: 1, warn: 2, info: 3 } as const;

function jsonLogger(setting: string | undefined): AgentLogger {
  const threshold = LEVELS[(setting ?? "info") as keyof typeof LEVELS] ?? LEVELS.info;
  const write =
    (level: "error" | "warn" | "info") => (message: string, context: Readonly<Record<string, unknown>>) => {
      if (LEVELS[level] > threshold) return;
      const line = JSON.stringify({ ...context, time: new Date().toISOString(), level, msg: message });
      process.stderr.write(`${line}\n`);
    };
  return { error: write("error"), warn: write("warn"), info: write("info") };
}

async function run(configPath: string): Promise<number> {
  const logger = jsonLogger(process.env.LOG_LEVEL);
  const config = await loadConfig(configPath);
  const tuning = tuningFromEnvironment(process.env);
  const agent = await Agent.create({ config, tuning, logger });
  let signals = 0;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      logger.info("signal received", { signal, abort: signals > 1 });
      agent.stop({ abort: signals > 1 }).then(resolve, (error: unknown) => {
        logger.error("stopping failed", { error: describe(error) });
        resolve();
      });
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  await agent.start();
  await stopped;
  return EXIT.ok;
}

async function doctor(configPath: string): Promise<number> {
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig(configPath);
  } catch (error) {
    if (!(error instanceof AgentConfigError)) throw error;
    process.stdout.write(
      formatChecks([{ check: "config", target: configPath, ok: false, detail: "refused (see below)" }]),
    );
    process.stderr.write(`${error.message}\n`);
    return EXIT.failed;
  }
  const checks = await runDoctor(config, { source: configPath });
  process.stdout.write(formatChecks(checks));
  return checks.every((c) => c.ok) ? EXIT.ok : EXIT.failed;
}

async function enrollCommand(
  code: string,
  values: { api?: string | undefined; config?: string | undefined; "token-file"?: string | undefined },
): Promise<number> {
  const api = values.api;
  if (api === undefined) {
    process.stderr.write(USAGE);
    return EXIT.usage;
  }
  const tokenFile = resolve(
    values["token-file"] ??
      (values.config ? join(dirname(values.config), "agent-token") : DEFAULT_TOKEN_FILE),
  );
  try {
    const secret = code === "-" ? readFileSync(0, "utf8").trim() : code;
    const done = await enroll({ code: secret, api, tokenFile, agentVersion: AGENT_VERSION });
    const block = JSON.stringify({ api, tokenFile: done.tokenFile });
    process.stdout.write(
      `enrolled: tenant ${done.tenantId}, site ${done.siteId}, generation ${done.generation}\n` +
        `agent token written to ${done.tokenFile} (mode 0600; the agent's user must own it)\n` +
        `add to the agent config:\n  "enrollment": ${block}\n`,
    );
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof EnrollError)) throw error;
    process.stderr.write(`isp-edge-agent enroll: ${describe(error)}\n`);
    return EXIT.failed;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const [command, ...extra] = parsed.positionals;
  const configPath = parsed.values.config;
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (command === "version" && extra.length === 0) {
    process.stdout.write(`isp-edge-agent ${AGENT_VERSION}\n`);
    return EXIT.ok;
  }
  if (command === "enroll" && extra.length === 1 && extra[0] !== undefined) {
    return enrollCommand(extra[0], parsed.values);
  }
  if ((command !== "run" && command !== "doctor") || extra.length > 0 || configPath === undefined) {
    process.stderr.write(USAGE);
    return EXIT.usage;
  }
  try {
    return command === "run" ? await run(configPath) : await doctor(configPath);
  } catch (error) {
    if (error instanceof AgentConfigError || error instanceof AppliedVersionsCorruptError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.config;
    }
    throw error;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: "string", short: "c" },
      help: { type: "boolean", short: "h" },
      api: { type: "string" },
      "token-file": { type: "string" },
    },
  });
}

process.on("uncaughtException", (error) => {
  process.stderr.write(
    `${JSON.stringify({ level: "error", msg: "uncaught exception", error: describe(error) })}\n`,
  );
  process.exit(EXIT.failed);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`isp-edge-agent: ${describe(error)}\n`);
    process.exit(EXIT.failed);
  },
);
