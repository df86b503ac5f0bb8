/**
 * Single-table key design. The tenant id leads every partition key, so no query can cross tenants.
 *
 * | item                 | PK                 | SK                       | GSIs                                  |
 * |----------------------|--------------------|--------------------------|---------------------------------------|
 * | tenant               | T#{t}              | TENANT                   |                                       |
 * | package              | T#{t}              | PKG#{packageId}          |                                       |
 * | site                 | T#{t}              | SITE#{siteId}            |                                       |
 * | site agent health    | T#{t}              | SITEHEALTH#{siteId}      | (agent heartbeat, drift per NAS)      |
 * | NAS                  | T#{t}              | NAS#{siteId}#{nasId}     |                                       |
 * | API key (hashed)     | T#{t}              | KEY#{keyId}              |                                       |
 * | site agent (token)   | T#{t}              | AGENT#{siteId}           | (token hash + generation)             |
 * | enrollment code      | T#{t}              | ENROLL#{siteId}#{sha256} | (TTL: expiresAtEpoch)                 |
 * | idempotency record   | T#{t}              | IDEM#{sha256(key)}       | (TTL: expiresAtEpoch)                 |
 * | username reservation | T#{t}              | UNAME#{lower(username)}  |                                       |
 * | subscriber           | T#{t}#SUB#{subId}  | PROFILE                  | GSI1..GSI5 below                      |
 * | timeline event       | T#{t}#SUB#{subId}  | EV#{eventId (ULID)}      |                                       |
 * | payment              | T#{t}              | PAY#{paymentId}          | GSI1 by subscriber; GSI6 while pending|
 * | settled transaction  | T#{t}              | PAYTXN#{gateway}#{txnId} | (one per gateway transaction id)      |
 * | gateway event seen   | T#{t}              | GWEVT#{gateway}#{id}     | (TTL: expiresAtEpoch)                 |
 * | pay link             | T#{t}              | PAYLINK#{sha256(secret)} | (TTL: expiresAtEpoch)                 |
 * | gateway settings     | T#{t}              | GATEWAY#{gateway}        | (credentials as KMS ciphertext)       |
 * | invoice              | T#{t}              | INV#{invoiceId}          | GSI1 by subscriber; GSI3, GSI5 below  |
 * | invoice counter      | T#{t}              | INVSEQ                   | (n: the last invoice number issued)   |
 * | invoice to number    | T#{t}              | INVNEW#{invoiceId}       | (the invoice until it has its number) |
 * | invoice of a period  | T#{t}#SUB#{subId}  | INVPERIOD#{periodStart}  | (invoiceId; one per subscriber/cycle) |
 * | invoice notice owed  | T#{t}              | INVNOTICE#{invoiceId}    | GSI6 until sent (invoice-notices.ts)  |
 * | invoice view link    | T#{t}              | INVLINK#{sha256(secret)} | (TTL: expiresAtEpoch)                 |
 * | daily summary setup  | T#{t}              | DAILYSUM                 | GSI6 while on (Telegram token sealed) |
 * | event subscription   | T#{t}              | EVSUB                    | (webhook; signing secret sealed)      |
 * | webhook delivery     | T#{t}              | WHDLV#{eventId (ULID)}   | (TTL: expiresAtEpoch, 30 days)        |
 *
 * Subscribers get a partition each (writes spread; timeline beside its subscriber). GSIs, all
 * projecting ALL attributes so a list is one query:
 *
 * | index | PK                          | SK                     | access pattern                      |
 * |-------|-----------------------------|------------------------|-------------------------------------|
 * | GSI1  | T#{t}#SUB                   | {subId}                | list a tenant's subscribers; text q |
 * | GSI2  | T#{t}#SUB#ST#{status}       | {subId}                | filter by status                    |
 * | GSI3  | T#{t}#SUB#PKG#{packageId}   | {subId}                | filter by package; package in use   |
 * | GSI4  | T#{t}#SUB#SITE#{siteId}     | {subId}                | filter by site; site in use         |
 * | GSI5  | T#{t}#SUB#EXP               | {expiresAt}#{subId}    | expiring before/after (range query) |
 * | GSI6  | DUE#{shard 0-15}            | {dueAt}#{t}#{subId}    | safety sweep: overdue work, all     |
 * |       |                             |                        | tenants (KEYS_ONLY, sparse)         |
 * | GSI1  | T#{t}#PAYSUB#{subId}        | {paymentId}            | a subscriber's payments             |
 * | GSI6  | PAYDUE#{shard 0-15}         | {checkAt}#{t}#{payId}  | pending sweep: gateway re-queries   |
 * | GSI6  | BEAT                        | {heardBy}#{t}#{siteId} | silent agents: agents last heard    |
 * |       |                             |                        | running (sparse; heardBy rounded    |
 * |       |                             |                        | up to 5 min: heartbeat-index.ts)    |
 * | GSI1  | T#{t}#INVSUB#{subId}        | {invoiceId}            | a subscriber's invoices             |
 * | GSI3  | T#{t}#INVPER                | {periodStart}#{invId}  | invoices by period (reports, filter)|
 * | GSI5  | T#{t}#INVDUE#{bucket}       | {dueAt}#{invId}        | invoices by due date per bucket:    |
 * |       |                             |                        | unpaid (open, partially_paid), paid,|
 * |       |                             |                        | void (invoice-query.ts)             |
 * | GSI6  | DAILYSUM                    | {t}                    | tenants whose daily summary is on   |
 * | GSI6  | INVNOTICE#{shard 0-15}      | {since}#{t}#{invId}    | invoice SMS / e-mail never sent: the|
 * |       |                             |                        | sweep sends them (since: written, or|
 * |       |                             |                        | a sender's lease end)               |
 *
 * `dueAt` is the earlier of the next action's instant and, while a command waits in the outbox
 * (`pendingCommand`), the time it was issued. The sweep finds what a lost schedule or a crash
 * between commit and send left behind; a subscriber with nothing due has no GSI6 entry.
 *
 * Access patterns and how they are served (no Scan anywhere):
 * - get tenant / package / site / NAS / key by id: GetItem on (T#{t}, ...).
 * - list packages, sites, keys: Query PK = T#{t}, SK begins_with PKG# / SITE# / KEY#.
 * - list a site's NAS: Query PK = T#{t}, SK begins_with NAS#{siteId}#.
 * - get subscriber: GetItem (T#{t}#SUB#{subId}, PROFILE).
 * - subscriber timeline, newest first: Query PK = T#{t}#SUB#{subId}, SK begins_with EV#, descending.
 * - list subscribers with filters: Query the most selective GSI (status > package > site > expiry >
 *   all); the remaining filters become a FilterExpression on that query, bounded per page.
 * - authenticate an API key: GetItem (T#{t}, KEY#{keyId}) with t and keyId parsed from the token.
 * - redeem an enrollment code: GetItem (T#{t}, ENROLL#{siteId}#{sha256(secret)}), t and siteId parsed
 *   from the code; then one transaction marks it used and writes the site's agent token.
 * - authenticate an edge agent: GetItem (T#{t}, AGENT#{siteId}) with t and siteId parsed from the token.
 * - unique username per tenant: conditional Put of UNAME#... in the subscriber's transaction.
 * - overdue lifecycle work: Query GSI6 on each DUE#{shard} with GSI6SK < cutoff.
 * - payments of a tenant, newest first: Query PK = T#{t}, SK begins_with PAY# (ULIDs: time order;
 *   a from/to range narrows the key condition), descending; of a subscriber: Query GSI1.
 * - settle a gateway transaction once: conditional Put of PAYTXN#... in the settlement transaction.
 * - pending payments to re-query: Query GSI6 on each PAYDUE#{shard} with GSI6SK < cutoff.
 * - silent edge agents (all tenants): Query GSI6 on BEAT with GSI6SK < now - 10 minutes.
 * - open a pay link: GetItem (T#{t}, PAYLINK#{hash}) with t parsed from the token.
 * - number and store invoices: GetItem (T#{t}, INVSEQ), then one transaction updates INVSEQ on
 *   condition it still holds the number read, puts INV#... and puts INVPERIOD#... unless it exists:
 *   numbers without gaps or duplicates, and one invoice per subscriber and period by key.
 * - an invoice with its subscriber's change: one transaction puts INVNEW#{id} and INVPERIOD#...
 *   with the subscriber; then whoever holds the numbering lease (a conditional update of INVSEQ)
 *   queries PK = T#{t}, SK begins_with INVNEW# and, in one transaction, moves INVSEQ (lease given
 *   back), puts each INV#... with its number and its invoice.created event, deletes its INVNEW#.
 * - get an invoice: GetItem (T#{t}, INV#{id}); a subscriber's invoice for a period: GetItem
 *   (T#{t}#SUB#{subId}, INVPERIOD#{start}), then the invoice; a tenant's invoices, newest first:
 *   Query PK = T#{t}, SK begins_with INV# (INVSEQ does not match), descending; a subscriber's: GSI1.
 * - invoices with filters (invoice-query.ts): the subscriber's GSI1, else the status bucket on GSI5
 *   (a due range is its key range), else the period range on GSI3, else PK = T#{t}; the remaining
 *   filters become a FilterExpression, bounded per page.
 * - reports (report-queries.ts): a period's invoices by GSI3 range; unpaid invoices due in a window
 *   by the GSI5 unpaid bucket's range; suspended subscribers by counting GSI2's status partition.
 * - open an invoice view link: GetItem (T#{t}, INVLINK#{hash}) with t parsed from the token.
 * - an invoice's notice: INVNOTICE#{id} is put in the transaction that stores the invoice pending;
 *   a sender takes it by a conditional update (a lease, which also moves its GSI6SK to the lease's
 *   end) and deletes it once sent; notices left behind: Query GSI6 on each INVNOTICE#{shard}.
 * - daily summaries due: Query GSI6 on DAILYSUM (tenants with it on), then GetItem each setup;
 *   sent once a local day by a conditional update of its lastSentOn.
 * - a tenant's webhook: GetItem (T#{t}, EVSUB); an event's delivery: GetItem (T#{t}, WHDLV#{eventId}).
 * - recent webhook deliveries, newest first: Query PK = T#{t}, SK begins_with WHDLV#, descending.
 * - outbound events: the table's stream (NEW_IMAGE), filtered to timeline items (`entity` = event)
 *   of public source types, feeds the outbound-events function: no query at all.
 */

export const keys = {
  tenantPk: (t: string) => `T#${t}`,
  tenantSk: () => "TENANT",
  packageSk: (id: string) => `PKG#${id}`,
  siteSk: (id: string) => `SITE#${id}`,
  siteHealthSk: (id: string) => `SITEHEALTH#${id}`,
  nasSk: (siteId: string, nasId: string) => `NAS#${siteId}#${nasId}`,
  nasPrefix: (siteId: string) => `NAS#${siteId}#`,
  apiKeySk: (id: string) => `KEY#${id}`,
  siteAgentSk: (siteId: string) => `AGENT#${siteId}`,
  enrollmentCodeSk: (siteId: string, codeHash: string) => `ENROLL#${siteId}#${codeHash}`,
  idempotencySk: (keyHash: string) => `IDEM#${keyHash}`,
  usernameSk: (username: string) => `UNAME#${username.toLowerCase()}`,
  subscriberPk: (t: string, subId: string) => `T#${t}#SUB#${subId}`,
  subscriberSk: () => "PROFILE",
  eventSk: (eventId: string) => `EV#${eventId}`,
  paymentSk: (id: string) => `PAY#${id}`,
  paymentTxnSk: (transactionKey: string) => `PAYTXN#${transactionKey}`,
  gatewayEventSk: (gateway: string, eventId: string) => `GWEVT#${gateway}#${eventId}`,
  payLinkSk: (secretHash: string) => `PAYLINK#${secretHash}`,
  gatewaySk: (gateway: string) => `GATEWAY#${gateway}`,
  invoiceSk: (id: string) => `INV#${id}`,
  invoiceCounterSk: () => "INVSEQ",
  invoicePendingSk: (invoiceId: string) => `INVNEW#${invoiceId}`,
  invoicePeriodSk: (periodStart: string) => `INVPERIOD#${periodStart}`,
  invoiceNoticeSk: (invoiceId: string) => `INVNOTICE#${invoiceId}`,
  invoiceLinkSk: (secretHash: string) => `INVLINK#${secretHash}`,
  dailySummarySk: () => "DAILYSUM",
  eventSubscriptionSk: () => "EVSUB",
  webhookDeliverySk: (eventId: string) => `WHDLV#${eventId}`,
  gsi: {
    all: (t: string) => `T#${t}#SUB`,
    status: (t: string, status: string) => `T#${t}#SUB#ST#${status}`,
    package: (t: string, packageId: string) => `T#${t}#SUB#PKG#${packageId}`,
    site: (t: string, siteId: string) => `T#${t}#SUB#SITE#${siteId}`,
    expiry: (t: string) => `T#${t}#SUB#EXP`,
    due: (shard: number) => `DUE#${shard}`,
    subscriberPayments: (t: string, subId: string) => `T#${t}#PAYSUB#${subId}`,
    paymentDue: (shard: number) => `PAYDUE#${shard}`,
    subscriberInvoices: (t: string, subId: string) => `T#${t}#INVSUB#${subId}`,
    invoicePeriods: (t: string) => `T#${t}#INVPER`,
    invoiceDue: (t: string, bucket: "unpaid" | "paid" | "void") => `T#${t}#INVDUE#${bucket}`,
    dailySummaries: () => "DAILYSUM",
    invoiceNotices: (shard: number) => `INVNOTICE#${shard}`,
  },
} as const;

export type GsiName = "GSI1" | "GSI2" | "GSI3" | "GSI4" | "GSI5" | "GSI6";
export const GSI_NAMES: readonly GsiName[] = ["GSI1", "GSI2", "GSI3", "GSI4", "GSI5", "GSI6"];

/** The due index is sharded so the month-end burst spreads over partitions; the sweep reads all. */
export const DUE_SHARDS = 16;

export function dueShard(subscriberId: string): number {
  let h = 0;
  for (let i = 0; i < subscriberId.length; i++) h = (h * 31 + subscriberId.charCodeAt(i)) >>> 0;
  return h % DUE_SHARDS;
}

/** Attributes that belong to the key design, stripped before an item leaves the adapter. */
export const KEY_ATTRIBUTES: readonly string[] = [
  "PK",
  "SK",
  "entity",
  "expiresAtEpoch",
  "search",
  ...GSI_NAMES.flatMap((g) => [`${g}PK`, `${g}SK`]),
];
