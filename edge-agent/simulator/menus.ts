import { type Row, type TableSpec, TrapError } from "./table.js";

/** The menus the simulated router serves, as RouterOS names them. */
export const MENU = {
  pppSecret: "/ppp/secret",
  pppActive: "/ppp/active",
  pppProfile: "/ppp/profile",
  hotspotUser: "/ip/hotspot/user",
  hotspotUserProfile: "/ip/hotspot/user/profile",
  hotspotActive: "/ip/hotspot/active",
  addressList: "/ip/firewall/address-list",
  simpleQueue: "/queue/simple",
} as const;

export type Menu = (typeof MENU)[keyof typeof MENU];

/** RouterOS's duration format: 1w2d3h4m5s, "0s" when zero. */
export function formatUptime(ms: number): string {
  let rest = Math.max(0, Math.floor(ms / 1000));
  const units: [string, number][] = [
    ["w", 604_800],
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ];
  let out = "";
  for (const [suffix, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) out += `${n}${suffix}`;
  }
  return out === "" ? "0s" : out;
}

export interface MenuHooks {
  /** Uptime of a live session, from the time the model recorded for it. */
  uptimeOf(menu: Menu, id: string): string;
  profileExists(menu: Menu, name: string): boolean;
}

export function menuSpecs(hooks: MenuHooks): TableSpec[] {
  const withUptime = (menu: Menu) => (row: Readonly<Row>) => ({
    ...row,
    uptime: hooks.uptimeOf(menu, row[".id"] ?? ""),
  });
  const profileOf = (profiles: Menu) => (row: Readonly<Row>) => {
    if (row.profile !== undefined && !hooks.profileExists(profiles, row.profile)) {
      throw new TrapError(`input does not match any value of profile`);
    }
  };
  return [
    {
      menu: MENU.pppSecret,
      verbs: ["print", "add", "set", "remove"],
      fields: [
        "name",
        "password",
        "profile",
        "service",
        "disabled",
        "remote-address",
        "local-address",
        "comment",
      ],
      defaults: { service: "any", profile: "default", disabled: "false" },
      key: "name",
      duplicateMessage: "failure: secret with the same name already exists",
      validate: profileOf(MENU.pppProfile),
    },
    {
      menu: MENU.pppActive,
      verbs: ["print", "remove"],
      fields: [],
      render: withUptime(MENU.pppActive),
    },
    {
      menu: MENU.pppProfile,
      verbs: ["print", "add", "set", "remove"],
      fields: ["name", "rate-limit", "local-address", "remote-address", "comment"],
      key: "name",
      duplicateMessage: "failure: profile with the same name already exists",
    },
    {
      menu: MENU.hotspotUser,
      verbs: ["print", "add", "set", "remove"],
      fields: ["name", "password", "profile", "disabled", "address", "server", "comment", "limit-uptime"],
      defaults: { server: "all", profile: "default", disabled: "false" },
      key: "name",
      duplicateMessage: "failure: already have user with this name for this server",
      validate: profileOf(MENU.hotspotUserProfile),
    },
    {
      menu: MENU.hotspotUserProfile,
      verbs: ["print", "add", "set", "remove"],
      fields: ["name", "rate-limit", "shared-users", "address-list"],
      key: "name",
    },
    {
      menu: MENU.hotspotActive,
      verbs: ["print", "remove"],
      fields: [],
      render: withUptime(MENU.hotspotActive),
    },
    {
      menu: MENU.addressList,
      verbs: ["print", "add", "set", "remove"],
      fields: ["list", "address", "timeout", "comment", "disabled"],
      defaults: { disabled: "false", dynamic: "false" },
      unique: ["list", "address"],
    },
    {
      menu: MENU.simpleQueue,
      verbs: ["print", "add", "set", "remove"],
      fields: ["name", "target", "max-limit", "limit-at", "parent", "disabled", "comment"],
      defaults: { "max-limit": "0/0", disabled: "false" },
      key: "name",
      duplicateMessage: "failure: already have queue with such name",
    },
  ];
}
