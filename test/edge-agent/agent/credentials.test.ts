import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { classifySqsError, QueueConsumer } from "../../../edge-agent/consumer.js";
import {
  AgentCredentialProvider,
  type AgentCredentialProviderOptions,
  AgentCredentialsError,
} from "../../../edge-agent/credentials.js";
import { type LocalSqs, startLocalSqs } from "../../../shared/local/sqs/index.js";

const API = "https://api.example.net/";
const TOKEN = `agt.ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C.site_01JD3Q7Z8K5V6W9XR2T4N0PB1A.1.${"s".repeat(43)}`;
const MINUTE = 60_000;

let dir: string;
let tokenFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "agent-credentials-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  tokenFile = join(dir, `token-${Math.random().toString(36).slice(2)}`);
  await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
});

interface Call {
  url: string;
  authorization: string | null;
}

/** A fake credentials route: answers with what `answer` returns, numbering the keys it hands out. */
function fakeApi(answer: (n: number) => { status: number; body: unknown }) {
  const calls: Call[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), authorization: new Headers(init?.headers).get("authorization") });
    const { status, body } = answer(calls.length);
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

function credentialsFor(n: number, expiresAt: number) {
  return {
    status: 200,
    body: {
      accessKeyId: `ASIA${n}`,
      secretAccessKey: `secret-${n}`,
      sessionToken: `session-${n}`,
      expiration: new Date(expiresAt).toISOString(),
      region: "ap-south-1",
    },
  };
}

function logger() {
  const lines: { level: string; message: string; context: Readonly<Record<string, unknown>> }[] = [];
  return {
    lines,
    info: (message: string, context: Readonly<Record<string, unknown>>) =>
      lines.push({ level: "info", message, context }),
    error: (message: string, context: Readonly<Record<string, unknown>>) =>
      lines.push({ level: "error", message, context }),
  };
}

function provider(
  options: Partial<AgentCredentialProviderOptions> & Pick<AgentCredentialProviderOptions, "fetch">,
) {
  return new AgentCredentialProvider({ api: API, tokenFile, ...options });
}

describe("AgentCredentialProvider (fake clock)", () => {
  it("caches credentials and refreshes them five minutes before they expire", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const api = fakeApi((n) => credentialsFor(n, now + 60 * MINUTE));
    const p = provider({ fetch: api.fetch, now: () => now });

    expect((await p.provide()).accessKeyId).toBe("ASIA1");
    expect(api.calls).toEqual([
      { url: "https://api.example.net/v1/agent/credentials", authorization: `Bearer ${TOKEN}` },
    ]);

    now += 54 * MINUTE; // six minutes left: still cached
    expect((await p.provide()).accessKeyId).toBe("ASIA1");
    now += 2 * MINUTE; // four minutes left: refreshed
    const fresh = await p.provide();
    expect(fresh.accessKeyId).toBe("ASIA2");
    expect(fresh.expiration.getTime()).toBe(now + 60 * MINUTE);
    expect(api.calls).toHaveLength(2);
  });

  it("makes one request for many concurrent callers", async () => {
    const api = fakeApi((n) => credentialsFor(n, Date.now() + 60 * MINUTE));
    const p = provider({ fetch: api.fetch });
    const all = await Promise.all(Array.from({ length: 20 }, () => p.provide()));
    expect(new Set(all.map((c) => c.accessKeyId))).toEqual(new Set(["ASIA1"]));
    expect(api.calls).toHaveLength(1);
  });

  it("reads the token file on every fetch, so a re-enrollment needs no restart", async () => {
    let now = 0;
    const api = fakeApi((n) => credentialsFor(n, now + 10 * MINUTE));
    const p = provider({ fetch: api.fetch, now: () => now });
    await p.provide();
    const renewed = TOKEN.replace(".1.", ".2.");
    await writeFile(tokenFile, renewed);
    now += 6 * MINUTE;
    await p.provide();
    expect(api.calls.map((c) => c.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${renewed}`]);
  });

  it("on a refused token: drops what it had, throws a credential error, logs one precise line without the token", async () => {
    let now = 0;
    const log = logger();
    const api = fakeApi((n) =>
      n === 1
        ? credentialsFor(n, now + 10 * MINUTE)
        : {
            status: 401,
            body: { status: 401, detail: "This agent token was revoked or replaced by a newer enrollment" },
          },
    );
    const p = provider({ fetch: api.fetch, now: () => now, logger: log, failureBackoffMs: 15_000 });
    await p.provide();
    now += 6 * MINUTE;

    const error = await p.provide().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentCredentialsError);
    expect(error).toMatchObject({ name: "CredentialsProviderError", reason: "refused", status: 401 });
    expect(classifySqsError(error)).toBe("credentials");
    const errors = log.lines.filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/^agent token refused: This agent token was revoked/);
    expect(errors[0]?.message).toContain(`isp-edge-agent enroll <new code> --api ${API}`);
    expect(JSON.stringify(log.lines)).not.toContain(TOKEN.split(".").pop());
    expect(JSON.stringify(log.lines)).not.toContain("secret-1");

    // Within the back-off the same error comes back without another request, and nothing stale.
    now += 5_000;
    await expect(p.provide()).rejects.toMatchObject({ reason: "refused" });
    expect(api.calls).toHaveLength(2);
    now += 15_000;
    await expect(p.provide()).rejects.toMatchObject({ reason: "refused" });
    expect(api.calls).toHaveLength(3);
  });

  it("keeps using still-valid credentials while the API is unreachable", async () => {
    let now = 0;
    let down = false;
    const base = fakeApi((n) => credentialsFor(n, now + 10 * MINUTE));
    const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
      if (down) throw new TypeError("fetch failed");
      return base.fetch(url, init);
    }) as typeof globalThis.fetch;
    const p = provider({ fetch, now: () => now, logger: logger() });
    await p.provide();
    down = true;
    now += 7 * MINUTE;
    expect((await p.provide()).accessKeyId).toBe("ASIA1");
    now += 4 * MINUTE; // expired: nothing left to fall back on
    await expect(p.provide()).rejects.toMatchObject({
      name: "CredentialsProviderError",
      reason: "unreachable",
    });
  });

  it("names a missing token file and the command that creates it", async () => {
    const log = logger();
    const api = fakeApi(() => ({ status: 500, body: {} }));
    const p = new AgentCredentialProvider({
      api: API,
      tokenFile: join(dir, "absent"),
      fetch: api.fetch,
      logger: log,
    });
    await expect(p.provide()).rejects.toMatchObject({ reason: "no-token" });
    expect(api.calls).toHaveLength(0);
    expect(log.lines[0]?.message).toMatch(
      /cannot read the agent token file \(ENOENT\): run isp-edge-agent enroll/,
    );
  });
});

describe("with the AWS SDK's SQS client", () => {
  let sqs: LocalSqs;
  let queueUrl: string;

  beforeAll(async () => {
    sqs = await startLocalSqs();
    const admin = new SQSClient({
      endpoint: sqs.endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    queueUrl = (await admin.send(new CreateQueueCommand({ QueueName: "agent-credentials" }))).QueueUrl ?? "";
    admin.destroy();
  });
  afterAll(async () => {
    await sqs?.stop();
  });

  /** The access key each request was signed with, read after the SDK's signing step. */
  function signedKeys(client: SQSClient): string[] {
    const keys: string[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const auth = String(
          (args.request as { headers?: Record<string, string> }).headers?.authorization ?? "",
        );
        keys.push(/Credential=([^/]+)\//.exec(auth)?.[1] ?? "unsigned");
        return next(args);
      },
      { step: "deserialize", name: "captureSigningKey" },
    );
    return keys;
  }

  it("is called again by the SDK when the expiration comes within five minutes, and not before", async () => {
    // The first credentials expire 5 min + 2 s from now, so the SDK's refresh window opens in 2 s.
    const api = fakeApi((n) => credentialsFor(n, Date.now() + (n === 1 ? 5 * MINUTE + 2_000 : 60 * MINUTE)));
    const p = provider({ fetch: api.fetch });
    const client = new SQSClient({ endpoint: sqs.endpoint, region: "local", credentials: p.provide });
    const keys = signedKeys(client);
    const attributes = () =>
      client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }));

    await attributes();
    await attributes();
    expect(api.calls).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await attributes();
    await attributes();

    expect(api.calls).toHaveLength(2);
    expect(keys).toEqual(["ASIA1", "ASIA1", "ASIA2", "ASIA2"]);
    client.destroy();
  });

  it("makes the queue consumer pause with reason credentials when the token is refused", async () => {
    const api = fakeApi(() => ({ status: 401, body: { detail: "Invalid agent token" } }));
    const p = provider({ fetch: api.fetch, logger: logger() });
    const client = new SQSClient({
      endpoint: sqs.endpoint,
      region: "local",
      credentials: p.provide,
      maxAttempts: 1,
    });
    const consumer = new QueueConsumer({
      client,
      queueUrl,
      handleMessage: async () => ({ action: "delete" }),
      waitTimeSeconds: 0,
      credentialsPauseMs: 50,
    });
    const paused = new Promise<{ reason: string }>((resolve) => consumer.once("paused", resolve));
    consumer.start();
    expect((await paused).reason).toBe("credentials");
    await consumer.stop({ abort: true });
    client.destroy();
  });
});
