import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SendMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from "@aws-sdk/client-sqs";
import { type OutboundMessage, type SiteQueue, siteQueueName } from "../../ports/queue.js";

export interface SqsSiteQueueOptions {
  /** Queue names are `${prefix}-${tenantId}-${siteId}`; the agent's policy is scoped by it. */
  readonly prefix: string;
  readonly client?: SQSClient;
  readonly clientConfig?: SQSClientConfig;
  /** Receives before a command moves to the site's DLQ. */
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

/**
 * Per-site standard queues (FIFO cannot delay single messages). A site's queue and DLQ are created
 * when the site is provisioned, or on first use if that was missed; URLs are cached per container.
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

  /** Creates the site's queue and its DLQ (both idempotent), returning the queue URL. */
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
    const encryption = { SqsManagedSseEnabled: "true" };
    const dlq = await this.client.send(
      new CreateQueueCommand({
        QueueName: `${name}-dlq`,
        Attributes: {
          ...encryption,
          MessageRetentionPeriod: "1209600",
          Policy: tlsOnlyPolicy(this.arnFor(`${name}-dlq`)),
        },
      }),
    );
    if (!dlq.QueueUrl) throw new SiteQueueError(`CreateQueue returned no URL for ${name}-dlq`, name);
    const queue = await this.client.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          ...encryption,
          Policy: tlsOnlyPolicy(this.arnFor(name)),
          MessageRetentionPeriod: "1209600",
          ReceiveMessageWaitTimeSeconds: "20",
          VisibilityTimeout: "60",
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: this.arnFor(`${name}-dlq`),
            maxReceiveCount: this.options.maxReceiveCount ?? 10,
          }),
        },
      }),
    );
    if (!queue.QueueUrl) throw new SiteQueueError(`CreateQueue returned no URL for ${name}`, name);
    const url = Promise.resolve(queue.QueueUrl);
    this.urls.set(name, url);
    return url;
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
