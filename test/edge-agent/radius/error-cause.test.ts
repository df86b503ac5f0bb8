import { describe, expect, it } from "vitest";
import {
  type DaResult,
  ERROR_CAUSES,
  errorCauseClass,
  errorCauseName,
  isAlreadyOff,
} from "../../../edge-agent/radius/index.js";

const nak = (code: 42 | 45, errorCause?: number): DaResult => ({
  kind: "nak",
  code,
  identifier: 1,
  attempts: 1,
  attributes: [],
  ...(errorCause === undefined ? {} : { errorCause }),
});

describe("Error-Cause", () => {
  it("names every RFC 5176 value", () => {
    expect(errorCauseName(503)).toBe("Session Context Not Found");
    expect(errorCauseName(401)).toBe("Unsupported Attribute");
    expect(errorCauseName(502)).toBe("Request Not Routable (Proxy)");
    expect(errorCauseName(508)).toBe("Multiple Session Selection Unsupported");
    expect(Object.keys(ERROR_CAUSES).map(Number)).toEqual([
      201, 202, 401, 402, 403, 404, 405, 406, 407, 501, 502, 503, 504, 505, 506, 507, 508,
    ]);
    expect(errorCauseName(999)).toBeUndefined();
    expect(errorCauseName(Number("toString"))).toBeUndefined();
  });

  it("classifies by range", () => {
    expect([201, 404, 506, 100].map(errorCauseClass)).toEqual([
      "success",
      "request-error",
      "nas-error",
      "unknown",
    ]);
  });

  it("treats only a Disconnect-NAK with 503 as already off", () => {
    expect(isAlreadyOff(nak(42, 503))).toBe(true);
    expect(isAlreadyOff(nak(45, 503))).toBe(false);
    expect(isAlreadyOff(nak(42, 504))).toBe(false);
    expect(isAlreadyOff(nak(42))).toBe(false);
    expect(isAlreadyOff({ kind: "ack", code: 41, identifier: 1, attempts: 1, attributes: [] })).toBe(false);
  });
});
