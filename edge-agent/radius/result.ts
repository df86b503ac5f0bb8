import { findAttribute, type RadiusAttribute } from "./attributes.js";
import { errorCauseName } from "./error-cause.js";
import type { AckCode, NakCode } from "./packet.js";

interface ReplyFacts {
  /** The Identifier the request and its reply carried. */
  readonly identifier: number;
  /** Datagrams sent before the reply arrived (1 = no retransmission). */
  readonly attempts: number;
  /** Every attribute of the verified reply, unknown ones passed through. */
  readonly attributes: readonly RadiusAttribute[];
}

/** The NAS acted on the request (Disconnect-ACK 41 or CoA-ACK 44). */
export interface DaAck extends ReplyFacts {
  readonly kind: "ack";
  readonly code: AckCode;
}

/** The NAS refused (Disconnect-NAK 42 or CoA-NAK 45), usually saying why in Error-Cause. */
export interface DaNak extends ReplyFacts {
  readonly kind: "nak";
  readonly code: NakCode;
  readonly errorCause?: number;
  readonly errorCauseName?: string;
}

export type DaResult = DaAck | DaNak;

export function toResult(
  code: AckCode | NakCode,
  identifier: number,
  attempts: number,
  attributes: readonly RadiusAttribute[],
): DaResult {
  if (code === 41 || code === 44) return { kind: "ack", code, identifier, attempts, attributes };
  const errorCause = findAttribute(attributes, "Error-Cause")?.value;
  const name = errorCause === undefined ? undefined : errorCauseName(errorCause);
  return {
    kind: "nak",
    code,
    identifier,
    attempts,
    attributes,
    ...(errorCause === undefined ? {} : { errorCause }),
    ...(name === undefined ? {} : { errorCauseName: name }),
  };
}
