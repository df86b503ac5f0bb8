import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentEvent } from "../../edge-agent/events.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import type { MetricName, Metrics } from "../../shared/ports/metrics.js";
import { processAgentEvent } from "../../shared/services/agent-events.js";
import { AGENT_SILENT_AFTER_MS, countSilentAgents } from "../../shared/services/agent-silence.js";
import type { ServiceDeps } from "../../shared/services/caller.js";
import { createSite } from "../../shared/services/sites.js";
import { createWorld, startTestCloud, type TenantWorld } from "../support/api.js";

let cloud: LocalCloud;
let world: TenantWorld;
let deps: ServiceDeps;
let published: { name: MetricName; value: number | undefined }[];

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "silence");
  const metrics: Metrics = { count: (name, value) => published.push({ name, value }) };
  deps = { ...cloud.deps, metrics };
});
afterAll(async () => {
  await cloud?.stop();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

function heartbeat(siteId: string, at: string, state: "running" | "stopping" = "running"): AgentEvent {
  return {
    type: "heartbeat",
    tenantId: world.tenantId,
    siteId,
    at,
    agentVersion: "1.0.0",
    state,
    startedAt: minutesAgo(120),
    inFlight: 0,
    queueLagSeconds: 0,
    commands: {},
    nas: [],
  };
}

async function newSite(name: string): Promise<string> {
  return (await createSite(deps, world.owner, { name })).resource.id;
}

async function silentSites(): Promise<string[]> {
  published = [];
  const report = await countSilentAgents(deps);
  expect(published).toEqual([{ name: "SilentAgents", value: report.silent.length }]);
  return report.silent.filter((s) => s.tenantId === world.tenantId).map((s) => s.siteId);
}

describe("silent edge agents", () => {
  it("counts an agent last heard running more than 10 minutes ago, not one heard since", async () => {
    const quiet = await newSite("quiet");
    const lively = await newSite("lively");

    await processAgentEvent(deps, heartbeat(quiet, minutesAgo(20)));
    await processAgentEvent(deps, heartbeat(lively, minutesAgo(20)));
    await processAgentEvent(deps, heartbeat(lively, minutesAgo(1)));

    expect(AGENT_SILENT_AFTER_MS).toBe(10 * 60_000);
    const silent = await silentSites();
    expect(silent).toContain(quiet);
    expect(silent).not.toContain(lively);
  });

  it("does not count an agent that stopped cleanly", async () => {
    const stopped = await newSite("stopped");

    await processAgentEvent(deps, heartbeat(stopped, minutesAgo(40)));
    await processAgentEvent(deps, heartbeat(stopped, minutesAgo(30), "stopping"));

    expect(await silentSites()).not.toContain(stopped);
  });

  it("counts an agent that comes back and goes quiet again, once", async () => {
    const flaky = await newSite("flaky");

    await processAgentEvent(deps, heartbeat(flaky, minutesAgo(60)));
    await processAgentEvent(deps, heartbeat(flaky, minutesAgo(25)));

    const silent = await silentSites();
    expect(silent.filter((s) => s === flaky)).toHaveLength(1);
  });

  it("drops a revoked agent from the index instead of counting it", async () => {
    const revoked = await newSite("revoked");
    await processAgentEvent(deps, heartbeat(revoked, minutesAgo(20)));
    expect(await silentSites()).toContain(revoked);

    await deps.repos.siteAgents.revoke(world.tenantId, revoked, new Date().toISOString());

    expect(await silentSites()).not.toContain(revoked);
    // Gone from the index: enrolling again and going quiet counts it afresh only after a heartbeat.
    expect(await deps.repos.sites.silentAgents(new Date().toISOString(), 10_000)).not.toContainEqual(
      expect.objectContaining({ siteId: revoked }),
    );
  });

  it("publishes zero when no agent is silent", async () => {
    const quietDeps: ServiceDeps = {
      ...deps,
      clock: { now: () => new Date("2000-01-01T00:00:00.000Z") },
    };
    published = [];

    const report = await countSilentAgents(quietDeps);

    expect(report.silent).toEqual([]);
    expect(published).toEqual([{ name: "SilentAgents", value: 0 }]);
  });
});
