/**
 * The single-table design, shared by the local bootstrap (CreateTable on dynalite) and the CDK
 * data stack so both create exactly the same keys and indexes.
 *
 * Items (pk / sk):
 * - ticket            T#<id> / T              one conditional write per state change, timeline inside
 * - co-unit index     T#<id> / CO#<unitId>    lets a co-handling unit find the ticket (byOwner)
 * - breach            T#<id> / B#<stage>#<unitId>#<level>
 * - notification      T#<id> / N#<at>#<n>     one item per message event (SMS + email together)
 * - task token        T#<id> / K#<stage>#<unitId>
 * - config version    CONFIG / V#<000000042>  the whole configuration, immutable
 * - idempotency       IDEM#<owner>#<key> / I  maps a client's key to the ticket it created
 * - signed link       LINK#<code> / L         grant, HMAC, single-use marks, evidence names
 * - evidence photo    EV#<name> / E           embedded runtime only (S3 on AWS)
 *
 * Overloaded GSIs (all keys are strings; an item appears only if it carries the index's pk):
 * - byKind:      gk1 = TICKET | BREACH | NOTIF,            gs1 = <instant>#<id>  (time-ordered lists)
 * - byOwner:     gk2 = U#<unitId> | BU#<unitId> | NU#<unitId>, gs2 = <instant>#<id>
 * - byCommunity: gk3 = C#<communityId>,                     gs3 = <instant>#<id>
 * - byStatus:    gk4 = S#<status>,                           gs4 = <instant>#<id>
 */
export const tableKeys = { partitionKey: 'pk', sortKey: 'sk' } as const;

export const gsiNames = {
  byKind: 'byKind',
  byOwner: 'byOwner',
  byCommunity: 'byCommunity',
  byStatus: 'byStatus',
} as const;

export const globalSecondaryIndexes = [
  { indexName: gsiNames.byKind, partitionKey: 'gk1', sortKey: 'gs1' },
  { indexName: gsiNames.byOwner, partitionKey: 'gk2', sortKey: 'gs2' },
  { indexName: gsiNames.byCommunity, partitionKey: 'gk3', sortKey: 'gs3' },
  { indexName: gsiNames.byStatus, partitionKey: 'gk4', sortKey: 'gs4' },
] as const;
