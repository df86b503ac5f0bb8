import { sqsErrors } from "./errors.js";

/** A queue's settable attributes, parsed. Seconds as SQS counts them; sizes in bytes. */
export interface QueueConfig {
  readonly delaySeconds: number;
  readonly visibilityTimeout: number;
  readonly messageRetentionPeriod: number;
  readonly receiveMessageWaitTimeSeconds: number;
  readonly maximumMessageSize: number;
  readonly redrivePolicy?: RedrivePolicy;
  /** Accepted and echoed, without effect locally (policies, encryption settings). */
  readonly passthrough: Readonly<Record<string, string>>;
}

export interface RedrivePolicy {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

export const MAX_MESSAGE_BYTES = 262_144;

export const DEFAULT_CONFIG: QueueConfig = {
  delaySeconds: 0,
  visibilityTimeout: 30,
  messageRetentionPeriod: 345_600,
  receiveMessageWaitTimeSeconds: 0,
  maximumMessageSize: MAX_MESSAGE_BYTES,
  passthrough: {},
};

type NumericKey = Exclude<keyof QueueConfig, "redrivePolicy" | "passthrough">;
const NUMERIC: Record<string, { key: NumericKey; min: number; max: number }> = {
  DelaySeconds: { key: "delaySeconds", min: 0, max: 900 },
  VisibilityTimeout: { key: "visibilityTimeout", min: 0, max: 43_200 },
  MessageRetentionPeriod: { key: "messageRetentionPeriod", min: 60, max: 1_209_600 },
  ReceiveMessageWaitTimeSeconds: { key: "receiveMessageWaitTimeSeconds", min: 0, max: 20 },
  MaximumMessageSize: { key: "maximumMessageSize", min: 1024, max: MAX_MESSAGE_BYTES },
};
const PASSTHROUGH = new Set([
  "Policy",
  "KmsMasterKeyId",
  "KmsDataKeyReusePeriodSeconds",
  "SqsManagedSseEnabled",
  "RedriveAllowPolicy",
]);
const COMPUTED = [
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed",
  "CreatedTimestamp",
  "LastModifiedTimestamp",
  "QueueArn",
];
/** Every name GetQueueAttributes answers to, besides `All`. */
export const READABLE_ATTRIBUTES = new Set([
  ...Object.keys(NUMERIC),
  "RedrivePolicy",
  ...PASSTHROUGH,
  ...COMPUTED,
]);

/**
 * Applies CreateQueue / SetQueueAttributes input to `base`. `deadLetterQueueExists` checks a
 * RedrivePolicy target, which SQS requires to exist. An empty RedrivePolicy removes it.
 */
export function applyAttributes(
  base: QueueConfig,
  attributes: Readonly<Record<string, string>>,
  deadLetterQueueExists: (arn: string) => boolean,
): QueueConfig {
  let next: QueueConfig = base;
  for (const [name, value] of Object.entries(attributes)) {
    const numeric = NUMERIC[name];
    if (numeric) {
      const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
      if (!(n >= numeric.min && n <= numeric.max)) throw sqsErrors.invalidAttributeValue(name);
      next = { ...next, [numeric.key]: n };
    } else if (name === "RedrivePolicy") {
      const { redrivePolicy: _, ...rest } = next;
      next =
        value === "" ? rest : { ...next, redrivePolicy: parseRedrivePolicy(value, deadLetterQueueExists) };
    } else if (name === "FifoQueue" || name === "ContentBasedDeduplication") {
      if (value !== "false") throw sqsErrors.invalidAttributeValue(name);
    } else if (PASSTHROUGH.has(name)) {
      next = { ...next, passthrough: { ...next.passthrough, [name]: value } };
    } else {
      throw sqsErrors.invalidAttributeName(name);
    }
  }
  return next;
}

function parseRedrivePolicy(value: string, exists: (arn: string) => boolean): RedrivePolicy {
  const invalid = (reason: string) => sqsErrors.invalidValue("RedrivePolicy", value, reason);
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    throw invalid("Redrive policy is not a valid JSON map.");
  }
  if (typeof raw !== "object" || raw === null) throw invalid("Redrive policy is not a valid JSON map.");
  const { deadLetterTargetArn: arn, maxReceiveCount: count } = raw as Record<string, unknown>;
  const max = typeof count === "string" && /^\d+$/.test(count) ? Number(count) : count;
  if (typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > 1000)
    throw invalid("Invalid value for maxReceiveCount: must be an integer from 1 to 1000.");
  if (typeof arn !== "string" || !/^arn:aws:sqs:[^:]*:[^:]*:[\w-]{1,80}$/.test(arn))
    throw invalid("Invalid value for deadLetterTargetArn.");
  if (!exists(arn)) throw invalid("Dead letter target does not exist.");
  return { deadLetterTargetArn: arn, maxReceiveCount: max };
}

/** Settable attributes as SQS reports them (strings). */
export function formatAttributes(config: QueueConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, { key }] of Object.entries(NUMERIC)) out[name] = String(config[key]);
  if (config.redrivePolicy) out.RedrivePolicy = JSON.stringify(config.redrivePolicy);
  return { ...out, ...config.passthrough };
}
