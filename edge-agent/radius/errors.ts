/**
 * One error hierarchy for the RADIUS dynamic-authorization client. Messages and context carry the
 * destination, packet code and identifier, never the shared secret or attribute values.
 */
export class RadiusError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Invalid client options, target or retry policy (caught before anything is sent). */
export class RadiusConfigError extends RadiusError {}

/** An attribute that cannot be put on the wire (bad address, too long, out of range). */
export class RadiusEncodeError extends RadiusError {}

/** A datagram that is not a well-formed RADIUS packet. The client drops such replies. */
export class RadiusDecodeError extends RadiusError {}

/** Where a request was going; attached to every request failure. */
export interface RadiusRequestContext {
  /** "address:port" of the NAS. */
  readonly destination: string;
  /** Request code name, e.g. "Disconnect-Request". */
  readonly request: string;
  readonly identifier?: number;
  /** Datagrams sent so far (the first one plus retransmissions). */
  readonly attempts: number;
  readonly elapsedMs: number;
}

/** A request that ended without a verified reply. */
export abstract class RadiusRequestError extends RadiusError {
  readonly destination: string;
  readonly request: string;
  readonly identifier: number | undefined;
  readonly attempts: number;
  readonly elapsedMs: number;

  constructor(message: string, context: RadiusRequestContext, options?: { cause?: unknown }) {
    const id = context.identifier === undefined ? "" : ` id ${context.identifier}`;
    super(`${context.request}${id} to ${context.destination}: ${message}`, options);
    this.destination = context.destination;
    this.request = context.request;
    this.identifier = context.identifier;
    this.attempts = context.attempts;
    this.elapsedMs = context.elapsedMs;
  }
}

/**
 * No valid reply within the retry budget. A wrong shared secret looks exactly like this: the NAS
 * silently drops requests whose authenticator it cannot verify.
 */
export class RadiusTimeoutError extends RadiusRequestError {}

/** The caller's AbortSignal fired; `cause` holds the signal's reason. */
export class RadiusAbortedError extends RadiusRequestError {}

/** `close()` was called (or the socket failed) while the request was outstanding. */
export class RadiusClientClosedError extends RadiusRequestError {}

/** The operating system refused to send the datagram. */
export class RadiusSendError extends RadiusRequestError {}

/** The UDP socket could not be bound or failed while open. */
export class RadiusSocketError extends RadiusError {}
