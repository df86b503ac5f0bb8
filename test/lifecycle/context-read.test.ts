import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLocalDocumentClient } from "../../shared/adapters/dynamodb/client.js";
import { createDynamoRepositories } from "../../shared/adapters/dynamodb/repositories.js";
import { NotFoundError } from "../../shared/domain/errors.js";
import { newId } from "../../shared/domain/ids.js";
import type { ServiceDeps } from "../../shared/services/caller.js";
import { loadContext, scheduledFire } from "../../shared/services/lifecycle.js";
import { createPackage } from "../../shared/services/packages.js";
import { createSubscriber } from "../../shared/services/subscribers.js";
import { createWorld, packageBody, subscriberBody, type TenantWorld } from "../support/api.js";
import { serviceDepsAt } from "../support/service-deps.js";

/*
 * The context every state change starts from (subscriber, tenant, package) is one strongly
 * consistent BatchGetItem when the caller knows the package (a schedule's payload carries it), and
 * a stale hint costs one more read, never a wrong package.
 */

const doc = createLocalDocumentClient(inject("dynamoEndpoint"));
const repos = createDynamoRepositories(doc, inject("tableName"));
const requests: string[] = [];
const counter: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
  requests.push(String(context.commandName));
  return next(args);
};
(doc.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>).add(counter, {
  step: "initialize",
  name: "contextReadCount",
});
afterAll(() => doc.destroy());

const deps: ServiceDeps = serviceDepsAt(repos, "2026-03-10T06:00:00.000Z");

let world: TenantWorld;
let onA: string;
let packageA: string;
let packageB: string;

beforeAll(async () => {
  world = await createWorld(deps, "context-read");
  packageA = (await createPackage(deps, world.owner, { ...packageBody(), name: "A" })).resource.id;
  packageB = (await createPackage(deps, world.owner, { ...packageBody(), name: "B" })).resource.id;
  onA = (await createSubscriber(deps, world.owner, subscriberBody(packageA, world.siteId, world.nasId)))
    .resource.id;
});

async function counted<T>(work: () => Promise<T>): Promise<{ result: T; requests: string[] }> {
  requests.length = 0;
  const result = await work();
  return { result, requests: [...requests] };
}

describe("loadContext", () => {
  it("reads subscriber, tenant and the hinted package in one request", async () => {
    const { result, requests: made } = await counted(() => loadContext(deps, world.tenantId, onA, packageA));
    expect(made).toEqual(["BatchGetItemCommand"]);
    expect(result.sub.id).toBe(onA);
    expect(result.tenant.id).toBe(world.tenantId);
    expect(result.pkg.id).toBe(packageA);
  });

  it("reads the subscriber's own package when the hint is stale or absent", async () => {
    for (const hint of [packageB, newId("package"), undefined]) {
      const { result, requests: made } = await counted(() => loadContext(deps, world.tenantId, onA, hint));
      expect(made).toEqual(["BatchGetItemCommand", "GetItemCommand"]);
      expect(result.pkg.id).toBe(packageA);
      expect(result.pkg.name).toBe("A");
    }
  });

  it("says which record is missing", async () => {
    await expect(loadContext(deps, world.tenantId, newId("subscriber"), packageA)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(loadContext(deps, newId("tenant"), onA, packageA)).rejects.toThrow(/Subscriber/);
  });

  it("a schedule's payload carries the subscriber's package", async () => {
    const sub = await repos.subscribers.get(world.tenantId, onA);
    if (!sub?.nextAction) throw new Error("the subscriber has no next action");
    expect(scheduledFire(sub, sub.nextAction).packageId).toBe(packageA);
  });
});
