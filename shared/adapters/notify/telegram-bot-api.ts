import { TELEGRAM_MAX_TEXT, TelegramError, type TelegramSender } from "../../ports/telegram.js";

export interface TelegramBotApiOptions {
  /** https://api.telegram.org, or a stand-in's URL in tests and npm start. */
  readonly baseUrl?: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

interface TelegramAnswer {
  readonly ok?: boolean;
  readonly error_code?: number;
  readonly description?: string;
}

/**
 * The Bot API's sendMessage: POST {base}/bot{token}/sendMessage with JSON {chat_id, text}; it
 * answers {ok: true, result} or {ok: false, error_code, description}. The token is part of the URL,
 * so no URL, request or underlying fetch error is ever kept on the errors thrown here.
 */
export class TelegramBotApi implements TelegramSender {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: TelegramBotApiOptions = {}) {
    this.baseUrl = (options.baseUrl ?? "https://api.telegram.org").replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.fetch = options.fetch ?? fetch;
  }

  async sendMessage(
    botToken: string,
    chatId: string,
    text: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const signals = [AbortSignal.timeout(this.timeoutMs), ...(options.signal ? [options.signal] : [])];
    let response: Response;
    try {
      response = await this.fetch(`${this.baseUrl}/bot${botToken}/sendMessage`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chat_id: chatId, text: text.slice(0, TELEGRAM_MAX_TEXT) }),
        signal: AbortSignal.any(signals),
        redirect: "error",
      });
    } catch {
      // The fetch error may quote the URL, and with it the token: it is dropped, not chained.
      throw new TelegramError("Telegram could not be reached", { retryable: true });
    }
    let answer: TelegramAnswer = {};
    try {
      answer = (await response.json()) as TelegramAnswer;
    } catch {
      // A non-JSON answer is judged by its status alone.
    }
    if (response.ok && answer.ok === true) return;
    const status = answer.error_code ?? response.status;
    const retryable = status === 429 || status >= 500;
    const reason =
      status === 401 || status === 404
        ? "the bot token was refused"
        : status === 403
          ? "the bot may not write to that chat"
          : status === 400
            ? "Telegram refused the message (is the chat id right?)"
            : `Telegram answered ${status}`;
    throw new TelegramError(reason, { retryable, status });
  }
}
