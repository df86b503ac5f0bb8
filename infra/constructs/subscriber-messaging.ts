import { ArnFormat, Stack } from "aws-cdk-lib";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IConstruct } from "constructs";
import type { NotificationsConfig } from "../config.js";
import { acknowledgeSmsPublish } from "../nag.js";
import type { NodeLambda } from "./node-lambda.js";

/** What shared/adapters/notify/ses-email.ts may call (SES v2 SendEmail; raw for attachments later). */
export const SES_SEND_ACTIONS = ["ses:SendEmail", "ses:SendRawEmail"] as const;

/**
 * Reminders and receipts on AWS (functions/deps.ts `notifierFor`): SMS by SNS Publish to a phone
 * number, e-mail by SES from one verified identity when the stage configures one. Gives a function
 * the environment the notifiers read (shared/config.ts) and exactly the permissions they need.
 */
export class SubscriberMessaging {
  /** SMS_SENDER_ID and EMAIL_FROM, where configured. */
  readonly environment: Readonly<Record<string, string>>;
  /** The SES identity e-mail may be sent as; undefined when e-mail is not configured. */
  readonly emailIdentityArn: string | undefined;
  /** Every SNS topic and platform endpoint, in any region and account: what the SMS grant may not reach. */
  readonly snsArns: string;

  constructor(scope: IConstruct, config: NotificationsConfig) {
    const stack = Stack.of(scope);
    this.environment = {
      ...(config.smsSenderId ? { SMS_SENDER_ID: config.smsSenderId } : {}),
      ...(config.email ? { EMAIL_FROM: config.email.from } : {}),
    };
    this.emailIdentityArn = config.email ? sesIdentityArn(stack, config.email.identity) : undefined;
    this.snsArns = stack.formatArn({
      service: "sns",
      region: "*",
      account: "*",
      resource: "*",
      arnFormat: ArnFormat.NO_RESOURCE_NAME,
    });
  }

  /** Lets a function that sends reminders or receipts send them. */
  grantTo(lambda: NodeLambda): void {
    for (const [name, value] of Object.entries(this.environment)) lambda.function.addEnvironment(name, value);
    lambda.role.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ["sns:Publish"], resources: ["*"] }),
    );
    lambda.role.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.DENY, actions: ["sns:Publish"], resources: [this.snsArns] }),
    );
    acknowledgeSmsPublish(lambda.role);
    this.grantEmailTo(lambda);
  }

  /** E-mail only (admins' reports): the sender environment and SES on the one identity, no SMS. */
  grantEmailTo(lambda: NodeLambda): void {
    const from = this.environment.EMAIL_FROM;
    if (from) lambda.function.addEnvironment("EMAIL_FROM", from);
    if (!this.emailIdentityArn) return;
    lambda.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [...SES_SEND_ACTIONS],
        resources: [this.emailIdentityArn],
      }),
    );
  }
}

/** An identity ARN as given, or the ARN of a domain or address identity in the stack's account and region. */
function sesIdentityArn(stack: Stack, identity: string): string {
  if (identity.startsWith("arn:")) return identity;
  return stack.formatArn({
    service: "ses",
    resource: "identity",
    resourceName: identity,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
