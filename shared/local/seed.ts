import type { Caller, ServiceDeps } from "../services/caller.js";
import { createPackage } from "../services/packages.js";
import { createNas, createSite } from "../services/sites.js";
import { createSubscriber } from "../services/subscribers.js";
import { createTenant } from "../services/tenants.js";

export interface DemoTenant {
  readonly tenantId: string;
  readonly ownerToken: string;
  readonly siteId: string;
  readonly nasId: string;
  readonly packageIds: string[];
  readonly subscriberIds: string[];
}

const DAY = 86_400_000;

/** A small Dhaka ISP: three packages, one site with one MikroTik, a handful of subscribers. */
export async function seedDemoTenant(deps: ServiceDeps): Promise<DemoTenant> {
  const { tenant, ownerToken } = await createTenant(deps, {
    name: "Demo Net Dhaka",
    timeZone: "Asia/Dhaka",
    currency: "BDT",
  });
  const caller: Caller = { tenantId: tenant.id, role: "owner", actor: { kind: "system", id: "seed" } };
  const prepaid = (days: number) => ({
    type: "prepaid" as const,
    validity: { unit: "days" as const, count: days },
  });
  const packages = await Promise.all([
    createPackage(deps, caller, {
      name: "Home 10 Mbps",
      price: { amount: 50_000, currency: "BDT" },
      speed: { downloadKbps: 10_240, uploadKbps: 10_240 },
      billing: prepaid(30),
      graceDays: 2,
      routerProfile: "home-10m",
    }),
    createPackage(deps, caller, {
      name: "Home 20 Mbps",
      price: { amount: 80_000, currency: "BDT" },
      speed: { downloadKbps: 20_480, uploadKbps: 20_480 },
      billing: prepaid(30),
      graceDays: 2,
      routerProfile: "home-20m",
    }),
    createPackage(deps, caller, {
      name: "Hotspot Day Pass",
      price: { amount: 3_000, currency: "BDT" },
      speed: { downloadKbps: 5_120, uploadKbps: 2_048 },
      billing: { type: "prepaid", validity: { unit: "hours", count: 24 } },
      graceDays: 0,
      routerProfile: "hotspot-day",
    }),
  ]);
  const site = await createSite(deps, caller, { name: "Mirpur POP", location: "Mirpur 10, Dhaka" });
  const nas = await createNas(deps, caller, site.resource.id, {
    name: "mirpur-ccr1",
    address: "127.0.0.1",
    type: "mikrotik",
    method: "api",
    services: ["pppoe", "hotspot"],
  });
  const [home10, home20, dayPass] = packages.map((p) => p.resource.id);
  const now = deps.clock.now().getTime();
  const people = [
    { name: "Rahim Uddin", phone: "+8801711000001", username: "rahim", packageId: home10, days: 12 },
    { name: "Karima Begum", phone: "+8801711000002", username: "karima", packageId: home20, days: 3 },
    { name: "Sajid Hasan", phone: "+8801711000003", username: "sajid", packageId: home10, days: 1 },
    { name: "Nusrat Jahan", phone: "+8801711000004", username: "nusrat", packageId: dayPass, days: 0.5 },
  ];
  const subscribers = [];
  for (const p of people) {
    if (!p.packageId) continue;
    const created = await createSubscriber(deps, caller, {
      name: p.name,
      phone: p.phone,
      username: p.username,
      service: p.packageId === dayPass ? "hotspot" : "pppoe",
      packageId: p.packageId,
      siteId: site.resource.id,
      nasId: nas.resource.id,
      expiresAt: new Date(now + p.days * DAY).toISOString(),
    });
    subscribers.push(created.resource.id);
  }
  return {
    tenantId: tenant.id,
    ownerToken,
    siteId: site.resource.id,
    nasId: nas.resource.id,
    packageIds: packages.map((p) => p.resource.id),
    subscriberIds: subscribers,
  };
}
