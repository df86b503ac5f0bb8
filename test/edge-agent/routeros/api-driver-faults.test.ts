import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createApiDriver } from "../../../edge-agent/routeros/api-driver.js";
import type { RouterDriver } from "../../../edge-agent/routeros/driver.js";
import {
  RouterAuthError,
  RouterCommandError,
  RouterConnectionError,
  RouterTimeoutError,
} from "../../../edge-agent/routeros/errors.js";
import { CREDENTIALS, makeDriver, POLICY, rejection, startRouter, type TestRouter } from "./helpers.js";
import { startHostileRouter } from "./hostile-router.js";

const alice = { username: "alice", service: "pppoe" } as const;
const dave = { username: "dave", service: "pppoe" } as const; // offline, no queue: every print is empty

describe("API driver under faults", () => {
  const uncaught = vi.fn();
  let router: TestRouter;
  let driver: RouterDriver;
  const faults: unknown[] = [];

  beforeAll(() => {
    process.on("uncaughtException", uncaught);
  });
  afterAll(() => {
    process.off("uncaughtException", uncaught);
  });

  beforeEach(async () => {
    router = await startRouter();
    faults.length = 0;
    driver = makeDriver("api", router, {
      commandTimeoutMs: 300,
      connectTimeoutMs: 300,
      onFault: (e) => faults.push(e),
    });
  });

  afterEach(async () => {
    await driver.close();
    await router.close();
    expect(uncaught).not.toHaveBeenCalled();
  });

  it("reads `!empty` replies (RouterOS 7.18+) as empty results on the same connection", async () => {
    router.sim.faults.emptyReplies = true;
    const state = await driver.readState(dave);
    expect(state).toMatchObject({ exists: true, online: false, sessions: [], inSuspendedList: false });
    expect(state.queueMaxLimit).toBeUndefined();
    await driver.readState(dave);
    expect(faults).toEqual([]);
    expect(router.sim.api.connections).toBe(1);
  });

  it("times out a stalled command, survives, and reconnects for the next one", async () => {
    await driver.readState(alice);
    router.sim.faults.stall("/ppp/active/print");
    const started = Date.now();
    const err = await rejection(driver.readState(alice));
    expect(err).toBeInstanceOf(RouterTimeoutError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((err as RouterTimeoutError).command).toBe("/ppp/active/print");
    expect(await driver.readState(alice)).toMatchObject({ online: true });
    expect(router.sim.api.connections).toBe(1);
  });

  it("treats the library's idle-socket timeout as a quiet drop and reconnects on next use", async () => {
    const idle = makeDriver("api", router, { idleTimeoutSec: 0.1 });
    try {
      await idle.readState(alice);
      for (let i = 0; i < 50 && router.sim.api.connections > 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(router.sim.api.connections).toBe(0);
      expect(await idle.readState(alice)).toMatchObject({ online: true });
    } finally {
      await idle.close();
    }
  });

  it("times out a login that is never answered", async () => {
    router.sim.faults.stall("/login");
    expect(await rejection(driver.readState(alice))).toBeInstanceOf(RouterTimeoutError);
    expect(await driver.readState(alice)).toMatchObject({ exists: true });
  });

  it("turns a connection reset mid-command into a connection error, then recovers", async () => {
    await driver.readState(alice);
    router.sim.faults.drop("/ppp/secret/set");
    const err = await rejection(driver.suspend(alice, "disable"));
    expect(err).toBeInstanceOf(RouterConnectionError);
    await driver.suspend(alice, "disable");
    expect(await driver.readState(alice)).toMatchObject({ disabled: true, online: false });
  });

  it("turns `!fatal` into a connection error naming the reason", async () => {
    router.sim.faults.inject({ command: "/ppp/active/print", action: "fatal", message: "out of memory" });
    const err = await rejection(driver.readState(alice));
    expect(err).toBeInstanceOf(RouterConnectionError);
    expect(String(err)).toContain("out of memory");
    expect(await driver.readState(alice)).toMatchObject({ online: true });
  });

  it("reports a trap with the router's message", async () => {
    router.sim.faults.inject({ command: "/ppp/secret/set", action: "trap", message: "failure: device busy" });
    const err = await rejection(driver.suspend(alice, "disable"));
    expect(err).toBeInstanceOf(RouterCommandError);
    expect((err as RouterCommandError).routerMessage).toBe("failure: device busy");
  });

  it("rejects bad credentials with an auth error that never shows the password", async () => {
    const wrong = makeDriver("api", router, { password: "Wr0ng-Secret-pw", connectTimeoutMs: 1_000 });
    const err = await rejection(wrong.readState(alice));
    await wrong.close();
    expect(err).toBeInstanceOf(RouterAuthError);
    const shown = [String(err), (err as Error).stack, JSON.stringify(err), String((err as Error).cause)].join(
      "\n",
    );
    expect(shown).not.toContain("Wr0ng-Secret-pw");
    expect(shown).not.toContain(CREDENTIALS.password);
  });

  it("rejects a router that refuses every login", async () => {
    router.sim.faults.rejectLogin = true;
    expect(await rejection(driver.readState(alice))).toBeInstanceOf(RouterAuthError);
  });

  it("reports a refused connection as a connection error", async () => {
    const port = await freePort();
    const nowhere = createApiDriver({
      host: "127.0.0.1",
      port,
      ...CREDENTIALS,
      policy: POLICY,
      connectTimeoutMs: 1_000,
    });
    expect(await rejection(nowhere.readState(alice))).toBeInstanceOf(RouterConnectionError);
    await nowhere.close();
  });

  it("lets `ACK but ignore` removes be detected through readState", async () => {
    router.sim.faults.ackButIgnoreActiveRemoves = true;
    await driver.suspend(alice, "disable");
    const state = await driver.readState(alice);
    expect(state).toMatchObject({ disabled: true, online: true });
    expect(state.sessions).toHaveLength(1);
  });

  it.each(["unknown-reply", "foreign-tag", "split-garbage", "login-rows"] as const)(
    "turns a node-routeros throw (%s) into a connection error and reports it",
    async (mode) => {
      const hostile = await startHostileRouter(mode);
      const seen: unknown[] = [];
      const victim = createApiDriver({
        host: "127.0.0.1",
        port: hostile.port,
        ...CREDENTIALS,
        policy: POLICY,
        commandTimeoutMs: 1_000,
        onFault: (e) => seen.push(e),
      });
      try {
        expect(await rejection(victim.readState(alice))).toBeInstanceOf(RouterConnectionError);
        expect(seen).toEqual([expect.any(RouterConnectionError)]);
      } finally {
        await victim.close();
        await hostile.close();
      }
    },
  );

  it("refuses calls after close", async () => {
    await driver.close();
    expect(await rejection(driver.readState(alice))).toBeInstanceOf(RouterConnectionError);
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
