/**
 * Messages to the ISP's admins in Telegram (the daily summary), through the tenant's own bot. The
 * bot token is a credential: adapters never put it in an error, a log line or a response.
 */
export interface TelegramSender {
  sendMessage(
    botToken: string,
    chatId: string,
    text: string,
    options?: { signal?: AbortSignal },
  ): Promise<void>;
}

/** Telegram refused or could not be reached. The message names what went wrong, never the token. */
export class TelegramError extends Error {
  readonly retryable: boolean;
  /** Telegram's error_code (or the HTTP status), when it answered. */
  readonly status?: number;

  constructor(message: string, options: { readonly retryable: boolean; readonly status?: number }) {
    super(message);
    this.name = "TelegramError";
    this.retryable = options.retryable;
    if (options.status !== undefined) this.status = options.status;
  }
}

/** Telegram takes 1-4096 characters of text per message. */
export const TELEGRAM_MAX_TEXT = 4096;
