import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, NotFoundError } from "../../domain/errors.js";
import { type ApiKey, toPublicApiKey } from "../../domain/schemas/api-key.js";
import type { Nas } from "../../domain/schemas/nas.js";
import type { Package } from "../../domain/schemas/package.js";
import type { Site } from "../../domain/schemas/site.js";
import type { AgentHealth, DriftReport, SiteHealth } from "../../domain/schemas/site-health.js";
import type { Tenant } from "../../domain/schemas/tenant.js";
import type { SilentAgent } from "../../ports/agent-heartbeats.js";
import type {
  ApiKeyRepository,
  NasRepository,
  PackageRepository,
  Page,
  PageRequest,
  Patch,
  SiteRepository,
  StoredApiKey,
  TenantRepository,
  WriteOptions,
} from "../../ports/repositories.js";
import { forgetSilentAgent, heartbeatIndexKeys, querySilentAgents } from "./heartbeat-index.js";
import { toRecord } from "./items.js";
import { keys } from "./keys.js";
import { mustExist, TenantPartitionStore } from "./tenant-store.js";

export class DynamoTenantRepository implements TenantRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(tenant: Tenant): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...tenant, PK: keys.tenantPk(tenant.id), SK: keys.tenantSk(), entity: "tenant" },
        ConditionExpression: "attribute_not_exists(PK)",
      }),
    );
  }

  async get(tenantId: string): Promise<Tenant | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.tenantSk() },
      }),
    );
    return out.Item ? toRecord<Tenant>(out.Item) : undefined;
  }
}

export class DynamoPackageRepository implements PackageRepository {
  private readonly store: TenantPartitionStore<Package>;
  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    this.store = new TenantPartitionStore(doc, tableName, "Package", "package");
  }
  create(pkg: Package, options?: WriteOptions) {
    return this.store.put(pkg.tenantId, keys.packageSk(pkg.id), pkg, options);
  }
  get(tenantId: string, id: string) {
    return this.store.get(tenantId, keys.packageSk(id));
  }
  list(tenantId: string, page: PageRequest) {
    return this.store.list(tenantId, "PKG#", page);
  }
  update(tenantId: string, id: string, patch: Patch<Package>, expectedVersion: number, now: string) {
    return this.store.update(tenantId, keys.packageSk(id), id, patch, expectedVersion, now);
  }
}

export class DynamoSiteRepository implements SiteRepository {
  private readonly store: TenantPartitionStore<Site>;
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.store = new TenantPartitionStore(doc, tableName, "Site", "site");
  }

  /** One query: SITEHEALTH#{site} holds the agent's health, SITEHEALTH#{site}#DRIFT#{nas} each NAS's drift. */
  async getHealth(tenantId: string, siteId: string): Promise<SiteHealth | undefined> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :sk)",
        ExpressionAttributeValues: { ":pk": keys.tenantPk(tenantId), ":sk": keys.siteHealthSk(siteId) },
      }),
    );
    const items = out.Items ?? [];
    if (items.length === 0) return undefined;
    const agent = items.find((i) => i.SK === keys.siteHealthSk(siteId))?.agent as AgentHealth | undefined;
    const drift = items.filter((i) => String(i.SK).includes("#DRIFT#")).map((i) => i.report as DriftReport);
    return { ...(agent ? { agent } : {}), ...(drift.length ? { drift } : {}) };
  }

  async putAgentHealth(tenantId: string, siteId: string, agent: AgentHealth): Promise<void> {
    await this.doc
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: keys.tenantPk(tenantId),
            SK: keys.siteHealthSk(siteId),
            entity: "site-health",
            agent,
            ...heartbeatIndexKeys(tenantId, siteId, agent),
          },
          // Heartbeats may arrive out of order: an older one never replaces a newer one.
          ConditionExpression: "attribute_not_exists(#agent) OR #agent.lastHeartbeatAt <= :at",
          ExpressionAttributeNames: { "#agent": "agent" },
          ExpressionAttributeValues: { ":at": agent.lastHeartbeatAt },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }

  silentAgents(cutoff: string, limit: number): Promise<SilentAgent[]> {
    return querySilentAgents(this.doc, this.tableName, cutoff, limit);
  }

  forgetSilentAgent(agent: SilentAgent): Promise<void> {
    return forgetSilentAgent(this.doc, this.tableName, agent);
  }

  async putDrift(tenantId: string, siteId: string, report: DriftReport): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          PK: keys.tenantPk(tenantId),
          SK: `${keys.siteHealthSk(siteId)}#DRIFT#${report.nasId}`,
          entity: "site-drift",
          report,
        },
      }),
    );
  }
  create(site: Site, options?: WriteOptions) {
    return this.store.put(site.tenantId, keys.siteSk(site.id), site, options);
  }
  get(tenantId: string, id: string) {
    return this.store.get(tenantId, keys.siteSk(id));
  }
  list(tenantId: string, page: PageRequest) {
    return this.store.list(tenantId, "SITE#", page);
  }
  update(tenantId: string, id: string, patch: Patch<Site>, expectedVersion: number, now: string) {
    return this.store.update(tenantId, keys.siteSk(id), id, patch, expectedVersion, now);
  }
}

export class DynamoNasRepository implements NasRepository {
  private readonly store: TenantPartitionStore<Nas>;
  constructor(
    doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.store = new TenantPartitionStore(doc, tableName, "NAS", "nas");
  }
  create(nas: Nas, options?: WriteOptions) {
    // The site must exist and be live at the moment the NAS is written, not just when it was read.
    const siteGuard = mustExist(
      this.tableName,
      nas.tenantId,
      keys.siteSk(nas.siteId),
      () => new NotFoundError(`Site ${nas.siteId} not found`),
      { notArchived: true },
    );
    return this.store.put(nas.tenantId, keys.nasSk(nas.siteId, nas.id), nas, options, [siteGuard]);
  }
  get(tenantId: string, siteId: string, nasId: string) {
    return this.store.get(tenantId, keys.nasSk(siteId, nasId));
  }
  listBySite(tenantId: string, siteId: string, page: PageRequest) {
    return this.store.list(tenantId, keys.nasPrefix(siteId), page);
  }
  update(
    tenantId: string,
    siteId: string,
    nasId: string,
    patch: Patch<Nas>,
    expectedVersion: number,
    now: string,
  ) {
    return this.store.update(tenantId, keys.nasSk(siteId, nasId), nasId, patch, expectedVersion, now);
  }
  delete(tenantId: string, siteId: string, nasId: string) {
    return this.store.delete(tenantId, keys.nasSk(siteId, nasId), nasId);
  }
}

export class DynamoApiKeyRepository implements ApiKeyRepository {
  private readonly store: TenantPartitionStore<StoredApiKey>;
  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    this.store = new TenantPartitionStore(doc, tableName, "API key", "api-key");
  }
  create(key: StoredApiKey, options?: WriteOptions) {
    return this.store.put(key.tenantId, keys.apiKeySk(key.id), key, options);
  }
  get(tenantId: string, id: string) {
    return this.store.get(tenantId, keys.apiKeySk(id));
  }
  async list(tenantId: string, page: PageRequest): Promise<Page<ApiKey>> {
    const out = await this.store.list(tenantId, "KEY#", page);
    return { items: out.items.map(toPublicApiKey), nextCursor: out.nextCursor };
  }
  async revoke(tenantId: string, id: string, at: string): Promise<ApiKey> {
    const current = await this.get(tenantId, id);
    if (!current) throw new NotFoundError(`API key ${id} not found`);
    if (current.revokedAt) throw new ConflictError(`API key ${id} is already revoked`);
    return toPublicApiKey(
      await this.store.update(tenantId, keys.apiKeySk(id), id, { revokedAt: at }, current.version, at),
    );
  }
}
