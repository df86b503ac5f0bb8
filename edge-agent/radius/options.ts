import { isIP } from "node:net";
import * as z from "zod";
import { RadiusConfigError } from "./errors.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, RetryPolicySchema, resolveRetryPolicy } from "./retry.js";

/** Structured logger; context never holds secrets or attribute values. */
export interface RadiusLogger {
  debug(message: string, context: Readonly<Record<string, unknown>>): void;
  warn(message: string, context: Readonly<Record<string, unknown>>): void;
}

const ClientOptionsSchema = z
  .object({
    /** Source address. The NAS picks the shared secret by it, so it must be a RADIUS client there. @default "0.0.0.0" */
    bindAddress: z
      .string()
      .refine((v) => isIP(v) !== 0, "must be an IP address literal")
      .default("0.0.0.0"),
    /** Source port; replies come back to it. @default 0 (any free port) */
    bindPort: z.number().int().min(0).max(65_535).default(0),
    /** Defaults for every request; each request may override. @default RFC 5080 values */
    retry: RetryPolicySchema.partial().optional(),
    /** Send a Message-Authenticator unless a target says otherwise. @default true */
    messageAuthenticator: z.boolean().default(true),
    logger: z.custom<RadiusLogger>((v) => typeof v === "object" && v !== null, "must be a logger").optional(),
    /** Source of randomness for jitter and the first Identifier; tests pin it. @default Math.random */
    random: z.custom<() => number>((v) => typeof v === "function", "must be a function").optional(),
  })
  .strict();
export type RadiusDaClientOptions = z.input<typeof ClientOptionsSchema>;

export interface ResolvedOptions {
  readonly bindAddress: string;
  readonly family: 4 | 6;
  readonly bindPort: number;
  readonly retry: RetryPolicy;
  readonly messageAuthenticator: boolean;
  readonly logger: RadiusLogger;
  readonly random: () => number;
}

const SILENT: RadiusLogger = { debug: () => {}, warn: () => {} };

export function resolveOptions(options: RadiusDaClientOptions): ResolvedOptions {
  const parsed = ClientOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new RadiusConfigError(`invalid RADIUS client options: ${z.prettifyError(parsed.error)}`);
  }
  const o = parsed.data;
  return {
    bindAddress: o.bindAddress,
    family: isIP(o.bindAddress) === 6 ? 6 : 4,
    bindPort: o.bindPort,
    retry: resolveRetryPolicy(DEFAULT_RETRY_POLICY, o.retry),
    messageAuthenticator: o.messageAuthenticator,
    logger: o.logger ?? SILENT,
    random: o.random ?? Math.random,
  };
}

/** A NAS to talk to. The secret is used for hashing only and never reported. */
export interface RadiusTarget {
  /** IP literal of the NAS, same family as the client's bind address. */
  readonly address: string;
  /** @default 3799 */
  readonly port?: number;
  readonly secret: string | Uint8Array;
  /** Overrides the client's `messageAuthenticator` for this NAS. */
  readonly messageAuthenticator?: boolean;
}

export interface Destination {
  readonly address: string;
  readonly port: number;
  /** "address:port" for errors and logs. */
  readonly label: string;
  readonly secret: Buffer;
  readonly messageAuthenticator: boolean;
}

export const DEFAULT_DAC_PORT = 3799;

export function resolveTarget(target: RadiusTarget, options: ResolvedOptions): Destination {
  const port = target.port ?? DEFAULT_DAC_PORT;
  if (isIP(target.address) !== options.family) {
    throw new RadiusConfigError(
      `target address must be an IPv${options.family} literal like the bind address`,
    );
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new RadiusConfigError(`bad target port ${port}`);
  const secret =
    typeof target.secret === "string" ? Buffer.from(target.secret, "utf8") : Buffer.from(target.secret);
  if (secret.length === 0) throw new RadiusConfigError("the shared secret is empty");
  const label = options.family === 6 ? `[${target.address}]:${port}` : `${target.address}:${port}`;
  return {
    address: target.address,
    port,
    label,
    secret,
    messageAuthenticator: target.messageAuthenticator ?? options.messageAuthenticator,
  };
}
