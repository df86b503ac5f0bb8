import { describe, expect, it } from "vitest";
import {
  EdgeCommandResultSchema,
  EdgeCommandSchema,
  mikrotikRateLimit,
} from "../../../../shared/domain/schemas/edge-command.js";
import { nasId, siteId, tenantId } from "./fixtures.js";

describe("mikrotikRateLimit", () => {
  it.each([
    [{ downloadKbps: 10_000, uploadKbps: 10_000 }, "10M/10M"],
    [{ downloadKbps: 10_000, uploadKbps: 2_000 }, "2M/10M"],
    [{ downloadKbps: 1536, uploadKbps: 512 }, "512k/1536k"],
    [{ downloadKbps: 1500, uploadKbps: 1024 }, "1024k/1500k"],
    [{ downloadKbps: 100_000, uploadKbps: 8 }, "8k/100M"],
  ])("renders %o as upload/download %s", (rate, expected) => {
    expect(mikrotikRateLimit(rate)).toBe(expected);
  });
});

describe("EdgeCommandSchema", () => {
  const command = {
    commandId: "sub_01JD3Q7Z8K5V6W9XR2T4N0PB1C.v7",
    tenantId,
    siteId,
    nasId,
    subscriberId: "sub_01JD3Q7Z8K5V6W9XR2T4N0PB1C",
    username: "rahim",
    service: "pppoe",
    desired: {
      state: "active",
      rateLimit: { downloadKbps: 10_000, uploadKbps: 5_000 },
      until: "2026-03-01T12:00:00Z",
    },
    version: 7,
    reason: "renewed",
    notBefore: "2026-02-01T10:00:00Z",
    issuedAt: "2026-02-01T10:00:00Z",
  };

  it("accepts a desired-state command and normalises instants", () => {
    const parsed = EdgeCommandSchema.parse(command);
    expect(parsed.notBefore).toBe("2026-02-01T10:00:00.000Z");
    expect(parsed.desired).toMatchObject({ state: "active", until: "2026-03-01T12:00:00.000Z" });
  });

  it("lets an older agent accept a command with a field it does not know", () => {
    expect(EdgeCommandSchema.safeParse({ ...command, futureField: 1 }).success).toBe(true);
  });

  it("rejects an active state without a rate and an unknown state", () => {
    expect(EdgeCommandSchema.safeParse({ ...command, desired: { state: "active" } }).success).toBe(false);
    expect(EdgeCommandSchema.safeParse({ ...command, desired: { state: "throttled" } }).success).toBe(false);
  });

  it("rejects local times and unknown reasons", () => {
    expect(EdgeCommandSchema.safeParse({ ...command, notBefore: "2026-02-01T16:00:00+06:00" }).success).toBe(
      false,
    );
    expect(EdgeCommandSchema.safeParse({ ...command, reason: "because" }).success).toBe(false);
  });
});

describe("EdgeCommandResultSchema", () => {
  it("accepts a verified report with what the router showed", () => {
    const report = EdgeCommandResultSchema.parse({
      commandId: "c1",
      subscriberId: "sub_01JD3Q7Z8K5V6W9XR2T4N0PB1C",
      version: 7,
      outcome: "verified",
      at: "2026-02-01T10:00:01Z",
      observed: { online: false, sessions: 0 },
    });
    expect(report.outcome).toBe("verified");
  });

  it("rejects an outcome the cloud does not know", () => {
    const report = {
      commandId: "c1",
      subscriberId: "sub_01JD3Q7Z8K5V6W9XR2T4N0PB1C",
      version: 7,
      at: "2026-02-01T10:00:01Z",
    };
    expect(EdgeCommandResultSchema.safeParse({ ...report, outcome: "done" }).success).toBe(false);
    expect(EdgeCommandResultSchema.safeParse({ ...report, outcome: "skipped_stale" }).success).toBe(true);
  });
});
