/**
 * Tickets in the table: the ticket item (one conditional PutItem guarded by `version` per state
 * change, the board counters' bookkeeping inside), its code and list entries, and the lists read
 * through the indexes. The counters are settled by dynamo-board.ts.
 */
import { VersionConflictError } from '../domain/errors';
import { openStatuses, type Ticket } from '../domain/model';
import type { Page, StoredTicket, TicketFilter } from '../ports';
import { type BoardFacet, boardFacet, type CountChange, changeMovesSomething } from './board-counts';
import type { DynamoBoard } from './dynamo-board';
import { type DynamoTable, timeRangeCondition } from './dynamo-table';
import { type MetricsFacet, metricsFacet } from './metric-counts';
import { gsiNames } from './table-design';
import {
  CODE_SK,
  codePk,
  communityKey,
  coUnitSk,
  DUE_SHARDS,
  dueShardKey,
  dueShardOf,
  LAYOUT_PK,
  LAYOUT_SK,
  STREET_SK,
  statusKey,
  streetKey,
  TICKET_KIND,
  TICKET_PK_PREFIX,
  TICKET_SK,
  ticketIdOfPk,
  ticketPk,
  timeKey,
  unitKey,
} from './table-keys';

/**
 * A ticket's street entry: the street never changes (it follows the community) and neither does
 * the creation instant, so one small item, written once, lists the ticket by street and city-wide.
 */
function streetEntry(t: Ticket): Record<string, unknown> {
  const key = timeKey(t.createdAt, t.id);
  return {
    pk: ticketPk(t.id),
    sk: STREET_SK,
    ticketId: t.id,
    gk1: TICKET_KIND,
    gs1: key,
    gk3: streetKey(t.streetId),
    gs3: key,
  };
}

/** The ticket item's due index keys, if the engine owes it an act (`dueBy`). */
function dueIndexKeys(ticketId: string, dueBy: string | undefined): { gk1?: string; gs1?: string } {
  return dueBy ? { gk1: dueShardKey(dueShardOf(ticketId)), gs1: timeKey(dueBy, ticketId) } : {};
}

/** Where the reconciler's pages stopped, per due shard (the last `gs1` returned). */
function decodeDueCursor(cursor: string | undefined): Record<string, string> {
  if (!cursor) return {};
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === 'string' && /^DUE#\d+$/.test(e[0]),
      ),
    );
  } catch {
    return {};
  }
}

/** Whether two stored values are equal, whatever order their maps' keys come back in. */
function sameJson(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
        )
      : Array.isArray(v)
        ? v.map(canon)
        : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/**
 * The table's layout version: 2 moved the city-wide ticket list to the street entries and put the
 * due index on the ticket items (upgradeLayout brings older tables to it).
 */
export const TABLE_LAYOUT = 2;

/** Every filter of a ticket list, applied to the ticket as the table holds it now. */
function matches(t: Ticket, f: TicketFilter): boolean {
  return (
    (!f.status || t.status === f.status) &&
    (!f.communityId || t.communityId === f.communityId) &&
    (!f.streetId || t.streetId === f.streetId) &&
    (f.breached === undefined || t.breaches.length > 0 === f.breached) &&
    (!f.slaClass || t.slaClass === f.slaClass) &&
    (f.level === undefined || t.escalationLevel === f.level) &&
    (!f.extensionPending || t.extension?.status === 'pending') &&
    (!f.flag || t.flags.includes(f.flag))
  );
}

function ticketRecordOf(item: Record<string, unknown>): StoredTicket {
  return {
    ticket: item.t as Ticket,
    tokens: (item.tokens as StoredTicket['tokens']) ?? {},
    ...(item.requestHash ? { requestHash: item.requestHash as string } : {}),
    ...(item.run ? { run: item.run as StoredTicket['run'] } : {}),
    ...(item.pending ? { pending: item.pending as StoredTicket['pending'] } : {}),
    ...(item.dueBy ? { dueBy: item.dueBy as string } : {}),
    // The board counters' bookkeeping rides along, so the next conditional write carries it on.
    counts: {
      facet: (item.bf as BoardFacet | null | undefined) ?? null,
      owed: (item.cq as CountChange[] | undefined) ?? [],
      known: 'bf' in item,
      metrics: (item.mf as MetricsFacet | undefined) ?? null,
    },
  };
}

/** The counters' bookkeeping on a ticket record (opaque to the core: see board-counts.ts). */
interface CountsState {
  facet: BoardFacet | null;
  owed: CountChange[];
  /** False for records written before the counters existed (the recount counts them). */
  known: boolean;
  /** What the daily aggregates count of it; null if they never counted it (older records). */
  metrics: MetricsFacet | null;
}

/**
 * The ticket record in a table stream image (already unmarshalled), or undefined for any other
 * item: the stream consumer that sends pending starts and signals reads records through this.
 */
export function ticketRecordFromImage(item: Record<string, unknown> | undefined): StoredTicket | undefined {
  if (
    !item ||
    item.sk !== TICKET_SK ||
    typeof item.pk !== 'string' ||
    !item.pk.startsWith(TICKET_PK_PREFIX) ||
    !item.t
  )
    return undefined;
  return ticketRecordOf(item);
}

export class DynamoTickets {
  constructor(
    private readonly table: DynamoTable,
    private readonly counters: DynamoBoard,
    /** Days a closed or cancelled ticket stays in the table before TTL moves it to the archive. */
    private readonly closedRetentionDays: number,
  ) {}

  private ticketItem(r: StoredTicket, owed: CountChange[] = []): Record<string, unknown> {
    const t = r.ticket;
    const key = timeKey(t.createdAt, t.id);
    const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
    return {
      pk: ticketPk(t.id),
      sk: TICKET_SK,
      version: t.version,
      t,
      tokens: r.tokens,
      ...(r.requestHash ? { requestHash: r.requestHash } : {}),
      ...(r.run ? { run: r.run } : {}),
      ...(r.pending ? { pending: r.pending } : {}),
      ...(r.dueBy ? { dueBy: r.dueBy } : {}),
      // What the board counters and the daily aggregates count of this ticket, and the changes
      // they may not have yet.
      bf: boardFacet(t),
      mf: metricsFacet(t),
      ...(owed.length ? { cq: owed } : {}),
      ...this.expiry(t),
      // The due index (sparse): only while the engine owes this ticket an act.
      ...dueIndexKeys(t.id, r.dueBy),
      ...(lead ? { gk2: unitKey(lead.unitId), gs2: key } : {}),
      gk3: communityKey(t.communityId),
      gs3: key,
      gk4: statusKey(t.status),
      gs4: key,
    };
  }

  /**
   * A closed or cancelled ticket's TTL (epoch seconds): DynamoDB deletes it after the retention
   * and the archiver keeps it, timeline and all, in S3. A reopened ticket loses it again.
   */
  private expiry(t: Ticket): { expiresAt?: number } {
    if (t.status !== 'closed' && t.status !== 'cancelled') return {};
    const since = Date.parse(t.closedAt ?? t.updatedAt);
    if (!Number.isFinite(since)) return {};
    return { expiresAt: Math.floor(since / 1000) + this.closedRetentionDays * 86_400 };
  }

  async createTicket(record: StoredTicket): Promise<boolean> {
    const change: CountChange = {
      v: record.ticket.version,
      from: null,
      to: boardFacet(record.ticket),
      mfrom: null,
      mto: metricsFacet(record.ticket),
    };
    // The street entry first: it lists the ticket in its street's and the city's lists, so no
    // crash after the ticket's write can leave a ticket that no list shows (a replay finds the
    // entry there; an entry whose ticket never came is skipped by the lists' BatchGet).
    await this.table.putIfAbsent(streetEntry(record.ticket));
    if (!(await this.table.putIfAbsent(this.ticketItem(record, [change])))) return false;
    await Promise.all([
      this.indexCoUnits(record.ticket, []),
      this.indexCode(record.ticket),
      this.counters.settleCounts(record.ticket.id, record.ticket.version, [change]),
    ]);
    return true;
  }

  /** `CODE#<code>` names the ticket: the code people read out finds it with one GetItem. */
  private async indexCode(t: Ticket): Promise<void> {
    await this.table.put({ pk: codePk(t.code), sk: CODE_SK, ticketId: t.id });
  }

  async findTicketIdByCode(code: string): Promise<string | undefined> {
    const item = await this.table.get({ pk: codePk(code), sk: CODE_SK });
    return item?.ticketId as string | undefined;
  }

  async getTickets(ids: readonly string[]): Promise<Ticket[]> {
    return this.batchGetTickets([...new Set(ids)]);
  }

  /** Co-handling units find their tickets through small index items (byOwner). */
  private async indexCoUnits(t: Ticket, before: readonly string[]): Promise<void> {
    const co = t.assignments
      .filter((a) => a.role === 'co' && !before.includes(a.unitId))
      .map((a) => a.unitId);
    const key = timeKey(t.createdAt, t.id);
    await Promise.all(
      co.map((unitId) =>
        this.table.put({
          pk: ticketPk(t.id),
          sk: coUnitSk(unitId),
          ticketId: t.id,
          gk2: unitKey(unitId),
          gs2: key,
        }),
      ),
    );
  }

  async getTicket(id: string): Promise<StoredTicket | undefined> {
    const item = await this.table.get({ pk: ticketPk(id), sk: TICKET_SK }, { consistent: true });
    return item ? ticketRecordOf(item) : undefined;
  }

  async saveTicket(record: StoredTicket, expectedVersion: number): Promise<StoredTicket> {
    const next: StoredTicket = { ...record, ticket: { ...record.ticket, version: expectedVersion + 1 } };
    const counts = record.counts as CountsState | undefined;
    const change: CountChange = {
      v: next.ticket.version,
      from: counts?.facet ?? null,
      to: boardFacet(next.ticket),
      mfrom: counts?.metrics ?? null,
      mto: metricsFacet(next.ticket),
    };
    // A record from before the board counters: the recount counts it on the board, while the
    // daily aggregates still take the change.
    const boardless = (c: CountChange): CountChange => ({ ...c, from: null, to: null });
    // What the counters are owed, written in the same conditional write as the change itself.
    const owed = (counts?.known === false ? [boardless(change)] : [...(counts?.owed ?? []), change]).filter(
      changeMovesSomething,
    );
    let settle: CountChange[] = owed;
    const out = await this.table.putIfVersion(this.ticketItem(next, owed), expectedVersion);
    if (!out)
      throw new VersionConflictError(`ticket ${record.ticket.id} moved past version ${expectedVersion}`);
    // The item replaced is the authority (a caller that dropped `counts` still counts right).
    const old = out.old;
    if (old) {
      const oldBoard = (old.bf as BoardFacet | null | undefined) ?? null;
      const oldMetrics = (old.mf as MetricsFacet | undefined) ?? null;
      if (!('bf' in old)) settle = [boardless({ ...change, mfrom: oldMetrics })].filter(changeMovesSomething);
      else if (!sameJson(oldBoard, counts?.facet ?? null) || !sameJson(oldMetrics, counts?.metrics ?? null)) {
        settle = [
          ...((old.cq as CountChange[] | undefined) ?? []),
          { ...change, from: oldBoard, mfrom: oldMetrics },
        ].filter(changeMovesSomething);
      }
    }
    // A record of the previous layout (on the city-wide list itself): this write took it off,
    // so its street entry takes over before anything reads the list.
    if (old?.gk1 === TICKET_KIND) await this.table.put(streetEntry(next.ticket));
    await this.counters.settleCounts(next.ticket.id, next.ticket.version, settle);
    return {
      ...next,
      counts: { facet: change.to, owed: [], known: true, metrics: change.mto ?? null } satisfies CountsState,
    };
  }

  /**
   * The table stream's side of the counters (AWS): if the write that produced `rec` owed changes
   * and the stored record still owes them at that version, its writer stopped before settling
   * them, so settle them now. No request when the write owed nothing; one small read when its
   * writer settled (the usual case). Replays are harmless: every counter applies a version once.
   */
  async settleLeftOwed(rec: StoredTicket): Promise<boolean> {
    if (!((rec.counts as CountsState | undefined)?.owed.length ?? 0)) return false;
    const id = rec.ticket.id;
    const item = await this.table.get(
      { pk: ticketPk(id), sk: TICKET_SK },
      { consistent: true, projection: 'version, cq' },
    );
    const owed = item?.cq as CountChange[] | undefined;
    if (!item || item.version !== rec.ticket.version || !owed?.length) return false;
    await this.counters.settleCounts(id, rec.ticket.version, owed);
    return true;
  }

  /**
   * A page of tickets from the one index key that narrows the most (unit, community, street,
   * status, or all), newest first. The indexes carry keys only for tickets (table-design.ts), so
   * the page's tickets are then read from the table in one BatchGet and every filter applies to
   * the ticket as it is now: a page may come back shorter than `limit` (as with a DynamoDB
   * filter), its cursor goes on where the index left off.
   */
  async listTickets(filter: TicketFilter, limit: number, cursor?: string): Promise<Page<Ticket>> {
    const values: Record<string, unknown> = {};
    let index: string;
    let pkName: string;
    let skName: string;
    let pkValue: string;
    if (filter.unitId) {
      [index, pkName, skName, pkValue] = [gsiNames.byOwner, 'gk2', 'gs2', unitKey(filter.unitId)];
    } else if (filter.communityId) {
      [index, pkName, skName, pkValue] = [
        gsiNames.byCommunity,
        'gk3',
        'gs3',
        communityKey(filter.communityId),
      ];
    } else if (filter.streetId) {
      [index, pkName, skName, pkValue] = [gsiNames.byCommunity, 'gk3', 'gs3', streetKey(filter.streetId)];
    } else if (filter.status) {
      [index, pkName, skName, pkValue] = [gsiNames.byStatus, 'gk4', 'gs4', statusKey(filter.status)];
    } else {
      [index, pkName, skName, pkValue] = [gsiNames.byKind, 'gk1', 'gs1', TICKET_KIND];
    }
    values[':pk'] = pkValue;
    const keyCondition = timeRangeCondition(pkName, skName, filter, values);
    const page = await this.table.queryPage(
      {
        IndexName: index,
        KeyConditionExpression: keyCondition,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: limit,
      },
      cursor,
    );
    // Ticket items name themselves by pk; index items (co-unit, street) by ticketId.
    const ids = page.items.map((i) => (i.ticketId as string | undefined) ?? ticketIdOfPk(i.pk));
    const byId = new Map((await this.batchGetTickets([...new Set(ids)])).map((t) => [t.id, t]));
    const tickets = [...new Set(ids)]
      .map((id) => byId.get(id))
      .filter((t): t is Ticket => t !== undefined && matches(t, filter));
    return { ...page, items: tickets };
  }

  private async batchGetTickets(ids: string[]): Promise<Ticket[]> {
    const keys = ids.map((id) => ({ pk: ticketPk(id), sk: TICKET_SK }));
    return (await this.table.batchGet(keys)).items.map((item) => item.t as Ticket);
  }

  async *scanPeriod(from: string, to: string): AsyncIterable<Ticket[]> {
    let cursor: string | undefined;
    do {
      const page = await this.listTickets({ from, to }, 500, cursor);
      yield page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  async *openTickets(): AsyncIterable<Ticket[]> {
    for (const status of openStatuses) {
      let cursor: string | undefined;
      do {
        const page = await this.listTickets({ status }, 500, cursor);
        if (page.items.length) yield page.items;
        cursor = page.nextCursor;
      } while (cursor);
    }
  }

  /**
   * The tickets whose `dueBy` is at or before `before`, oldest first: one query per due shard,
   * each reading only its due entries (table-keys.ts), so the reconciler's cost follows the
   * stranded tickets, not the open ones. The cursor holds where each shard stopped.
   */
  async listDue(before: string, limit: number, cursor?: string): Promise<Page<string>> {
    const after = decodeDueCursor(cursor);
    const upTo = `${before}~`;
    const shards = await Promise.all(
      Array.from({ length: DUE_SHARDS }, async (_, s) => {
        const shard = dueShardKey(s);
        const from = after[shard];
        const out = await this.table.query({
          IndexName: gsiNames.byKind,
          KeyConditionExpression: 'gk1 = :pk AND gs1 <= :upTo',
          ExpressionAttributeValues: { ':pk': shard, ':upTo': upTo },
          ProjectionExpression: 'pk, gs1',
          Limit: limit,
          ...(from
            ? {
                ExclusiveStartKey: {
                  gk1: shard,
                  gs1: from,
                  pk: ticketPk(from.slice(from.lastIndexOf('#') + 1)),
                  sk: TICKET_SK,
                },
              }
            : {}),
        });
        const items = (out.Items ?? []).map((i) => ({ shard, at: String(i.gs1), id: ticketIdOfPk(i.pk) }));
        return { items, more: out.LastEvaluatedKey !== undefined };
      }),
    );
    const merged = shards
      .flatMap((s) => s.items)
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
      .slice(0, limit);
    const next = { ...after };
    for (const d of merged) next[d.shard] = d.at;
    const more = shards.some((s) => s.more) || merged.length < shards.reduce((n, s) => n + s.items.length, 0);
    return {
      items: merged.map((d) => d.id),
      ...(more ? { nextCursor: Buffer.from(JSON.stringify(next)).toString('base64url') } : {}),
    };
  }

  /**
   * Bring tickets written by an older version to the current layout, once (the embedded start-up
   * and so `npm run audit -- --data DIR`); afterwards the layout item makes it one read:
   * - the street entry lists the ticket city-wide (`gk1 = TICKET`), and is written where missing
   *   (tickets from before street entries);
   * - the ticket item leaves the city-wide list for the due index (`DUE#<shard>` / `<dueBy>#<id>`);
   * - what the daily aggregates count of it (`mf`) is set and owed in the same conditional write,
   *   then settled, so a writer racing it counts the ticket exactly once either way.
   * Reads every ticket: never a request path. A new table starts at the current layout.
   */
  async upgradeLayout(now: string): Promise<{ tickets: number; counted: number; already: boolean }> {
    const state = { pk: LAYOUT_PK, sk: LAYOUT_SK };
    const current = await this.table.get(state, { consistent: true });
    if (typeof current?.layout === 'number' && current.layout >= TABLE_LAYOUT)
      return { tickets: 0, counted: 0, already: true };
    let tickets = 0;
    let counted = 0;
    for await (const page of this.table.queryPages({
      IndexName: gsiNames.byKind,
      KeyConditionExpression: 'gk1 = :pk',
      ExpressionAttributeValues: { ':pk': TICKET_KIND },
      ProjectionExpression: 'pk, sk',
    })) {
      // Ticket items still on the city-wide list (street entries are where they belong).
      const keys = page.filter((i) => i.sk === TICKET_SK).map((i) => ({ pk: i.pk, sk: TICKET_SK }));
      if (keys.length === 0) continue;
      const { items } = await this.table.batchGet(keys, { consistent: true });
      for (const item of items) {
        if (!item.t) continue;
        const rec = ticketRecordOf(item);
        const t = rec.ticket;
        await this.table.put(streetEntry(t));
        const uncounted = !('mf' in item);
        const change: CountChange = { v: t.version, from: null, to: null, mfrom: null, mto: metricsFacet(t) };
        const owed = [...(rec.counts as CountsState).owed, ...(uncounted ? [change] : [])];
        const due = dueIndexKeys(t.id, rec.dueBy);
        const sets = [
          ...(due.gk1 ? ['gk1 = :gk1', 'gs1 = :gs1'] : []),
          ...(uncounted ? ['mf = :mf', 'cq = :cq'] : []),
        ];
        const values: Record<string, unknown> = { ':v': t.version };
        if (due.gk1) Object.assign(values, { ':gk1': due.gk1, ':gs1': due.gs1 });
        if (uncounted) Object.assign(values, { ':mf': change.mto, ':cq': owed });
        const moved = await this.table.update({
          key: { pk: ticketPk(t.id), sk: TICKET_SK },
          update: `${sets.length ? `SET ${sets.join(', ')} ` : ''}${due.gk1 ? '' : 'REMOVE gk1, gs1'}`.trim(),
          condition: 'version = :v',
          values,
        });
        // Not moved: written meanwhile, and that write used the current layout.
        if (!moved) continue;
        tickets += 1;
        if (uncounted) {
          await this.counters.settleCounts(t.id, t.version, owed);
          counted += 1;
        }
      }
    }
    await this.table.put({ ...state, layout: TABLE_LAYOUT, at: now, tickets, counted });
    return { tickets, counted, already: false };
  }
}
