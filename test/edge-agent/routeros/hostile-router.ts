import { createServer, type Server, type Socket } from "node:net";
import { encodeSentence, SentenceDecoder } from "../../../edge-agent/routeros/api-words.js";

/**
 * A RouterOS API endpoint that logs anyone in and then answers every command with something
 * node-routeros 1.6.9 throws on inside its socket handler:
 * - "unknown-reply": a reply word it does not know (`!weird`), like `!empty` before 7.18 support;
 * - "foreign-tag": a `!re` for a tag no channel registered (UNREGISTEREDTAG);
 * - "split-garbage": a word length with a reserved control byte (0xF8), i.e. a corrupt stream;
 * - "login-rows": two data rows in reply to `/login`, which the library rejects in a promise
 *   nobody holds (an unhandled rejection).
 */
export type HostileMode = "unknown-reply" | "foreign-tag" | "split-garbage" | "login-rows";

export async function startHostileRouter(
  mode: HostileMode,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const decoder = new SentenceDecoder();
    socket.on("data", (chunk: Buffer) => {
      for (const raw of decoder.push(chunk)) {
        const words = raw.map((w) => w.toString("utf8"));
        const tag = words.find((w) => w.startsWith(".tag=")) ?? ".tag=none";
        if (words[0] === "/login" && mode === "login-rows") {
          const rows = [encodeSentence(["!re", "=a=1", tag]), encodeSentence(["!re", "=b=2", tag])];
          socket.write(Buffer.concat([...rows, encodeSentence(["!done", tag])]));
        } else if (words[0] === "/login") socket.write(encodeSentence(["!done", tag]));
        else if (mode === "unknown-reply") socket.write(encodeSentence(["!weird", "=x=1", tag]));
        else if (mode === "foreign-tag") socket.write(encodeSentence(["!re", "=x=1", ".tag=nobody-asked"]));
        else socket.write(Buffer.from([0xf8, 0x01, 0x02, 0x03]));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
