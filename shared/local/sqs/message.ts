import { randomUUID } from "node:crypto";
import { sqsErrors } from "./errors.js";
import { isBinaryType, type MessageAttributeValue, md5Hex, md5OfMessageAttributes } from "./md5.js";

export type MessageState = "delayed" | "ready" | "inflight" | "gone";

/** One message as the local queue holds it; timestamps are epoch milliseconds. */
export interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes?: Readonly<Record<string, MessageAttributeValue>>;
  readonly md5OfAttributes?: string;
  readonly traceHeader?: string;
  readonly deadLetterSourceArn?: string;
  readonly sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  receivedAt?: number;
  receipt?: string;
  state: MessageState;
  /** Bumped on every state change, so timer-heap entries of an older state are recognised as stale. */
  seq: number;
}

export interface NewMessageInput {
  readonly MessageBody?: string;
  readonly MessageAttributes?: Record<string, RawAttribute>;
  readonly MessageSystemAttributes?: Record<string, RawAttribute>;
}

export interface RawAttribute {
  readonly DataType?: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
  readonly StringListValues?: readonly string[];
  readonly BinaryListValues?: readonly string[];
}

export interface ValidatedMessage {
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes?: Record<string, MessageAttributeValue>;
  readonly md5OfAttributes?: string;
  readonly traceHeader?: string;
  readonly md5OfSystemAttributes?: string;
  /** Body plus attribute names, types and values, as SQS counts against the size limit. */
  readonly size: number;
}

// XML 1.0 characters, the set SQS accepts in bodies and string values.
const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_\-.]{1,256}$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function validateMessage(input: NewMessageInput, maxBytes: number): ValidatedMessage {
  const body = input.MessageBody;
  if (body === undefined) throw sqsErrors.missingParameter("MessageBody");
  if (body.length === 0)
    throw sqsErrors.invalidValue("MessageBody", "(empty)", "Message body must not be empty.");
  const bad = INVALID_CHAR.exec(body);
  if (bad) {
    const code = bad[0].codePointAt(0) ?? 0;
    throw sqsErrors.invalidMessageContents(
      `Invalid binary character '#x${code.toString(16).toUpperCase()}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
    );
  }
  let size = Buffer.byteLength(body, "utf8");
  const attributes = validateAttributes(input.MessageAttributes ?? {});
  for (const [name, a] of Object.entries(attributes ?? {})) size += attributeSize(name, a);
  if (size > maxBytes)
    throw sqsErrors.invalidParameterValue(
      `One or more parameters are invalid. Reason: Message must be shorter than ${maxBytes} bytes.`,
    );
  const system = validateSystemAttributes(input.MessageSystemAttributes ?? {});
  return {
    body,
    md5OfBody: md5Hex(body),
    ...(attributes ? { attributes, md5OfAttributes: md5OfMessageAttributes(attributes) } : {}),
    ...(system
      ? {
          traceHeader: system.StringValue,
          md5OfSystemAttributes: md5OfMessageAttributes({ AWSTraceHeader: system }),
        }
      : {}),
    size,
  };
}

export function createMessage(valid: ValidatedMessage, now: number, delaySeconds: number): StoredMessage {
  return {
    id: randomUUID(),
    body: valid.body,
    md5OfBody: valid.md5OfBody,
    ...(valid.attributes ? { attributes: valid.attributes, md5OfAttributes: valid.md5OfAttributes } : {}),
    ...(valid.traceHeader !== undefined ? { traceHeader: valid.traceHeader } : {}),
    sentAt: now,
    visibleAt: now + delaySeconds * 1000,
    receiveCount: 0,
    state: "gone",
    seq: 0,
  };
}

function validateAttributes(
  raw: Record<string, RawAttribute>,
): Record<string, MessageAttributeValue> | undefined {
  const names = Object.keys(raw);
  if (names.length === 0) return undefined;
  if (names.length > 10)
    throw sqsErrors.invalidParameterValue(
      `Number of message attributes [${names.length}] exceeds the allowed maximum [10].`,
    );
  const out: Record<string, MessageAttributeValue> = {};
  for (const name of names) {
    const a = raw[name] ?? {};
    const fail = (reason: string) =>
      sqsErrors.invalidParameterValue(`Message (user) attribute '${name}' ${reason}`);
    if (
      !ATTRIBUTE_NAME.test(name) ||
      /^(aws|amazon)\./i.test(name) ||
      name.startsWith(".") ||
      name.endsWith(".") ||
      name.includes("..")
    )
      throw fail("has an invalid name.");
    if (a.StringListValues?.length || a.BinaryListValues?.length)
      throw fail("uses list values, which SQS does not support.");
    const type = a.DataType;
    if (!type) throw fail("must contain a non-empty attribute type.");
    if (type.length > 256 || !/^(String|Number|Binary)(\..+)?$/.test(type))
      throw fail("has an invalid type. Supported type prefixes: Binary, Number, String.");
    if (isBinaryType(type)) {
      if (!a.BinaryValue) throw fail("must contain a non-empty message attribute value.");
      out[name] = { DataType: type, BinaryValue: a.BinaryValue };
    } else {
      const value = a.StringValue;
      if (!value) throw fail("must contain a non-empty message attribute value.");
      if (INVALID_CHAR.test(value)) throw fail("contains characters SQS does not allow.");
      if (type.startsWith("Number") && !NUMBER.test(value)) throw fail("can't be cast to a number.");
      out[name] = { DataType: type, StringValue: value };
    }
  }
  return out;
}

function validateSystemAttributes(raw: Record<string, RawAttribute>): MessageAttributeValue | undefined {
  for (const name of Object.keys(raw))
    if (name !== "AWSTraceHeader")
      throw sqsErrors.invalidParameterValue(`Message system attribute name '${name}' is invalid.`);
  const trace = raw.AWSTraceHeader;
  if (!trace) return undefined;
  if (trace.DataType !== "String" || !trace.StringValue)
    throw sqsErrors.invalidParameterValue(
      "Message system attribute 'AWSTraceHeader' must be a non-empty String.",
    );
  return { DataType: "String", StringValue: trace.StringValue };
}

function attributeSize(name: string, a: MessageAttributeValue): number {
  const value =
    a.BinaryValue !== undefined
      ? Buffer.byteLength(a.BinaryValue, "base64")
      : Buffer.byteLength(a.StringValue ?? "");
  return Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + value;
}
