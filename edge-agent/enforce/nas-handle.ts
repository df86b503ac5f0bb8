import { isIP } from "node:net";
import type { NasConfig, RateMethod } from "../config.js";
import { rateOf } from "../config.js";
import { RadiusDaClient, type RadiusTarget, type RetryPolicy } from "../radius/index.js";
import { createApiDriver } from "../routeros/api-driver.js";
import type { RouterDriver, SuspensionPolicy, SuspensionStyle } from "../routeros/driver.js";
import { createRestDriver } from "../routeros/rest-driver.js";

/** RADIUS side of a NAS: one client (one socket) per NAS, reused for every request. */
export interface RadiusPath {
  readonly client: RadiusDaClient;
  readonly target: RadiusTarget;
  readonly retry: Partial<RetryPolicy> | undefined;
}

/** Everything the enforcer holds for one NAS, created once and reused (connection reuse). */
export interface NasHandle {
  readonly nas: NasConfig;
  readonly style: SuspensionStyle;
  readonly policy: SuspensionPolicy;
  readonly rate: RateMethod;
  /** The RouterOS API or REST driver: the method's own, or the read-back path of a RADIUS NAS. */
  readonly driver: RouterDriver | undefined;
  readonly radius: RadiusPath | undefined;
}

export function createNasHandle(nas: NasConfig): NasHandle {
  // A style that is not in use names nothing; an empty name matches no profile and no list entry.
  const policy: SuspensionPolicy = {
    suspendedProfile: nas.suspension.suspendedProfile ?? "",
    suspendedList: nas.suspension.suspendedList ?? "",
  };
  return {
    nas,
    style: nas.suspension.style,
    policy,
    rate: rateOf(nas),
    driver: createDriver(nas, policy),
    radius: nas.radius && {
      client: new RadiusDaClient({
        bindAddress: nas.radius.bindAddress ?? (isIP(nas.address) === 6 ? "::" : "0.0.0.0"),
        messageAuthenticator: nas.radius.messageAuthenticator,
      }),
      target: { address: nas.address, port: nas.radius.port, secret: nas.radius.secret },
      retry: nas.radius.retry,
    },
  };
}

function createDriver(nas: NasConfig, policy: SuspensionPolicy): RouterDriver | undefined {
  const useApi = nas.method === "api" || (nas.method === "radius" && nas.api !== undefined);
  if (useApi && nas.api) {
    const { port, username, password, tls, timeoutMs } = nas.api;
    return createApiDriver({
      host: nas.address,
      ...(port !== undefined && { port }),
      username,
      password,
      ...(tls && { tls: {} }),
      commandTimeoutMs: timeoutMs,
      connectTimeoutMs: timeoutMs,
      policy,
    });
  }
  if (nas.rest && nas.method !== "api") {
    const { baseUrl, username, password, timeoutMs } = nas.rest;
    return createRestDriver({ baseUrl, username, password, timeoutMs, policy });
  }
  return undefined;
}

export async function closeNasHandle(handle: NasHandle): Promise<void> {
  await Promise.allSettled([handle.driver?.close(), handle.radius?.client.close()]);
}
