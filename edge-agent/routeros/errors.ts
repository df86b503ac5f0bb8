/**
 * Typed errors every RouterOS driver raises. Messages name the router (host:port), the user and the
 * command path, never a password or the command's arguments (a `/ppp/secret/add` carries one).
 */
export interface RouterErrorContext {
  /** "host:port" of the router. */
  readonly router: string;
  /** Command path such as "/ppp/active/remove"; absent for connection-level failures. */
  readonly command?: string;
}

export abstract class RouterError extends Error {
  readonly router: string;
  readonly command: string | undefined;
  /** Whether trying again later, on a fresh connection, can succeed. */
  abstract readonly retryable: boolean;

  constructor(message: string, context: RouterErrorContext, options?: { cause?: unknown }) {
    super(`${message} [${context.router}${context.command ? ` ${context.command}` : ""}]`, options);
    this.name = new.target.name;
    this.router = context.router;
    this.command = context.command;
  }
}

/** The router did not answer in time; the connection was torn down and the next call reconnects. */
export class RouterTimeoutError extends RouterError {
  readonly retryable = true;
  constructor(
    readonly timeoutMs: number,
    context: RouterErrorContext,
    options?: { cause?: unknown },
  ) {
    super(`no answer within ${timeoutMs} ms`, context, options);
  }
}

/** Refused, reset, closed, `!fatal`, or a reply the protocol layer could not parse. */
export class RouterConnectionError extends RouterError {
  readonly retryable = true;
}

/** The router rejected the credentials. Retrying with the same ones will not help. */
export class RouterAuthError extends RouterError {
  readonly retryable = false;
}

/** The router ran the command and refused it (`!trap` or an HTTP 4xx/5xx with a RouterOS body). */
export class RouterCommandError extends RouterError {
  readonly retryable: boolean;
  /** HTTP status for the REST driver. */
  readonly status: number | undefined;
  constructor(
    /** The router's own message, e.g. "no such item" or "failure: already have such entry". */
    readonly routerMessage: string,
    context: RouterErrorContext,
    options?: { cause?: unknown; status?: number; retryable?: boolean },
  ) {
    super(routerMessage, context, options);
    this.status = options?.status;
    this.retryable = options?.retryable ?? false;
  }
}

/** The subscriber, session or queue the command targets does not exist on the router. */
export class RouterNotFoundError extends RouterCommandError {}

/** RouterOS reports a missing `.id` with one of these messages (API trap text / REST detail). */
export function isNotFoundMessage(message: string): boolean {
  return /no such item|not found/i.test(message);
}
