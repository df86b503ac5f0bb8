import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as z from "zod";
import { messageActions } from "./actions-messages.js";
import { type Action, type ActionContext, queueActions } from "./actions-queues.js";
import { Broker } from "./broker.js";
import { SqsError, sqsErrors } from "./errors.js";
import { loadState, StateWriter, snapshot } from "./persistence.js";

const optionsSchema = z.strictObject({
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().min(1).default("127.0.0.1"),
  /** JSON file for the queues and their messages; omitted = in memory only. */
  stateFile: z.string().min(1).optional(),
});
export type LocalSqsOptions = z.input<typeof optionsSchema>;

export interface LocalSqs {
  /** `http://host:port`, for `new SQSClient({ endpoint })`. */
  readonly endpoint: string;
  /** The URL SQS would give the queue `name` (whether or not it exists). */
  queueUrl(name: string): string;
  /** Ends waiting receives, closes connections and writes the state file one last time. */
  stop(): Promise<void>;
}

// Ten entries of 256 KiB, base64 growth of binary attributes and JSON escaping fit well inside this.
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const TARGET_PREFIX = "AmazonSQS.";
const ACTIONS: Readonly<Record<string, Action>> = { ...queueActions, ...messageActions };

/**
 * A local SQS endpoint speaking the AWS JSON 1.0 protocol as `@aws-sdk/client-sqs` v3 sends it, so
 * the product's SQS code runs unchanged against it (standard queues only).
 */
export async function startLocalSqs(options: LocalSqsOptions = {}): Promise<LocalSqs> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new Error(`startLocalSqs: invalid options: ${parsed.error.message}`);
  const { port, host, stateFile } = parsed.data;
  let endpoint = "";
  let writer: StateWriter | undefined;
  const broker = new Broker(
    () => endpoint,
    () => writer?.markDirty(),
  );
  const server = createServer((req, res) => {
    handle(req, res, broker).catch((error: unknown) => {
      process.stderr.write(`local sqs: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!res.headersSent)
        sendError(res, new SqsError("InternalError", "InternalError", "Internal error", 500));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  endpoint = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  if (stateFile) {
    try {
      await loadState(stateFile, broker);
    } catch (error) {
      server.close();
      throw error;
    }
    writer = new StateWriter(stateFile, () => snapshot(broker));
  }
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    queueUrl: (name) => broker.url(name),
    stop: () => {
      stopped ??= (async () => {
        broker.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Long polls were just answered; anything still open after a moment is cut.
          setTimeout(() => server.closeAllConnections(), 50).unref();
        });
        await writer?.close();
      })();
      return stopped;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, broker: Broker): Promise<void> {
  const target = req.headers["x-amz-target"];
  const name =
    typeof target === "string" && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : "";
  const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
  // Registered before anything is awaited, so a client that leaves early is never missed.
  const abort = new AbortController();
  res.once("close", () => abort.abort());
  const raw = await readBody(req);
  try {
    if (raw === undefined) throw sqsErrors.payloadTooLarge();
    if (req.method !== "POST" || !action) throw sqsErrors.unknownOperation(String(target ?? req.method));
    let body: unknown;
    try {
      body = raw.length === 0 ? {} : JSON.parse(raw.toString("utf8"));
    } catch {
      throw sqsErrors.serialization("The request body is not valid JSON.");
    }
    const context: ActionContext = { broker, signal: abort.signal };
    const result = await action(body, context);
    send(res, 200, JSON.stringify(result));
  } catch (error) {
    if (!(error instanceof SqsError)) throw error;
    sendError(res, error);
  }
}

function sendError(res: ServerResponse, error: SqsError): void {
  res.setHeader("x-amzn-query-error", `${error.queryCode};${error.status >= 500 ? "Receiver" : "Sender"}`);
  send(res, error.status, JSON.stringify({ __type: error.type, message: error.message }));
}

function send(res: ServerResponse, status: number, body: string): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": randomUUID(),
  });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
