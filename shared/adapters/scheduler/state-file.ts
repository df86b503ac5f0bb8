import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import type { ScheduledFire } from "../../ports/scheduler.js";

/**
 * The local scheduler's schedules on disk: one JSON snapshot, replaced atomically (write a temp
 * file beside it, fsync, rename), so a crash leaves either the old or the new snapshot, never half.
 */
export interface StoredSchedule {
  readonly name: string;
  /** Epoch milliseconds. */
  readonly fireAt: number;
  readonly fire: ScheduledFire;
}

const FireSchema = z.object({
  tenantId: z.string(),
  subscriberId: z.string(),
  kind: z.string(),
  dueAt: z.string(),
  version: z.number(),
  data: z.record(z.string(), z.unknown()).optional(),
});
const StateSchema = z.object({
  version: z.literal(1),
  schedules: z.array(z.object({ name: z.string().min(1), fireAt: z.iso.datetime(), fire: FireSchema })),
});

export class ScheduleStateError extends Error {
  constructor(path: string, problem: string, cause?: unknown) {
    super(`schedule state file ${path} is unreadable: ${problem}`, { cause });
    this.name = "ScheduleStateError";
  }
}

/** The stored schedules; none when the file does not exist yet. A corrupt file throws. */
export async function readScheduleState(path: string): Promise<StoredSchedule[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new ScheduleStateError(path, (error as Error).message, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ScheduleStateError(path, "not JSON", error);
  }
  const parsed = StateSchema.safeParse(json);
  if (!parsed.success) throw new ScheduleStateError(path, z.prettifyError(parsed.error));
  return parsed.data.schedules.map((s) => ({ name: s.name, fireAt: Date.parse(s.fireAt), fire: s.fire }));
}

export async function writeScheduleState(path: string, schedules: Iterable<StoredSchedule>): Promise<void> {
  const rows = [];
  for (const s of schedules)
    rows.push({ name: s.name, fireAt: new Date(s.fireAt).toISOString(), fire: s.fire });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(JSON.stringify({ version: 1, schedules: rows }));
    await handle.datasync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
