/**
 * The edge agent's port to a MikroTik router. Two adapters implement it: the RouterOS API over TCP
 * (node-routeros, hardened) and the v7 REST API. Both share one subscriber-level implementation on
 * top of the smaller `RouterTransport` port, so the behaviour is the same whichever protocol runs.
 */

export type RouterService = "pppoe" | "hotspot";

/** Who to act on: a PPP secret or a hotspot user, by login name. */
export interface RouterTarget {
  readonly username: string;
  readonly service: RouterService;
  /** The subscriber's fixed address, when the billing system knows it; used by `address-list`. */
  readonly address?: string;
}

/**
 * - `disable`: disable the PPP secret / hotspot user; the subscriber can not log in again.
 * - `profile`: switch to the configured suspended profile (walled garden, tiny rate).
 * - `address-list`: add the subscriber's address to the configured list that a firewall/NAT rule
 *   redirects to a "please pay" page; the entry's comment names the user.
 * Every style is followed by removing the live session: disabling a secret does not drop it.
 */
export type SuspensionStyle = "disable" | "profile" | "address-list";

export const SUSPENSION_STYLES: readonly SuspensionStyle[] = ["disable", "profile", "address-list"];

/** A rate change: the max-limit of the subscriber's simple queue, or a different profile. */
export type RateChange =
  | { readonly via: "queue"; readonly maxLimit: string }
  | { readonly via: "profile"; readonly profile: string };

export interface RouterSession {
  readonly id: string;
  readonly address?: string;
  readonly callerId?: string;
  readonly uptime?: string;
}

/** What the router says about a subscriber, for verifying that an action landed. */
export interface RouterSubscriberState {
  /** Whether the secret / hotspot user exists at all. */
  readonly exists: boolean;
  readonly online: boolean;
  readonly sessions: readonly RouterSession[];
  readonly disabled: boolean;
  readonly profile?: string;
  /** An entry in the suspended list names the user (comment) or holds one of their addresses. */
  readonly inSuspendedList: boolean;
  /** max-limit of the simple queue named after the user, when there is one. */
  readonly queueMaxLimit?: string;
}

export interface RouterDriver {
  /** Applies `style`, then removes every live session of the subscriber. Idempotent. */
  suspend(target: RouterTarget, style: SuspensionStyle): Promise<void>;
  /**
   * Undoes every style (whichever was used): enables the account, removes its suspended-list
   * entries and, when `profile` is given, sets that profile and drops the session so it applies.
   * A subscriber left on the suspended profile with no `profile` given is an error.
   */
  restore(target: RouterTarget, profile?: string): Promise<void>;
  setRate(target: RouterTarget, rate: RateChange): Promise<void>;
  /** Removes every live session of the subscriber; none is not an error. */
  disconnect(target: RouterTarget): Promise<void>;
  readState(target: RouterTarget): Promise<RouterSubscriberState>;
  close(): Promise<void>;
}

/** Router-side names the suspension styles use; they come from the agent's configuration. */
export interface SuspensionPolicy {
  /** PPP / hotspot user profile applied by the `profile` style. */
  readonly suspendedProfile: string;
  /** Firewall address list used by the `address-list` style. */
  readonly suspendedList: string;
}

/** A row as RouterOS returns it: every value a string, `.id` like "*1A". */
export type RouterRow = Readonly<Record<string, string>>;

/**
 * The protocol-level port both drivers implement: print / set / add / remove on a menu such as
 * "/ppp/secret". `where` is an equality filter (AND). Errors are the typed errors in errors.ts.
 */
export interface RouterTransport {
  print(
    menu: string,
    where?: Readonly<Record<string, string>>,
    proplist?: readonly string[],
  ): Promise<RouterRow[]>;
  set(menu: string, id: string, values: Readonly<Record<string, string>>): Promise<void>;
  /** Returns the new item's `.id`. */
  add(menu: string, values: Readonly<Record<string, string>>): Promise<string>;
  remove(menu: string, id: string): Promise<void>;
  close(): Promise<void>;
}

/** The comment the `address-list` style writes, so entries can be traced back to a subscriber. */
export function suspensionComment(username: string): string {
  return `isp-billing suspended user=${username}`;
}
