import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `npm run bench -- NAME [args]` runs bench/NAME.ts. Every bench prints one JSON object of figures as
 * its last line; this runner checks that it did.
 */
const here = dirname(fileURLToPath(import.meta.url));
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .map((f) => f.slice(0, -3));

if (!name || !existsSync(join(here, `${name}.ts`))) {
  process.stderr.write(`usage: npm run bench -- NAME [args]\navailable: ${available.join(", ")}\n`);
  process.exit(2);
}

const child = spawn(process.execPath, ["--import", "tsx", join(here, `${name}.ts`), ...args], {
  stdio: ["ignore", "pipe", "inherit"],
  env: {
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  },
});
// Keep only the tail of the output: the last complete line is the figures.
let tail = "";
child.stdout.on("data", (d: Buffer) => {
  process.stdout.write(d);
  tail = (tail + d.toString()).slice(-65_536);
});
child.on("exit", (code) => {
  if (code !== 0) process.exit(code ?? 1);
  const last =
    tail
      .split("\n")
      .filter((l) => l.trim() !== "")
      .pop() ?? "";
  try {
    JSON.parse(last);
  } catch {
    process.stderr.write(`bench ${name} did not end with a JSON line\n`);
    process.exit(1);
  }
});
