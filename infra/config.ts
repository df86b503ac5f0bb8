import { type Environment, RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import * as z from "zod";

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
}

type StageDefaults = Omit<StageConfig, "stage" | "env">;

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
  },
};

const Origin = z.union([
  z.literal("*"),
  z
    .string()
    .regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i, "an origin is scheme://host[:port], without a path"),
]);

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
  })
  .superRefine((input, ctx) => {
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

export interface StageConfigInput {
  /** `-c stage=...`, else `STAGE`; defaults to dev. */
  readonly stage?: unknown;
  /** `-c corsAllowedOrigins=https://a.example,https://b.example` (or an array in cdk.json). */
  readonly corsAllowedOrigins?: unknown;
  readonly account?: string | undefined;
  readonly region?: string | undefined;
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
  });
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "config"}: ${i.message}`)
      .join("; ");
    throw new StageConfigError(`Invalid stage configuration: ${problems}`, { cause: parsed.error });
  }
  const { stage, corsAllowedOrigins, account, region } = parsed.data;
  const defaults = DEFAULTS[stage];
  return {
    ...defaults,
    stage,
    // The CLI fills CDK_DEFAULT_REGION with us-east-1 even when nothing is configured, so a region
    // alone is no evidence of a target: pin the environment only once credentials named an account.
    env: account ? { account, region } : undefined,
    corsAllowedOrigins: corsAllowedOrigins ?? defaults.corsAllowedOrigins,
  };
}
