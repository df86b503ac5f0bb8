import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MENU } from "../../../edge-agent/simulator/index.js";
import { active, command, NAS_ID, SUBSCRIBERS, SUSPENDED } from "../enforcer-helpers.js";
import { account, liveSessions } from "../routeros/helpers.js";
import {
  EventReader,
  freePort,
  logLines,
  queueCounts,
  queueEmpty,
  SECRETS,
  sendBodies,
  startWorld,
  until,
  type World,
} from "./helpers.js";

let world: World;
const eventText: string[] = [];

afterEach(async () => {
  await world?.close();
});

afterAll(() => {
  const text = [...eventText, ...logLines].join("\n");
  expect(text).toContain("edge command");
  for (const secret of SECRETS) expect(text).not.toContain(secret);
});

const model = () => world.site.router.sim.model;
const queueOf = (name: string) =>
  model()
    .print(MENU.simpleQueue)
    .find((q) => q.name === name);
const send = (...commands: object[]) =>
  sendBodies(
    world.queues.client,
    world.queues.commandsUrl,
    commands.map((c) => JSON.stringify(c)),
  );
const reader = () => {
  const r = new EventReader(world.queues.client, world.queues.eventsUrl);
  return r;
};
const keep = (r: EventReader) => eventText.push(...r.raw);

describe("edge agent over the local SQS queue", () => {
  it("applies commands, reports verified results and deletes the messages", async () => {
    world = await startWorld();
    await world.agent();
    const alice = command("alice", SUSPENDED);
    const carol = command("carol", SUSPENDED);

    await send(alice, carol);
    const events = reader();
    await events.until((e) => e.filter((x) => x.type === "result").length >= 2);

    const results = events.of("result").map((e) => e.result);
    expect(results.map((r) => [r.commandId, r.outcome]).sort()).toEqual(
      [
        [alice.commandId, "verified"],
        [carol.commandId, "verified"],
      ].sort(),
    );
    expect(events.of("result")[0]).toMatchObject({ tenantId: alice.tenantId, nasId: NAS_ID, final: true });
    expect(account(model(), "pppoe", "alice")?.disabled).toBe("true");
    expect(liveSessions(model(), "hotspot", "carol")).toEqual([]);
    await until(() => queueEmpty(world.queues.client, world.queues.commandsUrl), 5_000, "deletes");
    keep(events);
  });

  it("duplicates and reordering are harmless: v3, v1, v2, v3 again ends at v3's state", async () => {
    world = await startWorld();
    const rate = (kbps: number) => ({ downloadKbps: kbps, uploadKbps: kbps });
    const { subscriberId } = SUBSCRIBERS.alice;
    const v = (version: number, desired: Parameters<typeof command>[1]) =>
      command("alice", desired, { version, commandId: `alice-v${version}`, subscriberId });
    const v1 = v(1, active("alice", rate(5_000)));
    const v2 = v(2, SUSPENDED);
    const v3 = v(3, active("alice", rate(30_000)));

    await send(v3, v1, v2, v3);
    await world.agent();
    const events = reader();
    await events.until((e) => e.filter((x) => x.type === "result").length >= 4);

    const outcomes = events.of("result").map((e) => `${e.result.commandId}:${e.result.outcome}`);
    expect(outcomes.sort()).toEqual(
      [
        "alice-v1:skipped_stale",
        "alice-v2:skipped_stale",
        "alice-v3:skipped_stale",
        "alice-v3:verified",
      ].sort(),
    );
    expect(account(model(), "pppoe", "alice")?.disabled).toBe("false");
    expect(queueOf("alice")?.["max-limit"]).toMatch(/^(30M\/30M|30000000\/30000000)$/);
    await until(() => queueEmpty(world.queues.client, world.queues.commandsUrl), 5_000, "deletes");
    keep(events);
  });

  it("a retryable failure is left for redelivery and then succeeds", async () => {
    world = await startWorld();
    // One round per delivery: the dropped connection fails the first delivery, retryably.
    world.site.router.sim.faults.drop("/ppp/secret/set", 1);
    await world.agent();
    const cmd = command("dave", SUSPENDED);

    await send(cmd);
    const events = reader();
    await events.until((e) => e.some((x) => x.type === "result" && x.final), 15_000);

    const results = events.of("result");
    expect(results.map((e) => [e.attempt, e.result.outcome, e.final])).toEqual([
      [1, "failed", false],
      [2, "verified", true],
    ]);
    expect(account(model(), "pppoe", "dave")?.disabled).toBe("true");
    await until(() => queueEmpty(world.queues.client, world.queues.commandsUrl), 5_000, "deletes");
    keep(events);
  });

  it("a non-retryable failure is deleted and reported failed once", async () => {
    world = await startWorld({ maxReceiveCount: 5 });
    await world.agent();
    const ghost = command("alice", SUSPENDED, { username: "nobody-here" });

    await send(ghost);
    const events = reader();
    await events.until((e) => e.some((x) => x.type === "result"));
    await until(() => queueEmpty(world.queues.client, world.queues.commandsUrl), 5_000, "delete");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await events.until(() => true);

    expect(events.of("result").map((e) => [e.result.outcome, e.final, e.attempt])).toEqual([
      ["failed", true, 1],
    ]);
    expect(events.of("result")[0]?.result.reason).toContain("nobody-here");
    expect(await queueCounts(world.queues.client, world.queues.dlqUrl)).toMatchObject({ visible: 0 });
    keep(events);
  });

  it("a malformed message is reported, left for the dead-letter queue, and nothing stops", async () => {
    world = await startWorld({ maxReceiveCount: 2 });
    const agent = await world.agent();
    const rejected: string[] = [];
    agent.on("rejected", (e) => rejected.push(e.messageId));

    await sendBodies(world.queues.client, world.queues.commandsUrl, ["not json {", '{"commandId":1}']);
    await until(
      async () => (await queueCounts(world.queues.client, world.queues.dlqUrl)).visible === 2,
      10_000,
    );
    const good = command("alice", SUSPENDED);
    await send(good);
    const events = reader();
    await events.until((e) => e.some((x) => x.type === "result"));

    const reasons = events.of("rejected").map((e) => e.reason);
    expect(reasons).toContain("the body is not JSON");
    expect(reasons.some((r) => r.startsWith("not an EdgeCommand: commandId:"))).toBe(true);
    expect(events.of("rejected").every((e) => !e.final)).toBe(true);
    expect(rejected.length).toBe(4);
    expect(events.of("result")[0]?.result).toMatchObject({ commandId: good.commandId, outcome: "verified" });
    keep(events);
  });

  it("the visibility heartbeat keeps a command waiting for notBefore from a second consumer", async () => {
    world = await startWorld({ visibilityTimeout: 2 });
    const agent = await world.agent({ visibilityTimeoutSeconds: 2, visibilityHeartbeatSeconds: 1 });
    const notBefore = new Date(Date.now() + 3_000).toISOString();
    const cmd = command("alice", SUSPENDED, { notBefore });

    let deliveries = 0;
    agent.consumer.on("message_received", () => {
      deliveries += 1;
    });
    await send(cmd);
    await until(() => agent.consumer.inFlight === 1, 5_000, "the agent to take the command");
    const stolen: string[] = [];
    const rival = (async () => {
      const stopAt = Date.now() + 4_000;
      while (Date.now() < stopAt) {
        const out = await world.queues.client.send(
          new ReceiveMessageCommand({
            QueueUrl: world.queues.commandsUrl,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 30,
          }),
        );
        for (const m of out.Messages ?? []) stolen.push(m.MessageId ?? "?");
      }
    })();
    const events = reader();
    await events.until((e) => e.some((x) => x.type === "result"), 8_000);
    await rival;
    await until(() => queueEmpty(world.queues.client, world.queues.commandsUrl), 5_000, "the delete");

    // Without the heartbeat the message turns visible at 2 s and goes to the rival or the agent again.
    expect(stolen).toEqual([]);
    expect(deliveries).toBe(1);
    const [result] = events.of("result");
    expect(result?.result.outcome).toBe("verified");
    expect(Date.parse(result?.result.at ?? "")).toBeGreaterThanOrEqual(Date.parse(notBefore));
    expect(result?.attempt).toBe(1);
    keep(events);
  });

  it("a graceful stop finishes running commands and hands waiting ones back early", async () => {
    world = await startWorld({ visibilityTimeout: 30 });
    const agent = await world.agent({ visibilityTimeoutSeconds: 30 });
    const later = command("bob", SUSPENDED, { notBefore: new Date(Date.now() + 4_000).toISOString() });
    const now = (["alice", "carol", "dave"] as const).map((who) => command(who, SUSPENDED));

    await send(later, ...now);
    await until(() => agent.consumer.inFlight >= 1, 5_000, "the first command");
    await agent.stop();
    const stoppedAt = Date.now();

    const events = reader();
    await events.until((e) => e.some((x) => x.type === "heartbeat" && x.state === "stopping"));
    const done = events.of("result").map((e) => e.result.commandId);
    expect(done).not.toContain(later.commandId);
    for (const e of events.of("result")) expect(e.result.outcome).toBe("verified");
    // Nothing waits out the 30 s visibility timeout: finished ones are deleted, the waiting one
    // reappears just before its notBefore.
    await until(
      async () =>
        (await queueCounts(world.queues.client, world.queues.commandsUrl)).visible === 4 - done.length,
      5_000,
      "every unfinished message to be visible again",
    );
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(account(model(), "pppoe", "bob")?.disabled).toBe("false");
    keep(events);
  });

  it("the reporter sends heartbeats with NAS health and active-session lists", async () => {
    world = await startWorld();
    await world.agent({ heartbeatSeconds: 1, sessionsSeconds: 1 });
    await send(command("alice", SUSPENDED));
    const events = reader();
    await events.until(
      (e) =>
        e.some((x) => x.type === "heartbeat" && x.nas[0]?.reachable === true && x.commands.verified === 1) &&
        e.some((x) => x.type === "sessions"),
      8_000,
    );

    const beat = events.of("heartbeat").find((h) => h.commands.verified === 1);
    expect(beat).toMatchObject({
      state: "running",
      agentVersion: expect.any(String),
      inFlight: 0,
      nas: [{ nasId: NAS_ID, reachable: true, lastSuccessAt: expect.any(String) }],
    });
    const [sessions] = events.of("sessions");
    expect(sessions).toMatchObject({ nasId: NAS_ID, part: 1, parts: 1 });
    const users = sessions?.sessions.map((s) => `${s.service}:${s.username}`).sort() ?? [];
    expect(users).toEqual(expect.arrayContaining(["hotspot:carol", "pppoe:bob"]));
    expect(sessions?.total).toBe(users.length);
    keep(events);
  });

  it("the metrics endpoint exposes counters, histograms, gauges and RSS", async () => {
    world = await startWorld();
    const port = await freePort();
    const agent = await world.agent({}, world.config({ metricsPort: port }));
    await send(command("alice", SUSPENDED), command("carol", SUSPENDED, { username: "ghost" }));
    await until(() => agent.metrics.commands.get({ outcome: "failed" }) === 1, 5_000, "two results");
    await until(() => agent.metrics.commands.get({ outcome: "verified" }) === 1, 5_000, "two results");

    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    const text = await response.text();

    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    expect(text).toContain("isp_edge_commands_received_total 2");
    expect(text).toContain('isp_edge_commands_total{outcome="verified"} 1');
    expect(text).toContain('isp_edge_commands_total{outcome="failed"} 1');
    expect(text).toContain("isp_edge_apply_duration_seconds_count 2");
    expect(text).toMatch(/isp_edge_notbefore_lateness_seconds_bucket\{le="\+Inf"\} 2/);
    expect(text).toContain(`isp_edge_nas_reachable{nas="${NAS_ID}"} 1`);
    expect(text).toMatch(/isp_edge_commands_in_flight 0/);
    expect(text).toMatch(/isp_edge_queue_lag_seconds \d/);
    expect(text).toMatch(/process_resident_memory_bytes \d{6,}/);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });
});
