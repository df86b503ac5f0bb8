import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Repositories } from "../../ports/repositories.js";
import { DynamoIdempotencyStore } from "./idempotency.js";
import { DynamoSiteAgentRepository } from "./site-agent-repository.js";
import { DynamoSubscriberRepository } from "./subscriber-repository.js";
import {
  DynamoApiKeyRepository,
  DynamoNasRepository,
  DynamoPackageRepository,
  DynamoSiteRepository,
  DynamoTenantRepository,
} from "./tenant-repositories.js";

export function createDynamoRepositories(doc: DynamoDBDocumentClient, tableName: string): Repositories {
  return {
    tenants: new DynamoTenantRepository(doc, tableName),
    packages: new DynamoPackageRepository(doc, tableName),
    sites: new DynamoSiteRepository(doc, tableName),
    nas: new DynamoNasRepository(doc, tableName),
    subscribers: new DynamoSubscriberRepository(doc, tableName),
    apiKeys: new DynamoApiKeyRepository(doc, tableName),
    siteAgents: new DynamoSiteAgentRepository(doc, tableName),
    idempotency: new DynamoIdempotencyStore(doc, tableName),
  };
}
