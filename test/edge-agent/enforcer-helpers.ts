import { parseConfig } from "../../edge-agent/config.js";
import { Enforcer, type EnforcerLogger, type EnforcerOptions } from "../../edge-agent/enforcer.js";
import { NasRadiusServer } from "../../edge-agent/simulator/index.js";
import { newId } from "../../shared/domain/ids.js";
import { type EdgeCommand, EdgeCommandSchema } from "../../shared/domain/schemas/edge-command.js";
import { CREDENTIALS, startRouter, type TestRouter } from "./routeros/helpers.js";

export const TENANT = newId("tenant");
export const SITE = newId("site");
export const NAS_ID = newId("nas");
export const RADIUS_SECRET = "Rad1us-Shared-Secret";
/** Every secret the tests configure; no result, error or log may contain one. */
export const SECRETS = [RADIUS_SECRET, CREDENTIALS.password];
export const FAST_RETRY = { initialTimeoutMs: 40, maxAttempts: 3, maxDurationMs: 600, jitter: 0 };

export const SUBSCRIBERS = {
  alice: { username: "alice", service: "pppoe", subscriberId: newId("subscriber"), profile: "10M" },
  bob: { username: "bob", service: "pppoe", subscriberId: newId("subscriber"), profile: "10M" },
  dave: { username: "dave", service: "pppoe", subscriberId: newId("subscriber"), profile: "10M" },
  carol: { username: "carol", service: "hotspot", subscriberId: newId("subscriber"), profile: "1day" },
} as const;
export type SubscriberName = keyof typeof SUBSCRIBERS;

export type Method = "radius" | "api" | "rest";
export type Style = "disable" | "profile" | "address-list";

export interface Site {
  readonly router: TestRouter;
  readonly nas: NasRadiusServer;
  readonly radiusPort: number;
  close(): Promise<void>;
}

export async function startSite(): Promise<Site> {
  const router = await startRouter();
  const nas = new NasRadiusServer(router.sim.model, router.sim.faults, { secret: RADIUS_SECRET });
  const radiusPort = await nas.listen();
  return {
    router,
    nas,
    radiusPort,
    close: async () => {
      await nas.close();
      await router.close();
    },
  };
}

export interface NasOptions {
  readonly method: Method;
  readonly style?: Style;
  /** Which blocks to configure besides the method's own. @default all three */
  readonly paths?: readonly ("radius" | "api" | "rest")[];
  readonly rate?: "queue" | "profile" | "coa";
  readonly verify?: boolean;
  readonly radiusSecret?: string;
}

/** A NAS config document, parsed through the real schema so defaults and checks apply. */
export function siteConfig(site: Site, o: NasOptions) {
  const paths = new Set(o.paths ?? ["radius", "api", "rest"]);
  paths.add(o.method);
  return parseConfig({
    tenantId: TENANT,
    siteId: SITE,
    queue: {
      commandsUrl: "http://127.0.0.1:9/commands",
      eventsUrl: "http://127.0.0.1:9/events",
      region: "local",
    },
    stateFile: "state.json",
    nas: [
      {
        id: NAS_ID,
        name: "simulated",
        address: "127.0.0.1",
        method: o.method,
        services: ["pppoe", "hotspot"],
        ...(paths.has("radius") && {
          radius: { secret: o.radiusSecret ?? RADIUS_SECRET, port: site.radiusPort, retry: FAST_RETRY },
        }),
        ...(paths.has("api") && { api: { port: site.router.apiPort, ...CREDENTIALS, timeoutMs: 2000 } }),
        ...(paths.has("rest") && {
          rest: { baseUrl: `http://127.0.0.1:${site.router.restPort}`, ...CREDENTIALS, timeoutMs: 2000 },
        }),
        suspension: { style: o.style ?? "disable", suspendedProfile: "suspended", suspendedList: "unpaid" },
        ...(o.rate && { rate: o.rate }),
        ...(o.verify !== undefined && { verify: o.verify }),
      },
    ],
  });
}

/** Every result and log entry any test produced, checked for secrets at the end. */
export const allResults: unknown[] = [];

const logger: EnforcerLogger = {
  info: (message, context) => allResults.push({ message, context }),
  warn: (message, context) => allResults.push({ message, context }),
};

export function enforcer(site: Site, o: NasOptions, extra: Partial<EnforcerOptions> = {}): Enforcer {
  const inner = new Enforcer({ config: siteConfig(site, o), backoffMs: 20, logger, ...extra });
  const apply = inner.apply.bind(inner);
  inner.apply = async (command, signal) => {
    const result = await apply(command, signal);
    allResults.push(result);
    return result;
  };
  return inner;
}

let counter = 0;

export function command(
  who: SubscriberName,
  desired: EdgeCommand["desired"],
  over: Partial<Omit<EdgeCommand, "desired">> = {},
): EdgeCommand {
  const s = SUBSCRIBERS[who];
  counter += 1;
  const now = new Date().toISOString();
  return EdgeCommandSchema.parse({
    commandId: `cmd-${counter}`,
    tenantId: TENANT,
    siteId: SITE,
    nasId: NAS_ID,
    subscriberId: s.subscriberId,
    username: s.username,
    service: s.service,
    desired,
    version: counter,
    reason: desired.state === "active" ? "renewed" : "expired",
    notBefore: now,
    issuedAt: now,
    ...over,
  });
}

export const SUSPENDED = { state: "suspended" } as const;
export const DISCONNECTED = { state: "disconnected" } as const;

export function active(who: SubscriberName, rate = { downloadKbps: 20_000, uploadKbps: 5_000 }) {
  return { state: "active", rateLimit: rate, profile: SUBSCRIBERS[who].profile } as const;
}
