import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/*
 * Bundles the agent CLI into ONE file that needs nothing but Node.js (22 targeted, 20.11+ runs it):
 *   npx tsx edge-agent/build.ts [outfile]     (default dist/edge-agent.mjs)
 * node-routeros and parts of the AWS SDK are CommonJS and call require(); the banner gives the ESM
 * bundle a real `require` for Node's built-ins.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface BuildResult {
  readonly outfile: string;
  readonly bytes: number;
  readonly version: string;
}

export async function buildAgent(
  outfile = join(ROOT, "dist", "edge-agent.mjs"),
  options: { readonly minify?: boolean } = {},
): Promise<BuildResult> {
  const pkg: unknown = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  const version = String(Reflect.get(Object(pkg), "version") ?? "0.0.0");
  await build({
    entryPoints: [join(ROOT, "edge-agent", "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    define: { __EDGE_AGENT_VERSION__: JSON.stringify(version) },
    // Only required by node-routeros when ENV=testing; not installed, never loaded in production.
    external: ["source-map-support"],
    banner: {
      js: [
        "#!/usr/bin/env node",
        'import { createRequire as __createRequire } from "node:module";',
        "const require = __createRequire(import.meta.url);",
      ].join("\n"),
    },
  });
  return { outfile, bytes: (await stat(outfile)).size, version };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildAgent(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
  process.stdout.write(`${out.outfile}: ${(out.bytes / 1024).toFixed(0)} KiB, version ${out.version}\n`);
}
