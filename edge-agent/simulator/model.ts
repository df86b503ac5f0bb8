import { formatUptime, MENU, type Menu, menuSpecs } from "./menus.js";
import { type Row, Table, TrapError } from "./table.js";

export interface RouterModelOptions {
  /**
   * After the router removes a PPP session (suspend, kick), the client redials after this delay if
   * its secret still exists and is enabled. `false` means sessions stay gone. @default false
   */
  readonly reconnectDelayMs?: number | false;
  /** @default "7.18.2 (stable)" */
  readonly version?: string;
  readonly now?: () => number;
}

export type ModelChange = {
  readonly menu: Menu;
  readonly action: "add" | "set" | "remove";
  readonly row: Row;
};
export type ChangeListener = (change: ModelChange) => void;

export interface SecretInput {
  readonly name: string;
  readonly password: string;
  readonly profile?: string;
  readonly service?: string;
  readonly disabled?: boolean;
  readonly remoteAddress?: string;
}

/** The simulated router's state. Both servers and the helpers below go through add/set/remove. */
export class RouterModel {
  private readonly tables = new Map<string, Table>();
  private readonly listeners = new Set<ChangeListener>();
  private readonly connectedAt = new Map<string, number>();
  private readonly redials = new Map<NodeJS.Timeout, () => void>();
  private readonly now: () => number;
  private readonly bootedAt: number;
  private sessionCounter = 0;

  constructor(readonly options: RouterModelOptions = {}) {
    this.now = options.now ?? Date.now;
    this.bootedAt = this.now();
    const hooks = {
      uptimeOf: (menu: Menu, id: string) =>
        formatUptime(this.now() - (this.connectedAt.get(`${menu}${id}`) ?? this.now())),
      profileExists: (menu: Menu, name: string) => this.table(menu)?.find(name) !== undefined,
    };
    for (const spec of menuSpecs(hooks)) this.tables.set(spec.menu, new Table(spec));
    this.add(MENU.pppProfile, { name: "default" });
    this.add(MENU.pppProfile, { name: "default-encryption" });
    this.add(MENU.hotspotUserProfile, { name: "default" });
  }

  table(menu: string): Table | undefined {
    return this.tables.get(menu);
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  print(menu: Menu): Row[] {
    return this.mustTable(menu).list();
  }

  /** `internal` skips the client-writable field check, for state only the router itself sets. */
  add(menu: Menu, values: Readonly<Record<string, string>>, internal = false): Row {
    const extra: Record<string, string> =
      menu === MENU.addressList && values.timeout ? { dynamic: "true" } : {};
    const row = this.mustTable(menu).insert(values, internal, extra);
    if (menu === MENU.pppActive || menu === MENU.hotspotActive)
      this.connectedAt.set(`${menu}${row[".id"]}`, this.now());
    this.emit(menu, "add", row);
    return row;
  }

  /** `internal` as for `add`: the RADIUS listener records a CoA's rate-limit on a live session. */
  set(menu: Menu, id: string, values: Readonly<Record<string, string>>, internal = false): Row {
    const row = this.mustTable(menu).update(id, values, internal);
    this.emit(menu, "set", row);
    return row;
  }

  /** Removes a row; a PPP session removed by the router (`redial`) comes back if its secret allows. */
  remove(menu: Menu, id: string, options: { redial?: boolean } = {}): Row {
    const row = this.mustTable(menu).delete(id);
    if (!row) throw new TrapError("no such item", 404);
    this.connectedAt.delete(`${menu}${id}`);
    this.emit(menu, "remove", row);
    if (menu === MENU.pppActive && options.redial) this.scheduleRedial(row);
    return row;
  }

  // --- helpers for tests and the local demo -------------------------------------------------------

  addPppProfile(name: string, rateLimit?: string): Row {
    return this.add(MENU.pppProfile, { name, ...(rateLimit && { "rate-limit": rateLimit }) });
  }

  addHotspotProfile(name: string, rateLimit?: string): Row {
    return this.add(MENU.hotspotUserProfile, { name, ...(rateLimit && { "rate-limit": rateLimit }) });
  }

  addSecret(input: SecretInput): Row {
    return this.add(MENU.pppSecret, {
      name: input.name,
      password: input.password,
      ...(input.profile && { profile: input.profile }),
      ...(input.service && { service: input.service }),
      ...(input.remoteAddress && { "remote-address": input.remoteAddress }),
      disabled: input.disabled ? "true" : "false",
    });
  }

  addHotspotUser(input: { name: string; password?: string; profile?: string; disabled?: boolean }): Row {
    return this.add(MENU.hotspotUser, {
      name: input.name,
      password: input.password ?? "",
      ...(input.profile && { profile: input.profile }),
      disabled: input.disabled ? "true" : "false",
    });
  }

  addQueue(input: { name: string; target: string; maxLimit?: string }): Row {
    return this.add(MENU.simpleQueue, {
      name: input.name,
      target: input.target,
      ...(input.maxLimit && { "max-limit": input.maxLimit }),
    });
  }

  /** A PPPoE client dials in. Refused (TrapError) when the secret is missing or disabled. */
  connectPpp(name: string, input: { address?: string; callerId?: string } = {}): Row {
    const secret = this.mustTable(MENU.pppSecret).find(name);
    if (!secret || secret.disabled === "true") throw new TrapError(`login refused for ${name}`);
    const n = ++this.sessionCounter;
    return this.add(
      MENU.pppActive,
      {
        name,
        service: "pppoe",
        "caller-id": input.callerId ?? `02:00:00:00:${hex2(n >> 8)}:${hex2(n)}`,
        address: input.address ?? secret["remote-address"] ?? `10.10.${(n >> 8) & 0xff}.${n & 0xff || 1}`,
        "session-id": `0x81${n.toString(16).padStart(6, "0")}`,
        radius: "false",
      },
      true,
    );
  }

  /** The PPPoE client hangs up by itself (no redial). */
  hangUpPpp(idOrName: string): boolean {
    const rows = this.print(MENU.pppActive).filter((r) => r[".id"] === idOrName || r.name === idOrName);
    for (const row of rows) this.remove(MENU.pppActive, row[".id"] ?? "");
    return rows.length > 0;
  }

  loginHotspot(user: string, input: { address: string; macAddress?: string }): Row {
    const account = this.mustTable(MENU.hotspotUser).find(user);
    if (!account || account.disabled === "true") throw new TrapError(`login refused for ${user}`);
    const n = ++this.sessionCounter;
    return this.add(
      MENU.hotspotActive,
      {
        user,
        address: input.address,
        "mac-address": input.macAddress ?? `02:00:00:01:${hex2(n >> 8)}:${hex2(n)}`,
      },
      true,
    );
  }

  /** Runs every pending redial now instead of waiting for its timer. */
  flushRedials(): void {
    for (const [timer, redial] of [...this.redials]) {
      clearTimeout(timer);
      this.redials.delete(timer);
      redial();
    }
  }

  get pendingRedials(): number {
    return this.redials.size;
  }

  uptime(): string {
    return formatUptime(this.now() - this.bootedAt);
  }

  dispose(): void {
    for (const timer of this.redials.keys()) clearTimeout(timer);
    this.redials.clear();
    this.listeners.clear();
  }

  private scheduleRedial(session: Row): void {
    const delay = this.options.reconnectDelayMs ?? false;
    if (delay === false) return;
    const name = session.name ?? "";
    const redial = () => {
      const secret = this.table(MENU.pppSecret)?.find(name);
      const online = this.print(MENU.pppActive).some((r) => r.name === name);
      if (!secret || secret.disabled === "true" || online) return;
      this.connectPpp(name, {
        ...(session.address && { address: session.address }),
        ...(session["caller-id"] && { callerId: session["caller-id"] }),
      });
    };
    const timer = setTimeout(() => {
      this.redials.delete(timer);
      redial();
    }, delay);
    timer.unref();
    this.redials.set(timer, redial);
  }

  private emit(menu: Menu, action: ModelChange["action"], row: Row): void {
    const view = this.mustTable(menu).view(row);
    for (const listener of this.listeners) listener({ menu, action, row: view });
  }

  private mustTable(menu: string): Table {
    const table = this.tables.get(menu);
    if (!table) throw new TrapError("no such command prefix");
    return table;
  }
}

const hex2 = (n: number) => (n & 0xff).toString(16).padStart(2, "0");
