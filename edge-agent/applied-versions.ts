import { constants } from "node:fs";
import { type FileHandle, mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import * as z from "zod";

/*
 * The last subscriber version the agent applied (decision 3): a command runs only when its version
 * is newer. The map lives in memory and is persisted as one JSON file replaced atomically: write a
 * temporary file in the same directory, fsync it, rename it over the old one, fsync the directory.
 * A SIGKILL at any instant leaves either the old file or the new one, never a mix. Records made
 * while a write is in flight are batched into the next write (group commit), and `record()`
 * resolves only once the version is on disk, so a caller reports "applied" only after that.
 */

const FileSchema = z.strictObject({
  format: z.literal(1),
  versions: z.record(z.string().min(1), z.number().int().min(0)),
});

const TEMP_SUFFIX = ".tmp";

/** The state file exists but cannot be trusted; the agent must not start on a guess. */
export class AppliedVersionsCorruptError extends Error {
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `state file ${file} is corrupt (${detail}); move it aside to start with an empty one ` +
        "(commands already applied will then be applied again, which is harmless)",
      options,
    );
    this.name = "AppliedVersionsCorruptError";
  }
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class AppliedVersionStore {
  private readonly versions: Map<string, number>;
  private waiting: Waiter[] = [];
  private writing: Promise<void> | undefined;
  private dirty = false;
  private writes = 0;

  private constructor(
    readonly file: string,
    initial: Map<string, number>,
  ) {
    this.versions = initial;
  }

  /**
   * Loads `file` (missing = empty, its directory is created) and removes temporary files a crash
   * may have left beside it. A file that exists but does not parse is refused.
   */
  static async open(file: string): Promise<AppliedVersionStore> {
    await mkdir(dirname(file), { recursive: true });
    const versions = await load(file);
    const prefix = `${basename(file)}.`;
    const leftovers = (await readdir(dirname(file)).catch(() => [])).filter(
      (name) => name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX),
    );
    await Promise.all(leftovers.map((name) => unlink(join(dirname(file), name)).catch(() => {})));
    return new AppliedVersionStore(file, versions);
  }

  /** True when `version` is newer than anything applied (or being made durable) for the subscriber. */
  shouldApply(subscriberId: string, version: number): boolean {
    const last = this.versions.get(subscriberId);
    return last === undefined || version > last;
  }

  lastApplied(subscriberId: string): number | undefined {
    return this.versions.get(subscriberId);
  }

  get size(): number {
    return this.versions.size;
  }

  /** Completed file writes, for tests and metrics. */
  get writeCount(): number {
    return this.writes;
  }

  /** Remembers `version` (never lowering it) and resolves once it is durable on disk. */
  record(subscriberId: string, version: number): Promise<void> {
    if (!Number.isInteger(version) || version < 0)
      throw new RangeError("version must be a non-negative integer");
    const last = this.versions.get(subscriberId);
    if (last === undefined || version > last) {
      this.versions.set(subscriberId, version);
      this.dirty = true;
    }
    return this.flush();
  }

  /** Resolves once everything recorded so far is durable. */
  flush(): Promise<void> {
    if (!this.dirty && this.writing === undefined) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.writing ??= this.drain();
    return done;
  }

  /** Writes until nothing is dirty; each write covers every record made before it started. */
  private async drain(): Promise<void> {
    // Let records made in the same tick join this write.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        const snapshot = JSON.stringify({ format: 1, versions: Object.fromEntries(this.versions) });
        this.dirty = false;
        try {
          await this.writeAtomically(snapshot);
          this.writes += 1;
          for (const w of batch) w.resolve();
        } catch (error) {
          this.dirty = true;
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async writeAtomically(text: string): Promise<void> {
    const dir = dirname(this.file);
    const temp = join(dir, `${basename(this.file)}.${process.pid}.${this.writes}${TEMP_SUFFIX}`);
    let handle: FileHandle | undefined;
    try {
      handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
      await handle.writeFile(text, "utf8");
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(temp, this.file);
    } catch (error) {
      await handle?.close().catch(() => {});
      await unlink(temp).catch(() => {});
      throw error;
    }
    // The rename lives in the directory entry: without this fsync a power cut may undo it.
    const dirHandle = await open(dir, constants.O_RDONLY);
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }
}

async function load(file: string): Promise<Map<string, number>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return new Map();
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new AppliedVersionsCorruptError(file, "not valid JSON", { cause });
  }
  const parsed = FileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first === undefined ? "" : ` at ${first.path.join(".") || "the top level"}`;
    throw new AppliedVersionsCorruptError(file, `unexpected shape${where}`, { cause: parsed.error });
  }
  return new Map(Object.entries(parsed.data.versions));
}
