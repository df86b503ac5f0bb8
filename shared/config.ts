import * as z from "zod";

/** Thrown at cold start when the environment is incomplete, naming every missing variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const ApiConfigSchema = z.object({
  TABLE_NAME: z.string().min(1),
  AWS_REGION: z.string().min(1).default("us-east-1"),
  CORS_ALLOWED_ORIGINS: z.string().default(""),
  /** Per-site command queues are named `${SITE_QUEUE_PREFIX}-${tenantId}-${siteId}`. */
  SITE_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/),
  /** Where every site queue's dead letters go: the stage's one site-commands DLQ (stateful stack). */
  SITE_DLQ_ARN: z.string().startsWith("arn:"),
  /** The subscriber schedules: group, the lifecycle function they invoke, its role and DLQ. */
  SCHEDULE_GROUP: z.string().min(1),
  LIFECYCLE_FUNCTION_ARN: z.string().startsWith("arn:"),
  SCHEDULER_ROLE_ARN: z.string().startsWith("arn:"),
  SCHEDULER_DLQ_ARN: z.string().startsWith("arn:"),
  /** SMS: AWS SNS (default), or "outbox" to keep messages locally (npm start). */
  SMS_PROVIDER: z.enum(["sns", "outbox"]).default("sns"),
  SMS_SENDER_ID: z.string().optional(),
  SMS_DEFAULT_CALLING_CODE: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/)
    .default("880"),
  /** E-mail reminders go out through SES from this verified address; unset = e-mail not configured. */
  EMAIL_FROM: z.string().optional(),
  /** Local mode: where the outbox notifier appends messages (JSON lines). */
  NOTIFY_OUTBOX_FILE: z.string().optional(),
  /** Set only in local mode (DynamoDB Local, the local SQS and Scheduler); AWS resolves its own. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  SQS_ENDPOINT: z.url().optional(),
  SCHEDULER_ENDPOINT: z.url().optional(),
  /** The KMS key that seals tenants' gateway credentials (cloud). */
  GATEWAY_KEY_ARN: z.string().startsWith("arn:").optional(),
  /** Local mode instead of KMS: a base64 32-byte AES key (npm start keeps one in its data dir). */
  LOCAL_SECRET_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, { message: "must be 32 bytes, base64" })
    .optional(),
  /** Tests and local mode: JSON map of gateway -> stand-in base URL, e.g. {"bkash":"http://127.0.0.1:4100"}. */
  GATEWAY_BASE_URLS: z.string().optional(),
  GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(200).max(25_000).optional(),
  /** A schedule closer than this is moved to now + this (AWS rejects at() in the past); default 5. */
  SCHEDULER_MIN_LEAD_SECONDS: z.coerce.number().int().min(1).max(3600).optional(),
  /** The Stage dimension of the CloudWatch metrics (EMF on stdout); unset = no metrics (npm start). */
  METRICS_STAGE: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/)
    .optional(),
});
export type ApiConfig = z.infer<typeof ApiConfigSchema>;

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = ApiConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}

/**
 * The environment of the authorizer's user-token check (functions/authorizer.ts): the issuer whose
 * signed JWTs are accepted beside API keys. Written by the CDK stack (a Cognito user pool or the
 * deployer's OIDC issuer) and by the local cloud (its OIDC stand-in); read with loadUserTokenConfig.
 */
export const USER_TOKEN_ENV = {
  issuer: "JWT_ISSUER",
  audience: "JWT_AUDIENCE",
  jwksUri: "JWT_JWKS_URI",
  tokenUse: "JWT_TOKEN_USE",
  tenantClaim: "JWT_TENANT_CLAIM",
  roleClaim: "JWT_ROLE_CLAIM",
} as const;

/** Cognito's names for the custom attributes the user pool defines (infra/constructs/frontend-sign-in.ts). */
export const COGNITO_TENANT_CLAIM = "custom:tenantId";
export const COGNITO_ROLE_CLAIM = "custom:role";

/** http is accepted for a loopback issuer only: the local cloud's stand-in (shared/local/oidc-issuer.ts). */
export function isSecureOrLoopbackUrl(value: string): boolean {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || url.search || url.hash || url.username || url.password) return false;
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

const IssuerUrl = z.string().refine(isSecureOrLoopbackUrl, "must be an https URL (http only on loopback)");

export interface UserTokenConfig {
  /** The `iss` every token must carry, exactly. */
  readonly issuer: string;
  /** Accepted `aud` values (app client ids): a token must name one. */
  readonly audience: readonly string[];
  /** Where the signing keys are; unset = the `jwks_uri` of the issuer's OpenID discovery document. */
  readonly jwksUri: string | undefined;
  /** The `token_use` a token must carry (Cognito: "id"); unset = not checked. */
  readonly tokenUse: "id" | "access" | undefined;
  /** The claims that name the caller's tenant and role. */
  readonly tenantClaim: string;
  readonly roleClaim: string;
}

const UserTokenEnvSchema = z.object({
  [USER_TOKEN_ENV.issuer]: IssuerUrl,
  [USER_TOKEN_ENV.audience]: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string()).min(1, "names no audience")),
  [USER_TOKEN_ENV.jwksUri]: IssuerUrl.optional(),
  [USER_TOKEN_ENV.tokenUse]: z.enum(["id", "access"]).optional(),
  [USER_TOKEN_ENV.tenantClaim]: z.string().min(1).default(COGNITO_TENANT_CLAIM),
  [USER_TOKEN_ENV.roleClaim]: z.string().min(1).default(COGNITO_ROLE_CLAIM),
});

/** The user-token configuration, or `undefined` when no issuer is set (API keys only). */
export function loadUserTokenConfig(env: NodeJS.ProcessEnv = process.env): UserTokenConfig | undefined {
  if (!env[USER_TOKEN_ENV.issuer]) return undefined;
  const parsed = UserTokenEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`Invalid user-token configuration: ${problems}`);
  }
  const data = parsed.data;
  return {
    issuer: data[USER_TOKEN_ENV.issuer],
    audience: data[USER_TOKEN_ENV.audience],
    jwksUri: data[USER_TOKEN_ENV.jwksUri],
    tokenUse: data[USER_TOKEN_ENV.tokenUse],
    tenantClaim: data[USER_TOKEN_ENV.tenantClaim],
    roleClaim: data[USER_TOKEN_ENV.roleClaim],
  };
}

/** The environment that loadUserTokenConfig reads back as `config`. */
export function userTokenEnvironment(config: UserTokenConfig): Record<string, string> {
  return {
    [USER_TOKEN_ENV.issuer]: config.issuer,
    [USER_TOKEN_ENV.audience]: config.audience.join(","),
    ...(config.jwksUri ? { [USER_TOKEN_ENV.jwksUri]: config.jwksUri } : {}),
    ...(config.tokenUse ? { [USER_TOKEN_ENV.tokenUse]: config.tokenUse } : {}),
    [USER_TOKEN_ENV.tenantClaim]: config.tenantClaim,
    [USER_TOKEN_ENV.roleClaim]: config.roleClaim,
  };
}
