import type { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { encodeSentence, SentenceDecoder } from "./api-words.js";

/**
 * Guards around node-routeros 1.6.9's socket (the library is unmaintained; these pin its internals).
 *
 * The library parses replies inside its socket `data` listener and throws from there on anything it
 * does not know (`!empty` since RouterOS 7.18 raises UNKNOWNREPLY; a reply for a closed tag raises
 * UNREGISTEREDTAG), and its Connector re-emits socket errors on emitters that may have no `error`
 * listener left. Any of these is an uncaught exception that ends the process. So:
 *
 * 1. every listener the library put on the socket is wrapped so a throw becomes `onFault(err)`;
 * 2. the `data` listener only ever sees whole, well-formed sentences, re-framed by our own decoder,
 *    which also keeps the library's chunk-boundary bugs out of reach;
 * 3. `!empty` is dropped (the router always ends a command with `!done`, which follows), and
 *    `!fatal` is turned into `onFault` instead of reaching the library's half-working handler;
 * 4. a `/login` reply with more than one data row is refused: the library would answer it with a
 *    rejected promise nobody holds (an unhandled rejection, which also ends the process).
 */

type Listener = (...args: unknown[]) => void;

export interface GuardHooks {
  /** The library threw, the stream was malformed, or the router sent `!fatal`. */
  onFault(err: Error, kind: "library" | "protocol" | "fatal"): void;
}

/** Wraps every current listener of `socket`; call right after the library created the socket. */
export function guardLibrarySocket(socket: Socket, hooks: GuardHooks, maxWordBytes?: number): void {
  for (const event of socket.eventNames()) {
    const raw = socket.rawListeners(event) as Listener[];
    socket.removeAllListeners(event);
    for (const entry of raw) {
      // `once` listeners are wrappers whose original sits on `.listener`.
      const inner = (entry as { listener?: Listener }).listener;
      const original = inner ?? entry;
      if (event === "data") {
        socket.on("data", reframe(original, hooks, maxWordBytes));
        continue;
      }
      const guarded: Listener = (...args) => {
        try {
          original.apply(socket, args);
        } catch (err) {
          hooks.onFault(asError(err), "library");
        }
      };
      const emitter: EventEmitter = socket;
      if (inner) emitter.once(event, guarded);
      else emitter.on(event, guarded);
    }
  }
}

function reframe(libraryOnData: Listener, hooks: GuardHooks, maxWordBytes?: number): Listener {
  const decoder = new SentenceDecoder(maxWordBytes === undefined ? {} : { maxWordBytes });
  const login = loginReplyCheck();
  let failed = false;
  return (chunk) => {
    if (failed || !Buffer.isBuffer(chunk)) return;
    let sentences: Buffer[][];
    try {
      sentences = decoder.push(chunk);
    } catch (err) {
      failed = true;
      hooks.onFault(asError(err), "protocol");
      return;
    }
    for (const words of sentences) {
      const reply = words[0]?.toString("latin1");
      if (reply === "!empty") continue;
      if (reply === "!fatal") {
        failed = true;
        const reason =
          words
            .slice(1)
            .map((w) => w.toString("utf8"))
            .join(" ") || "no reason given";
        hooks.onFault(new Error(`router sent !fatal: ${reason}`), "fatal");
        return;
      }
      if (reply === undefined) continue; // an empty sentence carries nothing
      if (!login(reply, words)) {
        failed = true;
        hooks.onFault(new Error("unexpected reply to /login"), "protocol");
        return;
      }
      try {
        libraryOnData(encodeSentence(words));
      } catch (err) {
        failed = true;
        hooks.onFault(asError(err), "library");
        return;
      }
    }
  };
}

/**
 * The library's first command is always `/login`, so the first tag seen is its tag. It accepts no
 * rows (6.43+) or one `=ret=` challenge (older routers); anything more is refused.
 */
function loginReplyCheck(): (reply: string, words: readonly Buffer[]) => boolean {
  let tag: string | undefined;
  let rows = 0;
  let done = false;
  return (reply, words) => {
    if (done) return true;
    const text = words.map((w) => w.toString("utf8"));
    const own = text.find((w) => w.startsWith(".tag="));
    tag ??= own;
    if (own !== tag) return true;
    if ((reply === "!re" || reply === "!done") && text.some((w) => w.startsWith("="))) rows += 1;
    if (reply === "!done") done = true;
    return rows <= 1;
  };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
