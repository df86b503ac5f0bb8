import { constants } from "node:fs";
import { type FileHandle, mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import * as z from "zod";

/*
 * The last subscriber version the agent applied (decision 3): a command runs only when its version
 * is newer. The map lives in memory and is kept on disk in two files:
 * - the snapshot (`file`), one JSON document replaced atomically: a temporary file in the same
 *   directory, fsync, rename over the old one, fsync of the directory;
 * - a journal beside it (`file` + ".journal"), one line per record appended and fdatasync'ed.
 * Records made while a write is in flight go into the next append together (group commit), and
 * `record()` resolves only once its line is on disk, so a caller reports "applied" only after that.
 * Appending a few lines costs the same whatever the number of subscribers, where rewriting the whole
 * map per group grew with it (and wore a Raspberry Pi's SD card). Once the journal holds more lines
 * than `compactAfter`, the map is written as a new snapshot and the journal emptied. Loading takes
 * the snapshot, then the journal's lines, keeping the highest version; a SIGKILL can only tear the
 * journal's last line, which was never reported durable and is dropped.
 */

const FileSchema = z.strictObject({
  format: z.literal(1),
  versions: z.record(z.string().min(1), z.number().int().min(0)),
});
const LineSchema = z.tuple([z.string().min(1), z.number().int().min(0)]);

const TEMP_SUFFIX = ".tmp";

/** The journal kept beside a state file. */
export function journalFileOf(file: string): string {
  return `${file}.journal`;
}

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

export interface AppliedVersionStoreOptions {
  /** Journal lines after which the map is written as a new snapshot. @default 50000 */
  readonly compactAfter?: number;
}

export class AppliedVersionStore {
  private readonly versions: Map<string, number>;
  private readonly journalFile: string;
  private readonly compactAfter: number;
  private waiting: Waiter[] = [];
  /** Journal lines recorded but not yet appended. */
  private lines: string[] = [];
  private writing: Promise<void> | undefined;
  private journal: FileHandle | undefined;
  private journalLines: number;
  private writes = 0;

  private constructor(
    readonly file: string,
    initial: Map<string, number>,
    journalLines: number,
    options: AppliedVersionStoreOptions,
  ) {
    this.versions = initial;
    this.journalFile = journalFileOf(file);
    this.journalLines = journalLines;
    this.compactAfter = options.compactAfter ?? 50_000;
    if (!Number.isInteger(this.compactAfter) || this.compactAfter < 1)
      throw new RangeError("compactAfter must be a whole number >= 1");
  }

  /**
   * Loads `file` and its journal (missing = empty, the directory is created) and removes temporary
   * files a crash may have left beside it. A snapshot that does not parse, or a journal line other
   * than a torn last one, is refused.
   */
  static async open(file: string, options: AppliedVersionStoreOptions = {}): Promise<AppliedVersionStore> {
    await mkdir(dirname(file), { recursive: true });
    const { versions, journalLines } = await readBoth(file);
    const prefix = `${basename(file)}.`;
    const leftovers = (await readdir(dirname(file)).catch(() => [])).filter(
      (name) => name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX),
    );
    await Promise.all(leftovers.map((name) => unlink(join(dirname(file), name)).catch(() => {})));
    return new AppliedVersionStore(file, versions, journalLines, options);
  }

  /** What `file` and its journal hold, read without changing anything (for tools and tests). */
  static async read(file: string): Promise<ReadonlyMap<string, number>> {
    return (await readBoth(file)).versions;
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

  /** Completed appends and snapshots, for tests and metrics. */
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
      this.lines.push(`${JSON.stringify([subscriberId, version])}\n`);
    }
    return this.flush();
  }

  /** Resolves once everything recorded so far is durable. */
  flush(): Promise<void> {
    if (this.lines.length === 0 && this.writing === undefined) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.writing ??= this.drain();
    return done;
  }

  /** Writes a snapshot of everything and empties the journal; the next append reopens it. */
  async compact(): Promise<void> {
    await this.flush();
    await this.snapshot();
  }

  /** Flushes and closes the journal. */
  async close(): Promise<void> {
    await this.flush();
    const journal = this.journal;
    this.journal = undefined;
    await journal?.close();
  }

  /** Appends until nothing is pending; each append covers every record made before it started. */
  private async drain(): Promise<void> {
    // Let records made in the same tick join this append.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        const lines = this.lines;
        this.waiting = [];
        this.lines = [];
        try {
          if (lines.length > 0) await this.append(lines);
        } catch (error) {
          // Not on disk: the lines go back to be written with the next batch.
          this.lines = [...lines, ...this.lines];
          for (const w of batch) w.reject(error);
          continue;
        }
        for (const w of batch) w.resolve();
        // The records are durable in the journal already; a failed compaction is tried again later.
        if (this.journalLines > this.compactAfter) await this.snapshot().catch(() => {});
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async append(lines: readonly string[]): Promise<void> {
    if (this.journal === undefined) {
      this.journal = await open(
        this.journalFile,
        constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND,
        0o600,
      );
      // A new journal's directory entry must survive a power cut like its lines.
      await syncDirectory(dirname(this.file));
    }
    await this.journal.writeFile(lines.join(""), "utf8");
    await this.journal.datasync();
    this.journalLines += lines.length;
    this.writes += 1;
  }

  /**
   * The map as a new snapshot, then an empty journal. A crash between the two replays the journal
   * over a snapshot that already holds it, which changes nothing.
   */
  private async snapshot(): Promise<void> {
    const text = JSON.stringify({ format: 1, versions: Object.fromEntries(this.versions) });
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
    await syncDirectory(dir);
    await this.journal?.truncate(0);
    await this.journal?.datasync();
    this.journalLines = 0;
    this.writes += 1;
  }
}

/** The rename or creation lives in the directory entry: without this fsync a power cut may undo it. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The snapshot with the journal applied over it (highest version wins). The journal is read first:
 * a compaction between the two reads then leaves a snapshot that holds all it had, so even a reader
 * beside a running agent never sees versions go back.
 */
async function readBoth(file: string): Promise<{ versions: Map<string, number>; journalLines: number }> {
  const journal = journalFileOf(file);
  const text = await readText(journal);
  const versions = await load(file);
  if (text === undefined) return { versions, journalLines: 0 };
  const lines = text.split("\n");
  // The part after the last newline is a line a crash cut short: it was never reported durable.
  lines.pop();
  lines.forEach((line, index) => {
    let parsed: z.ZodSafeParseResult<[string, number]>;
    try {
      parsed = LineSchema.safeParse(JSON.parse(line));
    } catch (cause) {
      throw new AppliedVersionsCorruptError(journal, `line ${index + 1} is not valid JSON`, { cause });
    }
    if (!parsed.success) {
      throw new AppliedVersionsCorruptError(journal, `line ${index + 1} is not [subscriber, version]`);
    }
    const [subscriberId, version] = parsed.data;
    const last = versions.get(subscriberId);
    if (last === undefined || version > last) versions.set(subscriberId, version);
  });
  return { versions, journalLines: lines.length };
}

/** A file's text, or undefined when it does not exist. */
async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return undefined;
    throw error;
  }
}

async function load(file: string): Promise<Map<string, number>> {
  const text = await readText(file);
  if (text === undefined) return new Map();
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
