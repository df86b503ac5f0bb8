import { createDocumentClient } from "../../shared/adapters/dynamodb/client.js";
import { createDynamoRepositories } from "../../shared/adapters/dynamodb/repositories.js";
import { type ApiConfig, loadApiConfig } from "../../shared/config.js";
import { systemClock } from "../../shared/domain/clock.js";
import type { ServiceDeps } from "../../shared/services/caller.js";

let cached: ServiceDeps | undefined;

/**
 * Adapters wired once per execution environment. The configuration is read on first use, which in
 * Lambda is the cold start: a missing variable fails there with a message naming it.
 */
export function apiDeps(config: ApiConfig = loadApiConfig()): ServiceDeps {
  if (cached) return cached;
  const doc = createDocumentClient({
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT
      ? {
          endpoint: config.DYNAMODB_ENDPOINT,
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
        }
      : {}),
  });
  cached = { repos: createDynamoRepositories(doc, config.TABLE_NAME), clock: systemClock };
  return cached;
}
