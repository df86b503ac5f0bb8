import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SQSClient } from "@aws-sdk/client-sqs";
import { observed } from "../shared/adapters/aws-client-hook.js";
import { createDocumentClient } from "../shared/adapters/dynamodb/client.js";
import { createDynamoRepositories } from "../shared/adapters/dynamodb/repositories.js";
import { createGatewayDirectory, parseBaseUrlOverrides } from "../shared/adapters/gateways/directory.js";
import { createPowertoolsLogger } from "../shared/adapters/logging/powertools-logger.js";
import { EmfMetrics } from "../shared/adapters/metrics/emf-metrics.js";
import { ChannelRouter } from "../shared/adapters/notify/channel-router.js";
import { OutboxNotifier } from "../shared/adapters/notify/outbox.js";
import { SesEmailNotifier } from "../shared/adapters/notify/ses-email.js";
import { SnsSmsNotifier } from "../shared/adapters/notify/sns-sms.js";
import { SqsSiteQueue } from "../shared/adapters/queue/sqs-site-queue.js";
import { EventBridgeSubscriberScheduler } from "../shared/adapters/scheduler/eventbridge-scheduler.js";
import { KmsSecretBox } from "../shared/adapters/secrets/kms-secret-box.js";
import { LocalSecretBox } from "../shared/adapters/secrets/local-secret-box.js";
import { type ApiConfig, loadApiConfig } from "../shared/config.js";
import { systemClock } from "../shared/domain/clock.js";
import type { Notifier } from "../shared/ports/notifier.js";
import { type SecretBox, SecretBoxError } from "../shared/ports/secret-box.js";
import type { ServiceDeps } from "../shared/services/caller.js";

let cached: ServiceDeps | undefined;

/** KMS in the cloud, a local key in npm start; a function without either fails only when it seals. */
function secretBoxFor(config: ApiConfig): SecretBox {
  if (config.LOCAL_SECRET_KEY) return new LocalSecretBox(Buffer.from(config.LOCAL_SECRET_KEY, "base64"));
  if (config.GATEWAY_KEY_ARN) return new KmsSecretBox({ keyId: config.GATEWAY_KEY_ARN });
  const missing = async (): Promise<string> => {
    throw new SecretBoxError("gateway credentials cannot be sealed: GATEWAY_KEY_ARN is not set");
  };
  return { seal: missing, open: missing };
}

/** SMS by SNS (or the local outbox), e-mail by SES when a sender is configured. */
function notifierFor(config: ApiConfig): Notifier {
  if (config.SMS_PROVIDER === "outbox") {
    const outbox = new OutboxNotifier(config.NOTIFY_OUTBOX_FILE ? { file: config.NOTIFY_OUTBOX_FILE } : {});
    return new ChannelRouter({ sms: outbox, email: outbox });
  }
  return new ChannelRouter({
    sms: new SnsSmsNotifier({
      defaultCallingCode: config.SMS_DEFAULT_CALLING_CODE,
      ...(config.SMS_SENDER_ID ? { senderId: config.SMS_SENDER_ID } : {}),
    }),
    ...(config.EMAIL_FROM ? { email: new SesEmailNotifier({ from: config.EMAIL_FROM }) } : {}),
  });
}

/**
 * Adapters wired once per execution environment, for every function. The configuration is read on
 * first use, which in Lambda is the cold start: a missing variable fails there, naming it. The
 * *_ENDPOINT variables point the same SDK clients at the local cloud's stand-ins; a bench may watch
 * the clients (shared/adapters/aws-client-hook.ts), which changes nothing when none does.
 */
export function functionDeps(given?: ApiConfig): ServiceDeps {
  if (cached) return cached;
  // Not a default parameter: that would parse the environment again on every invocation.
  const config = given ?? loadApiConfig();
  const local = { credentials: { accessKeyId: "local", secretAccessKey: "local" } };
  const region = config.AWS_REGION;
  const doc = observed({
    kind: "dynamodb",
    client: createDocumentClient({
      region,
      ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT, ...local } : {}),
    }),
  });
  const sqs = observed({
    kind: "sqs",
    client: new SQSClient({
      region,
      ...(config.SQS_ENDPOINT ? { endpoint: config.SQS_ENDPOINT, ...local } : {}),
    }),
  });
  const scheduler = observed({
    kind: "scheduler",
    client: new SchedulerClient({
      region,
      ...(config.SCHEDULER_ENDPOINT ? { endpoint: config.SCHEDULER_ENDPOINT, ...local } : {}),
    }),
  });
  cached = {
    repos: createDynamoRepositories(doc, config.TABLE_NAME),
    clock: systemClock,
    logger: createPowertoolsLogger({ service: "isp-billing" }),
    ...(config.METRICS_STAGE ? { metrics: new EmfMetrics({ stage: config.METRICS_STAGE }) } : {}),
    queue: new SqsSiteQueue({
      prefix: config.SITE_QUEUE_PREFIX,
      deadLetterTargetArn: config.SITE_DLQ_ARN,
      client: sqs,
      region,
      // The account is the lifecycle function's own: arn:aws:lambda:<region>:<account>:function:<name>.
      account: config.LIFECYCLE_FUNCTION_ARN.split(":")[4] ?? "",
    }),
    notifier: notifierFor(config),
    payments: {
      secrets: secretBoxFor(config),
      gateways: createGatewayDirectory({
        baseUrls: parseBaseUrlOverrides(config.GATEWAY_BASE_URLS),
        ...(config.GATEWAY_TIMEOUT_MS ? { timeoutMs: config.GATEWAY_TIMEOUT_MS } : {}),
      }),
    },
    scheduler: new EventBridgeSubscriberScheduler({
      client: scheduler,
      groupName: config.SCHEDULE_GROUP,
      targetArn: config.LIFECYCLE_FUNCTION_ARN,
      roleArn: config.SCHEDULER_ROLE_ARN,
      deadLetterArn: config.SCHEDULER_DLQ_ARN,
      ...(config.SCHEDULER_MIN_LEAD_SECONDS ? { minimumLeadSeconds: config.SCHEDULER_MIN_LEAD_SECONDS } : {}),
    }),
  };
  return cached;
}
