import { describe, expect, it } from "vitest";
import {
  HEARTBEAT_PARTITION,
  heartbeatIndexKeys,
} from "../../../../shared/adapters/dynamodb/heartbeat-index.js";
import type { AgentHealth } from "../../../../shared/domain/schemas/site-health.js";

const agent = (lastHeartbeatAt: string, status: AgentHealth["status"] = "online"): AgentHealth => ({
  status,
  lastHeartbeatAt,
  agentVersion: "1.0.0",
  startedAt: "2026-01-01T00:00:00.000Z",
  inFlight: 0,
  queueLagSeconds: 0,
  commands: {},
  nas: [],
});

describe("heartbeat index keys", () => {
  it.each([
    ["2026-03-01T12:04:59.000Z", "2026-03-01T12:05:00.000Z"],
    ["2026-03-01T12:05:00.000Z", "2026-03-01T12:05:00.000Z"],
    ["2026-03-01T12:05:00.001Z", "2026-03-01T12:10:00.000Z"],
    ["2026-03-01T23:59:30.000Z", "2026-03-02T00:00:00.000Z"],
  ])("rounds a heartbeat at %s up to %s, so an agent is never called silent early", (at, by) => {
    expect(heartbeatIndexKeys("ten_1", "site_1", agent(at))).toEqual({
      GSI6PK: HEARTBEAT_PARTITION,
      GSI6SK: `${by}#ten_1#site_1`,
    });
  });

  it("keeps the key for every heartbeat of the same 5 minutes (one index write per bucket)", () => {
    const keys = ["12:00:01", "12:01:00", "12:02:30", "12:04:59"].map(
      (t) => heartbeatIndexKeys("ten_1", "site_1", agent(`2026-03-01T${t}.000Z`)).GSI6SK,
    );

    expect(new Set(keys).size).toBe(1);
  });

  it("leaves a stopped agent out of the index", () => {
    expect(heartbeatIndexKeys("ten_1", "site_1", agent("2026-03-01T12:00:00.000Z", "stopped"))).toEqual({});
  });
});
