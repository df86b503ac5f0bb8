import type { Clock } from "../domain/clock.js";
import type { Role } from "../domain/schemas/api-key.js";
import type { Actor } from "../domain/schemas/timeline.js";
import type { Logger } from "../logger.js";
import type { AgentCredentialIssuer } from "../ports/agent-credentials.js";
import type { Metrics } from "../ports/metrics.js";
import type { Notifier } from "../ports/notifier.js";
import type { GatewayDirectory } from "../ports/payment-gateway.js";
import type { SiteQueue } from "../ports/queue.js";
import type { Repositories } from "../ports/repositories.js";
import type { SubscriberScheduler } from "../ports/scheduler.js";
import type { SecretBox } from "../ports/secret-box.js";
import type { TelegramSender } from "../ports/telegram.js";

/** Who is asking, resolved from the credential by the authorizer. */
export interface Caller {
  readonly tenantId: string;
  readonly role: Role;
  readonly actor: Actor;
}

export interface ServiceDeps {
  readonly repos: Repositories;
  readonly clock: Clock;
  /** The one schedule per subscriber (EventBridge Scheduler, or the local scheduler). */
  readonly scheduler: SubscriberScheduler;
  /** Per-site command queues polled by the edge agents. */
  readonly queue: SiteQueue;
  /** SMS and e-mail to subscribers (SNS/SES or an HTTP SMS gateway; an outbox locally). */
  readonly notifier: Notifier;
  readonly logger: Logger;
  /** Business metrics for the operators' alarms and dashboard; absent records nothing (tests, npm start). */
  readonly metrics?: Metrics;
  /** Short-lived AWS credentials for enrolled edge agents; wired only where that route is served. */
  readonly agentCredentials?: AgentCredentialIssuer;
  /** The Telegram Bot API, for the admins' daily summary; wired where that summary is sent. */
  readonly telegram?: TelegramSender;
  /** Online payment gateways and the box their per-tenant credentials are sealed in. */
  readonly payments: {
    readonly gateways: GatewayDirectory;
    readonly secrets: SecretBox;
  };
}

/** An Idempotency-Key as the service layer sees it: already hashed and tied to its request. */
export interface IdempotencyRequest {
  readonly keyHash: string;
  readonly fingerprint: string;
}
