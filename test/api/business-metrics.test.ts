import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentEvent } from "../../edge-agent/events.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import type { MetricContext, MetricName, Metrics } from "../../shared/ports/metrics.js";
import { processAgentEvent } from "../../shared/services/agent-events.js";
import type { ServiceDeps } from "../../shared/services/caller.js";
import { recordManualPayment } from "../../shared/services/payments/records.js";
import { createSubscriber } from "../../shared/services/subscribers.js";
import { createWorld, startTestCloud, subscriberBody, type TenantWorld } from "../support/api.js";

interface Recorded {
  readonly name: MetricName;
  readonly value: number | undefined;
  readonly context: MetricContext | undefined;
}

let cloud: LocalCloud;
let world: TenantWorld;
let recorded: Recorded[];
let deps: ServiceDeps;

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "metrics");
  const metrics: Metrics = { count: (name, value, context) => recorded.push({ name, value, context }) };
  deps = { ...cloud.deps, metrics };
});
afterAll(async () => {
  await cloud?.stop();
});

const named = (name: MetricName) => recorded.filter((r) => r.name === name);

function result(outcome: "verified" | "failed", final: boolean): AgentEvent {
  return {
    type: "result",
    tenantId: world.tenantId,
    siteId: world.siteId,
    at: new Date().toISOString(),
    nasId: world.nasId,
    attempt: 1,
    final,
    result: {
      commandId: `${world.subscriberId}.v1`,
      subscriberId: world.subscriberId,
      version: 1,
      outcome,
      at: new Date().toISOString(),
    },
  };
}

describe("business metrics", () => {
  it("counts a command sent to the site queue, with tenant and site as context", async () => {
    recorded = [];

    await createSubscriber(
      deps,
      world.owner,
      subscriberBody(world.packageId, world.siteId, world.nasId, `metrics${Date.now()}`),
    );

    expect(named("CommandsSent")).toEqual([
      { name: "CommandsSent", value: 1, context: { tenantId: world.tenantId, siteId: world.siteId } },
    ]);
  });

  it("counts verified and finally failed results, not a failure the agent will retry", async () => {
    recorded = [];

    await processAgentEvent(deps, result("verified", true));
    await processAgentEvent(deps, result("failed", false));
    await processAgentEvent(deps, result("failed", true));

    expect(recorded.map((r) => r.name)).toEqual(["CommandsVerified", "CommandsFailed"]);
    expect(recorded[0]?.context).toEqual({ tenantId: world.tenantId, siteId: world.siteId });
  });

  it("counts a settled payment once, even when the same request is replayed", async () => {
    recorded = [];
    const input = { amount: { amount: 50_000, currency: "BDT" as const }, method: "cash" as const };
    const idempotency = { keyHash: `metrics-${Date.now()}`, fingerprint: "f" };

    await recordManualPayment(deps, world.owner, world.subscriberId, input, idempotency);
    await recordManualPayment(deps, world.owner, world.subscriberId, input, idempotency);

    expect(named("PaymentsSettled")).toEqual([
      { name: "PaymentsSettled", value: 1, context: { tenantId: world.tenantId, gateway: "manual" } },
    ]);
  });
});
