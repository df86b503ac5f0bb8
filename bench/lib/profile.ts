import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";

/**
 * An opt-in CPU profile of one phase of a bench, in the bench's own process: set BENCH_CPU_PROFILE
 * to a file path and open the written .cpuprofile in Chrome DevTools or speedscope. Without the
 * variable this does nothing, so measured runs are not slowed by the profiler.
 */
export async function profilePhase(): Promise<() => Promise<void>> {
  const path = process.env.BENCH_CPU_PROFILE;
  if (!path) return async () => {};
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    await writeFile(path, JSON.stringify(profile));
    session.disconnect();
    process.stderr.write(`CPU profile of the measured phase written to ${path}\n`);
  };
}
