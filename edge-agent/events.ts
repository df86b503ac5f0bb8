import * as z from "zod";
import { idSchema } from "../shared/domain/ids.js";
import { InstantSchema } from "../shared/domain/schemas/common.js";
import { EdgeCommandResultSchema } from "../shared/domain/schemas/edge-command.js";
import { ServiceSchema } from "../shared/domain/schemas/subscriber.js";

/*
 * What the edge agent sends to the shared agent-events queue (decision 4): one JSON envelope per
 * SQS message, told apart by `type`. The cloud's results Lambda parses these schemas. Objects are
 * not strict, so a newer agent that adds a field does not break an older cloud. Nothing here ever
 * carries a router password, a RADIUS secret or a whole command.
 */

const Envelope = {
  tenantId: idSchema("tenant"),
  siteId: idSchema("site"),
  /** When the agent produced the event (its own clock; routers and agent should run NTP). */
  at: InstantSchema,
};

const ShortText = z.string().max(500);

/** The outcome of one delivery of one edge command. */
export const ResultEventSchema = z
  .object({
    type: z.literal("result"),
    ...Envelope,
    /** The NAS the command was enforced on; absent when none could be chosen. */
    nasId: idSchema("nas").optional(),
    result: EdgeCommandResultSchema,
    /** SQS ApproximateReceiveCount of this delivery. */
    attempt: z.number().int().min(1),
    /** False: a retryable failure that the queue will deliver again. */
    final: z.boolean(),
  })
  .meta({ id: "AgentResultEvent" });
export type ResultEvent = z.infer<typeof ResultEventSchema>;

/** A queue message that is not an EdgeCommand. It stays for the dead-letter queue unless `final`. */
export const RejectedEventSchema = z
  .object({
    type: z.literal("rejected"),
    ...Envelope,
    messageId: z.string().min(1).max(128),
    /** Where the body failed (zod issue paths), never the body itself. */
    reason: ShortText,
    attempt: z.number().int().min(1),
    /** True when the agent deleted the message instead of leaving it for the dead-letter queue. */
    final: z.boolean(),
  })
  .meta({ id: "AgentRejectedEvent" });
export type RejectedEvent = z.infer<typeof RejectedEventSchema>;

export const NasHealthSchema = z.object({
  nasId: idSchema("nas"),
  /** null: nothing was tried yet (or a RADIUS-only NAS that has had no command). */
  reachable: z.boolean().nullable(),
  lastSuccessAt: InstantSchema.optional(),
  lastFailureAt: InstantSchema.optional(),
  lastError: ShortText.optional(),
});
export type NasHealth = z.infer<typeof NasHealthSchema>;

const Count = z.number().int().min(0);

/** The agent is alive: sent every heartbeat interval, and once more when it stops. */
export const HeartbeatEventSchema = z
  .object({
    type: z.literal("heartbeat"),
    ...Envelope,
    agentVersion: z.string().max(64),
    state: z.enum(["running", "stopping"]),
    startedAt: InstantSchema,
    /** Commands being handled now, including those waiting for their notBefore. */
    inFlight: Count,
    /** Longest wait in the queue of a message received in the last interval, in seconds. */
    queueLagSeconds: z.number().min(0),
    /** Totals since the agent started, by outcome. */
    commands: z.record(z.string().max(32), Count),
    nas: z.array(NasHealthSchema),
  })
  .meta({ id: "AgentHeartbeatEvent" });
export type HeartbeatEvent = z.infer<typeof HeartbeatEventSchema>;

export const ActiveSessionSchema = z.object({
  service: ServiceSchema,
  /** As the router lists it; a router may hold logins that are no subscriber of the cloud. */
  username: z.string().min(1).max(128),
  address: z.string().max(64).optional(),
});
export type ActiveSession = z.infer<typeof ActiveSessionSchema>;

/**
 * Who is online on one NAS, read from the router (reconciliation input). A large router's list is
 * split into `parts` messages sharing one `snapshotId`; the snapshot is whole once all arrived.
 */
export const SessionsEventSchema = z
  .object({
    type: z.literal("sessions"),
    ...Envelope,
    nasId: idSchema("nas"),
    snapshotId: z.string().min(1).max(64),
    part: z.number().int().min(1),
    parts: z.number().int().min(1),
    /** Sessions in the whole snapshot (all parts). */
    total: Count,
    sessions: z.array(ActiveSessionSchema),
  })
  .meta({ id: "AgentSessionsEvent" });
export type SessionsEvent = z.infer<typeof SessionsEventSchema>;

export const AgentEventSchema = z
  .discriminatedUnion("type", [
    ResultEventSchema,
    RejectedEventSchema,
    HeartbeatEventSchema,
    SessionsEventSchema,
  ])
  .meta({ id: "AgentEvent" });
export type AgentEvent = z.infer<typeof AgentEventSchema>;
export type AgentEventType = AgentEvent["type"];
