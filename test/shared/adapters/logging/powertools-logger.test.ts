import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createPowertoolsLogger } from "../../../../shared/adapters/logging/powertools-logger.js";

let lines: Record<string, unknown>[];

beforeEach(() => {
  lines = [];
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(capture);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Powertools logger behind the Logger port", () => {
  it("writes one structured line with level, service, timestamp, the given ids and the child's keys", () => {
    const logger = createPowertoolsLogger({ service: "isp-billing", keys: { stage: "dev" }, level: "info" });
    logger.info("payment settled", { tenantId: "tenant_1", subscriberId: "subscriber_2" });
    logger
      .child({ requestId: "req-9", route: "POST /v1/webhooks/{gateway}/{tenantId}" })
      .warn("gateway slow", { commandId: "cmd_3" });

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: "INFO",
      message: "payment settled",
      service: "isp-billing",
      stage: "dev",
      tenantId: "tenant_1",
      subscriberId: "subscriber_2",
    });
    expect(Date.parse(String(lines[0]?.timestamp))).not.toBeNaN();
    expect(lines[1]).toMatchObject({
      level: "WARN",
      service: "isp-billing",
      stage: "dev",
      requestId: "req-9",
      commandId: "cmd_3",
    });
  });

  it("redacts keys that look secret, in fields and in a child's keys, and logs errors by name and message", () => {
    const logger = createPowertoolsLogger({ service: "authorizer", level: "debug" });
    logger.child({ apiKey: "isp.live.abc" }).error("refused", {
      radiusSecret: "s3cret",
      password: "hunter2",
      authorization: "Bearer x",
      cause: new Error("no such key"),
    });

    const text = JSON.stringify(lines);
    for (const secret of ["isp.live.abc", "s3cret", "hunter2", "Bearer x"])
      expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      level: "ERROR",
      apiKey: "[redacted]",
      radiusSecret: "[redacted]",
      cause: { name: "Error", message: "no such key" },
    });
  });

  it("honours the level: silent writes nothing, warn drops info", () => {
    createPowertoolsLogger({ service: "x", level: "silent" }).error("never");
    const warn = createPowertoolsLogger({ service: "x", level: "warn" });
    warn.info("dropped");
    warn.warn("kept");
    expect(lines.map((l) => l.message)).toEqual(["kept"]);
  });
});
