import { applyAttributes, DEFAULT_CONFIG, formatAttributes, type QueueConfig } from "./attributes.js";
import { sqsErrors } from "./errors.js";
import type { StoredMessage } from "./message.js";
import { LocalQueue } from "./queue.js";

export const ACCOUNT_ID = "000000000000";
export const REGION = "local";
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** The queues of one local SQS endpoint: naming (URL, ARN), lifecycle and dead-letter routing. */
export class Broker {
  private readonly queues = new Map<string, LocalQueue>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly changed: () => void,
  ) {}

  url(name: string): string {
    return `${this.baseUrl()}/${ACCOUNT_ID}/${name}`;
  }

  arn(name: string): string {
    return `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${name}`;
  }

  create(
    name: string,
    attributes: Readonly<Record<string, string>>,
    tags: Readonly<Record<string, string>> = {},
  ): LocalQueue {
    if (!QUEUE_NAME.test(name))
      throw sqsErrors.invalidParameterValue(
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
      );
    const config = applyAttributes(DEFAULT_CONFIG, attributes, (arn) => this.byArn(arn) !== undefined);
    const existing = this.queues.get(name);
    if (existing) {
      // Idempotent only when every given attribute matches the existing queue.
      const have = formatAttributes(existing.config);
      const want = formatAttributes(config);
      for (const key of Object.keys(attributes))
        if (have[key] !== want[key]) throw sqsErrors.queueNameExists(key);
      return existing;
    }
    const now = Date.now();
    return this.add(name, config, now, now, Object.entries(tags));
  }

  add(
    name: string,
    config: QueueConfig,
    createdAt: number,
    modifiedAt: number,
    tags: Iterable<[string, string]>,
  ): LocalQueue {
    const queue = new LocalQueue(name, config, createdAt, modifiedAt, new Map(tags), {
      changed: this.changed,
      deadLetter: (source, message) => this.deadLetter(source, message),
    });
    this.queues.set(name, queue);
    this.changed();
    return queue;
  }

  get(name: string): LocalQueue {
    const queue = this.queues.get(name);
    if (!queue) throw sqsErrors.queueDoesNotExist();
    return queue;
  }

  /** Accepts any host (localhost, 127.0.0.1, a proxy): the queue is named by the path. */
  fromUrl(queueUrl: string): LocalQueue {
    let path: string;
    try {
      path = new URL(queueUrl).pathname;
    } catch {
      throw sqsErrors.queueDoesNotExist();
    }
    const [, account, name, ...rest] = path.split("/");
    if (account !== ACCOUNT_ID || !name || rest.length > 0) throw sqsErrors.queueDoesNotExist();
    return this.get(decodeURIComponent(name));
  }

  byArn(arn: string): LocalQueue | undefined {
    const name = arn.split(":").at(-1);
    return name === undefined ? undefined : this.queues.get(name);
  }

  delete(name: string): void {
    this.get(name).close();
    this.queues.delete(name);
    this.changed();
  }

  list(): LocalQueue[] {
    return [...this.queues.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  close(): void {
    for (const queue of this.queues.values()) queue.close();
  }

  private deadLetter(source: LocalQueue, message: StoredMessage): boolean {
    const arn = source.config.redrivePolicy?.deadLetterTargetArn;
    const target = arn === undefined ? undefined : this.byArn(arn);
    if (!target || target === source) return false;
    target.adopt({ ...message, deadLetterSourceArn: this.arn(source.name) });
    return true;
  }
}
