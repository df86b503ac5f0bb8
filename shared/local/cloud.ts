import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context } from "aws-lambda";
import { AUTHORIZER_ENTRY, apiFunctions } from "../../functions/api/catalog.js";
import { createLocalDocumentClient } from "../adapters/dynamodb/client.js";
import { ensureTable } from "../adapters/dynamodb/create-table.js";
import { createDynamoRepositories } from "../adapters/dynamodb/repositories.js";
import { systemClock } from "../domain/clock.js";
import type { ApiEvent, ApiResult } from "../http/api-handler.js";
import { corsConfigFromEnv } from "../http/cors.js";
import type { ServiceDeps } from "../services/caller.js";
import { createLocalApiGateway, type LocalAuthorizer, type LocalRoute } from "./api-gateway.js";
import { type DynamoDbLocal, PROJECT_ROOT, startDynamoDbLocal } from "./dynamodb-local.js";
import { type DemoTenant, seedDemoTenant } from "./seed.js";

/**
 * The whole system on one machine, built from the deployed code: the API handlers and authorizer
 * behind a local API Gateway, on DynamoDB Local. Later components (scheduler, queues, edge agent,
 * simulated site) plug in as `LocalComponent`s started after the API.
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
}

export interface LocalCloud {
  readonly url: string;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly deps: ServiceDeps;
  readonly demo?: DemoTenant;
  readonly components: LocalComponent[];
  stop(): Promise<void>;
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const tableName = options.tableName ?? "isp-local";
  const ddb: DynamoDbLocal | undefined = options.dynamoEndpoint
    ? undefined
    : await startDynamoDbLocal(options.dataDir ? { dbPath: join(options.dataDir, "dynamodb") } : {});
  const dynamoEndpoint = options.dynamoEndpoint ?? ddb?.endpoint ?? "";
  try {
    const admin = new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await ensureTable(admin, tableName);
    admin.destroy();

    // The handlers read their configuration from the environment, exactly as in Lambda.
    process.env.TABLE_NAME = tableName;
    process.env.DYNAMODB_ENDPOINT = dynamoEndpoint;
    process.env.AWS_REGION ??= "local";

    const deps: ServiceDeps = {
      repos: createDynamoRepositories(createLocalDocumentClient(dynamoEndpoint), tableName),
      clock: systemClock,
    };
    const demo = options.seed === false ? undefined : await loadOrSeedDemo(deps, options.dataDir);
    const server = createLocalApiGateway({
      routes: await loadRoutes(),
      authorizer: await loadAuthorizer(),
      cors: corsConfigFromEnv(),
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 3000, options.host ?? "127.0.0.1", () => resolve());
    });
    const address = server.address() as AddressInfo;
    const components: LocalComponent[] = [];
    return {
      url: `http://${address.address}:${address.port}`,
      dynamoEndpoint,
      tableName,
      deps,
      demo,
      components,
      stop: async () => {
        for (const c of components.reverse()) await c.stop();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await ddb?.stop();
      },
    };
  } catch (error) {
    await ddb?.stop();
    throw error;
  }
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
