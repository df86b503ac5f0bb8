import { type ApiDriverOptions, createApiDriver } from "../../../edge-agent/routeros/api-driver.js";
import type { RouterDriver, SuspensionPolicy } from "../../../edge-agent/routeros/driver.js";
import { createRestDriver, type RestDriverOptions } from "../../../edge-agent/routeros/rest-driver.js";
import {
  MENU,
  type RouterModel,
  type RouterModelOptions,
  RouterSimulator,
} from "../../../edge-agent/simulator/index.js";

export const POLICY: SuspensionPolicy = { suspendedProfile: "suspended", suspendedList: "unpaid" };
export const CREDENTIALS = { username: "billing", password: "Sup3r-Secret-pw" };

/** alice: PPPoE with a fixed address and a queue; bob: PPPoE, dynamic address; carol: hotspot. */
export function seedFixtures(model: RouterModel): void {
  model.addPppProfile("10M", "10M/10M");
  model.addPppProfile("20M", "20M/20M");
  model.addPppProfile("suspended", "64k/64k");
  model.addHotspotProfile("1day", "2M/2M");
  model.addHotspotProfile("suspended", "64k/64k");
  model.addSecret({
    name: "alice",
    password: "alice-pw",
    profile: "10M",
    service: "pppoe",
    remoteAddress: "10.20.0.10",
  });
  model.addSecret({ name: "bob", password: "bob-pw", profile: "10M", service: "pppoe" });
  model.addSecret({ name: "dave", password: "dave-pw", profile: "10M", service: "pppoe" });
  model.addQueue({ name: "alice", target: "10.20.0.10/32", maxLimit: "10M/10M" });
  model.addHotspotUser({ name: "carol", password: "carol-pw", profile: "1day" });
  model.addQueue({ name: "carol", target: "10.5.50.20/32", maxLimit: "2M/2M" });
  model.connectPpp("alice", { callerId: "AA:BB:CC:00:00:01" });
  model.connectPpp("bob", { address: "10.30.0.7" });
  model.loginHotspot("carol", { address: "10.5.50.20" });
}

export interface TestRouter {
  readonly sim: RouterSimulator;
  readonly apiPort: number;
  readonly restPort: number;
  close(): Promise<void>;
}

export async function startRouter(options: RouterModelOptions = {}): Promise<TestRouter> {
  const sim = new RouterSimulator({ ...options, credentials: CREDENTIALS });
  seedFixtures(sim.model);
  const { apiPort, restPort } = await sim.start();
  if (apiPort === undefined || restPort === undefined) throw new Error("simulator did not start");
  return { sim, apiPort, restPort, close: () => sim.close() };
}

export type DriverKind = "api" | "rest";

export function makeDriver(
  kind: DriverKind,
  router: TestRouter,
  overrides: Partial<ApiDriverOptions & RestDriverOptions> = {},
): RouterDriver {
  if (kind === "api") {
    return createApiDriver({
      host: "127.0.0.1",
      port: router.apiPort,
      ...CREDENTIALS,
      policy: POLICY,
      commandTimeoutMs: 2_000,
      connectTimeoutMs: 2_000,
      ...overrides,
    });
  }
  return createRestDriver({
    baseUrl: `http://127.0.0.1:${router.restPort}`,
    ...CREDENTIALS,
    policy: POLICY,
    timeoutMs: 2_000,
    ...overrides,
  });
}

/** Ground truth straight from the model, independent of the driver's readState. */
export function account(model: RouterModel, service: "pppoe" | "hotspot", name: string) {
  return model.print(service === "pppoe" ? MENU.pppSecret : MENU.hotspotUser).find((r) => r.name === name);
}

export function liveSessions(model: RouterModel, service: "pppoe" | "hotspot", name: string) {
  return service === "pppoe"
    ? model.print(MENU.pppActive).filter((r) => r.name === name)
    : model.print(MENU.hotspotActive).filter((r) => r.user === name);
}

export function listEntries(model: RouterModel, list: string) {
  return model.print(MENU.addressList).filter((r) => r.list === list);
}

/** Resolves what `promise` rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}
