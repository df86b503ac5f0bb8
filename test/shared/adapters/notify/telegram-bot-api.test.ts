import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelegramBotApi } from "../../../../shared/adapters/notify/telegram-bot-api.js";
import { startTelegramStandIn, type TelegramStandIn } from "../../../../shared/local/telegram-standin.js";
import { TelegramError } from "../../../../shared/ports/telegram.js";

const TOKEN = `123456789:${"S".repeat(35)}`;

let standIn: TelegramStandIn;
beforeAll(async () => {
  standIn = await startTelegramStandIn();
});
afterAll(async () => {
  await standIn.stop();
});

async function failure(run: () => Promise<unknown>): Promise<TelegramError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TelegramError);
  return error as TelegramError;
}

describe("TelegramBotApi", () => {
  it("sends a message as sendMessage with chat_id and text", async () => {
    await new TelegramBotApi({ baseUrl: standIn.url }).sendMessage(TOKEN, "-10042", "Daily summary");
    expect(standIn.messages.at(-1)).toEqual({ botId: "123456789", chatId: "-10042", text: "Daily summary" });
  });

  it("names what Telegram refused and whether to retry, never the token", async () => {
    const api = new TelegramBotApi({ baseUrl: standIn.url });
    standIn.revokedTokens.add(TOKEN);
    const refused = await failure(() => api.sendMessage(TOKEN, "-1", "x"));
    standIn.revokedTokens.delete(TOKEN);
    expect(refused).toMatchObject({ status: 401, retryable: false, message: "the bot token was refused" });
    standIn.unknownChats.add("-7");
    const chat = await failure(() => api.sendMessage(TOKEN, "-7", "x"));
    expect(chat).toMatchObject({ status: 400, retryable: false });

    const busy = new TelegramBotApi({
      fetch: async () =>
        new Response(JSON.stringify({ ok: false, error_code: 429, parameters: { retry_after: 3 } }), {
          status: 429,
        }),
    });
    expect(await failure(() => busy.sendMessage(TOKEN, "-1", "x"))).toMatchObject({
      status: 429,
      retryable: true,
    });

    const down = new TelegramBotApi({
      fetch: async (url) => {
        throw new TypeError(`fetch failed for ${String(url)}`);
      },
    });
    const unreachable = await failure(() => down.sendMessage(TOKEN, "-1", "x"));
    expect(unreachable.retryable).toBe(true);
    for (const e of [refused, chat, unreachable]) {
      expect(`${e.message} ${JSON.stringify(e)} ${String(e.stack)} ${String(e.cause)}`).not.toContain("SSSS");
    }
  });
});
