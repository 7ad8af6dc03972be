/**
 * The single-table design, shared by the local bootstrap (CreateTable on dynalite) and the CDK
 * data stack so both create exactly the same keys, indexes and projections. Every access path
 * the product uses, with its key: docs/data-model.md.
 *
 * Items (pk / sk):
 * - ticket            T#<id> / T              one conditional write per state change, timeline inside;
 *                                             `bf`/`cq`: what the board counters count of it, what it owes them
 * - street entry      T#<id> / ST             the ticket in its street's lists (byCommunity) and the city's
 *                                             (byKind TICKET), written at creation before the ticket
 * - co-unit entry     T#<id> / CO#<unitId>    lets a co-handling unit find the ticket (byOwner)
 * - attention marker  T#<id> / A              indexed while the ticket needs a supervisor (the board's list)
 * - breach            T#<id> / B#<stage>#<unitId>#<level>#<dueAt>
 * - notification      T#<id> / N#<id>         one item per notice (SMS, e-mail, robots together)
 * - ticket code       CODE#<code> / C         the code people read out → the ticket id
 * - board counter     BOARD#ALL | BOARD#S#<streetId> | BOARD#U#<unitId> / C   open tickets by status,
 *                                             level and attention, kept with the writes (board-counts.ts)
 * - daily metrics     MET#<day>#<k> / U#<unitId> | SU#<streetId>#<unitId> | S#<streetId>   the rankings'
 *                                             tallies of the tickets raised that day, kept with the
 *                                             writes (metric-counts.ts); `mf` on a ticket: what they count of it
 * - layout version    LAYOUT / V              tickets written by older versions brought to this layout
 * - config version    CONFIG / V#<000000042>  the whole configuration, gzipped, immutable
 * - config pointer    CONFIG / LATEST         the latest version number (read every few seconds)
 * - signed link       LINK#<code> / L         grant, HMAC, single-use marks, evidence names
 * - evidence photo    EV#<name> / E           embedded runtime only (S3 on AWS)
 * - SMS spend         SPEND#<month> / S       this month's spend against the cap
 * - receipt index     RCPT#<provider>#<messageId> / R   a gateway's message id → the notice it sent
 *
 * An Idempotency-Key needs no item: the ticket's id and code derive from the caller and the key
 * (shared/use-cases/ticket-service.ts), so a replay lands on the same ticket item.
 *
 * `itemKinds` and `indexKeys` below say the same in code; test/e2e/table-design.test.ts runs a
 * ticket's life and checks every item and index key in the table against them. The code builds
 * its keys in table-keys.ts, and test/unit/table-keys.test.ts checks every builder against them
 * too (the patterns here are written out on their own, so the checks compare two sources).
 *
 * Closed tickets carry `expiresAt` (epoch seconds, CLOSED_RETENTION_DAYS after closing) on every
 * item of the ticket: DynamoDB's TTL deletes them and the archiver keeps them in S3.
 *
 * Overloaded GSIs (all keys are strings; an item appears only if it carries the index's pk):
 * - byKind:      gk1 = TICKET | BREACH | NOTIF | ATTN,          gs1 = <instant>#<id>  (time-ordered lists;
 *                TICKET on a ticket's street entry) | DUE#<shard> on the ticket item while the engine
 *                owes it an act, gs1 = <dueBy>#<id> (the reconciler's due index, sparse)
 * - byOwner:     gk2 = U#<unitId> | BU#<unitId> | NU#<unitId> | AS#<streetId>, gs2 = <instant>#<id>
 * - byCommunity: gk3 = C#<communityId> | ST#<streetId>,         gs3 = <instant>#<id>
 * - byStatus:    gk4 = S#<status> | NQ#<shard>,                  gs4 = <instant>#<id> | <sendAfter>…
 *
 * Projections: INCLUDE of the small attributes the list paths read from the index itself (a
 * breach's `b`, a marker's `a`, an entry's `ticketId`); a ticket's `dueBy` is the due index's sort
 * key, not a projected attribute (projected, every move of it rewrote the ticket's entries in the
 * unit, community and status lists too); a ticket's own record
 * (`t`, ≈ 3 KB) and a notice's (`n`, which changes with every delivery attempt) are not copied
 * into any index: those lists read their page of keys from the index and the records from the
 * table in one BatchGet. A write that moves no index key and no projected attribute then writes no
 * index at all, so a notice's status changes no longer rewrite its entries on the city-wide
 * `NOTIF` key, its unit's `NU#` key and the queue shard (partition heat, docs/performance.md).
 */
export const tableKeys = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** The TTL attribute (epoch seconds): closed tickets leave the hot table after their retention. */
export const ttlAttribute = 'expiresAt';

export const gsiNames = {
  byKind: 'byKind',
  byOwner: 'byOwner',
  byCommunity: 'byCommunity',
  byStatus: 'byStatus',
} as const;

/** The non-key attributes every index carries (INCLUDE): what list paths read without the table. */
export const projectedAttributes = ['ticketId', 'b', 'a'] as const;

export const globalSecondaryIndexes = [
  { indexName: gsiNames.byKind, partitionKey: 'gk1', sortKey: 'gs1' },
  { indexName: gsiNames.byOwner, partitionKey: 'gk2', sortKey: 'gs2' },
  { indexName: gsiNames.byCommunity, partitionKey: 'gk3', sortKey: 'gs3' },
  { indexName: gsiNames.byStatus, partitionKey: 'gk4', sortKey: 'gs4' },
] as const;

/** Every item the product writes, by its key shapes (the list above). */
export const itemKinds = [
  { kind: 'ticket', pk: /^T#[^#]+$/, sk: /^T$/ },
  { kind: 'street entry', pk: /^T#[^#]+$/, sk: /^ST$/ },
  { kind: 'co-unit entry', pk: /^T#[^#]+$/, sk: /^CO#[a-z0-9-]+$/ },
  { kind: 'attention marker', pk: /^T#[^#]+$/, sk: /^A$/ },
  { kind: 'breach', pk: /^T#[^#]+$/, sk: /^B#[a-z]+#[^#]*#[1-3]#[^#]+$/ },
  { kind: 'notification', pk: /^T#[^#]+$/, sk: /^N#.+$/ },
  { kind: 'ticket code', pk: /^CODE#[A-Z0-9]+$/, sk: /^C$/ },
  { kind: 'board counter', pk: /^BOARD#(ALL|S#[a-z0-9-]+|U#[a-z0-9-]+)$/, sk: /^C$/ },
  {
    kind: 'daily metrics',
    pk: /^MET#\d{4}-\d{2}-\d{2}#\d+$/,
    sk: /^(U#[a-z0-9-]+|SU#[a-z0-9-]+#[a-z0-9-]+|S#[a-z0-9-]+)$/,
  },
  { kind: 'layout version', pk: /^LAYOUT$/, sk: /^V$/ },
  { kind: 'config version', pk: /^CONFIG$/, sk: /^V#\d{9}$/ },
  { kind: 'config pointer', pk: /^CONFIG$/, sk: /^LATEST$/ },
  { kind: 'signed link', pk: /^LINK#[0-9A-Za-z]+$/, sk: /^L$/ },
  { kind: 'evidence photo', pk: /^EV#.+$/, sk: /^E$/ },
  { kind: 'SMS spend', pk: /^SPEND#\d{4}-\d{2}$/, sk: /^S$/ },
  { kind: 'receipt index', pk: /^RCPT#(aliyun|tencent)#.+$/, sk: /^R$/ },
] as const;

/** The partition-key values each index takes (overloaded GSIs, the list above). */
export const indexKeys: Record<string, RegExp> = {
  gk1: /^(TICKET|BREACH|NOTIF|ATTN)$|^DUE#\d+$/,
  gk2: /^(U|BU|NU)#[a-z0-9-]+$|^AS#[a-z0-9-]+$/,
  gk3: /^(C|ST)#[a-z0-9-]+$/,
  gk4: /^S#[a-z_]+$|^NQ#\d+$/,
};
