import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { Agent, type AgentLogger, type AgentTuningInput } from "../../../edge-agent/agent.js";
import { type AgentConfig, parseConfig } from "../../../edge-agent/config.js";
import { type AgentEvent, AgentEventSchema } from "../../../edge-agent/events.js";
import { type LocalSqs, startLocalSqs } from "../../../shared/local/sqs/index.js";
import {
  FAST_RETRY,
  NAS_ID,
  RADIUS_SECRET,
  SITE,
  type Site,
  startSite,
  TENANT,
} from "../enforcer-helpers.js";
import { CREDENTIALS } from "../routeros/helpers.js";

export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
/** Every secret a test configures: no event, log line or doctor output may contain one. */
export const SECRETS = [RADIUS_SECRET, CREDENTIALS.password];

export function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: "local", credentials: LOCAL_CREDENTIALS });
}

export interface QueueOptions {
  /** The queue's default visibility timeout (the agent asks for its own on every receive). */
  readonly visibilityTimeout?: number;
  /** Receives before the commands queue dead-letters a message. @default no redrive */
  readonly maxReceiveCount?: number;
}

export interface Queues {
  readonly sqs: LocalSqs;
  readonly client: SQSClient;
  readonly commandsUrl: string;
  readonly eventsUrl: string;
  readonly dlqUrl: string;
  close(): Promise<void>;
}

let queueCounter = 0;

export async function startQueues(o: QueueOptions = {}, sqs?: LocalSqs): Promise<Queues> {
  const server = sqs ?? (await startLocalSqs());
  const client = sqsClient(server.endpoint);
  const n = ++queueCounter;
  const create = async (QueueName: string, Attributes: Record<string, string> = {}) => {
    const out = await client.send(new CreateQueueCommand({ QueueName, Attributes }));
    if (!out.QueueUrl) throw new Error(`no URL for ${QueueName}`);
    return out.QueueUrl;
  };
  const dlqUrl = await create(`commands-${n}-dlq`);
  const commandsUrl = await create(`commands-${n}`, {
    VisibilityTimeout: String(o.visibilityTimeout ?? 30),
    ...(o.maxReceiveCount !== undefined && {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: `arn:aws:sqs:local:000000000000:commands-${n}-dlq`,
        maxReceiveCount: o.maxReceiveCount,
      }),
    }),
  });
  const eventsUrl = await create(`events-${n}`);
  return {
    sqs: server,
    client,
    commandsUrl,
    eventsUrl,
    dlqUrl,
    close: async () => {
      client.destroy();
      if (sqs === undefined) await server.stop();
    },
  };
}

export interface ConfigOptions {
  readonly method?: "radius" | "api" | "rest";
  readonly apiPassword?: string;
  readonly radiusSecret?: string;
  readonly metricsPort?: number;
  readonly stateFile: string;
}

/** A full agent config document for the simulated site and the local queues, schema-checked. */
export function agentDocument(
  site: Site,
  queues: Pick<Queues, "sqs" | "commandsUrl" | "eventsUrl">,
  o: ConfigOptions,
) {
  return {
    tenantId: TENANT,
    siteId: SITE,
    queue: {
      commandsUrl: queues.commandsUrl,
      eventsUrl: queues.eventsUrl,
      region: "local",
      endpoint: queues.sqs.endpoint,
    },
    stateFile: o.stateFile,
    ...(o.metricsPort !== undefined && { metrics: { port: o.metricsPort } }),
    nas: [
      {
        id: NAS_ID,
        name: "simulated",
        address: "127.0.0.1",
        method: o.method ?? "api",
        services: ["pppoe", "hotspot"],
        radius: { secret: o.radiusSecret ?? RADIUS_SECRET, port: site.radiusPort, retry: FAST_RETRY },
        api: {
          port: site.router.apiPort,
          username: CREDENTIALS.username,
          password: o.apiPassword ?? CREDENTIALS.password,
          timeoutMs: 2000,
        },
        rest: {
          baseUrl: `http://127.0.0.1:${site.router.restPort}`,
          ...CREDENTIALS,
          timeoutMs: 2000,
        },
        suspension: { style: "disable", suspendedProfile: "suspended", suspendedList: "unpaid" },
      },
    ],
  };
}

export function agentConfig(
  site: Site,
  queues: Pick<Queues, "sqs" | "commandsUrl" | "eventsUrl">,
  o: ConfigOptions,
): AgentConfig {
  return parseConfig(agentDocument(site, queues, o));
}

/** Short waits so tests run in seconds; production defaults are minutes. */
export const FAST_TUNING: AgentTuningInput = {
  waitTimeSeconds: 1,
  visibilityTimeoutSeconds: 10,
  visibilityHeartbeatSeconds: 2,
  retryBackoffSeconds: 1,
  maxRetryBackoffSeconds: 2,
  malformedRetrySeconds: 0,
  drainTimeoutSeconds: 5,
  heartbeatSeconds: 1,
  sessionsSeconds: 0,
  enforcerRounds: 1,
  enforcerBackoffMs: 20,
};

/** Every log line any agent in a test wrote, checked for secrets. */
export const logLines: string[] = [];
export const captureLogger: AgentLogger = {
  info: (message, context) => logLines.push(JSON.stringify({ level: "info", message, ...context })),
  warn: (message, context) => logLines.push(JSON.stringify({ level: "warn", message, ...context })),
  error: (message, context) => logLines.push(JSON.stringify({ level: "error", message, ...context })),
};

export interface World {
  readonly site: Site;
  readonly queues: Queues;
  readonly dir: string;
  readonly agents: Agent[];
  config(o?: Partial<ConfigOptions>): AgentConfig;
  agent(tuning?: AgentTuningInput, config?: AgentConfig): Promise<Agent>;
  close(): Promise<void>;
}

export async function startWorld(q: QueueOptions = {}): Promise<World> {
  const site = await startSite();
  const queues = await startQueues(q);
  const dir = await mkdtemp(join(tmpdir(), "edge-agent-"));
  const agents: Agent[] = [];
  const config = (o: Partial<ConfigOptions> = {}) =>
    agentConfig(site, queues, { stateFile: join(dir, "state.json"), ...o });
  return {
    site,
    queues,
    dir,
    agents,
    config,
    agent: async (tuning = {}, cfg = config()) => {
      const agent = await Agent.create({
        config: cfg,
        client: queues.client,
        tuning: { ...FAST_TUNING, ...tuning },
        logger: captureLogger,
      });
      agents.push(agent);
      await agent.start();
      return agent;
    },
    close: async () => {
      await Promise.all(agents.map((a) => a.stop({ abort: true })));
      await queues.close();
      await site.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function sendBodies(
  client: SQSClient,
  QueueUrl: string,
  bodies: readonly string[],
  delaySeconds: (i: number) => number = () => 0,
): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const Entries = bodies.slice(i, i + 10).map((MessageBody, j) => ({
      Id: `m${j}`,
      MessageBody,
      DelaySeconds: delaySeconds(i + j),
    }));
    const out = await client.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
    if (out.Failed?.length) throw new Error(`send failed: ${JSON.stringify(out.Failed)}`);
  }
}

export async function queueCounts(client: SQSClient, QueueUrl: string) {
  const out = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }));
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

export async function queueEmpty(client: SQSClient, QueueUrl: string): Promise<boolean> {
  const c = await queueCounts(client, QueueUrl);
  return c.visible + c.inFlight + c.delayed === 0;
}

/** Polls `check` every 50 ms until it holds; throws after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Reads (and deletes) events from the events queue until `done` holds for all read so far. */
export class EventReader {
  readonly events: AgentEvent[] = [];
  readonly raw: string[] = [];

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async until(done: (events: readonly AgentEvent[]) => boolean, timeoutMs = 10_000): Promise<AgentEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.events)) {
      if (Date.now() > deadline) throw new Error(`events not seen within ${timeoutMs} ms`);
      const out = await this.client.send(
        new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      for (const m of messages) {
        this.raw.push(m.Body ?? "");
        this.events.push(AgentEventSchema.parse(JSON.parse(m.Body ?? "")));
      }
      await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    return this.events;
  }

  of<T extends AgentEvent["type"]>(type: T): Extract<AgentEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<AgentEvent, { type: T }> => e.type === type);
  }
}

/** A TCP port that was free a moment ago (for the metrics endpoint, whose config needs a fixed one). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
