import { connect, type Socket } from "node:net";
import { encodeSentence, SentenceDecoder } from "../../../edge-agent/routeros/api-words.js";

/** A bare RouterOS API client for asserting the simulator's wire behaviour word by word. */
export class RawApi {
  private readonly queue: string[][] = [];
  private waiter: (() => void) | undefined;
  readonly closed: Promise<{ reset: boolean }>;

  private constructor(private readonly socket: Socket) {
    const decoder = new SentenceDecoder();
    socket.on("data", (chunk: Buffer) => {
      for (const words of decoder.push(chunk)) this.queue.push(words.map((w) => w.toString("utf8")));
      this.waiter?.();
    });
    let reset = false;
    socket.on("error", (err: NodeJS.ErrnoException) => {
      reset = err.code === "ECONNRESET";
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.waiter?.();
        resolve({ reset });
      }),
    );
  }

  static connect(port: number): Promise<RawApi> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => resolve(new RawApi(socket)));
      socket.once("error", reject);
    });
  }

  static async login(port: number, username: string, password: string): Promise<RawApi> {
    const api = await RawApi.connect(port);
    const reply = await api.command(["/login", `=name=${username}`, `=password=${password}`]);
    if (reply.at(-1)?.[0] !== "!done" || reply.length !== 1)
      throw new Error(`login failed: ${JSON.stringify(reply)}`);
    return api;
  }

  send(words: readonly string[]): void {
    this.socket.write(encodeSentence(words));
  }

  /** The next sentence, or undefined when none arrives in time or the connection closed. */
  async next(timeoutMs = 1_000): Promise<string[] | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.destroyed) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.queue.shift();
  }

  /** Sends a sentence and collects replies up to `!done` or `!fatal` (bounded by count and time). */
  async command(words: readonly string[], timeoutMs = 1_000): Promise<string[][]> {
    this.send(words);
    const replies: string[][] = [];
    for (let i = 0; i < 1_000; i++) {
      const sentence = await this.next(timeoutMs);
      if (!sentence) throw new Error(`no reply to ${words[0]} (got ${JSON.stringify(replies)})`);
      replies.push(sentence);
      if (sentence[0] === "!done" || sentence[0] === "!fatal") return replies;
    }
    throw new Error("too many replies");
  }

  close(): void {
    this.socket.destroy();
  }
}

/** `=k=v` words of a sentence as an object. */
export function attrs(sentence: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of sentence ?? []) {
    if (!word.startsWith("=")) continue;
    const at = word.indexOf("=", 1);
    out[word.slice(1, at)] = word.slice(at + 1);
  }
  return out;
}
