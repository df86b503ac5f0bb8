import {
  type RateChange,
  type RouterDriver,
  type RouterRow,
  type RouterService,
  type RouterSession,
  type RouterSubscriberState,
  type RouterTarget,
  type RouterTransport,
  type SuspensionPolicy,
  type SuspensionStyle,
  suspensionComment,
} from "./driver.js";
import { RouterCommandError, RouterConnectionError, RouterNotFoundError } from "./errors.js";

/** Where each service keeps its accounts and live sessions, and the field naming the user. */
const MENUS = {
  pppoe: {
    accounts: "/ppp/secret",
    active: "/ppp/active",
    activeUser: "name",
    staticAddress: "remote-address",
  },
  hotspot: {
    accounts: "/ip/hotspot/user",
    active: "/ip/hotspot/active",
    activeUser: "user",
    staticAddress: "address",
  },
} as const;

const LIST_MENU = "/ip/firewall/address-list";
const QUEUE_MENU = "/queue/simple";
const LIST_PROPS = [".id", "list", "address", "comment"];
const QUEUE_PROPS = [".id", "name", "target", "max-limit"];
const accountProps = (service: RouterService) => [
  ".id",
  "name",
  "profile",
  "disabled",
  MENUS[service].staticAddress,
];
const sessionProps = (service: RouterService) => [
  ".id",
  MENUS[service].activeUser,
  "address",
  "caller-id",
  "uptime",
];

/** RouterOS prints booleans as "true"/"false" (v7) or "yes"/"no" (v6 CLI); accept both. */
const isTrue = (v: string | undefined): boolean => v === "true" || v === "yes";

/** RouterDriver over any RouterTransport: the suspend/restore/rate logic lives here once. */
export class SubscriberDriver implements RouterDriver {
  constructor(
    private readonly transport: RouterTransport,
    private readonly policy: SuspensionPolicy,
    private readonly routerName: string,
  ) {}

  async suspend(target: RouterTarget, style: SuspensionStyle): Promise<void> {
    const menus = MENUS[target.service];
    const account = await this.account(target);
    const id = rowId(account, this.routerName);
    if (style === "disable") {
      if (!isTrue(account.disabled)) await this.transport.set(menus.accounts, id, { disabled: "yes" });
    } else if (style === "profile") {
      if (account.profile !== this.policy.suspendedProfile) {
        await this.transport.set(menus.accounts, id, { profile: this.policy.suspendedProfile });
      }
    } else {
      await this.addToSuspendedList(target, account);
    }
    await this.disconnect(target);
  }

  async restore(target: RouterTarget, profile?: string): Promise<void> {
    const menus = MENUS[target.service];
    const account = await this.account(target);
    if (profile === undefined && account.profile === this.policy.suspendedProfile) {
      throw new RouterCommandError(`restore of ${target.username} needs the package profile`, this.context());
    }
    const changes: Record<string, string> = {};
    if (isTrue(account.disabled)) changes.disabled = "no";
    if (profile !== undefined && profile !== account.profile) changes.profile = profile;
    if (Object.keys(changes).length > 0)
      await this.transport.set(menus.accounts, rowId(account, this.routerName), changes);
    for (const entry of await this.suspendedEntries(target, account)) {
      await this.removeIgnoringMissing(LIST_MENU, rowId(entry, this.routerName));
    }
    // A profile applies to new sessions only, so a changed profile needs a reconnect.
    if (changes.profile !== undefined) await this.disconnect(target);
  }

  async setRate(target: RouterTarget, rate: RateChange): Promise<void> {
    if (rate.via === "profile") {
      const account = await this.account(target);
      if (account.profile !== rate.profile) {
        await this.transport.set(MENUS[target.service].accounts, rowId(account, this.routerName), {
          profile: rate.profile,
        });
        await this.disconnect(target);
      }
      return;
    }
    const queue = await this.queue(target);
    if (queue === undefined) {
      throw new RouterNotFoundError(`no simple queue for ${target.username}`, this.context(QUEUE_MENU));
    }
    await this.transport.set(QUEUE_MENU, rowId(queue, this.routerName), { "max-limit": rate.maxLimit });
  }

  async disconnect(target: RouterTarget): Promise<void> {
    for (const session of await this.sessions(target)) {
      await this.removeIgnoringMissing(MENUS[target.service].active, rowId(session, this.routerName));
    }
  }

  async readState(target: RouterTarget): Promise<RouterSubscriberState> {
    const menus = MENUS[target.service];
    const [accounts, sessions, queue] = await Promise.all([
      this.transport.print(menus.accounts, { name: target.username }, accountProps(target.service)),
      this.sessions(target),
      this.queue(target),
    ]);
    const account = accounts[0];
    const listed = await this.suspendedEntries(target, account, sessions);
    return {
      exists: account !== undefined,
      online: sessions.length > 0,
      sessions: sessions.map((s) => toSession(s, this.routerName)),
      disabled: isTrue(account?.disabled),
      ...(account?.profile !== undefined && { profile: account.profile }),
      inSuspendedList: listed.length > 0,
      ...(queue?.["max-limit"] !== undefined && { queueMaxLimit: queue["max-limit"] }),
    };
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private async account(target: RouterTarget): Promise<RouterRow> {
    const menu = MENUS[target.service].accounts;
    const [row] = await this.transport.print(menu, { name: target.username }, accountProps(target.service));
    if (row === undefined)
      throw new RouterNotFoundError(`no account named ${target.username}`, this.context(menu));
    return row;
  }

  private sessions(target: RouterTarget): Promise<RouterRow[]> {
    const menus = MENUS[target.service];
    return this.transport.print(
      menus.active,
      { [menus.activeUser]: target.username },
      sessionProps(target.service),
    );
  }

  private async queue(target: RouterTarget): Promise<RouterRow | undefined> {
    const [byName] = await this.transport.print(QUEUE_MENU, { name: target.username }, QUEUE_PROPS);
    if (byName !== undefined || target.address === undefined) return byName;
    const [byTarget] = await this.transport.print(
      QUEUE_MENU,
      { target: `${target.address}/32` },
      QUEUE_PROPS,
    );
    return byTarget;
  }

  /** Addresses the subscriber is known by: the target's, the account's static one, live sessions'. */
  private addresses(
    target: RouterTarget,
    account: RouterRow | undefined,
    sessions: readonly RouterRow[],
  ): string[] {
    const all = [
      target.address,
      account?.[MENUS[target.service].staticAddress],
      ...sessions.map((s) => s.address),
    ];
    return [...new Set(all.filter((a): a is string => a !== undefined && a !== ""))];
  }

  private async addToSuspendedList(target: RouterTarget, account: RouterRow): Promise<void> {
    const [address] = this.addresses(target, account, await this.sessions(target));
    if (address === undefined) {
      throw new RouterCommandError(`no address known for ${target.username}`, this.context(LIST_MENU));
    }
    const existing = await this.transport.print(
      LIST_MENU,
      { list: this.policy.suspendedList, address },
      LIST_PROPS,
    );
    if (existing.length > 0) return;
    await this.transport.add(LIST_MENU, {
      list: this.policy.suspendedList,
      address,
      comment: suspensionComment(target.username),
    });
  }

  private async suspendedEntries(
    target: RouterTarget,
    account: RouterRow | undefined,
    sessions?: readonly RouterRow[],
  ): Promise<RouterRow[]> {
    const entries = await this.transport.print(LIST_MENU, { list: this.policy.suspendedList }, LIST_PROPS);
    const addresses = new Set(this.addresses(target, account, sessions ?? (await this.sessions(target))));
    const comment = suspensionComment(target.username);
    return entries.filter(
      (e) => e.comment === comment || (e.address !== undefined && addresses.has(e.address)),
    );
  }

  /** A session or entry can vanish between print and remove; that race is not a failure. */
  private async removeIgnoringMissing(menu: string, id: string): Promise<void> {
    try {
      await this.transport.remove(menu, id);
    } catch (err) {
      if (!(err instanceof RouterNotFoundError)) throw err;
    }
  }

  private context(command?: string) {
    return command === undefined ? { router: this.routerName } : { router: this.routerName, command };
  }
}

function rowId(row: RouterRow, router: string): string {
  const id = row[".id"];
  if (id === undefined) throw new RouterConnectionError("malformed reply: row without .id", { router });
  return id;
}

function toSession(row: RouterRow, router: string): RouterSession {
  return {
    id: rowId(row, router),
    ...(row.address !== undefined && { address: row.address }),
    ...(row["caller-id"] !== undefined && { callerId: row["caller-id"] }),
    ...(row.uptime !== undefined && { uptime: row.uptime }),
  };
}
