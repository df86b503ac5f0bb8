import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type SqsHarness, startHarness } from "./harness.js";

let dir: string;
let stateFile: string;
const harnesses: SqsHarness[] = [];
const start = async () => {
  const h = await startHarness({ stateFile });
  harnesses.push(h);
  return h;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "local-sqs-"));
  stateFile = join(dir, "sqs", "state.json");
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.stop();
  await rm(dir, { recursive: true, force: true });
});

const urlOf = async (h: SqsHarness, QueueName: string) =>
  (await h.client.send(new GetQueueUrlCommand({ QueueName }))).QueueUrl ?? "";

describe("local SQS persistence", () => {
  it("keeps queues and messages, including in-flight ones, across a restart", async () => {
    const first = await start();
    const QueueUrl = await first.queue("kept", { VisibilityTimeout: "300" });
    const name = QueueUrl.split("/").at(-1) ?? "";
    await first.client.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: "in flight",
        MessageAttributes: { kind: { DataType: "String", StringValue: "cmd" } },
      }),
    );
    const [inFlight] =
      (await first.client.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ["All"] })))
        .Messages ?? [];
    await first.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "waiting" }));
    await first.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "delayed", DelaySeconds: 1 }));
    await first.stop();

    const second = await start();
    const url = await urlOf(second, name);
    const attributes = await second.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
    );
    expect(attributes.Attributes).toMatchObject({
      VisibilityTimeout: "300",
      ApproximateNumberOfMessages: "1",
      ApproximateNumberOfMessagesNotVisible: "1",
      ApproximateNumberOfMessagesDelayed: "1",
    });
    // The receipt handed out before the restart still deletes its message.
    await second.client.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: inFlight?.ReceiptHandle }),
    );
    const received = await second.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    expect(received.Messages?.map((m) => m.Body)).toEqual(["waiting"]);
    // The delay keeps counting from the original send.
    const delayed = await second.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }),
    );
    expect(delayed.Messages?.map((m) => m.Body)).toEqual(["delayed"]);
  });

  it("writes the state file soon after a change, atomically", async () => {
    const h = await start();
    const QueueUrl = await h.queue("prompt");
    await h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "written" }));
    const deadline = Date.now() + 1000;
    let text = "";
    while (Date.now() < deadline && !text.includes("written")) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      text = existsSync(stateFile) ? await readFile(stateFile, "utf8") : "";
    }
    expect(text).toContain("written");
    expect(JSON.parse(text)).toMatchObject({ version: 1 });
    expect((await readdir(join(dir, "sqs"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses a corrupt state file instead of starting empty", async () => {
    const first = await start();
    await first.queue("corrupt");
    await first.stop();
    const { writeFile } = await import("node:fs/promises");
    await writeFile(stateFile, '{"version":2}');
    await expect(startHarness({ stateFile })).rejects.toThrow(/not valid/);
  });
});
