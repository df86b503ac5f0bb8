import { MENU } from "./menus.js";
import type { RouterModel } from "./model.js";

export interface DemoSeedOptions {
  /** PPPoE subscribers to create, named pppoe-001... @default 5 */
  readonly pppoe?: number;
  /** Hotspot users to create, named hs-001... @default 2 */
  readonly hotspot?: number;
  /** Fraction of subscribers online after seeding. @default 0.6 */
  readonly onlineRatio?: number;
}

/**
 * A small, believable router for the local demo: package profiles, a "suspended" profile, PPPoE
 * secrets with fixed addresses and queues, hotspot users, and some of them online. Deterministic.
 */
export function seedDemoRouter(model: RouterModel, options: DemoSeedOptions = {}): void {
  const pppoe = Math.min(options.pppoe ?? 5, 1000);
  const hotspot = Math.min(options.hotspot ?? 2, 1000);
  const online = options.onlineRatio ?? 0.6;
  model.addPppProfile("5M", "5M/5M");
  model.addPppProfile("10M", "10M/10M");
  model.addPppProfile("suspended", "64k/64k");
  model.addHotspotProfile("1day", "2M/2M");
  model.addHotspotProfile("suspended", "64k/64k");
  for (let i = 1; i <= pppoe; i++) {
    const name = `pppoe-${String(i).padStart(3, "0")}`;
    const address = `10.20.${Math.floor(i / 250)}.${(i % 250) + 2}`;
    model.addSecret({
      name,
      password: `pw-${i}`,
      profile: i % 2 ? "5M" : "10M",
      service: "pppoe",
      remoteAddress: address,
    });
    model.addQueue({ name, target: `${address}/32`, maxLimit: i % 2 ? "5M/5M" : "10M/10M" });
    if (i <= Math.round(pppoe * online)) model.connectPpp(name);
  }
  for (let i = 1; i <= hotspot; i++) {
    const name = `hs-${String(i).padStart(3, "0")}`;
    model.addHotspotUser({ name, password: `pw-${i}`, profile: "1day" });
    if (i <= Math.round(hotspot * online)) model.loginHotspot(name, { address: `10.5.50.${i + 10}` });
  }
  model.add(MENU.addressList, { list: "blocked-demo", address: "192.0.2.1", comment: "example entry" });
}
