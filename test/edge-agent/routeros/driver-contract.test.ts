import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type RouterDriver,
  type RouterTarget,
  SUSPENSION_STYLES,
  suspensionComment,
} from "../../../edge-agent/routeros/driver.js";
import { RouterCommandError, RouterNotFoundError } from "../../../edge-agent/routeros/errors.js";
import {
  account,
  type DriverKind,
  listEntries,
  liveSessions,
  makeDriver,
  POLICY,
  rejection,
  startRouter,
  type TestRouter,
} from "./helpers.js";

const SUBSCRIBERS = [
  { target: { username: "alice", service: "pppoe" }, packageProfile: "10M", address: "10.20.0.10" },
  {
    target: { username: "carol", service: "hotspot", address: "10.5.50.20" },
    packageProfile: "1day",
    address: "10.5.50.20",
  },
] as const satisfies readonly { target: RouterTarget; packageProfile: string; address: string }[];

describe.each<DriverKind>(["api", "rest"])("%s driver", (kind) => {
  let router: TestRouter;
  let driver: RouterDriver;

  beforeEach(async () => {
    // Kicked PPPoE clients redial; the long delay leaves the timing to flushRedials().
    router = await startRouter({ reconnectDelayMs: 60_000 });
    driver = makeDriver(kind, router);
  });

  afterEach(async () => {
    await driver.close();
    await router.close();
  });

  describe.each(SUBSCRIBERS)(
    "$target.service subscriber $target.username",
    ({ target, packageProfile, address }) => {
      it("reads the live state", async () => {
        const state = await driver.readState(target);
        expect(state).toMatchObject({ exists: true, online: true, disabled: false, profile: packageProfile });
        expect(state.sessions).toHaveLength(1);
        expect(state.sessions[0]?.address).toBe(address);
        expect(state.inSuspendedList).toBe(false);
      });

      it("suspends with `disable`: account disabled, no live session", async () => {
        await driver.suspend(target, "disable");
        const model = router.sim.model;
        expect(account(model, target.service, target.username)?.disabled).toBe("true");
        expect(liveSessions(model, target.service, target.username)).toEqual([]);
        expect(await driver.readState(target)).toMatchObject({ online: false, sessions: [], disabled: true });
      });

      it("suspends with `profile`: suspended profile, no live session", async () => {
        await driver.suspend(target, "profile");
        const model = router.sim.model;
        expect(account(model, target.service, target.username)).toMatchObject({
          profile: "suspended",
          disabled: "false",
        });
        expect(liveSessions(model, target.service, target.username)).toEqual([]);
        expect(await driver.readState(target)).toMatchObject({
          online: false,
          profile: "suspended",
          disabled: false,
        });
      });

      it("suspends with `address-list`: entry naming the user, no live session", async () => {
        await driver.suspend(target, "address-list");
        const model = router.sim.model;
        expect(listEntries(model, POLICY.suspendedList)).toEqual([
          expect.objectContaining({ address, comment: suspensionComment(target.username) }),
        ]);
        expect(liveSessions(model, target.service, target.username)).toEqual([]);
        expect(await driver.readState(target)).toMatchObject({
          online: false,
          inSuspendedList: true,
          disabled: false,
        });
      });

      it.each(SUSPENSION_STYLES)("restore undoes `%s`", async (style) => {
        await driver.suspend(target, style);
        await driver.restore(target, packageProfile);
        const model = router.sim.model;
        expect(account(model, target.service, target.username)).toMatchObject({
          disabled: "false",
          profile: packageProfile,
        });
        expect(listEntries(model, POLICY.suspendedList)).toEqual([]);
        expect(await driver.readState(target)).toMatchObject({
          disabled: false,
          profile: packageProfile,
          inSuspendedList: false,
        });
      });

      it("restore drops a session that came back on the suspended profile, so the package applies", async () => {
        const model = router.sim.model;
        await driver.suspend(target, "profile");
        if (target.service === "pppoe") model.flushRedials();
        else model.loginHotspot(target.username, { address });
        expect(liveSessions(model, target.service, target.username)).toHaveLength(1);
        await driver.restore(target, packageProfile);
        expect(liveSessions(model, target.service, target.username)).toEqual([]);
        model.flushRedials();
        expect(account(model, target.service, target.username)?.profile).toBe(packageProfile);
      });

      it("a `disable` suspension stays offline even when the client redials", async () => {
        await driver.suspend(target, "disable");
        router.sim.model.flushRedials();
        expect(liveSessions(router.sim.model, target.service, target.username)).toEqual([]);
      });

      it("suspends idempotently (no duplicate list entry, no error)", async () => {
        await driver.suspend(target, "address-list");
        await driver.suspend(target, "address-list");
        expect(listEntries(router.sim.model, POLICY.suspendedList)).toHaveLength(1);
      });

      it("changes the rate through the simple queue", async () => {
        await driver.setRate(target, { via: "queue", maxLimit: "20M/20M" });
        const queue = router.sim.model.print("/queue/simple").find((q) => q.name === target.username);
        expect(queue?.["max-limit"]).toBe("20M/20M");
        expect((await driver.readState(target)).queueMaxLimit).toBe("20M/20M");
      });

      it("changes the rate through the profile and drops the session so it applies", async () => {
        const profile = target.service === "pppoe" ? "20M" : "suspended";
        await driver.setRate(target, { via: "profile", profile });
        expect(account(router.sim.model, target.service, target.username)?.profile).toBe(profile);
        expect(liveSessions(router.sim.model, target.service, target.username)).toEqual([]);
      });

      it("disconnects every live session and tolerates none", async () => {
        await driver.disconnect(target);
        expect(liveSessions(router.sim.model, target.service, target.username)).toEqual([]);
        await driver.disconnect(target);
        expect((await driver.readState(target)).online).toBe(false);
      });
    },
  );

  it("uses the live session's address for `address-list` when none is configured", async () => {
    await driver.suspend({ username: "bob", service: "pppoe" }, "address-list");
    expect(listEntries(router.sim.model, POLICY.suspendedList)).toEqual([
      expect.objectContaining({ address: "10.30.0.7", comment: suspensionComment("bob") }),
    ]);
  });

  it("refuses `address-list` when no address is known", async () => {
    const err = await rejection(driver.suspend({ username: "dave", service: "pppoe" }, "address-list"));
    expect(err).toBeInstanceOf(RouterCommandError);
  });

  it("refuses to restore a profile-suspended subscriber without the package profile", async () => {
    const alice = { username: "alice", service: "pppoe" } as const;
    await driver.suspend(alice, "profile");
    expect(await rejection(driver.restore(alice))).toBeInstanceOf(RouterCommandError);
  });

  it("reports an unknown subscriber as not existing, and refuses to act on it", async () => {
    const ghost = { username: "ghost", service: "pppoe" } as const;
    expect(await driver.readState(ghost)).toMatchObject({ exists: false, online: false });
    expect(await rejection(driver.suspend(ghost, "disable"))).toBeInstanceOf(RouterNotFoundError);
  });

  it("raises not-found for a rate change without a queue", async () => {
    const err = await rejection(
      driver.setRate({ username: "dave", service: "pppoe" }, { via: "queue", maxLimit: "1M/1M" }),
    );
    expect(err).toBeInstanceOf(RouterNotFoundError);
  });
});
