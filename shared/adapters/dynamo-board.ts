/**
 * The board counters (board-counts.ts) in the table: per city, street and lead unit, kept with the
 * ticket writes (dynamo-tickets.ts owes them changes and settles them here), read by the board,
 * and put back to the truth by the recount.
 */
import { openStatuses, type Ticket } from '../domain/model';
import type { StoredTicket } from '../ports';
import {
  attentionChanged,
  type BoardCounts,
  type BoardFacet,
  boardFacet,
  type CountChange,
  changeMovesSomething,
  counterDeltas,
  countFacets,
  countsOfItem,
  emptyCounts,
  sameCounts,
  slotOf,
} from './board-counts';
import type { DynamoTable } from './dynamo-table';
import { metricDeltas } from './metric-counts';
import { gsiNames } from './table-design';
import {
  ATTENTION_KIND,
  ATTENTION_SK,
  attentionStreetKey,
  CITY_COUNTER_PK,
  COUNTER_SK,
  STREET_COUNTER_PREFIX,
  statusKey,
  streetCounterPk,
  TICKET_SK,
  ticketIdOfPk,
  ticketPk,
  timeKey,
  UNIT_COUNTER_PREFIX,
  unitCounterPk,
} from './table-keys';

export class DynamoBoard {
  constructor(
    private readonly table: DynamoTable,
    /** The ticket record as stored (the recount rewrites a marker at the ticket's version). */
    private readonly getTicket: (id: string) => Promise<StoredTicket | undefined>,
  ) {}

  /**
   * Apply the changes a ticket write owes the counters, then take them off the record (only if
   * nobody wrote the ticket since: a later writer carries them on and applies them itself).
   */
  async settleCounts(ticketId: string, version: number, owed: CountChange[]): Promise<void> {
    const effective = owed.filter(changeMovesSomething);
    if (effective.length === 0) return;
    for (const change of effective) await this.applyChange(ticketId, change);
    await this.table.update({
      key: { pk: ticketPk(ticketId), sk: TICKET_SK },
      update: 'REMOVE cq',
      condition: 'version = :v',
      values: { ':v': version },
    });
  }

  /**
   * One change, idempotently: each counter (and each daily aggregate row) applies a ticket's
   * versions once and in order.
   */
  private async applyChange(ticketId: string, change: CountChange): Promise<void> {
    const { slot, tag } = slotOf(ticketId);
    const rows = [
      ...[...counterDeltas(change)].map(([pk, deltas]) => ({ pk, sk: COUNTER_SK, deltas })),
      ...metricDeltas(change.mfrom, change.mto),
    ];
    const updates: Promise<unknown>[] = rows.map(({ pk, sk, deltas }) => {
      const names: Record<string, string> = { '#slot': slot, '#slotv': `v${slot.slice(1)}` };
      const values: Record<string, unknown> = { ':tag': tag, ':v': change.v };
      const adds = Object.entries(deltas).map(([attr, n], i) => {
        names[`#a${i}`] = attr;
        values[`:d${i}`] = n;
        return `#a${i} :d${i}`;
      });
      // A failed condition: applied already (a writer that carried this change on, or a replay).
      return this.table.update({
        key: { pk, sk },
        update: `SET #slot = :tag, #slotv = :v ADD ${adds.join(', ')}`,
        condition: 'attribute_not_exists(#slot) OR #slot <> :tag OR #slotv < :v',
        names,
        values,
      });
    });
    if (attentionChanged(change)) updates.push(this.putAttention(ticketId, change.v, change.to));
    await Promise.all(updates);
  }

  /**
   * The attention marker (T#<id> / A): indexed by street and city-wide while the ticket needs a
   * supervisor, an unindexed stub otherwise (so an older write arriving late cannot revive it).
   */
  private async putAttention(
    ticketId: string,
    v: number,
    f: BoardFacet | null,
    force = false,
  ): Promise<void> {
    const live = f && f.attention.length > 0 ? f : null;
    const key = live ? timeKey(live.at, ticketId) : '';
    await this.table.put(
      {
        pk: ticketPk(ticketId),
        sk: ATTENTION_SK,
        v,
        ...(live
          ? {
              a: { id: ticketId, code: live.code, flags: live.attention },
              gk1: ATTENTION_KIND,
              gs1: key,
              gk2: attentionStreetKey(live.street),
              gs2: key,
            }
          : {}),
      },
      force ? undefined : { expression: 'attribute_not_exists(pk) OR v < :v', values: { ':v': v } },
    );
  }

  /**
   * The board without reading tickets: one counter item (the city's, or a street's) and at most
   * `flaggedLimit` attention markers. Costs the same with 100 or 100,000 open tickets.
   */
  async board(
    streetId: string | undefined,
    flaggedLimit: number,
  ): Promise<{ counts: BoardCounts; flagged: { id: string; code: string; flags: string[] }[] }> {
    const pk = streetId ? streetCounterPk(streetId) : CITY_COUNTER_PK;
    const [counter, marks] = await Promise.all([
      this.table.get({ pk, sk: COUNTER_SK }),
      this.table.query(
        streetId
          ? {
              IndexName: gsiNames.byOwner,
              KeyConditionExpression: 'gk2 = :pk',
              ExpressionAttributeValues: { ':pk': attentionStreetKey(streetId) },
              ScanIndexForward: false,
              Limit: flaggedLimit,
            }
          : {
              IndexName: gsiNames.byKind,
              KeyConditionExpression: 'gk1 = :pk',
              ExpressionAttributeValues: { ':pk': ATTENTION_KIND },
              ScanIndexForward: false,
              Limit: flaggedLimit,
            },
      ),
    ]);
    return {
      counts: countsOfItem(counter),
      flagged: (marks.Items ?? []).map((i) => i.a as { id: string; code: string; flags: string[] }),
    };
  }

  /** The counts of one unit's open tickets where it leads. */
  async unitCounts(unitId: string): Promise<BoardCounts> {
    return countsOfItem(await this.table.get({ pk: unitCounterPk(unitId), sk: COUNTER_SK }));
  }

  /**
   * Recount the board from the open tickets (the repair path: embedded start-up, the audit CLI):
   * applies what records still owe, compares every counter and attention marker with the truth,
   * and with `repair` puts them right. Reads every open ticket: never on a request path.
   */
  async recountBoard(repair: boolean): Promise<{ counters: number; drifted: string[]; markers: number }> {
    const scanned = await this.scanBookkeeping();
    // A writer stopped between a ticket write and its counter updates left them on the record.
    // The open tickets' are applied below; a closed one's owed changes (its close in the day's
    // rankings) would wait for a next write that never comes, and one that does come would apply
    // them over counters this recount already set to the truth. On AWS the table stream settles
    // them (settleLeftOwed); here, the start-up does.
    if (repair) {
      for (const item of scanned.owing)
        await this.settleCounts(
          ticketIdOfPk(item.pk as string),
          item.version as number,
          item.cq as CountChange[],
        );
    }
    const facets: BoardFacet[] = [];
    const facetById = new Map<string, BoardFacet>();
    for await (const items of this.openTicketItems()) {
      for (const item of items) {
        const t = item.t as Ticket;
        const f = boardFacet(t);
        if (f) {
          facets.push(f);
          facetById.set(t.id, f);
        }
        const owed = (item.cq as CountChange[] | undefined) ?? [];
        if (repair && (owed.length > 0 || !('bf' in item))) {
          for (const change of owed) await this.applyChange(t.id, change);
          await this.table.update({
            key: { pk: ticketPk(t.id), sk: TICKET_SK },
            update: 'SET bf = :f REMOVE cq',
            condition: 'version = :v',
            values: { ':f': f, ':v': t.version },
          });
        }
      }
    }
    const truth = countFacets(facets);
    // Counters that exist but count nothing any more must go back to zero too.
    for (const pk of scanned.counterKeys) if (!truth.has(pk)) truth.set(pk, emptyCounts());
    const drifted: string[] = [];
    const keys = [...truth.keys()];
    const stored = new Map<string, BoardCounts>();
    const { items: counters } = await this.table.batchGet(
      keys.map((pk) => ({ pk, sk: COUNTER_SK })),
      { consistent: true },
    );
    for (const item of counters) stored.set(item.pk as string, countsOfItem(item));
    for (const [pk, want] of truth) {
      if (sameCounts(stored.get(pk) ?? emptyCounts(), want)) continue;
      drifted.push(pk);
      if (!repair) continue;
      const values: Record<string, unknown> = { ':o': want.open, ':a': want.attention };
      const sets = ['#open = :o', 'att = :a'];
      for (const [s, n] of Object.entries(want.byStatus)) {
        sets.push(`s_${s} = :s_${s}`);
        values[`:s_${s}`] = n;
      }
      for (const [l, n] of Object.entries(want.byLevel)) {
        sets.push(`l_${l} = :l_${l}`);
        values[`:l_${l}`] = n;
      }
      // SET, not a new item: the idempotency slots stay, so a late replay is still recognised.
      await this.table.update({
        key: { pk, sk: COUNTER_SK },
        update: `SET ${sets.join(', ')}`,
        names: { '#open': 'open' },
        values,
      });
    }
    // Attention markers: every live one must belong to an open ticket that needs attention.
    let markers = 0;
    const live = new Set<string>();
    for await (const page of this.table.queryPages({
      IndexName: gsiNames.byKind,
      KeyConditionExpression: 'gk1 = :pk',
      ExpressionAttributeValues: { ':pk': ATTENTION_KIND },
    })) {
      for (const i of page) {
        const a = i.a as { id: string; flags: string[] };
        const f = facetById.get(a.id);
        live.add(a.id);
        if (f?.attention.length && JSON.stringify(f.attention) === JSON.stringify(a.flags)) continue;
        markers += 1;
        if (repair) await this.forceAttention(a.id, f ?? null);
      }
    }
    for (const [id, f] of facetById) {
      if (!f.attention.length || live.has(id)) continue;
      markers += 1;
      if (repair) await this.forceAttention(id, f);
    }
    return { counters: truth.size, drifted, markers };
  }

  /** Rewrite a marker from the truth, whatever version it holds (the recount only). */
  private async forceAttention(ticketId: string, f: BoardFacet | null): Promise<void> {
    const rec = await this.getTicket(ticketId);
    await this.putAttention(ticketId, rec?.ticket.version ?? 0, f, true);
  }

  /**
   * One scan (the recount only) for what no key lists: the street and unit counter items that
   * exist, and the ticket items that still owe counter changes (`cq`), closed ones included.
   */
  private async scanBookkeeping(): Promise<{ counterKeys: string[]; owing: Record<string, unknown>[] }> {
    const counterKeys: string[] = [];
    const owing: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.scan({
        FilterExpression:
          '(sk = :c AND (begins_with(pk, :s) OR begins_with(pk, :u))) OR (sk = :t AND attribute_exists(cq))',
        ExpressionAttributeValues: {
          ':s': STREET_COUNTER_PREFIX,
          ':u': UNIT_COUNTER_PREFIX,
          ':c': COUNTER_SK,
          ':t': TICKET_SK,
        },
        ProjectionExpression: 'pk, sk, version, cq',
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      for (const i of page.Items ?? []) {
        if (i.sk === COUNTER_SK) counterKeys.push(i.pk as string);
        else if ((i.cq as unknown[] | undefined)?.length) owing.push(i);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { counterKeys, owing };
  }

  /** Open ticket items as stored (the recount reads the bookkeeping, not just the ticket). */
  private async *openTicketItems(): AsyncIterable<Record<string, unknown>[]> {
    for (const status of openStatuses) {
      for await (const page of this.table.queryPages({
        IndexName: gsiNames.byStatus,
        KeyConditionExpression: 'gk4 = :pk',
        ExpressionAttributeValues: { ':pk': statusKey(status) },
        ProjectionExpression: 'pk',
      })) {
        const ids = page.map((i) => ticketIdOfPk(i.pk));
        if (ids.length) yield await this.batchGetItems(ids);
      }
    }
  }

  private async batchGetItems(ids: string[]): Promise<Record<string, unknown>[]> {
    const keys = ids.map((id) => ({ pk: ticketPk(id), sk: TICKET_SK }));
    return (await this.table.batchGet(keys, { consistent: true })).items;
  }
}
