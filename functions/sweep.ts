import { sweep } from "../shared/services/lifecycle.js";
import { functionDeps } from "./deps.js";

/** Runs every few minutes: overdue actions and undelivered commands, found through the due index. */
export async function handler(): Promise<{
  found: number;
  delivered: number;
  fired: number;
  failed: number;
}> {
  const deps = functionDeps();
  const report = await sweep(deps);
  deps.logger.info("sweep", { ...report });
  return report;
}
