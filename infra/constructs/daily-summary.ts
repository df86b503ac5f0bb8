import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Grant, type IGrantable } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Schedule } from "aws-cdk-lib/aws-scheduler";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DAILY_SUMMARY_ENTRY } from "../../functions/api/catalog.js";
import { TELEGRAM_TOKEN_PURPOSE } from "../../shared/services/daily-summary.js";
import { GATEWAY_KEY_ENV } from "./gateway-credentials-key.js";
import { NodeLambda } from "./node-lambda.js";
import { recurringLambdaSchedule } from "./scheduler-target.js";
import type { SubscriberLifecycle } from "./subscriber-lifecycle.js";
import type { SubscriberMessaging } from "./subscriber-messaging.js";
import { grantTableAccess } from "./table-access.js";

export interface DailySummaryProps {
  readonly stage: string;
  readonly table: ITable;
  /** The key tenants' secrets are sealed with; Telegram bot tokens under their own purpose. */
  readonly key: IKey;
  /** Gives the functions' shared environment and the ops schedule group. */
  readonly lifecycle: SubscriberLifecycle;
  /** E-mail (SES on the configured identity only) for the summaries. */
  readonly messaging: SubscriberMessaging;
  /** Target DLQ of the schedule. */
  readonly schedulerDeadLetterQueue: IQueue;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/** The run is hourly: each tenant's summary goes out from the local hour it chose, once a local day. */
export const DAILY_SUMMARY_RATE = Duration.hours(1);

export type TelegramTokenUse = "seal-and-open" | "open";

/**
 * Lets a function use the key for Telegram bot tokens only: the actions of its use, on this key, with
 * the tokens' encryption-context purpose (gateway credentials and webhook secrets have others).
 */
export function grantTelegramTokens(key: IKey, grantee: IGrantable, use: TelegramTokenUse): void {
  Grant.addToPrincipal({
    grantee,
    actions: use === "open" ? ["kms:Decrypt"] : ["kms:Encrypt", "kms:Decrypt"],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { "kms:EncryptionContext:purpose": TELEGRAM_TOKEN_PURPOSE } },
  });
}

/**
 * Issue 6 item 7 on AWS: the admins' daily summary (functions/daily-summary.ts) on an hourly
 * schedule in the stage's ops group. It reads the table (summaries, the setups and their claims),
 * opens Telegram bot tokens (decrypt only, their purpose only), sends e-mail through SES (no SMS),
 * and calls the Telegram Bot API over the internet. The billing API function, which stores the
 * tokens and can send a summary on request, gets the same with seal as well (`grantSettingsAdmin`).
 */
export class DailySummary extends Construct {
  readonly function: NodeLambda;
  readonly schedule: Schedule;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: DailySummaryProps,
  ) {
    super(scope, id);
    const { lifecycle } = props;
    this.function = new NodeLambda(this, "Function", {
      entry: DAILY_SUMMARY_ENTRY,
      description: `Daily billing summary to each ISP's admins (${props.stage})`,
      environment: { ...lifecycle.environment, [GATEWAY_KEY_ENV]: props.key.keyArn },
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      // A few queries and two sends per tenant due this hour; an unfinished run is picked up next hour.
      timeout: Duration.minutes(5),
      // A failed tick carries no data and the next tick redoes its work: no retry, no keeping.
      asyncInvoke: { retryAttempts: 0, maxEventAge: DAILY_SUMMARY_RATE },
    });
    grantTableAccess(props.table, this.function.function, "api");
    grantTelegramTokens(props.key, this.function.role, "open");
    props.messaging.grantEmailTo(this.function);

    this.schedule = recurringLambdaSchedule(this, "Run", {
      group: lifecycle.opsScheduleGroup,
      groupName: lifecycle.opsScheduleGroupName,
      target: this.function.function,
      rate: DAILY_SUMMARY_RATE,
      deadLetterQueue: props.schedulerDeadLetterQueue,
      name: "daily summary",
      stage: props.stage,
    });
  }

  /** The API function of the summary's settings and "send now": seals tokens, opens them, e-mails. */
  grantSettingsAdmin(api: NodeLambda): void {
    api.function.addEnvironment(GATEWAY_KEY_ENV, this.props.key.keyArn);
    grantTelegramTokens(this.props.key, api.role, "seal-and-open");
    this.props.messaging.grantEmailTo(api);
  }
}
