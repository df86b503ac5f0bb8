import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { createLocalDocumentClient } from "../../shared/adapters/dynamodb/client.js";
import type { Role } from "../../shared/domain/schemas/api-key.js";
import { type LocalCloud, startLocalCloud } from "../../shared/local/cloud.js";
import { mintApiKey } from "../../shared/services/api-keys.js";
import type { Caller, ServiceDeps } from "../../shared/services/caller.js";
import { createPackage } from "../../shared/services/packages.js";
import { createNas, createSite } from "../../shared/services/sites.js";
import { createSubscriber } from "../../shared/services/subscribers.js";
import { createTenant } from "../../shared/services/tenants.js";

export const ROLES: readonly Role[] = ["owner", "admin", "billing", "support", "readonly"];

/** The local cloud in this test process, on the run's shared DynamoDB Local. */
export async function startTestCloud(
  options: { ownTable?: boolean; drainIntervalMs?: number } = {},
): Promise<LocalCloud> {
  return startLocalCloud({
    dynamoEndpoint: inject("dynamoEndpoint"),
    // Sweeps read every tenant's due work: a test that sweeps with its clock moved ahead gets a
    // table of its own, so it never acts on other test files' subscribers or payments.
    tableName: options.ownTable ? `test-${process.pid}-${Date.now()}` : inject("tableName"),
    port: 0,
    seed: false,
    // A sweep firing mid-test would change what a test compares; tests run sweeps themselves.
    sweeps: false,
    ...(options.drainIntervalMs ? { drainIntervalMs: options.drainIntervalMs } : {}),
  });
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON fields
  json: any;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export async function call(
  cloud: Pick<LocalCloud, "url">,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(`${cloud.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed, json: parsed };
}

export interface TenantWorld {
  tenantId: string;
  keys: Record<Role, string>;
  keyIds: Record<Role, string>;
  packageId: string;
  siteId: string;
  nasId: string;
  subscriberId: string;
  owner: Caller;
}

let counter = 0;

/** A tenant with one of everything and a key for every role, built through the services. */
export async function createWorld(deps: ServiceDeps, label = "world"): Promise<TenantWorld> {
  const n = ++counter;
  const { tenant } = await createTenant(deps, {
    name: `${label} ${n}`,
    timeZone: "Asia/Dhaka",
    currency: "BDT",
  });
  const owner: Caller = { tenantId: tenant.id, role: "owner", actor: { kind: "system", id: "test" } };
  const keys = {} as Record<Role, string>;
  const keyIds = {} as Record<Role, string>;
  for (const role of ROLES) {
    const { stored, token } = mintApiKey(tenant.id, `${role} key`, role, "test", new Date().toISOString());
    await deps.repos.apiKeys.create(stored);
    keys[role] = token;
    keyIds[role] = stored.id;
  }
  const pkg = await createPackage(deps, owner, packageBody());
  const site = await createSite(deps, owner, { name: `Site ${n}` });
  const nas = await createNas(deps, owner, site.resource.id, nasBody());
  const sub = await createSubscriber(
    deps,
    owner,
    subscriberBody(pkg.resource.id, site.resource.id, nas.resource.id, `user${n}`),
  );
  return {
    tenantId: tenant.id,
    keys,
    keyIds,
    packageId: pkg.resource.id,
    siteId: site.resource.id,
    nasId: nas.resource.id,
    subscriberId: sub.resource.id,
    owner,
  };
}

export function packageBody() {
  return {
    name: "Home 10 Mbps",
    price: { amount: 50_000, currency: "BDT" as const },
    speed: { downloadKbps: 10_240, uploadKbps: 10_240 },
    billing: { type: "prepaid" as const, validity: { unit: "days" as const, count: 30 } },
    graceDays: 2,
  };
}

export function nasBody() {
  return {
    name: "ccr1",
    address: "10.0.0.1",
    type: "mikrotik" as const,
    method: "radius" as const,
    services: ["pppoe" as const],
  };
}

let usernames = 0;
export function subscriberBody(
  packageId: string,
  siteId: string,
  nasId?: string,
  username = `u${Date.now()}x${++usernames}`,
) {
  return {
    name: "Rahim Uddin",
    phone: "+8801711000001",
    username,
    service: "pppoe" as const,
    packageId,
    siteId,
    ...(nasId ? { nasId } : {}),
  };
}

/** Every stored item that belongs to a tenant (test-only Scan; request paths never scan). */
export async function tenantItems(cloud: Pick<LocalCloud, "dynamoEndpoint" | "tableName">, tenantId: string) {
  const doc = createLocalDocumentClient(cloud.dynamoEndpoint);
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new ScanCommand({
        TableName: cloud.tableName,
        FilterExpression: "begins_with(PK, :p)",
        ExpressionAttributeValues: { ":p": `T#${tenantId}` },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  doc.destroy();
  return items.sort((a, b) => `${a.PK}${a.SK}`.localeCompare(`${b.PK}${b.SK}`));
}
