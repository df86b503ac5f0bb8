import {
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  TooManyRequestsException,
} from "@aws-sdk/client-sesv2";
import {
  InternalErrorException,
  InvalidParameterException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { SesEmailNotifier, SnsSmsNotifier, toE164 } from "../../../shared/adapters/notify/index.js";
import { ConfigError } from "../../../shared/config.js";
import { NotificationError, type OutgoingMessage } from "../../../shared/ports/notifier.js";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" };
const sns = new SNSClient({ region: "ap-south-1", credentials, maxAttempts: 1 });
const ses = new SESv2Client({ region: "ap-south-1", credentials, maxAttempts: 1 });
const snsMock = mockClient(sns);
const sesMock = mockClient(ses);

afterEach(() => {
  snsMock.reset();
  sesMock.reset();
});

const sms: OutgoingMessage = {
  channel: "sms",
  to: "+8801711000001",
  body: "Dear Rahim, your Padma Net internet expires in 5 days.",
  idempotencyKey: "sub_1:2026-03-05T18:00:00.000Z:-5d",
};
const email: OutgoingMessage = {
  channel: "email",
  to: "rahim@example.com",
  subject: "Padma Net: আপনার ইন্টারনেটের মেয়াদ ৫ দিন পর শেষ হবে",
  body: "প্রিয় রহিম,\n\n...",
  idempotencyKey: "sub_1:2026-03-05T18:00:00.000Z:-5d",
};

const meta = { $metadata: {} };

async function rejection(promise: Promise<unknown>): Promise<NotificationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NotificationError);
  return error as NotificationError;
}

describe("SnsSmsNotifier", () => {
  it("publishes a transactional SMS with the sender id", async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: "sns-msg-1" });

    const out = await new SnsSmsNotifier({ client: sns, senderId: "PadmaNet" }).send(sms);

    expect(out).toEqual({ providerId: "sns-msg-1" });
    const calls = snsMock.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      PhoneNumber: "+8801711000001",
      Message: sms.body,
      MessageAttributes: {
        "AWS.SNS.SMS.SMSType": { DataType: "String", StringValue: "Transactional" },
        "AWS.SNS.SMS.SenderID": { DataType: "String", StringValue: "PadmaNet" },
      },
    });
  });

  it("leaves the sender id out when none is configured and completes a local number", async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: "sns-msg-2" });

    await new SnsSmsNotifier({ client: sns, defaultCallingCode: "880" }).send({ ...sms, to: "01711000001" });

    expect(snsMock.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      PhoneNumber: "+8801711000001",
      Message: sms.body,
      MessageAttributes: { "AWS.SNS.SMS.SMSType": { DataType: "String", StringValue: "Transactional" } },
    });
  });

  it("refuses a number it cannot make E.164, without calling SNS", async () => {
    const error = await rejection(new SnsSmsNotifier({ client: sns }).send({ ...sms, to: "01711000001" }));

    expect(error).toMatchObject({ retryable: false, provider: "sns" });
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it("marks throttling and service faults retryable, bad parameters not", async () => {
    const notifier = new SnsSmsNotifier({ client: sns });
    snsMock
      .on(PublishCommand)
      .rejectsOnce(new ThrottledException({ message: "Rate exceeded", ...meta }))
      .rejectsOnce(new InternalErrorException({ message: "oops", ...meta }))
      .rejectsOnce(new InvalidParameterException({ message: "bad number", ...meta }));

    const throttled = await rejection(notifier.send(sms));
    const fault = await rejection(notifier.send(sms));
    const invalid = await rejection(notifier.send(sms));

    expect(throttled).toMatchObject({ retryable: true, message: "sns Publish failed: ThrottledException" });
    expect(fault.retryable).toBe(true);
    expect(invalid).toMatchObject({
      retryable: false,
      message: "sns Publish failed: InvalidParameterException",
    });
    expect(invalid.cause).toBeInstanceOf(InvalidParameterException);
  });

  it("marks a transport failure retryable", async () => {
    snsMock.on(PublishCommand).rejects(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));

    expect((await rejection(new SnsSmsNotifier({ client: sns }).send(sms))).retryable).toBe(true);
  });

  it("refuses e-mail and a bad sender id", async () => {
    expect((await rejection(new SnsSmsNotifier({ client: sns }).send(email))).retryable).toBe(false);
    expect(() => new SnsSmsNotifier({ client: sns, senderId: "PadmaNetBroadband" })).toThrow(ConfigError);
  });
});

describe("SesEmailNotifier", () => {
  const notifier = () =>
    new SesEmailNotifier({
      client: ses,
      from: "Padma Net <billing@padma.example>",
      replyTo: ["support@padma.example"],
      configurationSetName: "subscriber-mail",
    });

  it("sends a UTF-8 plain-text e-mail with Simple content", async () => {
    sesMock.on(SendEmailCommand).resolves({ MessageId: "ses-msg-1" });

    const out = await notifier().send(email);

    expect(out).toEqual({ providerId: "ses-msg-1" });
    const calls = sesMock.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      FromEmailAddress: "Padma Net <billing@padma.example>",
      Destination: { ToAddresses: ["rahim@example.com"] },
      ReplyToAddresses: ["support@padma.example"],
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: "UTF-8" },
          Body: { Text: { Data: email.body, Charset: "UTF-8" } },
        },
      },
      ConfigurationSetName: "subscriber-mail",
    });
  });

  it("needs a subject and an e-mail channel", async () => {
    expect((await rejection(notifier().send({ ...email, subject: undefined }))).retryable).toBe(false);
    expect((await rejection(notifier().send(sms))).retryable).toBe(false);
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it("retries throttling but not a rejected message", async () => {
    sesMock
      .on(SendEmailCommand)
      .rejectsOnce(new TooManyRequestsException({ message: "slow down", ...meta }))
      .rejectsOnce(new MessageRejected({ message: "Email address is not verified", ...meta }));

    expect((await rejection(notifier().send(email))).retryable).toBe(true);
    expect(await rejection(notifier().send(email))).toMatchObject({
      retryable: false,
      message: "ses SendEmail failed: MessageRejected",
    });
  });

  it("rejects a from address that is not one", () => {
    expect(() => new SesEmailNotifier({ client: ses, from: "billing" })).toThrow(ConfigError);
  });
});

describe("toE164", () => {
  it("normalises stored numbers", () => {
    expect(toE164("+8801711000001")).toBe("+8801711000001");
    expect(toE164("008801711000001")).toBe("+8801711000001");
    expect(toE164("8801711000001", "880")).toBe("+8801711000001");
    expect(toE164("01711000001", "880")).toBe("+8801711000001");
    expect(toE164("09876543210", "91")).toBe("+919876543210");
    expect(toE164("01711000001")).toBeUndefined();
    expect(toE164("+0123")).toBeUndefined();
  });
});
