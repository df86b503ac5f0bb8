import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { dirname, resolve } from "node:path";
import * as z from "zod";
import { idSchema } from "../shared/domain/ids.js";
import { ServiceSchema } from "../shared/domain/schemas/subscriber.js";
import { RetryPolicySchema } from "./radius/retry.js";

/*
 * The agent's one configuration file (JSON), parsed once at start (decision 4: router credentials
 * and RADIUS secrets live here and nowhere else). Every object is strict so a misspelt key fails
 * loudly, and no error message ever carries a value: only paths and what was expected.
 */

const REDACTED = "[redacted]";
const Port = z.number().int().min(1).max(65_535);
const IpLiteral = z.string().refine((v) => isIP(v) !== 0, "must be an IP address literal");
const Name = z.string().min(1, "must not be empty").max(64, "must be at most 64 characters");
const Secret = z.string().min(1, "must not be empty").max(128, "must be at most 128 characters");
const HttpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const TimeoutMs = z.number().int().min(100).max(60_000);

const RadiusSchema = z.strictObject({
  secret: Secret,
  port: Port.default(3799),
  /** Source address; the router picks the secret by it. @default the wildcard of the NAS's family */
  bindAddress: IpLiteral.optional(),
  messageAuthenticator: z.boolean().default(true),
  /** RFC 5080 retransmission overrides. @default 2 s doubling, 5 tries, 30 s */
  retry: RetryPolicySchema.partial().optional(),
});

const ApiSchema = z.strictObject({
  /** @default 8728, or 8729 with tls */
  port: Port.optional(),
  username: Name,
  /** A fresh RouterOS admin has an empty password, so empty is allowed here. */
  password: z.string().max(128, "must be at most 128 characters"),
  tls: z.boolean().default(false),
  timeoutMs: TimeoutMs.default(10_000),
});

const RestSchema = z.strictObject({
  baseUrl: HttpUrl.refine((v) => {
    const url = new URL(v);
    return url.username === "" && url.password === "";
  }, "must not carry credentials: use username and password"),
  username: Name,
  password: z.string().max(128, "must be at most 128 characters"),
  timeoutMs: TimeoutMs.default(10_000),
});

const SuspensionSchema = z.strictObject({
  style: z.enum(["disable", "profile", "address-list"]),
  suspendedProfile: Name.optional(),
  suspendedList: Name.optional(),
});

const NasSchema = z
  .strictObject({
    /** The cloud's NAS id, which commands carry as `nasId`. */
    id: idSchema("nas"),
    name: Name,
    address: IpLiteral,
    method: z.enum(["radius", "api", "rest"]),
    services: z.array(ServiceSchema).min(1, "must name at least one service"),
    radius: RadiusSchema.optional(),
    api: ApiSchema.optional(),
    rest: RestSchema.optional(),
    suspension: SuspensionSchema,
    /**
     * How an active subscriber's rate is set: `queue` (simple queue max-limit), `profile` (the
     * package profile carries it) or `coa` (Mikrotik-Rate-Limit on the live session).
     * @default "coa" for method radius, "queue" otherwise
     */
    rate: z.enum(["queue", "profile", "coa"]).optional(),
    /** Read the router back after acting (decision 5). @default true */
    verify: z.boolean().default(true),
  })
  .superRefine((nas, ctx) => {
    const need = (present: boolean, path: (string | number)[], message: string) => {
      if (!present) ctx.addIssue({ code: "custom", path, message });
    };
    need(
      nas.method !== "radius" || nas.radius !== undefined,
      ["radius"],
      'is required when method is "radius"',
    );
    need(nas.method !== "api" || nas.api !== undefined, ["api"], 'is required when method is "api"');
    need(nas.method !== "rest" || nas.rest !== undefined, ["rest"], 'is required when method is "rest"');
    const { style, suspendedProfile, suspendedList } = nas.suspension;
    const path = ["suspension"];
    need(
      style !== "profile" || suspendedProfile !== undefined,
      [...path, "suspendedProfile"],
      'is required when style is "profile"',
    );
    need(
      style !== "address-list" || suspendedList !== undefined,
      [...path, "suspendedList"],
      'is required when style is "address-list"',
    );
    const routerApi = nas.api !== undefined || nas.rest !== undefined;
    need(
      style === "disable" || routerApi,
      [...path, "style"],
      `"${style}" needs api or rest credentials: RADIUS cannot change profiles or address lists`,
    );
    const rate = rateOf(nas);
    need(rate !== "coa" || nas.radius !== undefined, ["rate"], '"coa" needs a radius block');
    need(rate === "coa" || routerApi, ["rate"], `"${rate}" needs api or rest credentials`);
    need(new Set(nas.services).size === nas.services.length, ["services"], "must not repeat a service");
    const bind = nas.radius?.bindAddress;
    need(
      bind === undefined || isIP(bind) === isIP(nas.address),
      ["radius", "bindAddress"],
      "must be the same IP family as address",
    );
  });

export const AgentConfigSchema = z
  .strictObject({
    tenantId: idSchema("tenant"),
    siteId: idSchema("site"),
    queue: z.strictObject({
      commandsUrl: HttpUrl,
      eventsUrl: HttpUrl,
      region: z.string().regex(/^[a-z0-9-]{2,32}$/, "must be an AWS region like ap-south-1"),
      /** A local queue or a VPC endpoint. */
      endpoint: HttpUrl.optional(),
    }),
    /** Where applied versions persist; relative paths are resolved against the config file. */
    stateFile: z.string().min(1, "must not be empty"),
    /**
     * Enrolled agents (`isp-edge-agent enroll`): short-lived AWS credentials from the cloud API,
     * refreshed before they expire, instead of credentials from the environment. `tokenFile` is
     * resolved against the config file like `stateFile`.
     */
    enrollment: z
      .strictObject({
        api: HttpUrl,
        tokenFile: z.string().min(1, "must not be empty"),
      })
      .optional(),
    metrics: z
      .strictObject({
        host: z
          .literal("127.0.0.1", { error: 'must be "127.0.0.1": metrics stay on loopback' })
          .default("127.0.0.1"),
        port: Port,
      })
      .optional(),
    nas: z.array(NasSchema).min(1, "must list at least one NAS"),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.nas.forEach((nas, i) => {
      const first = seen.get(nas.id);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", path: ["nas", i, "id"], message: `duplicates nas[${first}].id` });
      } else seen.set(nas.id, i);
    });
  });

export type AgentConfig = z.infer<typeof AgentConfigSchema>;
export type NasConfig = AgentConfig["nas"][number];
export type RateMethod = NonNullable<NasConfig["rate"]>;

/** The rate method in force: the configured one, else CoA for RADIUS NASes and a queue otherwise. */
export function rateOf(nas: Pick<NasConfig, "method" | "rate">): RateMethod {
  return nas.rate ?? (nas.method === "radius" ? "coa" : "queue");
}

export interface ConfigIssue {
  /** e.g. "nas[0].radius.secret" */
  readonly path: string;
  readonly message: string;
}

/** The configuration could not be read or is invalid. The message names paths, never values. */
export class AgentConfigError extends Error {
  constructor(
    message: string,
    readonly issues: readonly ConfigIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AgentConfigError";
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path)
    out += typeof key === "number" ? `[${key}]` : `${out === "" ? "" : "."}${String(key)}`;
  return out === "" ? "(root)" : out;
}

/** Validates an already-parsed document. `source` names it in the error (a file path). */
export function parseConfig(input: unknown, source = "agent config"): AgentConfig {
  const parsed = AgentConfigSchema.safeParse(input, {
    error: (issue) =>
      issue.code === "invalid_type" && issue.input === undefined ? "is required" : undefined,
  });
  if (parsed.success) return parsed.data;
  const secrets = secretValues(input);
  const issues = parsed.error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: scrub(issue.message, secrets),
  }));
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join("\n");
  throw new AgentConfigError(`invalid ${source}:\n${lines}`, issues);
}

/** Reads and validates the JSON file at `path`; `stateFile` comes back absolute. */
export async function loadConfig(path: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    const code = cause instanceof Error && "code" in cause ? ` (${String(cause.code)})` : "";
    throw new AgentConfigError(`cannot read agent config ${path}${code}`, [], { cause });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // V8's message quotes the text around the fault, which may be a secret: report the place only.
    throw new AgentConfigError(`agent config ${path} is not valid JSON`);
  }
  const config = parseConfig(document, `agent config ${path}`);
  const { enrollment } = config;
  return {
    ...config,
    stateFile: resolve(dirname(path), config.stateFile),
    ...(enrollment && {
      enrollment: { ...enrollment, tokenFile: resolve(dirname(path), enrollment.tokenFile) },
    }),
  };
}

/** A copy safe to print or log: every secret and password replaced. */
export function redacted(config: AgentConfig): AgentConfig {
  return {
    ...config,
    nas: config.nas.map((nas) => ({
      ...nas,
      ...(nas.radius && { radius: { ...nas.radius, secret: REDACTED } }),
      ...(nas.api && { api: { ...nas.api, password: REDACTED } }),
      ...(nas.rest && { rest: { ...nas.rest, password: REDACTED } }),
    })),
  };
}

/** Secret strings in a raw document, so no message can echo one even through a library's wording. */
function secretValues(input: unknown): string[] {
  const nas: unknown = input && typeof input === "object" ? Reflect.get(input, "nas") : undefined;
  if (!Array.isArray(nas)) return [];
  const pick = (o: unknown, block: string, key: string): unknown => {
    const inner: unknown = o && typeof o === "object" ? Reflect.get(o, block) : undefined;
    return inner && typeof inner === "object" ? Reflect.get(inner, key) : undefined;
  };
  return nas
    .flatMap((n: unknown) => [
      pick(n, "radius", "secret"),
      pick(n, "api", "password"),
      pick(n, "rest", "password"),
    ])
    .filter((v): v is string => typeof v === "string" && v.length >= 3);
}

function scrub(message: string, secrets: readonly string[]): string {
  return secrets.reduce((text, secret) => text.split(secret).join(REDACTED), message);
}
