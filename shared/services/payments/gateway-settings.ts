import { NotFoundError, ValidationError } from "../../domain/errors.js";
import type { GatewayConfig, OnlineGateway, PutGatewayInput } from "../../domain/schemas/payment.js";
import type { GatewayContext, PaymentGateway } from "../../ports/payment-gateway.js";
import type { StoredGatewayConfig } from "../../ports/repositories.js";
import type { Caller, ServiceDeps } from "../caller.js";

/** The route a gateway's dashboard must call for this tenant (Razorpay webhook, SSLCommerz IPN). */
export function webhookUrl(baseUrl: string, gateway: OnlineGateway, tenantId: string): string {
  return `${baseUrl}/v1/webhooks/${gateway}/${tenantId}`;
}

function publicView(stored: StoredGatewayConfig, baseUrl: string): GatewayConfig {
  return {
    gateway: stored.gateway,
    enabled: stored.enabled,
    mode: stored.mode,
    credentials: stored.credentialsInfo,
    webhookUrl: webhookUrl(baseUrl, stored.gateway, stored.tenantId),
    updatedAt: stored.updatedAt,
    version: stored.version,
  };
}

/**
 * The `purpose` of the encryption context every sealed credential is bound to; the infrastructure
 * grants KMS use only under it (infra/constructs/gateway-credentials-key.ts).
 */
export const GATEWAY_CREDENTIALS_PURPOSE = "gateway-credentials";

const context = (tenantId: string, gateway: string) => ({
  tenantId,
  gateway,
  purpose: GATEWAY_CREDENTIALS_PURPOSE,
});

/**
 * `PUT /v1/gateways/{gateway}`: the credentials are checked by the gateway module, sealed (KMS in
 * the cloud) bound to the tenant and gateway, and never returned; the answer shows only their
 * non-secret description.
 */
export async function putGateway(
  deps: ServiceDeps,
  caller: Caller,
  gateway: OnlineGateway,
  input: PutGatewayInput,
  baseUrl: string,
): Promise<GatewayConfig> {
  const module = deps.payments.gateways.gateway(gateway);
  let credentials: unknown;
  try {
    credentials = module.parseCredentials(input.credentials);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(
        `Invalid ${gateway} credentials`,
        error.issues.map((i) => ({
          in: "body" as const,
          path: `credentials.${i.path}`.replace(/\.$/, ""),
          message: i.message,
        })),
      );
    }
    throw error;
  }
  const existing = await deps.repos.gateways.get(caller.tenantId, gateway);
  const stored: StoredGatewayConfig = {
    tenantId: caller.tenantId,
    gateway,
    enabled: input.enabled,
    mode: input.mode,
    credentialsCiphertext: await deps.payments.secrets.seal(
      JSON.stringify(credentials),
      context(caller.tenantId, gateway),
    ),
    credentialsInfo: module.describeCredentials(credentials),
    updatedAt: deps.clock.now().toISOString(),
    version: (existing?.version ?? 0) + 1,
  };
  await deps.repos.gateways.put(stored, existing?.version ?? 0);
  cache.delete(`${caller.tenantId}:${gateway}`);
  return publicView(stored, baseUrl);
}

export async function listGateways(
  deps: ServiceDeps,
  caller: Caller,
  baseUrl: string,
): Promise<GatewayConfig[]> {
  const all = await deps.repos.gateways.list(caller.tenantId);
  return all.map((g) => publicView(g, baseUrl));
}

export async function deleteGateway(
  deps: ServiceDeps,
  caller: Caller,
  gateway: OnlineGateway,
): Promise<void> {
  await deps.repos.gateways.delete(caller.tenantId, gateway);
  cache.delete(`${caller.tenantId}:${gateway}`);
}

/**
 * Opened credentials are kept for a minute per execution environment: a webhook burst then costs
 * one table read and one KMS decrypt per tenant and gateway, not one per webhook. A change made
 * through this environment clears its entry at once; elsewhere it takes effect within the minute.
 */
const CACHE_TTL_MS = 60_000;
/** A bound on memory in an environment serving many tenants: past it, start over. */
const CACHE_MAX_ENTRIES = 5_000;
const cache = new Map<string, { readonly until: number; readonly loaded: LoadedGateway }>();

export interface LoadedGateway {
  readonly module: PaymentGateway;
  readonly ctx: GatewayContext<unknown>;
  readonly config: StoredGatewayConfig;
}

/**
 * A tenant's gateway, ready to call. `forCheckout` refuses a disabled gateway; notifications for
 * checkouts already made are still accepted after it is disabled, so no payment is lost.
 */
export async function loadGateway(
  deps: ServiceDeps,
  tenantId: string,
  gateway: OnlineGateway,
  options: { forCheckout?: boolean } = {},
): Promise<LoadedGateway> {
  const cacheKey = `${tenantId}:${gateway}`;
  const hit = cache.get(cacheKey);
  if (hit && hit.until > Date.now()) {
    if (options.forCheckout && !hit.loaded.config.enabled) {
      throw new NotFoundError(`${gateway} is not enabled for this ISP`);
    }
    return hit.loaded;
  }
  const config = await deps.repos.gateways.get(tenantId, gateway);
  if (!config || (options.forCheckout && !config.enabled)) {
    throw new NotFoundError(`${gateway} is not enabled for this ISP`);
  }
  const module = deps.payments.gateways.gateway(gateway);
  const plaintext = await deps.payments.secrets.open(
    config.credentialsCiphertext,
    context(tenantId, gateway),
  );
  const loaded: LoadedGateway = {
    module,
    config,
    ctx: {
      tenantId,
      credentials: module.parseCredentials(JSON.parse(plaintext)),
      baseUrl: deps.payments.gateways.baseUrl(gateway, config.mode),
      timeoutMs: deps.payments.gateways.timeoutMs,
    },
  };
  if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
  cache.set(cacheKey, { until: Date.now() + CACHE_TTL_MS, loaded });
  return loaded;
}
