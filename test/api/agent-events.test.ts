import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AgentEvent } from "../../edge-agent/events.js";
import { processBatch } from "../../functions/agent-events.js";
import { AGENT_ROLE_ID_ENV } from "../../functions/api/catalog.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { processAgentEvent } from "../../shared/services/agent-events.js";
import {
  call,
  createWorld,
  packageBody,
  startTestCloud,
  subscriberBody,
  type TenantWorld,
} from "../support/api.js";
import { SiteQueueWatcher } from "../support/site-queue.js";

let cloud: LocalCloud;
let world: TenantWorld;
let other: TenantWorld;
let watcher: SiteQueueWatcher;

beforeAll(async () => {
  cloud = await startTestCloud();
  [world, other] = await Promise.all([
    createWorld(cloud.deps, "events"),
    createWorld(cloud.deps, "events other"),
  ]);
  watcher = new SiteQueueWatcher(cloud.sqsEndpoint, world.tenantId, world.siteId);
});
afterAll(async () => {
  await watcher?.stop();
  await cloud?.stop();
});

const envelope = () => ({ tenantId: world.tenantId, siteId: world.siteId, at: new Date().toISOString() });

/** The site's agent reporting version `version` of the world's subscriber applied and verified. */
const verifiedResult = (version: number): AgentEvent => ({
  type: "result",
  ...envelope(),
  nasId: world.nasId,
  attempt: 1,
  final: true,
  result: {
    commandId: `${world.subscriberId}.v${version}`,
    subscriberId: world.subscriberId,
    version,
    outcome: "verified",
    at: new Date().toISOString(),
    observed: { online: true, sessions: 1 },
  },
});

const sqsEvent = (bodies: unknown[]): SQSEvent =>
  ({
    Records: bodies.map((b, i) => ({
      messageId: `m${i}`,
      body: typeof b === "string" ? b : JSON.stringify(b),
    })),
  }) as unknown as SQSEvent;

describe("agent events in the cloud", () => {
  it("puts a verified result on the subscriber's timeline once, however often it is delivered", async () => {
    const result = verifiedResult(1);
    const out = await processBatch(sqsEvent([result, result, "not json", { type: "bogus" }]));
    expect(out).toEqual({ batchItemFailures: [] });
    const timeline = await call(cloud, "GET", `/v1/subscribers/${world.subscriberId}/timeline`, {
      token: world.keys.readonly,
    });
    const verified = timeline.json.items.filter((e: { type: string }) => e.type === "command.verified");
    expect(verified).toHaveLength(1);
    expect(verified[0]).toMatchObject({
      actor: { kind: "agent", id: world.siteId },
      data: { version: 1, nasId: world.nasId },
    });
  });

  it("ignores a result an agent sends for another site's subscriber", async () => {
    await processAgentEvent(cloud.deps, {
      type: "result",
      tenantId: other.tenantId,
      siteId: world.siteId,
      at: new Date().toISOString(),
      attempt: 1,
      final: true,
      result: {
        commandId: "x.v1",
        subscriberId: other.subscriberId,
        version: 1,
        outcome: "failed",
        at: new Date().toISOString(),
      },
    });
    const timeline = await call(cloud, "GET", `/v1/subscribers/${other.subscriberId}/timeline`, {
      token: other.keys.readonly,
    });
    expect(timeline.json.items.some((e: { type: string }) => e.type.startsWith("command."))).toBe(false);
  });

  it("shows the agent's heartbeat on the site, and an older heartbeat never replaces a newer one", async () => {
    const heartbeat = (at: string, inFlight: number): AgentEvent => ({
      type: "heartbeat",
      tenantId: world.tenantId,
      siteId: world.siteId,
      at,
      agentVersion: "1.0.0",
      state: "running",
      startedAt: new Date(Date.now() - 60_000).toISOString(),
      inFlight,
      queueLagSeconds: 0.4,
      commands: { verified: 10 },
      nas: [{ nasId: world.nasId, reachable: true, lastSuccessAt: at }],
    });
    const newer = new Date().toISOString();
    await processAgentEvent(cloud.deps, heartbeat(newer, 3));
    await processAgentEvent(cloud.deps, heartbeat(new Date(Date.now() - 30_000).toISOString(), 99));
    const site = await call(cloud, "GET", `/v1/sites/${world.siteId}`, { token: world.keys.readonly });
    expect(site.json.agent).toMatchObject({
      status: "online",
      lastHeartbeatAt: newer,
      inFlight: 3,
      nas: [{ nasId: world.nasId, reachable: true }],
    });
  });

  it("finds an expired subscriber still online, sends the state again and lists the drift", async () => {
    const pkg = await call(cloud, "POST", "/v1/packages", {
      token: world.keys.owner,
      body: { ...packageBody(), graceDays: 0 },
    });
    const created = await call(cloud, "POST", "/v1/subscribers", {
      token: world.keys.owner,
      body: {
        ...subscriberBody(pkg.json.id, world.siteId, world.nasId, "drifter"),
        expiresAt: new Date(Date.now() - 60_000).toISOString(),
      },
    });
    expect(created.json.status).toBe("active");
    // The overdue expiry is processed by the scheduler right away (a past schedule fires at once).
    const deadline = Date.now() + 8000;
    let status = "active";
    while (status !== "expired" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      status = (
        await call(cloud, "GET", `/v1/subscribers/${created.json.id}`, { token: world.keys.readonly })
      ).json.status;
    }
    expect(status).toBe("expired");

    await processAgentEvent(cloud.deps, {
      type: "sessions",
      ...envelope(),
      nasId: world.nasId,
      snapshotId: "snap-1",
      part: 1,
      parts: 1,
      total: 2,
      sessions: [
        { service: "pppoe", username: "DRIFTER", address: "10.9.0.7" },
        { service: "pppoe", username: "someone-paid" },
      ],
    });
    const site = await call(cloud, "GET", `/v1/sites/${world.siteId}`, { token: world.keys.readonly });
    expect(site.json.drift).toEqual([
      expect.objectContaining({
        nasId: world.nasId,
        sessions: 2,
        items: [expect.objectContaining({ subscriberId: created.json.id, status: "expired" })],
      }),
    ]);
    const until = Date.now() + 3000;
    while (
      !watcher.forSubscriber(created.json.id).some((r) => r.command.reason === "reconcile") &&
      Date.now() < until
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const reconcile = watcher.forSubscriber(created.json.id).find((r) => r.command.reason === "reconcile");
    expect(reconcile?.command).toMatchObject({
      desired: { state: "suspended" },
      version: 2,
      nasId: world.nasId,
    });
    const timeline = await call(cloud, "GET", `/v1/subscribers/${created.json.id}/timeline`, {
      token: world.keys.readonly,
    });
    expect(timeline.json.items.map((e: { type: string }) => e.type)).toContain("drift.detected");
  }, 20_000);

  it("with agents on STS sessions, takes a site's events only from that site's own session", async () => {
    const roleId = "AROAEXAMPLEAGENTROLE1";
    const from = (senderId: string | undefined, body: AgentEvent, i: number) => ({
      messageId: `s${i}`,
      body: JSON.stringify(body),
      attributes: senderId === undefined ? {} : { SenderId: senderId },
    });
    const own = `${roleId}:${world.tenantId}.${world.siteId}`;
    const forged = [
      `${roleId}:${other.tenantId}.${other.siteId}`, // another site's agent
      `${roleId}:${world.tenantId}.${other.siteId}`,
      `AROAANOTHERROLE000001:${world.tenantId}.${world.siteId}`, // another role, same session name
      "AIDAEXAMPLEUSER000001", // an IAM user
      undefined,
    ];
    vi.stubEnv(AGENT_ROLE_ID_ENV, roleId);
    try {
      const out = await processBatch({
        Records: [
          ...forged.map((sender, i) => from(sender, verifiedResult(70 + i), i)),
          from(own, verifiedResult(90), 9),
        ],
      } as unknown as SQSEvent);
      expect(out).toEqual({ batchItemFailures: [] });
    } finally {
      vi.unstubAllEnvs();
    }
    const timeline = await call(cloud, "GET", `/v1/subscribers/${world.subscriberId}/timeline`, {
      token: world.keys.readonly,
    });
    const versions = timeline.json.items
      .filter((e: { type: string }) => e.type === "command.verified")
      .map((e: { data: { version: number } }) => e.data.version);
    expect(versions).toContain(90);
    expect(versions.filter((v: number) => v >= 70 && v < 80)).toEqual([]);
  });
});
