import { type Environment, RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import * as z from "zod";
import {
  refineSignInInput,
  resolveSignInConfig,
  type SignInConfig,
  type SignInInput,
  SignInInputShape,
  signInInputFrom,
} from "./sign-in-config.js";

export const STAGES = ["dev", "prod"] as const;
export type StageName = (typeof STAGES)[number];

export interface ThrottleConfig {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Bucket size for short bursts. */
  readonly burstLimit: number;
}

/** Everything that differs between stages, decided once and passed down to the stacks. */
export interface StageConfig {
  readonly stage: StageName;
  /**
   * Set only when an account is known (CDK_DEFAULT_ACCOUNT, i.e. the CLI found credentials);
   * `undefined` keeps the stacks environment-agnostic, so `cdk synth` works offline.
   */
  readonly env: Environment | undefined;
  /** Browser origins allowed by CORS; `["*"]` for any, `[]` for none (server-to-server clients only). */
  readonly corsAllowedOrigins: readonly string[];
  readonly logRetention: RetentionDays;
  readonly logLevel: "debug" | "info" | "warn" | "error";
  /** Applied to stateful resources (the table). */
  readonly statefulRemovalPolicy: RemovalPolicy;
  /** Applied to log groups: kept in prod so an accidental stack deletion keeps the evidence. */
  readonly logRemovalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  /** Stage-wide HTTP API throttle. */
  readonly throttle: ThrottleConfig;
  /** Tighter throttle for the unauthenticated routes, which anyone on the internet can call. */
  readonly publicRouteThrottle: ThrottleConfig;
  /**
   * The payment gateways' webhook route (`POST /v1/webhooks/{gateway}/{tenantId}`): public, but far
   * above the other public routes, so a renewal-day burst of IPNs is not answered 429 (gateways retry,
   * late). Each call is verified by signature and a server-to-server call before anything settles.
   */
  readonly webhookRouteThrottle: ThrottleConfig;
  /** Subscriber messages (reminders, receipts): SMS by SNS, e-mail by SES. */
  readonly notifications: NotificationsConfig;
  /**
   * The public base URL of the API (`https://pay.isp.example`, a custom domain mapped to it), which
   * pay links carry; `undefined` = the HTTP API's own execute-api URL.
   */
  readonly publicBaseUrl: string | undefined;
  /** Frontend users: a Cognito user pool, or the deployer's OIDC issuer (infra/sign-in-config.ts). */
  readonly signIn: SignInConfig;
}

export interface NotificationsConfig {
  /** Alphanumeric SMS sender id where the country allows one; `undefined` = SNS's default. */
  readonly smsSenderId: string | undefined;
  /** E-mail by SES; `undefined` = no e-mail (and no SES permission). */
  readonly email: EmailConfig | undefined;
}

export interface EmailConfig {
  /** `billing@isp.example` or `Dhaka Net <billing@isp.example>`. */
  readonly from: string;
  /**
   * The verified SES identity the functions may send as, and nothing else: an identity ARN
   * (`arn:aws:ses:<region>:<account>:identity/isp.example`), or a domain or address, which the stack
   * makes into an ARN in its own account and region. Defaults to the domain of `from`.
   */
  readonly identity: string;
}

type StageDefaults = Omit<StageConfig, "stage" | "env" | "notifications" | "publicBaseUrl" | "signIn">;

const DEFAULTS: Record<StageName, StageDefaults> = {
  dev: {
    corsAllowedOrigins: ["*"],
    logRetention: RetentionDays.ONE_WEEK,
    logLevel: "debug",
    statefulRemovalPolicy: RemovalPolicy.DESTROY,
    logRemovalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    throttle: { rateLimit: 50, burstLimit: 100 },
    publicRouteThrottle: { rateLimit: 5, burstLimit: 10 },
    webhookRouteThrottle: { rateLimit: 50, burstLimit: 100 },
  },
  prod: {
    // No browser origin until the operator names one: admin frontends are third-party sites.
    corsAllowedOrigins: [],
    logRetention: RetentionDays.THREE_MONTHS,
    logLevel: "info",
    statefulRemovalPolicy: RemovalPolicy.RETAIN,
    logRemovalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    throttle: { rateLimit: 500, burstLimit: 1000 },
    publicRouteThrottle: { rateLimit: 20, burstLimit: 40 },
    webhookRouteThrottle: { rateLimit: 200, burstLimit: 400 },
  },
};

const Origin = z.union([
  z.literal("*"),
  z
    .string()
    .regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i, "an origin is scheme://host[:port], without a path"),
]);

/** As SNS takes it (shared/adapters/notify/sns-sms.ts): 1-11 letters or digits, at least one letter. */
const SmsSenderId = z
  .string()
  .regex(/^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/, "must be 1-11 letters or digits, at least one letter");

/** The address of "address" or "Name <address>". */
function fromAddress(from: string): string {
  return /<([^<>]+)>$/.exec(from)?.[1] ?? from;
}

/** As SES takes it (shared/adapters/notify/ses-email.ts). */
const EmailFrom = z
  .string()
  .max(320)
  .refine(
    (v) => z.email().safeParse(fromAddress(v)).success && !/[\r\n]/.test(v),
    "must be an e-mail address, optionally as Name <address>",
  );

const SES_IDENTITY_ARN = /^arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity\/([^/*?\s]+)$/;

/** An SES identity ARN, or the domain or address it names (no wildcards: one identity). */
const EmailIdentity = z
  .string()
  .refine(
    (v) => SES_IDENTITY_ARN.test(v) || /^[^\s/*?:]+$/.test(v),
    "must be an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<domain or address>), a domain or an address",
  );

/** The domain or address an identity (ARN or name) names. */
function identityName(identity: string): string {
  return SES_IDENTITY_ARN.exec(identity)?.[1] ?? identity;
}

/** Whether SES lets `address` send under `identity`: the address itself, its domain or a parent domain. */
function identityCovers(identity: string, address: string): boolean {
  const name = identityName(identity).toLowerCase();
  const lower = address.toLowerCase();
  if (name.includes("@")) return name === lower;
  const domain = lower.slice(lower.lastIndexOf("@") + 1);
  return domain === name || domain.endsWith(`.${name}`);
}

/** Where pay links point: https, a host and at most a path, without a trailing slash. */
const PublicBaseUrl = z
  .string()
  .regex(
    /^https:\/\/[a-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~-]+)*$/i,
    "must be https://host[/path], without a trailing slash, query or fragment",
  );

const InputSchema = z
  .object({
    stage: z.enum(STAGES).default("dev"),
    corsAllowedOrigins: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((v) => (typeof v === "string" ? v.split(",") : v)?.map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(Origin).optional()),
    account: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    smsSenderId: SmsSenderId.optional(),
    emailFrom: EmailFrom.optional(),
    emailIdentity: EmailIdentity.optional(),
    publicBaseUrl: PublicBaseUrl.optional(),
    ...SignInInputShape,
  })
  .superRefine((input, ctx) => {
    refineSignInInput(input, ctx);
    if (input.emailIdentity !== undefined && input.emailFrom === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["emailIdentity"],
        message: "names an SES identity without emailFrom to send from",
      });
    }
    if (
      input.emailFrom !== undefined &&
      input.emailIdentity !== undefined &&
      !identityCovers(input.emailIdentity, fromAddress(input.emailFrom))
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["emailIdentity"],
        message: `does not cover ${fromAddress(input.emailFrom)}: name the address, its domain or a parent domain`,
      });
    }
    const origins = input.corsAllowedOrigins ?? [];
    if (origins.includes("*") && origins.length > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["corsAllowedOrigins"],
        message: '"*" cannot be combined with other origins',
      });
    }
    if (input.stage === "prod" && origins.includes("*")) {
      ctx.addIssue({
        code: "custom",
        path: ["corsAllowedOrigins"],
        message: 'prod must list its origins, not "*"',
      });
    }
  });

export interface StageConfigInput extends SignInInput {
  /** `-c stage=...`, else `STAGE`; defaults to dev. */
  readonly stage?: unknown;
  /** `-c corsAllowedOrigins=https://a.example,https://b.example` (or an array in cdk.json). */
  readonly corsAllowedOrigins?: unknown;
  readonly account?: string | undefined;
  readonly region?: string | undefined;
  /** `-c smsSenderId=DhakaNet`. */
  readonly smsSenderId?: unknown;
  /** `-c emailFrom="Dhaka Net <billing@isp.example>"`; unset = no e-mail. */
  readonly emailFrom?: unknown;
  /** `-c emailIdentity=isp.example` (or an identity ARN); defaults to the domain of emailFrom. */
  readonly emailIdentity?: unknown;
  /** `-c publicBaseUrl=https://pay.isp.example`, a custom domain mapped to the API. */
  readonly publicBaseUrl?: unknown;
}

export class StageConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StageConfigError";
  }
}

/** Validates the raw inputs and fills the stage defaults; fails at synth time with every problem named. */
export function resolveStageConfig(input: StageConfigInput): StageConfig {
  const parsed = InputSchema.safeParse({
    stage: input.stage,
    corsAllowedOrigins: input.corsAllowedOrigins,
    account: input.account || undefined,
    region: input.region || undefined,
    smsSenderId: emptyToUndefined(input.smsSenderId),
    emailFrom: emptyToUndefined(input.emailFrom),
    emailIdentity: emptyToUndefined(input.emailIdentity),
    publicBaseUrl: emptyToUndefined(input.publicBaseUrl),
    ...signInInputFrom(input),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "config"}: ${i.message}`)
      .join("; ");
    throw new StageConfigError(`Invalid stage configuration: ${problems}`, { cause: parsed.error });
  }
  const { stage, corsAllowedOrigins, account, region, smsSenderId, emailFrom, emailIdentity } = parsed.data;
  const defaults = DEFAULTS[stage];
  return {
    ...defaults,
    stage,
    // The CLI fills CDK_DEFAULT_REGION with us-east-1 even when nothing is configured, so a region
    // alone is no evidence of a target: pin the environment only once credentials named an account.
    env: account ? { account, region } : undefined,
    corsAllowedOrigins: corsAllowedOrigins ?? defaults.corsAllowedOrigins,
    notifications: {
      smsSenderId,
      email: emailFrom
        ? { from: emailFrom, identity: emailIdentity ?? fromAddress(emailFrom).split("@").pop() ?? "" }
        : undefined,
    },
    publicBaseUrl: parsed.data.publicBaseUrl,
    signIn: resolveSignInConfig(parsed.data, stage),
  };
}

/** An empty context value (`-c emailFrom=`) means unset. */
function emptyToUndefined(value: unknown): unknown {
  return value === "" || value === null ? undefined : value;
}
