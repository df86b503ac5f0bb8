import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  QueueNameExists,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  type SQSClientConfig,
} from "@aws-sdk/client-sqs";
import { type OutboundMessage, type SiteQueue, siteQueueName } from "../../ports/queue.js";

/** Receives of one command before SQS moves it to the stage's site-commands DLQ. */
export const SITE_QUEUE_MAX_RECEIVES = 10;

export interface SqsSiteQueueOptions {
  /** Queue names are `${prefix}-${tenantId}-${siteId}`; the agent's policy is scoped by it. */
  readonly prefix: string;
  /**
   * The stage's one dead-letter queue for edge commands (stateful stack): every site queue redrives
   * there, so one alarm watches the dead letters of every site, however many sites are made at run
   * time. It must not be named under `prefix` (the run-time grant on `${prefix}-*` cannot reach it).
   */
  readonly deadLetterTargetArn: string;
  readonly client?: SQSClient;
  readonly clientConfig?: SQSClientConfig;
  /** Receives before a command moves to the dead-letter queue. */
  readonly maxReceiveCount?: number;
  /** Region and account for the queue ARNs in the TLS-only policies; default local ones. */
  readonly region?: string;
  readonly account?: string;
}

export class SiteQueueError extends Error {
  constructor(
    message: string,
    readonly queueName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SiteQueueError";
  }
}

const SQS_ARN = /^arn:[a-z-]+:sqs:[^:]*:[^:]*:[A-Za-z0-9_-]{1,80}$/;

/**
 * Per-site standard queues (FIFO cannot delay single messages). A site's queue is created when the
 * site is provisioned, or on first use if that was missed; URLs are cached per container. Commands
 * an agent keeps failing go to the stage's shared dead-letter queue.
 */
export class SqsSiteQueue implements SiteQueue {
  private readonly client: SQSClient;
  private readonly urls = new Map<string, Promise<string>>();

  constructor(private readonly options: SqsSiteQueueOptions) {
    if (!/^[A-Za-z0-9_-]{1,16}$/.test(options.prefix)) {
      throw new SiteQueueError(
        `Queue prefix must be 1-16 of [A-Za-z0-9_-], got "${options.prefix}"`,
        options.prefix,
      );
    }
    const dlqName = options.deadLetterTargetArn.split(":").at(-1) ?? "";
    if (!SQS_ARN.test(options.deadLetterTargetArn) || dlqName.startsWith(`${options.prefix}-`)) {
      throw new SiteQueueError(
        `The site-commands dead-letter queue must be an SQS queue ARN outside "${options.prefix}-*", got "${options.deadLetterTargetArn}"`,
        options.prefix,
      );
    }
    this.client = options.client ?? new SQSClient(options.clientConfig ?? {});
  }

  async send(tenantId: string, siteId: string, message: OutboundMessage): Promise<void> {
    const name = siteQueueName(this.options.prefix, tenantId, siteId);
    const delay = Math.min(900, Math.max(0, Math.round(message.delaySeconds ?? 0)));
    const sendTo = async (url: string) =>
      this.client.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: message.body, DelaySeconds: delay }),
      );
    try {
      await sendTo(await this.urlFor(name));
    } catch (error) {
      if (!(error instanceof QueueDoesNotExist))
        throw new SiteQueueError(`Could not send to ${name}`, name, { cause: error });
      this.urls.delete(name);
      await sendTo(await this.provisionByName(name));
    }
  }

  private arnFor(name: string): string {
    return `arn:aws:sqs:${this.options.region ?? "local"}:${this.options.account ?? "000000000000"}:${name}`;
  }

  /** Creates the site's queue (idempotent), or brings an existing one to these attributes; returns its URL. */
  provision(tenantId: string, siteId: string): Promise<string> {
    return this.provisionByName(siteQueueName(this.options.prefix, tenantId, siteId));
  }

  private urlFor(name: string): Promise<string> {
    let url = this.urls.get(name);
    if (!url) {
      url = this.client.send(new GetQueueUrlCommand({ QueueName: name })).then((out) => {
        if (!out.QueueUrl) throw new SiteQueueError(`No URL for ${name}`, name);
        return out.QueueUrl;
      });
      url.catch(() => this.urls.delete(name));
      this.urls.set(name, url);
    }
    return url;
  }

  private async provisionByName(name: string): Promise<string> {
    const attributes = {
      SqsManagedSseEnabled: "true",
      Policy: tlsOnlyPolicy(this.arnFor(name)),
      MessageRetentionPeriod: "1209600",
      ReceiveMessageWaitTimeSeconds: "20",
      VisibilityTimeout: "60",
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: this.options.deadLetterTargetArn,
        maxReceiveCount: this.options.maxReceiveCount ?? SITE_QUEUE_MAX_RECEIVES,
      }),
    };
    let queueUrl: string | undefined;
    try {
      queueUrl = (await this.client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })))
        .QueueUrl;
    } catch (error) {
      if (!(error instanceof QueueNameExists)) throw error;
      // A queue made with other attributes (e.g. by an older version, with a DLQ of its own): same
      // name, so it is this site's; bring it to the current ones.
      queueUrl = await this.urlFor(name);
      await this.client.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: attributes }));
    }
    if (!queueUrl) throw new SiteQueueError(`CreateQueue returned no URL for ${name}`, name);
    this.urls.set(name, Promise.resolve(queueUrl));
    return queueUrl;
  }
}

/** Like the CDK stacks' queues: refuse any request not made over TLS. */
export function tlsOnlyPolicy(queueArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "sqs:*",
        Resource: queueArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}
