/** A site whose edge agent was last heard running before the asked cutoff. */
export interface SilentAgent {
  readonly tenantId: string;
  readonly siteId: string;
  /** The last heartbeat, rounded up to the index's bucket (so at most that much later than it was). */
  readonly lastHeardBy: string;
  /** The index entry as read, so forgetting it never removes a newer heartbeat's entry. */
  readonly entry: string;
}

/**
 * Agents that went quiet, across all tenants, for the operators' alarm: a sparse index of sites
 * whose agent was last heard "running" (a clean stop leaves it), by when. No scan.
 */
export interface AgentHeartbeatIndex {
  /** Sites whose agent was last heard running before `cutoff` (ISO instant), oldest first. */
  silentAgents(cutoff: string, limit: number): Promise<SilentAgent[]>;
  /** Takes a site out of the index (revoked agent, archived site), unless a newer heartbeat came. */
  forgetSilentAgent(agent: SilentAgent): Promise<void>;
}
