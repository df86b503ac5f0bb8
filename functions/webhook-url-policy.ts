import * as z from "zod";
import { ConfigError } from "../shared/config.js";
import type { WebhookUrlPolicy } from "../shared/domain/outbound-events/webhook-url.js";

export const UrlPolicySchema = z.object({
  /** npm start and tests only: webhooks on http://127.0.0.1 (never set by the CDK stacks). */
  WEBHOOK_ALLOW_LOOPBACK: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
});

/** Parses one function's configuration once, naming every bad variable (ConfigError at cold start). */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, what: string): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "env"}: ${i.message}`).join("; ");
    throw new ConfigError(`Invalid ${what} configuration: ${problems}`);
  }
  return parsed.data;
}

let policy: WebhookUrlPolicy | undefined;

/** Which webhook URLs the API accepts and deliveries go to: https only, unless local mode allows loopback. */
export function webhookUrlPolicy(env: NodeJS.ProcessEnv = process.env): WebhookUrlPolicy {
  policy ??= { allowLoopback: parseEnv(UrlPolicySchema, env, "webhook URL").WEBHOOK_ALLOW_LOOPBACK };
  return policy;
}
