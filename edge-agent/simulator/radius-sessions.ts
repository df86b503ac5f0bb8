import { MENU } from "./menus.js";
import type { RouterModel } from "./model.js";
import type { Row } from "./table.js";

export type ActiveMenu = typeof MENU.pppActive | typeof MENU.hotspotActive;

/** A live session the RADIUS listener can act on. */
export interface SessionRef {
  readonly menu: ActiveMenu;
  readonly id: string;
  readonly row: Readonly<Row>;
}

/** The session identification a CoA/Disconnect-Request carries (RFC 5176 section 3). */
export interface SessionQuery {
  readonly userName?: string;
  readonly acctSessionId?: string;
  readonly framedIpAddress?: string;
}

const USER_FIELD: Record<ActiveMenu, string> = { [MENU.pppActive]: "name", [MENU.hotspotActive]: "user" };
const ACTIVE_MENUS: readonly ActiveMenu[] = [MENU.pppActive, MENU.hotspotActive];

/**
 * PPP and hotspot active sessions indexed by user name, kept current through the model's change
 * feed. Printing the menus per request would copy every row: with 10,000 sessions online that is
 * quadratic over a benchmark, while this index makes a lookup cost what the user has.
 */
export class SessionIndex {
  private readonly byUser = new Map<string, Map<string, SessionRef>>();
  private readonly all = new Map<string, SessionRef>();
  private readonly unsubscribe: () => void;

  constructor(model: RouterModel) {
    for (const menu of ACTIVE_MENUS) for (const row of model.print(menu)) this.put(menu, row);
    this.unsubscribe = model.onChange((change) => {
      if (change.menu !== MENU.pppActive && change.menu !== MENU.hotspotActive) return;
      if (change.action === "remove") this.drop(change.menu, change.row);
      else this.put(change.menu, change.row);
    });
  }

  /** Sessions matching every identifier given; User-Name narrows first, the rest filter. */
  find(query: SessionQuery): SessionRef[] {
    const pool =
      query.userName === undefined
        ? [...this.all.values()]
        : [...(this.byUser.get(query.userName)?.values() ?? [])];
    return pool.filter(
      (s) =>
        (query.framedIpAddress === undefined || s.row.address === query.framedIpAddress) &&
        (query.acctSessionId === undefined || sessionIdMatches(s, query.acctSessionId)),
    );
  }

  get size(): number {
    return this.all.size;
  }

  dispose(): void {
    this.unsubscribe();
    this.byUser.clear();
    this.all.clear();
  }

  private put(menu: ActiveMenu, row: Readonly<Row>): void {
    const id = row[".id"];
    const user = row[USER_FIELD[menu]];
    if (id === undefined || user === undefined) return;
    const ref: SessionRef = { menu, id, row };
    const key = `${menu}${id}`;
    this.all.set(key, ref);
    let sessions = this.byUser.get(user);
    if (sessions === undefined) {
      sessions = new Map();
      this.byUser.set(user, sessions);
    }
    sessions.set(key, ref);
  }

  private drop(menu: ActiveMenu, row: Readonly<Row>): void {
    const key = `${menu}${row[".id"] ?? ""}`;
    this.all.delete(key);
    const user = row[USER_FIELD[menu]];
    const sessions = user === undefined ? undefined : this.byUser.get(user);
    if (sessions === undefined || user === undefined) return;
    sessions.delete(key);
    if (sessions.size === 0) this.byUser.delete(user);
  }
}

/**
 * RouterOS reports a PPP session's Acct-Session-Id as its `session-id` ("0x81000001"), sometimes
 * without the prefix; hotspot sessions have none, so their `.id` stands in.
 */
function sessionIdMatches(session: SessionRef, acctSessionId: string): boolean {
  const sid = session.row["session-id"];
  if (sid !== undefined && (sid === acctSessionId || sid.replace(/^0x/i, "") === acctSessionId)) return true;
  return session.id === acctSessionId;
}
