import { applyAttributes, formatAttributes, READABLE_ATTRIBUTES } from "./attributes.js";
import type { Broker } from "./broker.js";
import { sqsErrors } from "./errors.js";
import type { LocalQueue } from "./queue.js";
import { inputs, parseInput } from "./schemas.js";

export interface ActionContext {
  readonly broker: Broker;
  /** Aborted when the client goes away, so a long poll stops waiting and takes nothing. */
  readonly signal: AbortSignal;
}

export type Action = (body: unknown, context: ActionContext) => object | Promise<object>;

export const queueActions: Record<string, Action> = {
  CreateQueue: (body, { broker }) => {
    const input = parseInput(inputs.CreateQueue, body);
    if (input.QueueName.endsWith(".fifo"))
      throw sqsErrors.unsupportedOperation("FIFO queues are not supported by the local SQS.");
    const queue = broker.create(input.QueueName, input.Attributes ?? {}, input.tags ?? {});
    return { QueueUrl: broker.url(queue.name) };
  },

  GetQueueUrl: (body, { broker }) => {
    const input = parseInput(inputs.GetQueueUrl, body);
    return { QueueUrl: broker.url(broker.get(input.QueueName).name) };
  },

  ListQueues: (body, { broker }) => {
    const input = parseInput(inputs.ListQueues, body);
    const max = input.MaxResults;
    if (max !== undefined && (max < 1 || max > 1000))
      throw sqsErrors.invalidValue("MaxResults", max, "MaxResults must be an integer between 1 and 1000.");
    const after = input.NextToken ? Buffer.from(input.NextToken, "base64url").toString("utf8") : "";
    const prefix = input.QueueNamePrefix ?? "";
    const names = broker
      .list()
      .map((q) => q.name)
      .filter((n) => n.startsWith(prefix) && n > after);
    const page = names.slice(0, max ?? 1000);
    const last = page.at(-1);
    return {
      ...(page.length > 0 ? { QueueUrls: page.map((n) => broker.url(n)) } : {}),
      ...(max !== undefined && names.length > page.length && last
        ? { NextToken: Buffer.from(last).toString("base64url") }
        : {}),
    };
  },

  DeleteQueue: (body, { broker }) => {
    broker.delete(broker.fromUrl(parseInput(inputs.QueueOnly, body).QueueUrl).name);
    return {};
  },

  PurgeQueue: (body, { broker }) => {
    broker.fromUrl(parseInput(inputs.QueueOnly, body).QueueUrl).purge();
    return {};
  },

  GetQueueAttributes: (body, { broker }) => {
    const input = parseInput(inputs.GetQueueAttributes, body);
    const queue = broker.fromUrl(input.QueueUrl);
    const names = input.AttributeNames ?? [];
    for (const n of names)
      if (n !== "All" && !READABLE_ATTRIBUTES.has(n)) throw sqsErrors.invalidAttributeName(n);
    const all = readAttributes(broker, queue);
    const wanted = names.includes("All") ? Object.keys(all) : names;
    const out = Object.fromEntries(wanted.flatMap((n) => (all[n] === undefined ? [] : [[n, all[n]]])));
    return Object.keys(out).length > 0 ? { Attributes: out } : {};
  },

  SetQueueAttributes: (body, { broker }) => {
    const input = parseInput(inputs.SetQueueAttributes, body);
    const queue = broker.fromUrl(input.QueueUrl);
    queue.config = applyAttributes(queue.config, input.Attributes, (arn) => broker.byArn(arn) !== undefined);
    return {};
  },

  TagQueue: (body, { broker }) => {
    const input = parseInput(inputs.TagQueue, body);
    const queue = broker.fromUrl(input.QueueUrl);
    queue.tag(Object.entries(input.Tags));
    return {};
  },

  UntagQueue: (body, { broker }) => {
    const input = parseInput(inputs.UntagQueue, body);
    const queue = broker.fromUrl(input.QueueUrl);
    queue.untag(input.TagKeys);
    return {};
  },

  ListQueueTags: (body, { broker }) => {
    const queue = broker.fromUrl(parseInput(inputs.QueueOnly, body).QueueUrl);
    return queue.tags.size > 0 ? { Tags: Object.fromEntries(queue.tags) } : {};
  },

  ListDeadLetterSourceQueues: (body, { broker }) => {
    const input = parseInput(inputs.ListDeadLetterSourceQueues, body);
    const target = broker.fromUrl(input.QueueUrl);
    const sources = broker.list().filter((q) => {
      const arn = q.config.redrivePolicy?.deadLetterTargetArn;
      return arn !== undefined && broker.byArn(arn) === target;
    });
    return { queueUrls: sources.map((q) => broker.url(q.name)) };
  },
};

function readAttributes(broker: Broker, queue: LocalQueue): Record<string, string> {
  const counts = queue.counts();
  return {
    QueueArn: broker.arn(queue.name),
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.notVisible),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.modifiedAt / 1000)),
    ...formatAttributes(queue.config),
  };
}
