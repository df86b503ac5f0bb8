import { randomBytes } from "node:crypto";
import { SQSClient } from "@aws-sdk/client-sqs";
import { Agent } from "../../edge-agent/agent.js";
import { parseConfig } from "../../edge-agent/config.js";
import { RouterSimulator } from "../../edge-agent/simulator/index.js";
import { NasRadiusServer } from "../../edge-agent/simulator/radius-server.js";

/**
 * One ISP site on this machine: a simulated MikroTik (RouterOS API and RADIUS CoA/Disconnect on
 * loopback) and the real edge agent polling the site's queue. Local mode's stand-in for the mini-PC
 * and the routers behind it; pointing the agent's config at a real router instead works the same.
 */
export interface SiteSubscriber {
  readonly username: string;
  readonly service: "pppoe" | "hotspot";
  /** Connected when the site starts. */
  readonly online?: boolean;
}

export interface SimulatedSiteOptions {
  readonly tenantId: string;
  readonly siteId: string;
  readonly nasId: string;
  readonly sqsEndpoint: string;
  readonly commandsUrl: string;
  readonly eventsUrl: string;
  readonly stateFile: string;
  readonly subscribers: readonly SiteSubscriber[];
  /** Router profiles the packages name (PPP and hotspot), created on the simulated router. */
  readonly profiles?: readonly string[];
  /** Seconds between the agent's heartbeats and session reports. */
  readonly heartbeatSeconds?: number;
  readonly sessionsSeconds?: number;
}

export interface SimulatedSite {
  readonly router: RouterSimulator;
  readonly radius: NasRadiusServer;
  readonly agent: Agent;
  /** Adds a router account (and connects it) for a subscriber created after the start. */
  addSubscriber(subscriber: SiteSubscriber): void;
  stop(): Promise<void>;
}

const API_USER = { username: "billing", password: randomBytes(12).toString("base64url") };

export async function startSimulatedSite(options: SimulatedSiteOptions): Promise<SimulatedSite> {
  const router = new RouterSimulator({ credentials: API_USER });
  const { model } = router;
  // RouterOS ships a "default" profile; the ISP adds the walled-garden one.
  const ensure = (add: () => unknown) => {
    try {
      add();
    } catch {
      // already there
    }
  };
  ensure(() => model.addPppProfile("suspended", "64k/64k"));
  ensure(() => model.addHotspotProfile("suspended", "64k/64k"));
  for (const profile of options.profiles ?? []) {
    ensure(() => model.addPppProfile(profile));
    ensure(() => model.addHotspotProfile(profile));
  }
  let host = 10;
  const addSubscriber = (s: SiteSubscriber) => {
    const address = `10.20.0.${host++ % 250}`;
    if (s.service === "pppoe") {
      model.addSecret({
        name: s.username,
        password: "pppoe",
        profile: "default",
        service: "pppoe",
        remoteAddress: address,
      });
      if (s.online !== false) model.connectPpp(s.username, { address });
    } else {
      model.addHotspotUser({ name: s.username, profile: "default" });
      if (s.online !== false) model.loginHotspot(s.username, { address });
    }
  };
  // The RADIUS listener indexes sessions as they change: create it before anyone connects.
  const secret = randomBytes(16).toString("base64url");
  const radius = new NasRadiusServer(model, router.faults, { secret });
  for (const s of options.subscribers) addSubscriber(s);
  const { apiPort } = await router.start({ rest: false });
  const radiusPort = await radius.listen(0, "127.0.0.1");

  const config = parseConfig(
    {
      tenantId: options.tenantId,
      siteId: options.siteId,
      queue: {
        commandsUrl: options.commandsUrl,
        eventsUrl: options.eventsUrl,
        region: "local",
        endpoint: options.sqsEndpoint,
      },
      stateFile: options.stateFile,
      nas: [
        {
          id: options.nasId,
          name: "simulated-mikrotik",
          address: "127.0.0.1",
          method: "api",
          // Rates go to live sessions by CoA (Mikrotik-Rate-Limit); suspension and read-back by API.
          rate: "coa",
          services: ["pppoe", "hotspot"],
          api: { port: apiPort, username: API_USER.username, password: API_USER.password, timeoutMs: 2000 },
          radius: { secret, port: radiusPort },
          suspension: { style: "profile", suspendedProfile: "suspended" },
        },
      ],
    },
    "simulated site",
  );
  // Local SQS takes any credentials; in the field the agent gets short-lived ones for its site.
  const client = new SQSClient({
    endpoint: options.sqsEndpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const agent = await Agent.create({
    config,
    client,
    tuning: {
      waitTimeSeconds: 1,
      heartbeatSeconds: options.heartbeatSeconds ?? 30,
      sessionsSeconds: options.sessionsSeconds ?? 60,
    },
  });
  await agent.start();
  return {
    router,
    radius,
    agent,
    addSubscriber,
    stop: async () => {
      await agent.stop();
      client.destroy();
      await radius.close();
      await router.close();
    },
  };
}
