import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { EdgeCommand } from "../../shared/domain/schemas/edge-command.js";
import { siteQueueName } from "../../shared/ports/queue.js";

export interface Received {
  readonly command: EdgeCommand;
  /** When the message became receivable here (a long poll returns as soon as it is visible). */
  readonly receivedAt: number;
}

/** Drains a site's command queue in the background, like an edge agent would, recording arrivals. */
export class SiteQueueWatcher {
  readonly received: Received[] = [];
  private running = true;
  private readonly loops: Promise<void>[];
  private readonly client: SQSClient;
  private readonly queueUrl: string;

  constructor(endpoint: string, tenantId: string, siteId: string, pollers = 2) {
    this.client = new SQSClient({
      endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    this.queueUrl = `${endpoint}/000000000000/${siteQueueName("isp-local", tenantId, siteId)}`;
    this.loops = Array.from({ length: pollers }, () => this.poll());
  }

  private async poll(): Promise<void> {
    while (this.running) {
      try {
        const out = await this.client.send(
          new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const at = Date.now();
        const messages = out.Messages ?? [];
        for (const m of messages)
          this.received.push({ command: JSON.parse(m.Body ?? "{}") as EdgeCommand, receivedAt: at });
        if (messages.length > 0) {
          await this.client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: this.queueUrl,
              Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
            }),
          );
        }
      } catch {
        // The queue appears with the site's first command; until then there is nothing to read.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  forSubscriber(subscriberId: string): Received[] {
    return this.received.filter((r) => r.command.subscriberId === subscriberId);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.client.destroy();
  }
}
