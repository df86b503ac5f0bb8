import { type DailySummaryRun, runDailySummaries } from "../shared/services/daily-summary.js";
import { billingDeps } from "./api/billing.js";

/** Runs every hour: the daily summaries whose local hour has come and that are not yet sent today. */
export async function handler(): Promise<DailySummaryRun> {
  const deps = billingDeps();
  const run = await runDailySummaries(deps);
  deps.logger.info("daily summaries", { ...run });
  return run;
}
