import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import * as z from "zod";
import { ConfigError } from "../../config.js";
import {
  NotificationError,
  type Notifier,
  type OutgoingMessage,
  type SendOptions,
  type SendResult,
} from "../../ports/notifier.js";
import { sdkNotificationError, wrongChannel } from "./sdk-errors.js";

const PROVIDER = "ses";

/** "billing@isp.example" or "Dhaka Net <billing@isp.example>"; the domain must be verified in SES. */
const FromSchema = z
  .string()
  .max(320)
  .refine((v) => {
    const address = /<([^<>]+)>$/.exec(v)?.[1] ?? v;
    return z.email().safeParse(address).success && !/[\r\n]/.test(v);
  }, "must be an e-mail address, optionally as Name <address>");

const OptionsSchema = z.strictObject({
  client: z.custom<SESv2Client>((v) => v instanceof SESv2Client, "not an SESv2Client").optional(),
  from: FromSchema,
  replyTo: z.array(z.email()).max(5).optional(),
  /** Event publishing (bounces, complaints) goes through a configuration set. */
  configurationSetName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
});
export type SesEmailOptions = z.input<typeof OptionsSchema>;

/** Plain-text UTF-8 e-mail through SES v2 SendEmail with Simple content. */
export class SesEmailNotifier implements Notifier {
  private readonly client: SESv2Client;
  private readonly options: z.output<typeof OptionsSchema>;

  constructor(options: SesEmailOptions) {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) throw new ConfigError(`SES e-mail options: ${z.prettifyError(parsed.error)}`);
    this.options = parsed.data;
    this.client = parsed.data.client ?? new SESv2Client({});
  }

  async send(message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
    if (message.channel !== "email") throw wrongChannel(PROVIDER, "email");
    if (!message.subject) {
      throw new NotificationError(`${PROVIDER}: an e-mail needs a subject`, {
        retryable: false,
        provider: PROVIDER,
        channel: "email",
      });
    }
    const { from, replyTo, configurationSetName } = this.options;
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [message.to] },
          ...(replyTo ? { ReplyToAddresses: replyTo } : {}),
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: "UTF-8" },
              Body: { Text: { Data: message.body, Charset: "UTF-8" } },
            },
          },
          ...(configurationSetName ? { ConfigurationSetName: configurationSetName } : {}),
        }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      return out.MessageId ? { providerId: out.MessageId } : {};
    } catch (error) {
      throw sdkNotificationError(PROVIDER, "email", "SendEmail", error);
    }
  }
}
