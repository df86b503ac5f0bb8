import type { SilentAgent } from "../ports/agent-heartbeats.js";
import type { ServiceDeps } from "./caller.js";

/**
 * An edge agent last heard "running" this long ago counts as silent for the operators' alarm.
 * Longer than the API's 5-minute "silent" status (SILENT_AFTER_MS) so that an agent restart or a
 * short uplink outage at the ISP pages nobody; agents heartbeat every 120 s by default, so this
 * is about five missed heartbeats.
 */
export const AGENT_SILENT_AFTER_MINUTES = 10;
export const AGENT_SILENT_AFTER_MS = AGENT_SILENT_AFTER_MINUTES * 60_000;

/** Silent sites logged one by one per run; the metric counts them all. */
const LOGGED_PER_RUN = 50;

export interface SilentAgentsReport {
  /** Sites whose agent counts as silent now (at most `limit`). */
  readonly silent: readonly SilentAgent[];
  /** Index entries dropped because the agent was revoked or the site archived or gone. */
  readonly forgotten: number;
}

/**
 * The silent-agent alarm's input, run by the sweep: agents last heard running more than
 * AGENT_SILENT_AFTER_MINUTES ago, from the heartbeat index (no scan). A revoked agent or an archived
 * site is no outage: its entry is dropped instead of counted. Publishes `SilentAgents` every run,
 * zero included, so that no data at all means the count itself is broken.
 */
export async function countSilentAgents(deps: ServiceDeps, limit = 1_000): Promise<SilentAgentsReport> {
  const cutoff = new Date(deps.clock.now().getTime() - AGENT_SILENT_AFTER_MS).toISOString();
  const candidates = await deps.repos.sites.silentAgents(cutoff, limit);
  const silent: SilentAgent[] = [];
  let forgotten = 0;
  for (const candidate of candidates) {
    const [site, agent] = await Promise.all([
      deps.repos.sites.get(candidate.tenantId, candidate.siteId),
      deps.repos.siteAgents.getAgent(candidate.tenantId, candidate.siteId),
    ]);
    if (!site || site.archived || agent?.status === "revoked") {
      await deps.repos.sites.forgetSilentAgent(candidate);
      forgotten++;
      continue;
    }
    silent.push(candidate);
    if (silent.length <= LOGGED_PER_RUN) {
      deps.logger.warn("silent edge agent", {
        tenantId: candidate.tenantId,
        siteId: candidate.siteId,
        lastHeardBy: candidate.lastHeardBy,
      });
    }
  }
  deps.metrics?.count("SilentAgents", silent.length);
  return { silent, forgotten };
}
