import {
  type NotificationChannel,
  NotificationError,
  type Notifier,
  type OutgoingMessage,
  type SendOptions,
  type SendResult,
} from "../../ports/notifier.js";

/** One Notifier over one adapter per channel; a channel without one fails without retry. */
export class ChannelRouter implements Notifier {
  constructor(private readonly routes: Partial<Record<NotificationChannel, Notifier>>) {}

  send(message: OutgoingMessage, options?: SendOptions): Promise<SendResult> {
    const target = this.routes[message.channel];
    if (!target) {
      return Promise.reject(
        new NotificationError(`no ${message.channel} provider is configured`, {
          retryable: false,
          provider: "none",
          channel: message.channel,
        }),
      );
    }
    return target.send(message, options);
  }
}
