import { countSilentAgents } from "../shared/services/agent-silence.js";
import { sweep } from "../shared/services/lifecycle.js";
import { functionDeps } from "./deps.js";

/**
 * Runs every few minutes: overdue actions, undelivered commands and unsent invoice notices, found
 * through the due index;
 * and the count of silent edge agents for the operators' alarm. Either failing leaves the other be;
 * a failed count publishes nothing, which the alarm treats as breaching.
 */
export async function handler(): Promise<{
  found: number;
  delivered: number;
  fired: number;
  failed: number;
  invoiceNotices: number;
  silentAgents: number | null;
}> {
  const deps = functionDeps();
  const [report, agents] = await Promise.all([
    sweep(deps),
    countSilentAgents(deps).catch((error: unknown) => {
      deps.logger.error("silent agents not counted", { error });
      return undefined;
    }),
  ]);
  const silentAgents = agents ? agents.silent.length : null;
  deps.logger.info("sweep", { ...report, silentAgents });
  return { ...report, silentAgents };
}
