import { type PaymentSweepReport, sweepPendingPayments } from "../shared/services/payments/sweep.js";
import { functionDeps } from "./deps.js";

/** Runs every few minutes: payments left pending are asked about again at their gateway. */
export async function handler(): Promise<PaymentSweepReport> {
  const deps = functionDeps();
  const report = await sweepPendingPayments(deps);
  deps.logger.info("payment sweep", { ...report });
  return report;
}
