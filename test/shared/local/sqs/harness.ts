import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { type LocalSqs, type LocalSqsOptions, startLocalSqs } from "../../../../shared/local/sqs/index.js";

/** A local SQS plus a real SDK client pointed at it, as product code would build one. */
export interface SqsHarness {
  readonly sqs: LocalSqs;
  readonly client: SQSClient;
  queue(prefix: string, attributes?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

let counter = 0;

export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

export async function startHarness(options: LocalSqsOptions = {}): Promise<SqsHarness> {
  const sqs = await startLocalSqs({ host: "127.0.0.1", port: 0, ...options });
  const client = new SQSClient({
    endpoint: sqs.endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  return {
    sqs,
    client,
    queue: async (prefix, attributes) => {
      const out = await client.send(
        new CreateQueueCommand({
          QueueName: uniqueName(prefix),
          ...(attributes ? { Attributes: attributes } : {}),
        }),
      );
      if (!out.QueueUrl) throw new Error("CreateQueue returned no QueueUrl");
      return out.QueueUrl;
    },
    stop: async () => {
      client.destroy();
      await sqs.stop();
    },
  };
}
