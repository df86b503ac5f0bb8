import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleInput,
  DeleteScheduleCommand,
  InternalServerException,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  UpdateScheduleCommand,
} from "@aws-sdk/client-scheduler";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  atExpression,
  type EventBridgeSchedulerOptions,
  EventBridgeSubscriberScheduler,
  SchedulerError,
} from "../../../../shared/adapters/scheduler/eventbridge-scheduler.js";
import { ConfigError } from "../../../../shared/config.js";
import type { ScheduledFire } from "../../../../shared/ports/scheduler.js";

const TENANT = "01JTENANT000000000000000000000".slice(0, 30);
const SUBSCRIBER = "01JSUBSCRIBER00000000000000000".slice(0, 30);
const NAME = `${TENANT}.${SUBSCRIBER}`;
const NOW = new Date("2026-03-01T10:00:00.000Z");
const LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:lifecycle";
const ROLE = "arn:aws:iam::123456789012:role/scheduler-invoke";
const DLQ = "arn:aws:sqs:us-east-1:123456789012:scheduler-dlq";

const fire: ScheduledFire = {
  tenantId: TENANT,
  subscriberId: SUBSCRIBER,
  kind: "expire",
  dueAt: "2026-03-05T18:00:00.000Z",
  version: 7,
  data: { reminder: "-1d" },
};

const client = new SchedulerClient({
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
  maxAttempts: 1,
});
const mock = mockClient(client);

function scheduler(extra: Partial<EventBridgeSchedulerOptions> = {}): EventBridgeSubscriberScheduler {
  return new EventBridgeSubscriberScheduler({
    client,
    groupName: "isp-subscribers",
    targetArn: LAMBDA,
    roleArn: ROLE,
    deadLetterArn: DLQ,
    clock: { now: () => NOW },
    ...extra,
  });
}

/** The whole schedule both calls must carry (UpdateSchedule replaces every field). */
function expectedInput(expression: string, f: ScheduledFire = fire) {
  return {
    Name: NAME,
    GroupName: "isp-subscribers",
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: "UTC",
    FlexibleTimeWindow: { Mode: "OFF" },
    ActionAfterCompletion: "DELETE",
    State: "ENABLED",
    Target: {
      Arn: LAMBDA,
      RoleArn: ROLE,
      Input: JSON.stringify(f),
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: DLQ },
    },
    ClientToken: expect.stringMatching(/^[a-zA-Z0-9-_]{1,64}$/),
  };
}

const notFound = () =>
  new ResourceNotFoundException({
    message: "Schedule not found",
    Message: "Schedule not found",
    $metadata: {},
  });
const conflict = () =>
  new ConflictException({
    message: "Schedule already exists",
    Message: "Schedule already exists",
    $metadata: {},
  });

beforeEach(() => {
  mock.reset();
});
afterEach(() => {
  mock.reset();
});

describe("EventBridgeSubscriberScheduler.upsert", () => {
  it("updates the existing schedule with the full one-time schedule input", async () => {
    mock.on(UpdateScheduleCommand).resolves({ ScheduleArn: "arn" });

    await scheduler().upsert(new Date("2026-03-05T17:59:00.000Z"), fire);

    const updates = mock.commandCalls(UpdateScheduleCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args[0].input).toEqual(expectedInput("at(2026-03-05T17:59:00)"));
    expect(mock.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  });

  it("creates the schedule when the update finds none", async () => {
    mock.on(UpdateScheduleCommand).rejects(notFound());
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: "arn" });

    await scheduler().upsert(new Date("2026-03-05T17:59:00.000Z"), fire);

    expect(mock.commandCalls(UpdateScheduleCommand)).toHaveLength(1);
    const creates = mock.commandCalls(CreateScheduleCommand);
    expect(creates).toHaveLength(1);
    const created = creates[0]?.args[0].input;
    expect(created).toEqual(expectedInput("at(2026-03-05T17:59:00)"));
    expect(JSON.parse(created?.Target?.Input ?? "null")).toEqual(fire);
  });

  it("uses a fresh idempotency token per call", async () => {
    mock.on(UpdateScheduleCommand).rejects(notFound());
    mock.on(CreateScheduleCommand).resolves({});

    await scheduler().upsert(new Date("2026-03-05T17:59:00.000Z"), fire);
    await scheduler().upsert(new Date("2026-03-05T17:59:00.000Z"), fire);

    const tokens = mock.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input.ClientToken);
    expect(new Set(tokens).size).toBe(2);
  });

  it("updates after losing the create race to a concurrent upsert", async () => {
    mock
      .on(UpdateScheduleCommand)
      .rejectsOnce(notFound())
      .resolves({ ScheduleArn: "arn" })
      .on(CreateScheduleCommand)
      .rejects(conflict());

    await scheduler().upsert(new Date("2026-03-05T17:59:00.000Z"), fire);

    const calls = mock.calls().map((c) => c.args[0].constructor.name);
    expect(calls).toEqual(["UpdateScheduleCommand", "CreateScheduleCommand", "UpdateScheduleCommand"]);
    expect(mock.commandCalls(UpdateScheduleCommand)[1]?.args[0].input).toEqual(
      expectedInput("at(2026-03-05T17:59:00)"),
    );
  });

  it("leaves exactly one schedule, holding the later write, when two upserts race", async () => {
    // A fake service: names are unique in the group; both updates miss, both creates race.
    const store = new Map<string, CreateScheduleInput>();
    let updatesInFlight = 0;
    let releaseMisses = () => {};
    const bothMissed = new Promise<void>((resolve) => {
      releaseMisses = resolve;
    });
    mock.on(UpdateScheduleCommand).callsFake(async (input: CreateScheduleInput) => {
      const name = input.Name ?? "";
      if (!store.has(name)) {
        if (++updatesInFlight === 2) releaseMisses();
        await bothMissed;
        throw notFound();
      }
      store.set(name, input);
      return {};
    });
    let creates = 0;
    mock.on(CreateScheduleCommand).callsFake(async (input: CreateScheduleInput) => {
      const name = input.Name ?? "";
      // The first writer's create lands first; the second writer's create arrives after it.
      if (++creates === 2) await new Promise((r) => setTimeout(r, 5));
      if (store.has(name)) throw conflict();
      store.set(name, input);
      return {};
    });
    const earlier = { ...fire, version: 8 };
    const later = { ...fire, version: 9 };

    await Promise.all([
      scheduler().upsert(new Date("2026-03-05T17:59:00Z"), earlier),
      new Promise((r) => setTimeout(r, 1)).then(() =>
        scheduler().upsert(new Date("2026-03-06T17:59:00Z"), later),
      ),
    ]);

    expect(mock.commandCalls(UpdateScheduleCommand)).toHaveLength(3);
    expect(mock.commandCalls(CreateScheduleCommand)).toHaveLength(2);
    expect([...store.keys()]).toEqual([NAME]);
    expect(store.get(NAME)?.ScheduleExpression).toBe("at(2026-03-06T17:59:00)");
    expect(JSON.parse(store.get(NAME)?.Target?.Input ?? "null")).toEqual(later);
  });

  it("retries an update that collided with a concurrent change", async () => {
    mock.on(UpdateScheduleCommand).rejectsOnce(conflict()).resolves({});

    await scheduler().upsert(new Date("2026-03-05T17:59:00Z"), fire);

    expect(mock.commandCalls(UpdateScheduleCommand)).toHaveLength(2);
    expect(mock.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  });

  it.each([
    ["2026-03-05T17:59:00.000Z", "at(2026-03-05T17:59:00)"],
    ["2026-03-05T17:59:00.001Z", "at(2026-03-05T17:59:01)"],
    ["2026-03-05T17:59:00.999Z", "at(2026-03-05T17:59:01)"],
    ["2026-12-31T23:59:59.500Z", "at(2027-01-01T00:00:00)"],
  ])("rounds %s up to the whole second %s", async (instant, expression) => {
    mock.on(UpdateScheduleCommand).resolves({});

    await scheduler().upsert(new Date(instant), fire);

    expect(mock.commandCalls(UpdateScheduleCommand)[0]?.args[0].input.ScheduleExpression).toBe(expression);
  });

  it.each([
    ["in the past", "2026-03-01T09:00:00.000Z"],
    ["now", "2026-03-01T10:00:00.000Z"],
    ["inside the lead", "2026-03-01T10:00:04.000Z"],
  ])("moves an instant %s to now plus the minimum lead", async (_label, instant) => {
    mock.on(UpdateScheduleCommand).resolves({});

    await scheduler().upsert(new Date(instant), fire);

    expect(mock.commandCalls(UpdateScheduleCommand)[0]?.args[0].input.ScheduleExpression).toBe(
      "at(2026-03-01T10:00:05)",
    );
  });

  it("passes configured retry policy values through", async () => {
    mock.on(UpdateScheduleCommand).resolves({});

    await scheduler({ maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 }).upsert(
      new Date("2026-03-05T17:59:00Z"),
      fire,
    );

    expect(mock.commandCalls(UpdateScheduleCommand)[0]?.args[0].input.Target?.RetryPolicy).toEqual({
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it("wraps a failure in SchedulerError with the schedule name and the SDK error as cause", async () => {
    const throttled = new ThrottlingException({
      message: "Rate exceeded",
      Message: "Rate exceeded",
      $metadata: {},
    });
    mock.on(UpdateScheduleCommand).rejects(throttled);

    const error = await scheduler()
      .upsert(new Date("2026-03-05T17:59:00Z"), fire)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SchedulerError);
    expect(error).toMatchObject({ scheduleName: NAME, operation: "upsert", cause: throttled });
    expect((error as Error).message).toBe(`upsert of schedule ${NAME} failed: ThrottlingException`);
    expect((error as Error).message).not.toContain("AKIDEXAMPLE");
  });

  it("rejects an invalid instant before calling AWS", async () => {
    await expect(scheduler().upsert(new Date(Number.NaN), fire)).rejects.toBeInstanceOf(SchedulerError);
    expect(mock.calls()).toHaveLength(0);
  });

  it("rejects a schedule name EventBridge would refuse", async () => {
    await expect(
      scheduler().upsert(new Date("2026-03-05T17:59:00Z"), { ...fire, tenantId: "bad/tenant" }),
    ).rejects.toThrow(/invalid schedule name/);
    expect(mock.calls()).toHaveLength(0);
  });
});

describe("EventBridgeSubscriberScheduler.remove", () => {
  it("deletes the subscriber's schedule in the group", async () => {
    mock.on(DeleteScheduleCommand).resolves({});

    await scheduler().remove(TENANT, SUBSCRIBER);

    expect(mock.commandCalls(DeleteScheduleCommand)[0]?.args[0].input).toEqual({
      Name: NAME,
      GroupName: "isp-subscribers",
    });
  });

  it("treats a missing schedule as removed", async () => {
    mock.on(DeleteScheduleCommand).rejects(notFound());

    await expect(scheduler().remove(TENANT, SUBSCRIBER)).resolves.toBeUndefined();
  });

  it("surfaces other failures as SchedulerError", async () => {
    const internal = new InternalServerException({ message: "boom", Message: "boom", $metadata: {} });
    mock.on(DeleteScheduleCommand).rejects(internal);

    await expect(scheduler().remove(TENANT, SUBSCRIBER)).rejects.toMatchObject({
      name: "SchedulerError",
      operation: "remove",
      scheduleName: NAME,
      cause: internal,
    });
  });
});

describe("EventBridgeSubscriberScheduler configuration", () => {
  const valid = { groupName: "isp-subscribers", targetArn: LAMBDA, roleArn: ROLE, deadLetterArn: DLQ };

  it.each([
    ["targetArn", { ...valid, targetArn: undefined }],
    ["targetArn", { ...valid, targetArn: DLQ }],
    ["roleArn", { ...valid, roleArn: "scheduler-role" }],
    ["deadLetterArn", { ...valid, deadLetterArn: "" }],
    ["groupName", { ...valid, groupName: "has space" }],
    ["maximumRetryAttempts", { ...valid, maximumRetryAttempts: 186 }],
    ["maximumEventAgeSeconds", { ...valid, maximumEventAgeSeconds: 59 }],
    ["client", { ...valid, client: {} }],
    ["options", { ...valid, targetARN: LAMBDA }],
  ])("names %s when it is missing or invalid", (option, options) => {
    const construct = () => new EventBridgeSubscriberScheduler(options as EventBridgeSchedulerOptions);
    expect(construct).toThrow(ConfigError);
    expect(construct).toThrow(new RegExp(`\\b${option}\\b`));
  });

  it("creates its own client when none is given", () => {
    expect(() => new EventBridgeSubscriberScheduler(valid)).not.toThrow();
  });
});

describe("atExpression", () => {
  it("formats UTC regardless of the process time zone", () => {
    expect(atExpression(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe("at(2026-01-02T03:04:05)");
  });
});
