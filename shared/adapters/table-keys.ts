/**
 * Every key the store writes or queries, in one place: the item keys (pk / sk) and the values of
 * the overloaded index keys (gk1..gk4 / gs1..gs4). table-design.ts documents the same shapes as
 * patterns, independently, and test/unit/table-keys.test.ts checks these builders against them
 * (test/e2e/table-design.test.ts checks the items a ticket's life leaves in the table).
 */

// ---------------------------------------------------------------------------------------------
// Items of a ticket's partition (T#<id>)
// ---------------------------------------------------------------------------------------------

export const TICKET_PK_PREFIX = 'T#';
export const ticketPk = (id: string) => `${TICKET_PK_PREFIX}${id}`;
/** The ticket id a ticket partition's key names (index entries of tickets carry only pk). */
export const ticketIdOfPk = (pk: unknown) => String(pk).slice(TICKET_PK_PREFIX.length);
/** The ticket record itself. */
export const TICKET_SK = 'T';
/** A ticket's street list entry (T#<id> / ST, on byCommunity): the street's lists by key. */
export const STREET_SK = 'ST';
/** A co-handling unit's entry (byOwner). */
export const coUnitSk = (unitId: string) => `CO#${unitId}`;
/** The attention marker of a ticket (beside its record): listed by street and city-wide. */
export const ATTENTION_SK = 'A';
/** One breach of a deadline: a retried timer task rewrites the same item. */
export const BREACH_SK_PREFIX = 'B#';
export const breachSk = (stage: string, unitId: string, level: number | string, dueAt: string) =>
  `${BREACH_SK_PREFIX}${stage}#${unitId}#${level}#${dueAt}`;
/** One notice (SMS, e-mail, robots together). */
export const NOTIFICATION_SK_PREFIX = 'N#';
export const notificationSk = (id: string) => `${NOTIFICATION_SK_PREFIX}${id}`;

// ---------------------------------------------------------------------------------------------
// Items outside the tickets' partitions
// ---------------------------------------------------------------------------------------------

/** `CODE#<code>` names the ticket: the code people read out finds it with one GetItem. */
export const codePk = (code: string) => `CODE#${code}`;
export const CODE_SK = 'C';

/** The board's counters (board-counts.ts). The city's: the administrator's board is one read. */
export const CITY_COUNTER_PK = 'BOARD#ALL';
export const STREET_COUNTER_PREFIX = 'BOARD#S#';
export const UNIT_COUNTER_PREFIX = 'BOARD#U#';
export const streetCounterPk = (streetId: string) => `${STREET_COUNTER_PREFIX}${streetId}`;
export const unitCounterPk = (unitId: string) => `${UNIT_COUNTER_PREFIX}${unitId}`;
export const COUNTER_SK = 'C';

/**
 * The rankings' daily aggregates (metric-counts.ts): per day a ticket was raised, a few partitions,
 * a row per unit, per street and unit, and per street. A unit's rows (`U#`, `SU#`) live in the
 * unit's shard and a street's own row in the street's, so the burst of one joint ticket (a row
 * pair per unit, all in one second) spreads over the day's partitions. One partition a day took
 * every rate-moving write of the city: at Beijing's volume past a partition's 1,000 WCU/s
 * (docs/performance.md, partition heat).
 */
export const METRICS_PK_PREFIX = 'MET#';
export const METRICS_SHARDS = 4;
export const metricsPk = (day: string, shard: number) => `${METRICS_PK_PREFIX}${day}#${shard}`;
/** The aggregate partition of an id's rows (a unit's, or a street's own row). */
export const metricsShardOf = (id: string) => fnv1a(id) % METRICS_SHARDS;
export const METRICS_UNIT_PREFIX = 'U#';
export const METRICS_STREET_PREFIX = 'S#';
export const metricsUnitSk = (unitId: string) => `${METRICS_UNIT_PREFIX}${unitId}`;
export const metricsStreetUnitPrefix = (streetId: string) => `SU#${streetId}#`;
export const metricsStreetUnitSk = (streetId: string, unitId: string) =>
  `${metricsStreetUnitPrefix(streetId)}${unitId}`;
export const metricsStreetSk = (streetId: string) => `${METRICS_STREET_PREFIX}${streetId}`;
/**
 * The table's layout version (`layout`): the embedded start-up brings tickets written by an older
 * version to the current layout once, then this item makes it one read (dynamo-tickets.ts).
 */
export const LAYOUT_PK = 'LAYOUT';
export const LAYOUT_SK = 'V';

/** Configuration: one immutable item per version, and the pointer to the latest. */
export const CONFIG_PK = 'CONFIG';
export const CONFIG_VERSION_PREFIX = 'V#';
export const configVersionSk = (v: number) => `${CONFIG_VERSION_PREFIX}${String(v).padStart(9, '0')}`;
/** The pointer to the latest configuration version (beside the `V#` items, outside their prefix). */
export const CONFIG_LATEST_SK = 'LATEST';

/** Signed links (LINK#<code> / L). */
export const linkPk = (code: string) => `LINK#${code}`;
export const LINK_SK = 'L';

/** Evidence photos kept in the store (EV#<name> / E): embedded runtime only. */
export const evidencePk = (name: string) => `EV#${name}`;
export const EVIDENCE_SK = 'E';

/** This month's SMS spend (SPEND#<YYYY-MM> / S). */
export const spendPk = (month: string) => `SPEND#${month}`;
export const SPEND_SK = 'S';

/** A gateway's message id → the notice it sent (RCPT#<provider>#<gateway id> / R). */
export const receiptPk = (provider: string, providerMessageId: string) =>
  `RCPT#${provider}#${providerMessageId}`;
export const RECEIPT_SK = 'R';

// ---------------------------------------------------------------------------------------------
// Index keys (overloaded GSIs: table-design.ts)
// ---------------------------------------------------------------------------------------------

/** The sort key of every time-ordered list: `<instant>#<id>`. */
export const timeKey = (at: string, id: string) => `${at}#${id}`;

/** byKind (gk1): the city-wide lists (tickets through their street entries). */
export const TICKET_KIND = 'TICKET';
export const BREACH_KIND = 'BREACH';
export const NOTIFICATION_KIND = 'NOTIF';
export const ATTENTION_KIND = 'ATTN';

/** byOwner (gk2): a unit's tickets (lead or co-handling), breaches and notices; a street's markers. */
export const unitKey = (unitId: string) => `U#${unitId}`;
export const breachUnitKey = (unitId: string) => `BU#${unitId}`;
export const notificationUnitKey = (unitId: string) => `NU#${unitId}`;
export const attentionStreetKey = (streetId: string) => `AS#${streetId}`;

/** byCommunity (gk3): a community's tickets, a street's tickets. */
export const communityKey = (communityId: string) => `C#${communityId}`;
export const streetKey = (streetId: string) => `ST#${streetId}`;

/** byStatus (gk4): tickets by status; the sender's queue shards (dynamo-delivery-store.ts). */
export const statusKey = (status: string) => `S#${status}`;
export const queueShardKey = (shard: number) => `NQ#${shard}`;

/**
 * The due index (byKind, on the ticket item itself): `DUE#<shard>` / `<dueBy>#<id>` while the
 * engine owes the ticket an act, absent otherwise. Sharded so the wave of SLA instants at 17:30
 * spreads over partitions; the reconciler queries every shard up to its cut-off.
 */
export const DUE_SHARDS = 16;
export const dueShardKey = (shard: number) => `DUE#${shard}`;
/** A ticket's due shard (stable, even). */
export const dueShardOf = (ticketId: string) => fnv1a(ticketId) % DUE_SHARDS;

/** FNV-1a, 32 bits: a stable, evenly spread shard of an id. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
