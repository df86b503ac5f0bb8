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
  METRICS_STAGE: z.string().regex(/^[a-z0-9-]{1,32}$/).optional(),
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
