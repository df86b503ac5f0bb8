import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time (user + system, ms) of processes on Linux, read from /proc/<pid>/stat, for benches that
 * report CPU per unit of work: a figure that load from other processes inflates far less than
 * latency. Clock ticks are taken as 100 a second (Linux's USER_HZ). Undefined where /proc is absent.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The pids of this process's direct children whose command name is `comm` (e.g. "java"). */
export function childPids(comm: string, parent = process.pid): number[] {
  const pids: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (name === comm && ppid === parent) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** CPU ms used by each named process between `start()` and the returned function's call. */
export function cpuMeter(processes: Record<string, number | undefined>): () => Record<string, number> {
  const at = (): Record<string, number | undefined> =>
    Object.fromEntries(
      Object.entries(processes).map(([name, pid]) => [
        name,
        pid === process.pid ? ownCpuMs() : pid === undefined ? undefined : processCpuMs(pid),
      ]),
    );
  const before = at();
  return () => {
    const after = at();
    const used: Record<string, number> = {};
    for (const name of Object.keys(processes)) {
      const a = before[name];
      const b = after[name];
      if (a !== undefined && b !== undefined) used[name] = b - a;
    }
    return used;
  };
}
