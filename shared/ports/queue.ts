/**
 * Where edge commands go: each site has its own standard queue, polled by that site's agent.
 * `delaySeconds` (0-900) makes a command become visible on its due second.
 */
export interface OutboundMessage {
  readonly body: string;
  readonly delaySeconds?: number;
}

export interface SiteQueue {
  send(tenantId: string, siteId: string, message: OutboundMessage): Promise<void>;
  /**
   * Creates the site's queue if missing (idempotent), its dead letters going to the stage's one
   * site-commands DLQ; returns the queue URL.
   */
  provision(tenantId: string, siteId: string): Promise<string>;
}

/** Naming shared by the CDK stacks, the cloud adapters and the local queue server. */
export function siteQueueName(prefix: string, tenantId: string, siteId: string): string {
  // SQS names: [A-Za-z0-9_-]{1,80}; prefix (<= 16) + 30 + 31 stays inside 80.
  return `${prefix}-${tenantId}-${siteId}`;
}
