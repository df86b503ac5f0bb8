import { readFile } from "node:fs/promises";
import { AgentCredentialsSchema } from "../shared/domain/schemas/site-agent.js";

/*
 * AWS credentials for an enrolled agent: the agent token (from `isp-edge-agent enroll`) is traded at
 * POST /v1/agent/credentials for STS credentials that can receive from this site's queue and send to
 * the events queue, for up to an hour. The SQS client takes `provide` as its credential provider:
 * the SDK memoizes what it returns and calls it again once the expiration is less than five minutes
 * away (@smithy/core memoizeIdentityProvider, EXPIRATION_MS); the cache here makes the same decision
 * by its own clock, so every caller (the consumer, the reporter, doctor) shares one fetch.
 */

export interface CredentialsLogger {
  error(message: string, context: Readonly<Record<string, unknown>>): void;
  info(message: string, context: Readonly<Record<string, unknown>>): void;
}

export interface AgentCredentialProviderOptions {
  /** The cloud API's base URL, as given to `enroll --api`. */
  readonly api: string;
  /** Where `enroll` wrote the agent token; read on every fetch, so a re-enrollment needs no restart. */
  readonly tokenFile: string;
  /** Fetch again when less than this is left. @default 300_000 (the SDK's own refresh window) */
  readonly refreshBeforeMs?: number;
  /** After a failed fetch, callers get the same error for this long instead of a new request. @default 15_000 */
  readonly failureBackoffMs?: number;
  /** @default 10_000 */
  readonly timeoutMs?: number;
  readonly logger?: CredentialsLogger;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export type CredentialFailure = "refused" | "no-token" | "unreachable" | "bad-answer";

/**
 * Named like the SDK's own provider failures, which is how the SDK and the queue consumer recognise
 * a credential problem (the consumer then pauses before polling again, longer each time).
 */
export class AgentCredentialsError extends Error {
  override readonly name = "CredentialsProviderError";
  constructor(
    message: string,
    readonly reason: CredentialFailure,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class AgentCredentialProvider {
  private cached: AwsCredentials | undefined;
  private inflight: Promise<AwsCredentials> | undefined;
  private failure: { error: AgentCredentialsError; at: number } | undefined;
  private readonly now: () => number;
  private readonly refreshBeforeMs: number;
  private readonly url: string;

  constructor(private readonly options: AgentCredentialProviderOptions) {
    this.now = options.now ?? Date.now;
    this.refreshBeforeMs = options.refreshBeforeMs ?? 300_000;
    this.url = new URL("v1/agent/credentials", withSlash(options.api)).href;
  }

  /** The SDK's credential provider: cached credentials until they near expiry, then fresh ones. */
  readonly provide = async (): Promise<AwsCredentials> => {
    const cached = this.cached;
    const left = cached ? cached.expiration.getTime() - this.now() : 0;
    if (cached && left > this.refreshBeforeMs) return cached;
    const failure = this.failure;
    if (failure && this.now() - failure.at < (this.options.failureBackoffMs ?? 15_000)) {
      // Still usable credentials beat a repeated error while the API is briefly unreachable.
      if (cached && left > 0 && failure.error.reason !== "refused") return cached;
      throw failure.error;
    }
    this.inflight ??= this.fetchCredentials().finally(() => {
      this.inflight = undefined;
    });
    try {
      return await this.inflight;
    } catch (error) {
      if (cached && left > 0 && error instanceof AgentCredentialsError && error.reason !== "refused")
        return cached;
      throw error;
    }
  };

  private async fetchCredentials(): Promise<AwsCredentials> {
    try {
      const credentials = await this.request(await this.readToken());
      this.cached = credentials;
      this.failure = undefined;
      this.options.logger?.info("aws credentials refreshed", {
        expiresAt: credentials.expiration.toISOString(),
      });
      return credentials;
    } catch (error) {
      const failure =
        error instanceof AgentCredentialsError
          ? error
          : new AgentCredentialsError("fetching credentials failed", "unreachable", undefined, {
              cause: error,
            });
      // A refused token must stop all use at once: the cloud revoked this agent.
      if (failure.reason === "refused") this.cached = undefined;
      this.failure = { error: failure, at: this.now() };
      this.log(failure);
      throw failure;
    }
  }

  private async readToken(): Promise<string> {
    let token: string;
    try {
      token = (await readFile(this.options.tokenFile, "utf8")).trim();
    } catch (cause) {
      const code = cause instanceof Error && "code" in cause ? String(cause.code) : "unreadable";
      throw new AgentCredentialsError(`cannot read the agent token file (${code})`, "no-token", undefined, {
        cause,
      });
    }
    if (token === "") throw new AgentCredentialsError("the agent token file is empty", "no-token");
    return token;
  }

  private async request(token: string): Promise<AwsCredentials> {
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)(this.url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (cause) {
      throw new AgentCredentialsError(`cannot reach ${this.url}`, "unreachable", undefined, { cause });
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (res.status === 401 || res.status === 403) {
      throw new AgentCredentialsError(`agent token refused: ${problemDetail(body)}`, "refused", res.status);
    }
    if (res.status !== 200) {
      throw new AgentCredentialsError(
        `credentials request failed with HTTP ${res.status}`,
        "unreachable",
        res.status,
      );
    }
    const parsed = AgentCredentialsSchema.safeParse(body);
    if (!parsed.success)
      throw new AgentCredentialsError("the credentials answer is malformed", "bad-answer", 200);
    const c = parsed.data;
    return {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: new Date(c.expiration),
    };
  }

  /** One precise line per failed fetch; never the token, never the credentials. */
  private log(error: AgentCredentialsError): void {
    const context = {
      reason: error.reason,
      status: error.status,
      api: this.url,
      tokenFile: this.options.tokenFile,
    };
    if (error.reason === "refused") {
      this.options.logger?.error(
        `${error.message}. The agent stays paused until it is enrolled again: isp-edge-agent enroll <new code> --api ${this.options.api}`,
        context,
      );
    } else if (error.reason === "no-token") {
      this.options.logger?.error(
        `${error.message}: run isp-edge-agent enroll <code> --api ${this.options.api}`,
        context,
      );
    } else {
      this.options.logger?.error(`aws credentials not refreshed: ${error.message}`, context);
    }
  }
}

/** The problem's `detail`, which the cloud writes for people and which carries no secret. */
function problemDetail(body: unknown): string {
  const detail = body && typeof body === "object" ? Reflect.get(body, "detail") : undefined;
  return typeof detail === "string" ? detail.slice(0, 300) : "no reason given";
}

export function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/**
 * SQS client settings for an agent's config: with an `enrollment` block, credentials come from the
 * cloud API; without one, from the SDK's default chain (environment, shared file), as before.
 */
export function enrolledCredentials(
  config: { readonly enrollment?: { readonly api: string; readonly tokenFile: string } | undefined },
  logger?: CredentialsLogger,
): { credentials?: () => Promise<AwsCredentials> } {
  const { enrollment } = config;
  if (!enrollment) return {};
  const provider = new AgentCredentialProvider({ ...enrollment, ...(logger && { logger }) });
  return { credentials: provider.provide };
}
