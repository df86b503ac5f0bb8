import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { startLocalSqs } from "../shared/local/sqs/index.js";
import { emit, percentile, round, runConcurrent } from "./lib/stats.js";

/**
 * The local SQS through the real SDK: 10,000 messages sent in batches of 10, then received and
 * deleted by 4 concurrent long-polling receivers; and the delay error of 200 messages sent with
 * DelaySeconds=1 (the instant a receiver got each one, minus its due instant).
 */
const MESSAGES = Number(process.argv[2] ?? 10_000);
const SEND_CONCURRENCY = 8;
const RECEIVERS = 4;
const DELAYED = 200;
const DEADLINE_MS = 120_000;

const sqs = await startLocalSqs({ host: "127.0.0.1", port: 0 });
const client = new SQSClient({
  endpoint: sqs.endpoint,
  region: "local",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});

/** Long-polls until `total` messages were received and deleted; `onMessage` sees each one as it arrives. */
async function drain(
  QueueUrl: string,
  total: number,
  onMessage: (m: Message, at: number) => void,
): Promise<void> {
  let done = 0;
  const deadline = Date.now() + DEADLINE_MS;
  const receiver = async () => {
    while (done < total) {
      if (Date.now() > deadline) throw new Error(`drain timed out with ${done}/${total} messages`);
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ["SentTimestamp"],
        }),
      );
      const at = Date.now();
      const messages = out.Messages ?? [];
      if (messages.length === 0) continue;
      for (const m of messages) onMessage(m, at);
      const deleted = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      if (deleted.Failed?.length) throw new Error(`delete failed: ${JSON.stringify(deleted.Failed)}`);
      done += messages.length;
    }
  };
  await Promise.all(Array.from({ length: RECEIVERS }, receiver));
}

try {
  const queue = await client.send(new CreateQueueCommand({ QueueName: "bench" }));
  const QueueUrl = queue.QueueUrl ?? "";
  const body = JSON.stringify({ kind: "suspend", subscriber: "sub-0000", version: 1 });

  const t0 = performance.now();
  await runConcurrent(MESSAGES / 10, SEND_CONCURRENCY, async (batch) => {
    const Entries = Array.from({ length: 10 }, (_, i) => ({
      Id: `m${i}`,
      MessageBody: `${body}#${batch * 10 + i}`,
    }));
    const out = await client.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
    if (out.Failed?.length) throw new Error(`send failed: ${JSON.stringify(out.Failed)}`);
  });
  const sendSeconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  await drain(QueueUrl, MESSAGES, () => undefined);
  const receiveSeconds = (performance.now() - t1) / 1000;

  // Delayed messages sent 10 ms apart, so they fall due one by one and no receiver queues behind another.
  const delayQueue = (await client.send(new CreateQueueCommand({ QueueName: "bench-delay" }))).QueueUrl ?? "";
  const errors: number[] = [];
  const receiving = drain(delayQueue, DELAYED, (m, at) => {
    errors.push(at - (Number(m.Attributes?.SentTimestamp) + 1000));
  });
  for (let i = 0; i < DELAYED; i++) {
    await client.send(
      new SendMessageCommand({ QueueUrl: delayQueue, MessageBody: `d${i}`, DelaySeconds: 1 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await receiving;

  emit({
    bench: "local-sqs",
    messages: MESSAGES,
    send_per_s: round(MESSAGES / sendSeconds, 0),
    receive_delete_per_s: round(MESSAGES / receiveSeconds, 0),
    p50_delay_error_ms: round(percentile(errors, 50)),
    p99_delay_error_ms: round(percentile(errors, 99)),
    min_delay_error_ms: round(Math.min(...errors)),
  });
} finally {
  client.destroy();
  await sqs.stop();
}
