import type { ApiKey, Role } from "../domain/schemas/api-key.js";
import type { EdgeCommand } from "../domain/schemas/edge-command.js";
import type { Invoice } from "../domain/schemas/invoice.js";
import type { Nas } from "../domain/schemas/nas.js";
import type { Package } from "../domain/schemas/package.js";
import type { OnlineGateway, Payment, PaymentListQuery, PaymentStatus } from "../domain/schemas/payment.js";
import type { Site } from "../domain/schemas/site.js";
import type { AgentHealth, DriftReport, SiteHealth } from "../domain/schemas/site-health.js";
import type { Subscriber, SubscriberListQuery } from "../domain/schemas/subscriber.js";
import type { Tenant } from "../domain/schemas/tenant.js";
import type { TimelineEvent } from "../domain/schemas/timeline.js";
import type { AgentHeartbeatIndex } from "./agent-heartbeats.js";
import type { InvoiceLinkRepository, ReportRepository, TenantSettingsRepository } from "./billing-views.js";
import type { InvoiceNoticeRepository, InvoiceRepository } from "./invoices.js";
import type { EventSubscriptionRepository } from "./outbound-events.js";
import type { SiteAgentRepository } from "./site-agents.js";

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string | undefined;
}

/**
 * Written in the same transaction as the resource it names, so a retried POST either finds the
 * claim (and replays) or creates the resource: never both, never twice.
 */
export interface IdempotencyClaim {
  readonly keyHash: string;
  readonly fingerprint: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly createdAt: string;
  readonly expiresAtEpoch: number;
}

export interface WriteOptions {
  readonly idempotency?: IdempotencyClaim | undefined;
}

/** A change to apply: `null` removes an optional attribute, `undefined` leaves it alone. */
export type Patch<T> = { [K in keyof T]?: T[K] | null };

export interface TenantRepository {
  create(tenant: Tenant): Promise<void>;
  get(tenantId: string): Promise<Tenant | undefined>;
}

export interface CrudRepository<T, Create = T> {
  create(item: Create, options?: WriteOptions): Promise<void>;
  list(tenantId: string, page: PageRequest): Promise<Page<T>>;
}

export interface PackageRepository extends CrudRepository<Package> {
  get(tenantId: string, packageId: string): Promise<Package | undefined>;
  update(
    tenantId: string,
    packageId: string,
    patch: Patch<Package>,
    expectedVersion: number,
    now: string,
  ): Promise<Package>;
}

/** Sites, their agents' health and drift, and the heartbeat index behind the silent-agent alarm. */
export interface SiteRepository extends CrudRepository<Site>, AgentHeartbeatIndex {
  /** Agent health and drift reports, kept beside the site (written by the agent-events function). */
  getHealth(tenantId: string, siteId: string): Promise<SiteHealth | undefined>;
  putAgentHealth(tenantId: string, siteId: string, agent: AgentHealth): Promise<void>;
  putDrift(tenantId: string, siteId: string, report: DriftReport): Promise<void>;
  get(tenantId: string, siteId: string): Promise<Site | undefined>;
  update(
    tenantId: string,
    siteId: string,
    patch: Patch<Site>,
    expectedVersion: number,
    now: string,
  ): Promise<Site>;
}

export interface NasRepository {
  create(nas: Nas, options?: WriteOptions): Promise<void>;
  get(tenantId: string, siteId: string, nasId: string): Promise<Nas | undefined>;
  listBySite(tenantId: string, siteId: string, page: PageRequest): Promise<Page<Nas>>;
  update(
    tenantId: string,
    siteId: string,
    nasId: string,
    patch: Patch<Nas>,
    expectedVersion: number,
    now: string,
  ): Promise<Nas>;
  delete(tenantId: string, siteId: string, nasId: string): Promise<void>;
}

/**
 * A subscriber as stored: the public record plus the transactional outbox, the edge command that
 * was committed with the last state change and has not yet been handed to the site queue.
 */
export interface StoredSubscriber extends Subscriber {
  readonly pendingCommand?: EdgeCommand | undefined;
}

export interface OverdueSubscriber {
  readonly tenantId: string;
  readonly subscriberId: string;
  readonly dueAt: string;
}

export interface SubscriberContextRead {
  readonly subscriber: StoredSubscriber | undefined;
  readonly tenant: Tenant | undefined;
  readonly pkg: Package | undefined;
}

export interface SubscriberRepository {
  /** Creates the subscriber, reserves its username and writes its first timeline events atomically. */
  create(
    subscriber: StoredSubscriber,
    events: TimelineEvent | readonly TimelineEvent[],
    options?: WriteOptions,
  ): Promise<void>;
  get(tenantId: string, subscriberId: string): Promise<StoredSubscriber | undefined>;
  /**
   * The subscriber with its tenant and, when `packageId` is given, that package, in one strongly
   * consistent read: the context every state change starts from. The caller checks that the
   * package read is the subscriber's (a hint may be stale) and reads the right one otherwise.
   */
  getWithContext(tenantId: string, subscriberId: string, packageId?: string): Promise<SubscriberContextRead>;
  list(tenantId: string, query: SubscriberListQuery, page: PageRequest): Promise<Page<Subscriber>>;
  /**
   * Stores `next` in place of `current` (the record as read; `next` becomes current.version + 1)
   * with its timeline events, in one transaction that fails with a version conflict if anyone wrote
   * in between. No re-read: the caller has just read `current`.
   */
  save(
    current: StoredSubscriber,
    next: StoredSubscriber,
    events: readonly TimelineEvent[],
  ): Promise<StoredSubscriber>;
  /**
   * Appends timeline events that record something other than a state change (a reminder sent or
   * failed): the subscriber and its version stay as they are. NotFoundError if it does not exist,
   * unless the caller vouches that it does (`knownToExist`: it has just read or written it), which
   * saves the check: one plain write per event instead of a transaction.
   */
  appendEvents(
    tenantId: string,
    subscriberId: string,
    events: readonly TimelineEvent[],
    options?: { readonly knownToExist?: boolean },
  ): Promise<void>;
  /** Marks the outbox command as handed to the queue, unless a newer change replaced it. */
  clearPendingCommand(subscriber: StoredSubscriber, commandId: string): Promise<void>;
  /** Subscribers with lifecycle work due before `cutoff` (all tenants), oldest first per shard. */
  overdue(cutoff: string, limit: number): Promise<OverdueSubscriber[]>;
  timeline(tenantId: string, subscriberId: string, page: PageRequest): Promise<Page<TimelineEvent>>;
  /** Whether any non-terminated subscriber is at the site (on the given NAS, when named). */
  anyAtSite(tenantId: string, siteId: string, nasId?: string): Promise<boolean>;
}

export interface StoredApiKey extends ApiKey {
  /** SHA-256 (hex) of the key's secret part; the secret itself is never stored. */
  readonly secretHash: string;
  readonly version: number;
}

export interface ApiKeyRepository {
  create(key: StoredApiKey, options?: WriteOptions): Promise<void>;
  get(tenantId: string, keyId: string): Promise<StoredApiKey | undefined>;
  list(tenantId: string, page: PageRequest): Promise<Page<ApiKey>>;
  revoke(tenantId: string, keyId: string, at: string): Promise<ApiKey>;
}

/**
 * Everything that commits together when a payment settles: the payment's new state, the
 * subscriber's renewal (or wallet credit) with its timeline, and the claim on the gateway's
 * transaction id that makes a second settlement of the same money impossible.
 */
export interface PaymentSettlement {
  readonly payment: Payment;
  /** The payment's status as read ("new": it must not exist yet); the write fails if it changed. */
  readonly expectedStatus: PaymentStatus | "new";
  /** `${gateway}#${gatewayTxnId}` (manual payments: their own id). */
  readonly transactionKey: string;
  readonly subscriber: {
    readonly current: StoredSubscriber;
    readonly next: StoredSubscriber;
    readonly events: readonly TimelineEvent[];
  };
  readonly idempotency?: IdempotencyClaim | undefined;
  /** The gateway event that brought the confirmation, remembered in the same transaction. */
  readonly gatewayEvent?: GatewayEventClaim | undefined;
  /**
   * The invoices the payment paid into: each as read and its next version (`current.version + 1`);
   * the write fails with a version conflict if one changed since it was read.
   */
  readonly invoices?: readonly { readonly current: Invoice; readonly next: Invoice }[] | undefined;
}

/** A gateway's event id (a webhook's delivery id), remembered for `ttlSeconds` to skip redeliveries. */
export interface GatewayEventClaim {
  readonly gateway: string;
  readonly eventId: string;
  readonly ttlSeconds: number;
}

/** What a gateway notification needs first: the payment it names and whether its event was seen. */
export interface NotificationLookup {
  readonly payment: Payment | undefined;
  /** The notification's event id was processed before (false when it carries none). */
  readonly eventSeen: boolean;
}

export interface DuePayment {
  readonly tenantId: string;
  readonly paymentId: string;
  readonly checkAt: string;
}

export interface PaymentRepository {
  /** A new payment (pending checkout) with its timeline events. */
  create(payment: Payment, events: readonly TimelineEvent[], options?: WriteOptions): Promise<void>;
  get(tenantId: string, paymentId: string): Promise<Payment | undefined>;
  /** Newest first. */
  list(tenantId: string, query: PaymentListQuery, page: PageRequest): Promise<Page<Payment>>;
  /**
   * Replaces `current` by `next` (status, checks, refunds) if its version is unchanged, with
   * timeline events for the subscriber. VersionConflictError otherwise.
   */
  update(current: Payment, next: Payment, events: readonly TimelineEvent[]): Promise<Payment>;
  /**
   * Commits a settlement in one transaction. `PaymentAlreadySettledError` when the transaction key
   * was already claimed (by this payment or, for a forged reuse, another one); VersionConflictError
   * when the subscriber or the payment changed since they were read.
   */
  settle(settlement: PaymentSettlement): Promise<void>;
  /** Pending payments whose next gateway check is due before `cutoff` (all tenants). */
  duePending(cutoff: string, limit: number): Promise<DuePayment[]>;
  /** The payment and whether the gateway event was processed before, in one read. */
  lookupNotification(
    tenantId: string,
    paymentId: string,
    event?: { readonly gateway: string; readonly eventId: string },
  ): Promise<NotificationLookup>;
  /** Records a gateway event id once it is processed; false when it was recorded before. */
  claimEvent(tenantId: string, claim: GatewayEventClaim): Promise<boolean>;
  putPayLink(link: StoredPayLink): Promise<void>;
  getPayLink(tenantId: string, secretHash: string): Promise<StoredPayLink | undefined>;
}

/** A pay link as stored: the token's secret part only as its hash. */
export interface StoredPayLink {
  readonly tenantId: string;
  readonly secretHash: string;
  readonly subscriberId: string;
  readonly periods: number;
  /** An invoice's own link: it asks for what is owed on that invoice, which the payment pays first. */
  readonly invoiceId?: string | undefined;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** A tenant's gateway settings; the credentials only as ciphertext. */
export interface StoredGatewayConfig {
  readonly tenantId: string;
  readonly gateway: OnlineGateway;
  readonly enabled: boolean;
  readonly mode: "sandbox" | "live";
  readonly credentialsCiphertext: string;
  /** Non-secret description of the credentials (store id, masked key). */
  readonly credentialsInfo: Record<string, string>;
  readonly updatedAt: string;
  readonly version: number;
}

export interface GatewayConfigRepository {
  /** Creates or replaces; `expectedVersion` 0 means "must not exist yet". */
  put(config: StoredGatewayConfig, expectedVersion: number): Promise<void>;
  get(tenantId: string, gateway: OnlineGateway): Promise<StoredGatewayConfig | undefined>;
  list(tenantId: string): Promise<StoredGatewayConfig[]>;
  delete(tenantId: string, gateway: OnlineGateway): Promise<void>;
}

export interface IdempotencyStore {
  get(tenantId: string, keyHash: string): Promise<IdempotencyClaim | undefined>;
}

export interface Repositories {
  readonly tenants: TenantRepository;
  readonly packages: PackageRepository;
  readonly sites: SiteRepository;
  readonly nas: NasRepository;
  readonly subscribers: SubscriberRepository;
  readonly apiKeys: ApiKeyRepository;
  /** Edge agents: enrollment codes and the current agent token of each site. */
  readonly siteAgents: SiteAgentRepository;
  readonly idempotency: IdempotencyStore;
  readonly payments: PaymentRepository;
  readonly gateways: GatewayConfigRepository;
  /** The tenant's webhook for outbound events, and the delivery record of each event sent to it. */
  readonly eventSubscriptions: EventSubscriptionRepository;
  /** Invoices, numbered per tenant without gaps; one per subscriber and period. */
  readonly invoices: InvoiceRepository;
  readonly invoiceNotices: InvoiceNoticeRepository;
  /** Invoice view links (the subscriber's HTML and PDF), report reads and the tenant's branding. */
  readonly invoiceLinks: InvoiceLinkRepository;
  readonly reports: ReportRepository;
  readonly tenantSettings: TenantSettingsRepository;
}

export type { Role };
