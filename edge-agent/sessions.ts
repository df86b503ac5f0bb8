import type { NasConfig } from "./config.js";
import type { ActiveSession } from "./events.js";
import { ApiTransport, RouterApiClient } from "./routeros/api-driver.js";
import type { RouterRow, RouterTransport } from "./routeros/driver.js";
import { RestTransport } from "./routeros/rest-driver.js";

/*
 * `listActive()`: who is online on a NAS, for the periodic session report. The RouterDriver port
 * reads one subscriber at a time and has no list call, so this wraps the same transports (API or
 * REST, chosen as the enforcer chooses its read-back path) on a connection of its own, leaving the
 * driver files untouched. A RADIUS-only NAS has no read path and gets no lister.
 */

export interface SessionLister {
  readonly nasId: string;
  listActive(): Promise<ActiveSession[]>;
  close(): Promise<void>;
}

const MENUS = {
  pppoe: { menu: "/ppp/active", user: "name" },
  hotspot: { menu: "/ip/hotspot/active", user: "user" },
} as const;

export function createSessionLister(nas: NasConfig): SessionLister | undefined {
  const transport = transportFor(nas);
  if (transport === undefined) return undefined;
  return {
    nasId: nas.id,
    async listActive() {
      const lists = await Promise.all(
        nas.services.map(async (service) => {
          const { menu, user } = MENUS[service];
          const rows = await transport.print(menu, {}, [".id", user, "address"]);
          return rows.flatMap((row) => toSession(service, row[user], row));
        }),
      );
      return lists.flat();
    },
    close: () => transport.close(),
  };
}

function toSession(service: ActiveSession["service"], username: string | undefined, row: RouterRow) {
  if (username === undefined || username === "" || username.length > 128) return [];
  const address = row.address;
  return [{ service, username, ...(address !== undefined && address !== "" && { address }) }];
}

/** The same precedence as the enforcer's read-back driver: the API when it is usable, else REST. */
function transportFor(nas: NasConfig): RouterTransport | undefined {
  const useApi = nas.method === "api" || (nas.method === "radius" && nas.api !== undefined);
  if (useApi && nas.api) {
    const { port, username, password, tls, timeoutMs } = nas.api;
    const client = new RouterApiClient({
      host: nas.address,
      ...(port !== undefined && { port }),
      username,
      password,
      ...(tls && { tls: {} }),
      commandTimeoutMs: timeoutMs,
      connectTimeoutMs: timeoutMs,
    });
    return new ApiTransport(client);
  }
  if (nas.rest && nas.method !== "api") {
    const { baseUrl, username, password, timeoutMs } = nas.rest;
    return new RestTransport({ baseUrl, username, password, timeoutMs });
  }
  return undefined;
}
