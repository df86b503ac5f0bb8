import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type HttpSmsGatewayConfig, HttpSmsGatewayNotifier } from "../../../shared/adapters/notify/index.js";
import { ConfigError } from "../../../shared/config.js";
import { NotificationError, type OutgoingMessage } from "../../../shared/ports/notifier.js";
import { sendWithRetry } from "../../../shared/services/notifications.js";

const API_KEY = "sk-live-7f3a9c0e-NEVER-LOG-ME";

interface Seen {
  method: string;
  headers: IncomingMessage["headers"];
  body: string;
}
type Responder = (req: Seen, res: ServerResponse) => void;

let server: Server;
let url: string;
let respond: Responder;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = {
        method: req.method ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(request);
      // No keep-alive: closing the hung connections after each test must not break the next one.
      res.setHeader("connection", "close");
      respond(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3/send-sms`;
});

afterEach(() => {
  seen.length = 0;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** Modelled on SSL Wireless: key as a body field, csms_id deduplicates, status field in the answer. */
function sslWireless(overrides: Partial<HttpSmsGatewayConfig> = {}): HttpSmsGatewayNotifier {
  return new HttpSmsGatewayNotifier({
    name: "ssl-wireless",
    url,
    body: { sid: "PADMANET", msisdn: "{to}", sms: "{message}", csms_id: "{idempotencyKey}" },
    apiKey: API_KEY,
    apiKeyIn: { in: "field", name: "api_token" },
    success: { path: "status", equals: "SUCCESS" },
    providerIdPath: "smsinfo.0.reference_id",
    timeoutMs: 2000,
    ...overrides,
  });
}

const message: OutgoingMessage = {
  channel: "sms",
  to: "+8801711000001",
  body: "প্রিয় Rahim, আপনার ইন্টারনেটের মেয়াদ ৫ দিন পর শেষ হবে।",
  idempotencyKey: "sub_1:2026-03-05T18:00:00.000Z:-5d",
};

async function failure(promise: Promise<unknown>): Promise<NotificationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NotificationError);
  const e = error as NotificationError;
  // The key must not surface anywhere a log line or timeline entry could pick it up.
  expect(inspect(e, { depth: 10 })).not.toContain(API_KEY);
  expect(JSON.stringify({ message: e.message, stack: e.stack })).not.toContain(API_KEY);
  return e;
}

describe("HttpSmsGatewayNotifier", () => {
  it("posts the JSON body template with the key as a field and reads the gateway's id", async () => {
    respond = (_req, res) => json(res, 200, { status: "SUCCESS", smsinfo: [{ reference_id: "ref-9001" }] });

    const out = await sslWireless().send(message);

    expect(out).toEqual({ providerId: "ref-9001" });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe("POST");
    expect(seen[0]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({
      sid: "PADMANET",
      msisdn: "+8801711000001",
      sms: message.body,
      csms_id: message.idempotencyKey,
      api_token: API_KEY,
    });
  });

  it("posts a form with the key in a header, the idempotency key and an international number", async () => {
    respond = (_req, res) => res.writeHead(202).end("queued");
    const gateway = new HttpSmsGatewayNotifier({
      name: "bulk-sms",
      url,
      encoding: "form",
      body: { number: "{to}", message: "{message}", type: "unicode" },
      apiKey: API_KEY,
      apiKeyIn: { in: "header", name: "Authorization", prefix: "Bearer " },
      idempotencyHeader: "Idempotency-Key",
      phoneFormat: "international",
      defaultCallingCode: "880",
    });

    const out = await gateway.send({ ...message, to: "01711000001" });

    expect(out).toEqual({});
    const req = seen[0];
    expect(req?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req?.headers["idempotency-key"]).toBe(message.idempotencyKey);
    const form = new URLSearchParams(req?.body ?? "");
    expect(Object.fromEntries(form)).toEqual({
      number: "8801711000001",
      message: message.body,
      type: "unicode",
    });
  });

  it("fails a 4xx without retry, and keeps an echoed key out of the error", async () => {
    respond = (req, res) => json(res, 401, { error: "invalid token", echo: req.body });

    const error = await failure(sslWireless().send(message));

    expect(error).toMatchObject({ retryable: false, status: 401, provider: "ssl-wireless" });
    expect(error.message).toBe("ssl-wireless: HTTP 401");
    const result = await sendWithRetry(sslWireless(), message, { sleep: async () => {} });
    expect(result).toMatchObject({ ok: false, attempts: 1 });
  });

  it("retries a 5xx and succeeds, sending the same idempotency key each time", async () => {
    let calls = 0;
    respond = (_req, res) => {
      calls++;
      if (calls < 3) json(res, 503, { status: "FAILED", reason: "busy" });
      else json(res, 200, { status: "SUCCESS", smsinfo: [{ reference_id: "ref-3" }] });
    };
    const waits: number[] = [];

    const result = await sendWithRetry(sslWireless(), message, {
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0,
    });

    expect(result).toEqual({ ok: true, attempts: 3, providerId: "ref-3" });
    expect(waits).toEqual([250, 500]);
    expect(seen.map((s) => JSON.parse(s.body).csms_id)).toEqual(Array(3).fill(message.idempotencyKey));
  });

  it("treats 429 as retryable", async () => {
    respond = (_req, res) => json(res, 429, {});

    expect(await failure(sslWireless().send(message))).toMatchObject({ retryable: true, status: 429 });
  });

  it("times out a gateway that does not answer, as retryable, within the configured bound", async () => {
    respond = () => {
      // never answers
    };
    const started = Date.now();

    const error = await failure(sslWireless({ timeoutMs: 200 }).send(message));

    expect(error).toMatchObject({ retryable: true, message: "ssl-wireless: timed out after 200 ms" });
    expect(Date.now() - started).toBeLessThan(2000);
    server.closeAllConnections();
  });

  it("treats a refused connection as retryable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await failure(sslWireless({ url: `http://127.0.0.1:${port}/send` }).send(message));

    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^ssl-wireless: request failed/);
  });

  it("fails a 2xx whose status field says otherwise, without retry", async () => {
    respond = (_req, res) => json(res, 200, { status: `FAILED ${API_KEY}`, status_code: 4003 });

    const error = await failure(sslWireless().send(message));

    expect(error.retryable).toBe(false);
    expect(error.message).toBe('ssl-wireless: status was "FAILED [redacted]", not "SUCCESS"');
  });

  it("fails a 2xx that is not JSON when a status field is expected", async () => {
    respond = (_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end("<html>maintenance</html>");

    expect(await failure(sslWireless().send(message))).toMatchObject({ retryable: false, status: 200 });
  });

  it("does not follow a redirect with the key", async () => {
    respond = (_req, res) => res.writeHead(307, { location: "http://127.0.0.1:1/elsewhere" }).end();

    expect(await failure(sslWireless().send(message))).toMatchObject({ retryable: false, status: 307 });
    expect(seen).toHaveLength(1);
  });

  it("refuses e-mail", async () => {
    const error = await failure(sslWireless().send({ ...message, channel: "email", subject: "x" }));

    expect(error.retryable).toBe(false);
    expect(seen).toHaveLength(0);
  });

  it("rejects a config without {message}, or with an unknown placeholder, naming no secret", () => {
    const build = (body: Record<string, string>) => () =>
      new HttpSmsGatewayNotifier({
        name: "x",
        url,
        body,
        apiKey: API_KEY,
        apiKeyIn: { in: "field", name: "k" },
      });

    expect(build({ to: "{to}" })).toThrow(ConfigError);
    expect(build({ to: "{to}" })).toThrow(/must use the \{message\} placeholder/);
    expect(build({ to: "{to}", text: "{message}", from: "{sender}" })).toThrow(
      /unknown placeholder \{sender\}/,
    );
    try {
      build({ to: "{to}" })();
    } catch (error) {
      expect(inspect(error)).not.toContain(API_KEY);
    }
  });
});
