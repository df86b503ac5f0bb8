import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context, DynamoDBStreamEvent } from "aws-lambda";
import {
  AGENT_EVENTS_ENTRY,
  AGENT_EVENTS_QUEUE_URL_ENV,
  AUTHORIZER_ENTRY,
  apiFunctions,
  LIFECYCLE_ENTRY,
  OUTBOUND_EVENTS_ENTRY,
  PAYMENT_SWEEP_ENTRY,
  SWEEP_ENTRY,
  WEBHOOK_DELIVERIES_ENTRY,
} from "../../functions/api/catalog.js";
import { functionDeps } from "../../functions/deps.js";
import { ensureTable } from "../adapters/dynamodb/create-table.js";
import { LocalSubscriberScheduler } from "../adapters/scheduler/local-scheduler.js";
import { LocalSecretBox } from "../adapters/secrets/local-secret-box.js";
import { userTokenEnvironment } from "../config.js";
import type { ApiEvent, ApiResult } from "../http/api-handler.js";
import { corsConfigFromEnv } from "../http/cors.js";
import type { GatewayName } from "../ports/payment-gateway.js";
import { siteQueueName } from "../ports/queue.js";
import type { ServiceDeps } from "../services/caller.js";
import { putGateway } from "../services/payments/gateway-settings.js";
import { createLocalApiGateway, type LocalAuthorizer, type LocalRoute } from "./api-gateway.js";
import { type DynamoDbLocal, PROJECT_ROOT, startDynamoDbLocal } from "./dynamodb-local.js";
import { type LocalGateways, startLocalGateways } from "./gateways/index.js";
import { every } from "./interval.js";
import { type LocalOidcIssuer, startLocalOidcIssuer } from "./oidc-issuer.js";
import { type LocalOutboundEvents, startLocalOutboundEvents } from "./outbound-events.js";
import { startLocalSchedulerApi } from "./scheduler-api.js";
import { type DemoTenant, seedDemoTenant } from "./seed.js";
import { startSimulatedSite } from "./simulated-site.js";
import { startLocalSqs } from "./sqs/index.js";

/**
 * The whole system on one machine, built from the deployed code: the API handlers and authorizer
 * behind a local API Gateway, the lifecycle handler behind a local scheduler that speaks the
 * EventBridge Scheduler API, per-site queues on a local SQS, all on DynamoDB Local. The edge agent
 * and the simulated site plug in as further `LocalComponent`s.
 */
export interface LocalComponent {
  readonly name: string;
  stop(): Promise<void>;
}

export interface LocalCloudOptions {
  /** Folder for persistent state; omitted = everything in memory. */
  readonly dataDir?: string;
  readonly port?: number;
  readonly host?: string;
  readonly tableName?: string;
  /** Use an already running DynamoDB (tests share one); otherwise DynamoDB Local is started. */
  readonly dynamoEndpoint?: string;
  readonly seed?: boolean;
  /** Run the lifecycle and payment sweeps every minute (default); tests call them explicitly. */
  readonly sweeps?: boolean;
  /**
   * Where payment gateways are: loopback stand-ins of all four (default), or explicit base URLs
   * (e.g. a gateway's real sandbox).
   */
  readonly gatewayBaseUrls?: Partial<Record<GatewayName, string>>;
  /**
   * Outbound events: the table's stream polled into the outbound-events handler, and the webhook
   * delivery queue. On by default when this cloud runs its own DynamoDB Local; off on a shared one
   * (tests), where every cloud polling the same stream would deliver each event once per cloud.
   */
  readonly outboundEvents?: boolean | { readonly retryBaseSeconds?: number };
  /** How often the agent-events and webhook-delivery queues are drained (AWS: every few minutes). */
  readonly drainIntervalMs?: number;
}

export interface LocalCloud {
  readonly url: string;
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  /** Where edge agents send results, heartbeats and session reports. */
  readonly agentEventsUrl: string;
  readonly tableName: string;
  readonly deps: ServiceDeps;
  readonly scheduler: LocalSubscriberScheduler;
  readonly demo?: DemoTenant;
  /** The gateway stand-ins, unless explicit gateway URLs were given. */
  readonly gateways?: LocalGateways;
  /** The outbound events' stand-ins, when they run (see LocalCloudOptions.outboundEvents). */
  readonly outbound?: LocalOutboundEvents;
  /** The frontend users' issuer stand-in: `oidc.mint(...)` signs a user token the API accepts. */
  readonly oidc: LocalOidcIssuer;
  readonly components: LocalComponent[];
  stop(): Promise<void>;
}

/** The one dead-letter queue of every site's command queue (the stateful stack's SiteCommandDeadLetters). */
const SITE_DLQ_NAME = "local-site-commands-dlq";

/** Names and ARNs the local stand-ins answer to (the CDK stacks give the real ones). */
const LOCAL_ENV = {
  AWS_REGION: "local",
  SITE_QUEUE_PREFIX: "isp-local",
  // Outside the site queues' prefix, as the stack's generated name is.
  SITE_DLQ_ARN: `arn:aws:sqs:local:000000000000:${SITE_DLQ_NAME}`,
  SCHEDULE_GROUP: "isp-local",
  LIFECYCLE_FUNCTION_ARN: "arn:aws:lambda:local:000000000000:function:isp-local-lifecycle",
  SCHEDULER_ROLE_ARN: "arn:aws:iam::000000000000:role/isp-local-scheduler",
  SCHEDULER_DLQ_ARN: "arn:aws:sqs:local:000000000000:isp-local-scheduler-dlq",
  // The local scheduler fires on the second, so it needs no lead beyond one second.
  SCHEDULER_MIN_LEAD_SECONDS: "1",
} as const;

const SWEEP_INTERVAL_MS = 60_000;
/** How often the queues drained on a schedule in AWS are drained here. */
const DRAIN_INTERVAL_MS = 1_000;

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const tableName = options.tableName ?? "isp-local";
  const components: LocalComponent[] = [];
  const stopAll = async () => {
    for (const c of [...components].reverse()) await c.stop().catch(() => undefined);
  };
  try {
    const ddb: DynamoDbLocal | undefined = options.dynamoEndpoint
      ? undefined
      : await startDynamoDbLocal(options.dataDir ? { dbPath: join(options.dataDir, "dynamodb") } : {});
    if (ddb) components.push({ name: "dynamodb-local", stop: ddb.stop });
    const dynamoEndpoint = options.dynamoEndpoint ?? ddb?.endpoint ?? "";
    const admin = new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await ensureTable(admin, tableName);
    admin.destroy();

    const sqs = await startLocalSqs(options.dataDir ? { stateFile: join(options.dataDir, "sqs.json") } : {});
    components.push({ name: "sqs", stop: sqs.stop });
    await createQueue(sqs.endpoint, SITE_DLQ_NAME);

    // The scheduler's target is the deployed lifecycle handler, called as Lambda would call it.
    const lifecycle = await loadHandler<(event: unknown) => Promise<{ outcome: string }>>(LIFECYCLE_ENTRY);
    const scheduler = new LocalSubscriberScheduler({
      target: async (fire) => {
        await lifecycle(fire);
      },
      ...(options.dataDir ? { stateFile: join(options.dataDir, "schedules.json") } : {}),
    });
    const schedulerApi = await startLocalSchedulerApi(scheduler);
    components.push(
      { name: "scheduler", stop: () => scheduler.stop() },
      { name: "scheduler-api", stop: schedulerApi.stop },
    );

    const gateways = options.gatewayBaseUrls ? undefined : await startLocalGateways();
    if (gateways) components.push({ name: "gateways", stop: gateways.stop });

    // Frontend sign-in: the authorizer verifies user tokens against this issuer's keys.
    const oidc = await startLocalOidcIssuer();
    components.push({ name: "oidc-issuer", stop: oidc.stop });

    // The handlers read their configuration from the environment, exactly as in Lambda.
    Object.assign(process.env, LOCAL_ENV, userTokenEnvironment(oidc.config), {
      LOCAL_SECRET_KEY: await localSecretKey(options.dataDir),
      GATEWAY_BASE_URLS: JSON.stringify(options.gatewayBaseUrls ?? gateways?.baseUrls ?? {}),
      SMS_PROVIDER: "outbox",
      ...(options.dataDir ? { NOTIFY_OUTBOX_FILE: join(options.dataDir, "outbox.jsonl") } : {}),
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamoEndpoint,
      SQS_ENDPOINT: sqs.endpoint,
      SCHEDULER_ENDPOINT: schedulerApi.endpoint,
    });
    const deps = functionDeps();
    await scheduler.start();

    // Results, heartbeats and session reports from edge agents: the deployed handler drains the
    // queue on a schedule (every AGENT_EVENTS_DRAIN_RATE in AWS, every second here).
    const agentEventsUrl = await createQueue(sqs.endpoint, `${LOCAL_ENV.SITE_QUEUE_PREFIX}-agent-events`, {
      VisibilityTimeout: "60",
    });
    process.env[AGENT_EVENTS_QUEUE_URL_ENV] = agentEventsUrl;
    const agentEvents = every(
      options.drainIntervalMs ?? DRAIN_INTERVAL_MS,
      await loadHandler<() => Promise<unknown>>(AGENT_EVENTS_ENTRY),
    );
    components.push({ name: "agent-events", stop: agentEvents.stop });

    const outboundOption = options.outboundEvents ?? !options.dynamoEndpoint;
    const outbound = outboundOption
      ? await startLocalOutboundEvents({
          dynamoEndpoint,
          tableName,
          sqsEndpoint: sqs.endpoint,
          queuePrefix: LOCAL_ENV.SITE_QUEUE_PREFIX,
          dataDir: options.dataDir,
          retryBaseSeconds: typeof outboundOption === "object" ? outboundOption.retryBaseSeconds : undefined,
          drainIntervalMs: options.drainIntervalMs ?? DRAIN_INTERVAL_MS,
          handlers: async () => ({
            stream:
              await loadHandler<(event: DynamoDBStreamEvent) => Promise<unknown>>(OUTBOUND_EVENTS_ENTRY),
            deliveries: await loadHandler<() => Promise<unknown>>(WEBHOOK_DELIVERIES_ENTRY),
          }),
        })
      : undefined;
    if (outbound) components.push({ name: "outbound-events", stop: outbound.stop });

    const sweep = await loadHandler<() => Promise<unknown>>(SWEEP_ENTRY);
    const paymentSweep = await loadHandler<() => Promise<unknown>>(PAYMENT_SWEEP_ENTRY);
    if (options.sweeps !== false) {
      const sweeping = setInterval(() => {
        void sweep().catch(() => undefined);
        void paymentSweep().catch(() => undefined);
      }, SWEEP_INTERVAL_MS);
      sweeping.unref();
      components.push({ name: "sweep", stop: async () => clearInterval(sweeping) });
    }

    const demo = options.seed === false ? undefined : await loadOrSeedDemo(deps, options.dataDir);
    if (demo && gateways) {
      // The demo ISP takes payments through the stand-ins, so its pay links work out of the box.
      const owner = {
        tenantId: demo.tenantId,
        role: "owner" as const,
        actor: { kind: "system" as const, id: "seed" },
      };
      for (const gateway of ["bkash", "nagad", "sslcommerz"] as const) {
        const credentials = gateways.credentials[gateway];
        await putGateway(deps, owner, gateway, { enabled: true, mode: "sandbox", credentials }, "");
      }
    }
    if (demo) {
      // The demo ISP's site: a simulated MikroTik with the demo subscribers online, and its agent.
      const subscribers = await Promise.all(
        demo.subscriberIds.map((id) => deps.repos.subscribers.get(demo.tenantId, id)),
      );
      const packages = await Promise.all(
        demo.packageIds.map((id) => deps.repos.packages.get(demo.tenantId, id)),
      );
      const site = await startSimulatedSite({
        tenantId: demo.tenantId,
        siteId: demo.siteId,
        nasId: demo.nasId,
        sqsEndpoint: sqs.endpoint,
        commandsUrl: sqs.queueUrl(siteQueueName(LOCAL_ENV.SITE_QUEUE_PREFIX, demo.tenantId, demo.siteId)),
        eventsUrl: agentEventsUrl,
        stateFile: options.dataDir
          ? join(options.dataDir, "agent-state.json")
          : join(tmpdir(), `isp-agent-${process.pid}.json`),
        subscribers: subscribers.flatMap((s) =>
          s ? [{ username: s.username, service: s.service, online: true }] : [],
        ),
        profiles: packages.flatMap((p) => (p?.routerProfile ? [p.routerProfile] : [])),
      });
      components.push({ name: "simulated-site", stop: site.stop });
    }
    const server = createLocalApiGateway({
      routes: await loadRoutes(),
      authorizer: await loadAuthorizer(),
      cors: corsConfigFromEnv(),
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 3000, options.host ?? "127.0.0.1", () => resolve());
    });
    components.push({
      name: "api",
      stop: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    });
    const address = server.address() as AddressInfo;
    // Reminders carry pay links to this server (in AWS: the API's URL, set by the stack).
    if (!process.env.PUBLIC_BASE_URL) {
      process.env.PUBLIC_BASE_URL = `http://${address.address}:${address.port}`;
      components.push({ name: "public-url", stop: async () => void delete process.env.PUBLIC_BASE_URL });
    }
    return {
      url: `http://${address.address}:${address.port}`,
      dynamoEndpoint,
      sqsEndpoint: sqs.endpoint,
      agentEventsUrl,
      tableName,
      deps,
      scheduler,
      demo,
      oidc,
      ...(gateways ? { gateways } : {}),
      ...(outbound ? { outbound } : {}),
      components,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The AES key that seals gateway credentials locally; kept beside the data so restarts can open them. */
async function localSecretKey(dataDir: string | undefined): Promise<string> {
  if (!dataDir) return LocalSecretBox.generateKey().toString("base64");
  const file = join(dataDir, "secret.key");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const key = LocalSecretBox.generateKey().toString("base64");
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, key, { mode: 0o600 });
    return key;
  }
}

/** A queue CloudFormation makes in AWS; returns its URL. */
async function createQueue(
  endpoint: string,
  name: string,
  attributes: Record<string, string> = {},
): Promise<string> {
  const client = new SQSClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    return (
      (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl ?? ""
    );
  } finally {
    client.destroy();
  }
}

async function loadHandler<H>(entry: string): Promise<H> {
  const module = (await import(pathToFileURL(join(PROJECT_ROOT, entry)).href)) as { handler: H };
  return module.handler;
}

type Handler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

async function loadRoutes(): Promise<LocalRoute[]> {
  const routes: LocalRoute[] = [];
  for (const { entry, operations } of apiFunctions) {
    const module = (await import(pathToFileURL(join(PROJECT_ROOT, entry)).href)) as { handler: Handler };
    for (const op of operations) {
      routes.push({
        method: op.method,
        path: op.path,
        auth: op.permission !== "public",
        handler: module.handler,
      });
    }
  }
  return routes;
}

async function loadAuthorizer(): Promise<LocalAuthorizer> {
  const module = (await import(pathToFileURL(join(PROJECT_ROOT, AUTHORIZER_ENTRY)).href)) as {
    handler: LocalAuthorizer;
  };
  return module.handler;
}

/** The demo tenant survives restarts when a data folder is used, so the printed key stays valid. */
async function loadOrSeedDemo(deps: ServiceDeps, dataDir: string | undefined): Promise<DemoTenant> {
  const file = dataDir ? join(dataDir, "demo-tenant.json") : undefined;
  if (file && existsSync(file)) {
    const saved = JSON.parse(await readFile(file, "utf8")) as DemoTenant;
    if (await deps.repos.tenants.get(saved.tenantId)) return saved;
  }
  const demo = await seedDemoTenant(deps);
  if (file && dataDir) {
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  }
  return demo;
}
