import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback stand-in for the Telegram Bot API's sendMessage, for tests and npm start. It answers
 * like Telegram (ok/result, or ok: false with error_code and description), refuses tokens it was
 * told are revoked, knows only the chats it was given (or any, by default), and records what was
 * sent by bot id (the part of the token before the colon), never the whole token.
 */
export interface TelegramStandIn {
  readonly url: string;
  readonly messages: { botId: string; chatId: string; text: string }[];
  /** Tokens answered 401 Unauthorized. */
  readonly revokedTokens: Set<string>;
  /** Chats answered 400 "chat not found". */
  readonly unknownChats: Set<string>;
  stop(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startTelegramStandIn(): Promise<TelegramStandIn> {
  const messages: TelegramStandIn["messages"] = [];
  const revokedTokens = new Set<string>();
  const unknownChats = new Set<string>();
  let nextId = 1;
  const server = createServer((req, res) => {
    void (async () => {
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      const m = /^\/bot(\d+:[A-Za-z0-9_-]+)\/sendMessage$/.exec(req.url ?? "");
      if (req.method !== "POST" || !m?.[1])
        return answer(404, { ok: false, error_code: 404, description: "Not Found" });
      const token = m[1];
      if (revokedTokens.has(token))
        return answer(401, { ok: false, error_code: 401, description: "Unauthorized" });
      let parsed: { chat_id?: unknown; text?: unknown };
      try {
        parsed = JSON.parse(await body(req)) as typeof parsed;
      } catch {
        return answer(400, { ok: false, error_code: 400, description: "Bad Request: invalid JSON" });
      }
      const chatId = String(parsed.chat_id ?? "");
      const text = typeof parsed.text === "string" ? parsed.text : "";
      if (!chatId || unknownChats.has(chatId))
        return answer(400, { ok: false, error_code: 400, description: "Bad Request: chat not found" });
      if (text.length < 1 || text.length > 4096)
        return answer(400, { ok: false, error_code: 400, description: "Bad Request: message text is empty" });
      messages.push({ botId: token.split(":")[0] ?? "", chatId, text });
      answer(200, { ok: true, result: { message_id: nextId++, chat: { id: chatId }, text } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    revokedTokens,
    unknownChats,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
