import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  EventBridgePublisher,
  EventPublishError,
} from "../../../../shared/adapters/events/eventbridge-publisher.js";
import { HttpWebhookTransport } from "../../../../shared/adapters/events/http-webhook-transport.js";
import {
  DeliveryQueueError,
  SqsDeliveryQueue,
} from "../../../../shared/adapters/events/sqs-delivery-queue.js";
import { newId } from "../../../../shared/domain/ids.js";
import type { OutboundEvent } from "../../../../shared/domain/schemas/outbound-event.js";
import { freePort } from "../../../../shared/local/dynamodb-local.js";

const tenantId = newId("tenant");

function event(n: number): OutboundEvent {
  return {
    id: newId("event"),
    type: "subscriber.suspended",
    schemaVersion: 1,
    tenantId,
    occurredAt: `2026-03-01T10:00:${String(n % 60).padStart(2, "0")}.000Z`,
    data: { subscriberId: newId("subscriber"), status: "suspended", cause: "subscriber.suspended" },
  };
}

describe("EventBridgePublisher", () => {
  const eventbridge = mockClient(EventBridgeClient);
  beforeEach(() => eventbridge.reset());

  it("puts each event on the bus with its type as detail-type, ten entries a call", async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const events = Array.from({ length: 12 }, (_, i) => event(i));
    await new EventBridgePublisher({
      busName: "isp-billing-prod",
      client: new EventBridgeClient({}),
    }).publish(events);
    const calls = eventbridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 2]);
    expect(calls[0]?.args[0].input.Entries?.[0]).toEqual({
      EventBusName: "isp-billing-prod",
      Source: "isp-billing",
      DetailType: "subscriber.suspended",
      Detail: JSON.stringify(events[0]),
      Time: new Date("2026-03-01T10:00:00.000Z"),
    });
  });

  it("throws, naming the events and codes but not the payloads, when entries fail", async () => {
    eventbridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: "x" }, { ErrorCode: "ThrottlingException", ErrorMessage: "slow down" }],
    });
    const events = [event(1), event(2)];
    const publishing = new EventBridgePublisher({
      busName: "bus",
      client: new EventBridgeClient({}),
    }).publish(events);
    await expect(publishing).rejects.toBeInstanceOf(EventPublishError);
    await expect(publishing).rejects.toMatchObject({
      busName: "bus",
      failures: [{ eventId: events[1]?.id, code: "ThrottlingException" }],
    });
  });
});

describe("SqsDeliveryQueue", () => {
  const sqs = mockClient(SQSClient);
  const queueUrl = "https://sqs.ap-south-1.amazonaws.com/123456789012/isp-billing-prod-deliveries";
  beforeEach(() => sqs.reset());

  it("queues jobs ten a batch and pushes a retry back by its visibility timeout, within SQS's 12 hours", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const queue = new SqsDeliveryQueue({ queueUrl, client: new SQSClient({}) });
    const jobs = Array.from({ length: 11 }, (_, i) => ({ tenantId, event: event(i) }));
    await queue.enqueue(jobs);
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(batches.map((b) => b.Entries?.length)).toEqual([10, 1]);
    expect(batches[0]?.QueueUrl).toBe(queueUrl);
    expect(JSON.parse(batches[1]?.Entries?.[0]?.MessageBody ?? "")).toEqual(jobs[10]);

    await queue.postpone("rh-1", 120.4);
    await queue.postpone("rh-2", 99_999);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: queueUrl, ReceiptHandle: "rh-1", VisibilityTimeout: 120 },
      { QueueUrl: queueUrl, ReceiptHandle: "rh-2", VisibilityTimeout: 43_200 },
    ]);
  });

  it("throws with the event ids of jobs SQS refused", async () => {
    const jobs = [
      { tenantId, event: event(1) },
      { tenantId, event: event(2) },
    ];
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: "0", MessageId: "m", MD5OfMessageBody: "x" }],
      Failed: [{ Id: "1", Code: "InternalError", SenderFault: false }],
    });
    const queue = new SqsDeliveryQueue({ queueUrl, client: new SQSClient({}) });
    await expect(queue.enqueue(jobs)).rejects.toBeInstanceOf(DeliveryQueueError);
    await expect(queue.enqueue(jobs)).rejects.toMatchObject({ eventIds: [jobs[1]?.event.id] });
  });
});

describe("HttpWebhookTransport", () => {
  let server: Server;
  let base: string;
  const seen: { method: string; headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        seen.push({ method: req.method ?? "", headers: req.headers, body });
        if (req.url === "/slow") return; // never answers
        if (req.url === "/redirect") {
          res.writeHead(302, { location: "/elsewhere" }).end();
          return;
        }
        res.writeHead(req.url === "/gone" ? 410 : 200).end("ignored body");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const transport = new HttpWebhookTransport();
  const post = (path: string, timeoutMs = 2_000) =>
    transport.post({ url: `${base}${path}`, headers: { "webhook-id": "evt_1" }, body: '{"a":1}', timeoutMs });

  it("POSTs the body and headers as given and reports the status", async () => {
    expect(await post("/ok")).toEqual({ status: 200 });
    expect(seen.at(-1)).toMatchObject({
      method: "POST",
      body: '{"a":1}',
      headers: { "webhook-id": "evt_1" },
    });
    expect(await post("/gone")).toEqual({ status: 410 });
  });

  it("does not follow redirects: the signed body goes only where the tenant said", async () => {
    const before = seen.length;
    expect(await post("/redirect")).toEqual({ status: 302 });
    expect(seen.length).toBe(before + 1);
  });

  it("reports a timeout and a refused connection instead of throwing", async () => {
    expect(await post("/slow", 300)).toEqual({ error: "no answer within 300 ms" });
    const port = await freePort();
    const closed = await transport.post({
      url: `http://127.0.0.1:${port}/x`,
      headers: {},
      body: "",
      timeoutMs: 1_000,
    });
    expect(closed).toEqual({ error: "network error ECONNREFUSED" });
  });
});
