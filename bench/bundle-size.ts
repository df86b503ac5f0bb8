import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { AUTHORIZER_ENTRY, apiFunctions } from "../functions/api/catalog.js";
import { PROJECT_ROOT } from "../shared/local/dynamodb-local.js";
import { emit, percentile, round } from "./lib/stats.js";

/**
 * Each Lambda bundled as the CDK stack bundles it (esbuild, ESM, node22, minified, SDK included),
 * with its size and its module-load time in a fresh Node process (a proxy for cold-start init).
 * The floor is a handler that only creates a DynamoDB document client: what any function on this
 * table must carry.
 */
const LOADS = Number(process.argv[2] ?? 5);
const work = await mkdtemp(join(tmpdir(), "isp-bundles-"));

async function bundle(name: string, entry: string) {
  const outfile = join(work, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    mainFields: ["module", "main"],
    minify: true,
    keepNames: true,
    banner: {
      js: "import { createRequire as __cjsCreateRequire } from 'node:module'; const require = __cjsCreateRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
  const bytes = execFileSync("stat", ["-c", "%s", outfile], { encoding: "utf8" }).trim();
  const gz = gzipSync(execFileSync("cat", [outfile])).length;
  const loads: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const t=performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now()-t)`,
      ],
      { encoding: "utf8", env: { ...process.env, TABLE_NAME: "bench", AWS_REGION: "us-east-1" } },
    );
    loads.push(Number(out.trim()));
  }
  return {
    name,
    kib: round(Number(bytes) / 1024, 0),
    gzip_kib: round(gz / 1024, 0),
    load_ms: round(percentile(loads, 50), 1),
  };
}

try {
  const floor = await bundle("floor", join(PROJECT_ROOT, "bench/lib/floor-handler.ts"));
  const entries = [
    ...apiFunctions.map((f) => [f.name, f.entry] as const),
    ["authorizer", AUTHORIZER_ENTRY] as const,
  ];
  const functions = [];
  for (const [name, entry] of entries) functions.push(await bundle(name, join(PROJECT_ROOT, entry)));
  for (const f of functions)
    process.stdout.write(`${f.name.padEnd(12)} ${f.kib} KiB (gzip ${f.gzip_kib}) load ${f.load_ms} ms\n`);
  process.stdout.write(
    `${"floor".padEnd(12)} ${floor.kib} KiB (gzip ${floor.gzip_kib}) load ${floor.load_ms} ms\n`,
  );
  const largest = functions.reduce((a, b) => (b.kib > a.kib ? b : a));
  const slowest = functions.reduce((a, b) => (b.load_ms > a.load_ms ? b : a));
  emit({
    bench: "bundle-size",
    functions: Object.fromEntries(
      functions.map((f) => [f.name, { kib: f.kib, gzip_kib: f.gzip_kib, load_ms: f.load_ms }]),
    ),
    max_kib: largest.kib,
    max_load_ms: slowest.load_ms,
    floor_kib: floor.kib,
    floor_load_ms: floor.load_ms,
    ratio_size: round(largest.kib / floor.kib),
    ratio_load: round(slowest.load_ms / floor.load_ms),
  });
} finally {
  await rm(work, { recursive: true, force: true });
}
