import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppliedVersionStore, AppliedVersionsCorruptError } from "../../edge-agent/applied-versions.js";
import { rejection } from "./routeros/helpers.js";

const writer = fileURLToPath(new URL("./fixtures/applied-versions-writer.ts", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "applied-versions-"));
  file = join(dir, "state.json");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What a fresh open would find on disk: the snapshot with the journal replayed over it. */
async function onDisk(): Promise<Record<string, number>> {
  return Object.fromEntries(await AppliedVersionStore.read(file));
}

describe("AppliedVersionStore", () => {
  it("starts empty without a file and applies only newer versions", async () => {
    const store = await AppliedVersionStore.open(file);
    expect(store.shouldApply("sub_1", 0)).toBe(true);
    await store.record("sub_1", 5);
    expect(store.shouldApply("sub_1", 5)).toBe(false);
    expect(store.shouldApply("sub_1", 4)).toBe(false);
    expect(store.shouldApply("sub_1", 6)).toBe(true);
    expect(store.shouldApply("sub_2", 1)).toBe(true);
  });

  it("has the version on disk when record() resolves, and never lowers it", async () => {
    const store = await AppliedVersionStore.open(file);
    await store.record("sub_1", 7);
    expect(await onDisk()).toEqual({ sub_1: 7 });
    await store.record("sub_1", 3);
    expect(await onDisk()).toEqual({ sub_1: 7 });
    const reopened = await AppliedVersionStore.open(file);
    expect(reopened.lastApplied("sub_1")).toBe(7);
  });

  it("batches records made together into few writes (group commit)", async () => {
    const store = await AppliedVersionStore.open(file);
    await Promise.all(Array.from({ length: 500 }, (_, i) => store.record(`sub_${i}`, i + 1)));
    expect(store.writeCount).toBeLessThanOrEqual(2);
    expect(Object.keys(await onDisk())).toHaveLength(500);
  });

  it("appends a line per record to the journal instead of rewriting the map", async () => {
    const store = await AppliedVersionStore.open(file);
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.record(`sub_${i}`, 1)));
    await store.record("sub_7", 2);
    const journal = await readFile(`${file}.journal`, "utf8");
    expect(journal.split("\n").filter((l) => l !== "")).toHaveLength(301);
    expect(journal.endsWith('["sub_7",2]\n')).toBe(true);
    await expect(readFile(file, "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("compacts the journal into a new snapshot past its bound and keeps every version", async () => {
    const store = await AppliedVersionStore.open(file, { compactAfter: 50 });
    for (let round = 1; round <= 4; round++) {
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.record(`sub_${i}`, round)));
    }
    await store.flush();
    const snapshot: unknown = JSON.parse(await readFile(file, "utf8"));
    expect(Object.keys(Reflect.get(Object(snapshot), "versions"))).toHaveLength(40);
    const lines = (await readFile(`${file}.journal`, "utf8")).split("\n").filter((l) => l !== "");
    expect(lines.length).toBeLessThan(160);
    const reopened = await AppliedVersionStore.open(file);
    for (let i = 0; i < 40; i++) expect(reopened.lastApplied(`sub_${i}`)).toBe(4);
    await store.close();
  });

  it("drops a journal line a crash cut short, and refuses a damaged line before the last", async () => {
    await writeFile(file, JSON.stringify({ format: 1, versions: { sub_1: 4 } }));
    await writeFile(`${file}.journal`, '["sub_1",6]\n["sub_2",3]\n["sub_1",9');
    const store = await AppliedVersionStore.open(file);
    expect(store.lastApplied("sub_1")).toBe(6);
    expect(store.lastApplied("sub_2")).toBe(3);

    await writeFile(`${file}.journal`, '["sub_1",6]\n["sub_1",\n["sub_2",3]\n');
    const error = await rejection(AppliedVersionStore.open(file));
    expect(error).toBeInstanceOf(AppliedVersionsCorruptError);
    expect(String(error)).toContain("line 2 is not valid JSON");
  });

  it("refuses a corrupt file with a clear error instead of starting on a guess", async () => {
    await writeFile(file, '{"format":1,"versions":{"sub_1":');
    const error = await rejection(AppliedVersionStore.open(file));
    expect(error).toBeInstanceOf(AppliedVersionsCorruptError);
    expect(String(error)).toContain(`state file ${file} is corrupt (not valid JSON)`);
    expect(String(error)).toContain("move it aside");
  });

  it("refuses a file of the wrong shape, naming where", async () => {
    await writeFile(file, JSON.stringify({ format: 1, versions: { sub_1: -2 } }));
    const error = await rejection(AppliedVersionStore.open(file));
    expect(error).toBeInstanceOf(AppliedVersionsCorruptError);
    expect(String(error)).toContain("unexpected shape at versions.sub_1");
  });

  it("ignores and removes a half-written temporary file a crash left behind", async () => {
    await writeFile(file, JSON.stringify({ format: 1, versions: { sub_1: 4 } }));
    await writeFile(join(dir, "state.json.999.3.tmp"), '{"format":1,"versi');
    const store = await AppliedVersionStore.open(file);
    expect(store.lastApplied("sub_1")).toBe(4);
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("a reader never sees a partial state while writes and compactions run back to back", async () => {
    const store = await AppliedVersionStore.open(file, { compactAfter: 20 });
    await store.record("sub_0", 0);
    let writing = true;
    const writes = (async () => {
      for (let v = 1; v <= 150; v++)
        await Promise.all([store.record("sub_0", v), store.record(`sub_${v}`, v)]);
      writing = false;
    })();
    let reads = 0;
    let last = 0;
    while (writing && reads < 20_000) {
      const versions = await onDisk(); // throws on a torn snapshot or journal
      const now = versions.sub_0 ?? -1;
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
      reads += 1;
    }
    await writes;
    expect(reads).toBeGreaterThan(10);
    expect((await onDisk()).sub_0).toBe(150);
  });

  it("survives SIGKILL at random instants, compactions included: the state always loads and holds every version reported durable", async () => {
    for (let run = 0; run < 4; run++) {
      // Every other run compacts every few rounds, so kills land inside compactions too.
      const args = run % 2 === 0 ? [writer, file] : [writer, file, "12"];
      const child = spawn(process.execPath, ["--import", "tsx", ...args], {
        cwd: root,
        env: { ...process.env, NODE_OPTIONS: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        err += chunk.toString();
      });
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const deadline = Date.now() + 15_000;
      while (!out.includes("\n") && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(out, err).toContain("\n");
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 150)));
      child.kill("SIGKILL");
      await exited;
      const reported = out
        .split("\n")
        .filter((line) => line !== "")
        .map(Number);
      const durable = Math.max(...reported);
      const store = await AppliedVersionStore.open(file);
      for (const sub of ["sub_A", "sub_B", "sub_C", "sub_D"]) {
        expect(store.lastApplied(sub)).toBeGreaterThanOrEqual(durable);
      }
      expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    }
  }, 90_000);
});
