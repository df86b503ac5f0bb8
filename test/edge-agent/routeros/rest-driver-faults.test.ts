import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RouterDriver } from "../../../edge-agent/routeros/driver.js";
import {
  RouterAuthError,
  RouterCommandError,
  RouterConnectionError,
  RouterNotFoundError,
  RouterTimeoutError,
} from "../../../edge-agent/routeros/errors.js";
import { createRestDriver, RestTransport } from "../../../edge-agent/routeros/rest-driver.js";
import { CREDENTIALS, makeDriver, POLICY, rejection, startRouter, type TestRouter } from "./helpers.js";

const alice = { username: "alice", service: "pppoe" } as const;

describe("REST driver under faults", () => {
  let router: TestRouter;
  let driver: RouterDriver;

  beforeEach(async () => {
    router = await startRouter();
    driver = makeDriver("rest", router, { timeoutMs: 300 });
  });

  afterEach(async () => {
    await driver.close();
    await router.close();
  });

  it("times out a stalled request and the next one works", async () => {
    router.sim.faults.stall("/ppp/active/print");
    const started = Date.now();
    const err = await rejection(driver.readState(alice));
    expect(err).toBeInstanceOf(RouterTimeoutError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await driver.readState(alice)).toMatchObject({ online: true });
  });

  it("reports a 500 as a retryable command error", async () => {
    router.sim.faults.inject({ command: "/ppp/secret/set", action: "http-500", message: "busy" });
    const err = await rejection(driver.suspend(alice, "disable"));
    expect(err).toBeInstanceOf(RouterCommandError);
    expect(err).toMatchObject({ status: 500, retryable: true, routerMessage: "busy" });
  });

  it("reports a refusal with RouterOS's detail", async () => {
    router.sim.faults.inject({ command: "/ppp/secret/set", action: "trap", message: "failure: device busy" });
    const err = await rejection(driver.suspend(alice, "disable"));
    expect(err).toMatchObject({ status: 400, retryable: false, routerMessage: "failure: device busy" });
  });

  it("turns a dropped connection into a connection error", async () => {
    router.sim.faults.drop("/ppp/secret/set");
    expect(await rejection(driver.suspend(alice, "disable"))).toBeInstanceOf(RouterConnectionError);
    await driver.suspend(alice, "disable");
    expect(await driver.readState(alice)).toMatchObject({ disabled: true, online: false });
  });

  it("rejects bad credentials with an auth error that never shows the password", async () => {
    const wrong = makeDriver("rest", router, { password: "Wr0ng-Secret-pw" });
    const err = await rejection(wrong.readState(alice));
    expect(err).toBeInstanceOf(RouterAuthError);
    const shown = [String(err), (err as Error).stack, JSON.stringify(err)].join("\n");
    expect(shown).not.toContain("Wr0ng-Secret-pw");
    expect(shown).not.toContain(Buffer.from(`${CREDENTIALS.username}:Wr0ng-Secret-pw`).toString("base64"));
  });

  it("reports a refused connection as a connection error", async () => {
    const port = await freePort();
    const nowhere = createRestDriver({ baseUrl: `http://127.0.0.1:${port}`, ...CREDENTIALS, policy: POLICY });
    expect(await rejection(nowhere.readState(alice))).toBeInstanceOf(RouterConnectionError);
  });

  it("maps a missing item to not-found", async () => {
    const transport = new RestTransport({ baseUrl: `http://127.0.0.1:${router.restPort}`, ...CREDENTIALS });
    expect(await rejection(transport.remove("/ppp/active", "*FFFF"))).toBeInstanceOf(RouterNotFoundError);
    expect(await rejection(transport.set("/ppp/secret", "*FFFF", { disabled: "yes" }))).toBeInstanceOf(
      RouterNotFoundError,
    );
  });

  it("refuses credentials embedded in the URL", () => {
    expect(() => new RestTransport({ baseUrl: "http://u:p@127.0.0.1", ...CREDENTIALS })).toThrow(TypeError);
  });

  it("lets `ACK but ignore` removes be detected through readState", async () => {
    router.sim.faults.ackButIgnoreActiveRemoves = true;
    await driver.suspend(alice, "disable");
    expect(await driver.readState(alice)).toMatchObject({ disabled: true, online: true });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
