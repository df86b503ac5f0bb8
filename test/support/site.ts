import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalCloud } from "../../shared/local/cloud.js";
import {
  type SimulatedSite,
  type SiteSubscriber,
  startSimulatedSite,
} from "../../shared/local/simulated-site.js";
import { siteQueueName } from "../../shared/ports/queue.js";
import type { TenantWorld } from "./api.js";

/** A simulated MikroTik and the real edge agent for a test world's site, on the test cloud's queues. */
export async function startWorldSite(
  cloud: LocalCloud,
  world: TenantWorld,
  options: { subscribers: readonly SiteSubscriber[]; profiles?: readonly string[] },
): Promise<SimulatedSite & { cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "isp-site-"));
  const site = await startSimulatedSite({
    tenantId: world.tenantId,
    siteId: world.siteId,
    nasId: world.nasId,
    sqsEndpoint: cloud.sqsEndpoint,
    commandsUrl: `${cloud.sqsEndpoint}/000000000000/${siteQueueName("isp-local", world.tenantId, world.siteId)}`,
    eventsUrl: cloud.agentEventsUrl,
    stateFile: join(dir, "applied.json"),
    subscribers: options.subscribers,
    ...(options.profiles ? { profiles: options.profiles } : {}),
    heartbeatSeconds: 1,
  });
  return Object.assign(site, {
    cleanup: async () => {
      await site.stop();
      await rm(dir, { recursive: true, force: true });
    },
  });
}
