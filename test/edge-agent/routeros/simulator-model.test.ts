import { afterEach, describe, expect, it } from "vitest";
import {
  formatUptime,
  MENU,
  type ModelChange,
  RouterModel,
  seedDemoRouter,
  TrapError,
} from "../../../edge-agent/simulator/index.js";

describe("simulated router model", () => {
  let model: RouterModel;

  afterEach(() => {
    model.dispose();
  });

  const withAlice = (options: ConstructorParameters<typeof RouterModel>[0] = {}) => {
    model = new RouterModel(options);
    model.addSecret({ name: "alice", password: "pw", remoteAddress: "10.0.0.5" });
    return model.connectPpp("alice");
  };

  it("redials a kicked session while the secret stays enabled", () => {
    const first = withAlice({ reconnectDelayMs: 60_000 });
    model.remove(MENU.pppActive, first[".id"] ?? "", { redial: true });
    expect(model.print(MENU.pppActive)).toEqual([]);
    expect(model.pendingRedials).toBe(1);
    model.flushRedials();
    const [again] = model.print(MENU.pppActive);
    expect(again).toMatchObject({ name: "alice", address: "10.0.0.5" });
    expect(again?.[".id"]).not.toBe(first[".id"]);
    expect(again?.["session-id"]).not.toBe(first["session-id"]);
  });

  it("does not redial once the secret is disabled, nor after the client hangs up", () => {
    const first = withAlice({ reconnectDelayMs: 60_000 });
    const secret = model.print(MENU.pppSecret)[0];
    model.set(MENU.pppSecret, secret?.[".id"] ?? "", { disabled: "yes" });
    expect(model.print(MENU.pppActive)).toHaveLength(1); // disabling does not drop the session
    model.remove(MENU.pppActive, first[".id"] ?? "", { redial: true });
    model.flushRedials();
    expect(model.print(MENU.pppActive)).toEqual([]);
    expect(() => model.connectPpp("alice")).toThrow(TrapError);
    model.set(MENU.pppSecret, secret?.[".id"] ?? "", { disabled: "no" });
    model.connectPpp("alice");
    expect(model.hangUpPpp("alice")).toBe(true);
    expect(model.pendingRedials).toBe(0);
  });

  it("redials on its own after the configured delay", async () => {
    const first = withAlice({ reconnectDelayMs: 20 });
    model.remove(MENU.pppActive, first[".id"] ?? "", { redial: true });
    for (let i = 0; i < 50 && model.print(MENU.pppActive).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(model.print(MENU.pppActive)).toHaveLength(1);
  });

  it("reports every change to listeners", () => {
    model = new RouterModel();
    const seen: ModelChange[] = [];
    const stop = model.onChange((change) => seen.push(change));
    model.addSecret({ name: "bob", password: "pw" });
    const session = model.connectPpp("bob");
    model.hangUpPpp("bob");
    stop();
    model.addSecret({ name: "carol", password: "pw" });
    expect(seen.map((c) => [c.menu, c.action, c.row.name])).toEqual([
      [MENU.pppSecret, "add", "bob"],
      [MENU.pppActive, "add", "bob"],
      [MENU.pppActive, "remove", "bob"],
    ]);
    expect(session.password).toBeUndefined();
  });

  it("computes session uptime from the clock", () => {
    let now = 1_000_000;
    withAlice({ now: () => now });
    now += 3_723_000;
    expect(model.print(MENU.pppActive)[0]?.uptime).toBe("1h2m3s");
    expect(formatUptime(0)).toBe("0s");
    expect(formatUptime(694_861_000)).toBe("1w1d1h1m1s");
  });

  it("seeds a believable demo router", () => {
    model = new RouterModel();
    seedDemoRouter(model, { pppoe: 4, hotspot: 2, onlineRatio: 0.5 });
    expect(model.print(MENU.pppSecret)).toHaveLength(4);
    expect(model.print(MENU.pppActive)).toHaveLength(2);
    expect(model.print(MENU.hotspotActive)).toHaveLength(1);
    expect(model.print(MENU.simpleQueue)).toHaveLength(4);
    expect(model.print(MENU.pppProfile).map((p) => p.name)).toContain("suspended");
  });
});
