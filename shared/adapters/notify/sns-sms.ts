import { type MessageAttributeValue, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import * as z from "zod";
import { ConfigError } from "../../config.js";
import {
  NotificationError,
  type Notifier,
  type OutgoingMessage,
  type SendOptions,
  type SendResult,
} from "../../ports/notifier.js";
import { toE164 } from "./phone.js";
import { sdkNotificationError, wrongChannel } from "./sdk-errors.js";

const PROVIDER = "sns";

const OptionsSchema = z.strictObject({
  client: z.custom<SNSClient>((v) => v instanceof SNSClient, "not an SNSClient").optional(),
  /** Alphanumeric sender id (1-11 characters, at least one letter) where the country allows one. */
  senderId: z
    .string()
    .regex(/^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/, "must be 1-11 letters or digits, at least one letter")
    .optional(),
  /** Completes local numbers ("017...") to E.164, e.g. "880" for Bangladesh, "91" for India. */
  defaultCallingCode: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, "must be a country calling code like 880")
    .optional(),
});
export type SnsSmsOptions = z.input<typeof OptionsSchema>;

/** Transactional SMS through SNS Publish to a phone number (no topic). */
export class SnsSmsNotifier implements Notifier {
  private readonly client: SNSClient;
  private readonly options: z.output<typeof OptionsSchema>;

  constructor(options: SnsSmsOptions = {}) {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) throw new ConfigError(`SNS SMS options: ${z.prettifyError(parsed.error)}`);
    this.options = parsed.data;
    this.client = parsed.data.client ?? new SNSClient({});
  }

  async send(message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
    if (message.channel !== "sms") throw wrongChannel(PROVIDER, "sms");
    const phone = toE164(message.to, this.options.defaultCallingCode);
    if (!phone) {
      throw new NotificationError(`${PROVIDER}: the phone number is not in E.164 form`, {
        retryable: false,
        provider: PROVIDER,
        channel: "sms",
      });
    }
    const attributes: Record<string, MessageAttributeValue> = {
      "AWS.SNS.SMS.SMSType": { DataType: "String", StringValue: "Transactional" },
    };
    if (this.options.senderId) {
      attributes["AWS.SNS.SMS.SenderID"] = { DataType: "String", StringValue: this.options.senderId };
    }
    try {
      const out = await this.client.send(
        new PublishCommand({ PhoneNumber: phone, Message: message.body, MessageAttributes: attributes }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      return out.MessageId ? { providerId: out.MessageId } : {};
    } catch (error) {
      throw sdkNotificationError(PROVIDER, "sms", "Publish", error);
    }
  }
}
