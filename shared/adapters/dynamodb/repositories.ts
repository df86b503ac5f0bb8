import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Repositories } from "../../ports/repositories.js";
import {
  DynamoInvoiceLinkRepository,
  DynamoReportRepository,
  DynamoTenantSettingsRepository,
} from "./billing-views.js";
import { DynamoEventSubscriptionRepository } from "./event-subscription-repository.js";
import { DynamoGatewayConfigRepository } from "./gateway-config-repository.js";
import { DynamoIdempotencyStore } from "./idempotency.js";
import { DynamoInvoiceNoticeRepository } from "./invoice-notices.js";
import { DynamoInvoiceRepository } from "./invoice-repository.js";
import { DynamoPaymentRepository } from "./payment-repository.js";
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
  const subscribers = new DynamoSubscriberRepository(doc, tableName);
  return {
    tenants: new DynamoTenantRepository(doc, tableName),
    packages: new DynamoPackageRepository(doc, tableName),
    sites: new DynamoSiteRepository(doc, tableName),
    nas: new DynamoNasRepository(doc, tableName),
    subscribers,
    apiKeys: new DynamoApiKeyRepository(doc, tableName),
    siteAgents: new DynamoSiteAgentRepository(doc, tableName),
    idempotency: new DynamoIdempotencyStore(doc, tableName),
    payments: new DynamoPaymentRepository(doc, tableName, subscribers),
    gateways: new DynamoGatewayConfigRepository(doc, tableName),
    eventSubscriptions: new DynamoEventSubscriptionRepository(doc, tableName),
    invoices: new DynamoInvoiceRepository(doc, tableName),
    invoiceNotices: new DynamoInvoiceNoticeRepository(doc, tableName),
    invoiceLinks: new DynamoInvoiceLinkRepository(doc, tableName),
    reports: new DynamoReportRepository(doc, tableName),
    tenantSettings: new DynamoTenantSettingsRepository(doc, tableName),
  };
}
