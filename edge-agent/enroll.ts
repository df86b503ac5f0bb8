import { randomBytes } from "node:crypto";
import { chmod, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { AgentEnrollmentSchema } from "../shared/domain/schemas/site-agent.js";
import { withSlash } from "./credentials.js";

/*
 * `isp-edge-agent enroll <code> --api <url>`: trades the one-time code an admin got from
 * POST /v1/sites/{siteId}/enrollments for this site's agent token, and keeps the token in a file
 * only its owner can read (0600). The token is never printed or logged.
 */

export interface EnrollOptions {
  readonly code: string;
  /** The cloud API's base URL. */
  readonly api: string;
  readonly tokenFile: string;
  readonly agentVersion: string;
  /** @default os.hostname() */
  readonly hostname?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default 15_000 */
  readonly timeoutMs?: number;
}

export interface Enrolled {
  readonly tenantId: string;
  readonly siteId: string;
  readonly generation: number;
  readonly tokenFile: string;
}

export class EnrollError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "EnrollError";
  }
}

export async function enroll(options: EnrollOptions): Promise<Enrolled> {
  const url = new URL("v1/agent/enroll", withSlash(options.api)).href;
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({
        code: options.code.trim(),
        device: {
          hostname: (options.hostname ?? hostname()).slice(0, 253) || "unknown",
          agentVersion: options.agentVersion,
        },
      }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (cause) {
    throw new EnrollError(`cannot reach ${url}`, undefined, { cause });
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (res.status !== 201) {
    const detail = body && typeof body === "object" ? Reflect.get(body, "detail") : undefined;
    throw new EnrollError(
      `enrollment refused (HTTP ${res.status}): ${typeof detail === "string" ? detail : "no reason given"}`,
      res.status,
    );
  }
  const parsed = AgentEnrollmentSchema.safeParse(body);
  if (!parsed.success) throw new EnrollError("the enrollment answer is malformed", res.status);
  await writeSecretFile(options.tokenFile, `${parsed.data.token}\n`);
  const { tenantId, siteId, generation } = parsed.data;
  return { tenantId, siteId, generation, tokenFile: options.tokenFile };
}

/**
 * Written to a 0600 temporary file beside the target, then renamed over it: the token is never
 * readable by others, not even for an instant, and a crash leaves the old file or the new one.
 */
export async function writeSecretFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temp, content, { mode: 0o600, flag: "wx" });
    // The mode given at creation is filtered by the umask; this makes it exact.
    await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new EnrollError(`cannot write the token file ${path}`, undefined, { cause: error });
  }
}
