/**
 * The rankings' daily aggregates in the table (metric-counts.ts): read a period's rows, and count
 * the tickets written before the aggregates existed into them (the back-fill). Ticket writes keep
 * the rows up to date through dynamo-board.ts, with the board counters.
 */
import type { Ticket } from '../domain/model';
import type { DailyTallies } from '../ports';
import { type Tally, TallySum } from '../use-cases/metrics';
import type { CountChange } from './board-counts';
import type { DynamoTable } from './dynamo-table';
import { metricsFacet } from './metric-counts';
import { gsiNames } from './table-design';
import {
  METRICS_BACKFILLED_SK,
  METRICS_STATE_PK,
  METRICS_STREET_PREFIX,
  METRICS_UNIT_PREFIX,
  metricsPk,
  metricsStreetSk,
  metricsStreetUnitPrefix,
  TICKET_KIND,
  TICKET_SK,
  ticketIdOfPk,
  ticketPk,
} from './table-keys';

/** Days queried at once (one partition each). */
const DAY_CONCURRENCY = 16;

/** A row's counters: every number but the idempotency slots' versions (`v00`…). */
function tallyOfRow(item: Record<string, unknown>): Tally {
  const out: Tally = {};
  for (const [k, v] of Object.entries(item)) {
    if (typeof v === 'number' && v !== 0 && !/^v\d\d$/.test(k)) out[k] = v;
  }
  return out;
}

export class DynamoMetrics {
  constructor(
    private readonly table: DynamoTable,
    /** Applies owed changes to the counters and rows, then clears them (DynamoBoard.settleCounts). */
    private readonly settle: (ticketId: string, version: number, owed: CountChange[]) => Promise<void>,
  ) {}

  /**
   * The tallies of the tickets raised on `days`, per unit and per street: one or two queries a
   * day, whatever the number of tickets. With `streetId`, only that street's tickets.
   */
  async dailyTallies(days: readonly string[], streetId?: string): Promise<DailyTallies> {
    const units = new TallySum();
    const streets = new TallySum();
    const unitPrefix = streetId ? metricsStreetUnitPrefix(streetId) : METRICS_UNIT_PREFIX;
    let next = 0;
    const worker = async () => {
      while (next < days.length) {
        const pk = metricsPk(days[next++] as string);
        const [unitRows, streetRows] = await Promise.all([
          this.rows(pk, unitPrefix),
          streetId
            ? this.table.get({ pk, sk: metricsStreetSk(streetId) }).then((i) => (i ? [i] : []))
            : this.rows(pk, METRICS_STREET_PREFIX),
        ]);
        for (const row of unitRows) units.add(String(row.sk).slice(unitPrefix.length), tallyOfRow(row));
        for (const row of streetRows)
          streets.add(String(row.sk).slice(METRICS_STREET_PREFIX.length), tallyOfRow(row));
      }
    };
    await Promise.all(Array.from({ length: Math.min(DAY_CONCURRENCY, days.length) }, worker));
    return { units: units.byId, streets: streets.byId };
  }

  private async rows(pk: string, prefix: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for await (const page of this.table.queryPages({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': pk, ':p': prefix },
    }))
      out.push(...page);
    return out;
  }

  /**
   * Count every ticket the aggregates have not counted yet (records written before they
   * existed) into them, once: afterwards a state item says so and this is one read. Each ticket
   * is marked and owes its change in one conditional write (so a writer racing it counts it
   * exactly once either way), then the change is settled. Reads every ticket: start-up and
   * operator use only, never a request path.
   */
  async backfill(now: string): Promise<{ counted: number; already: boolean }> {
    const state = { pk: METRICS_STATE_PK, sk: METRICS_BACKFILLED_SK };
    if (await this.table.get(state, { consistent: true })) return { counted: 0, already: true };
    let counted = 0;
    for await (const page of this.table.queryPages({
      IndexName: gsiNames.byKind,
      KeyConditionExpression: 'gk1 = :pk',
      ExpressionAttributeValues: { ':pk': TICKET_KIND },
      ProjectionExpression: 'pk',
    })) {
      const keys = page.map((i) => ({ pk: ticketPk(ticketIdOfPk(i.pk)), sk: TICKET_SK }));
      const { items } = await this.table.batchGet(keys, { consistent: true });
      for (const item of items) {
        if ('mf' in item || !item.t) continue;
        const t = item.t as Ticket;
        const change: CountChange = { v: t.version, from: null, to: null, mfrom: null, mto: metricsFacet(t) };
        const owed = [...((item.cq as CountChange[] | undefined) ?? []), change];
        const marked = await this.table.update({
          key: { pk: ticketPk(t.id), sk: TICKET_SK },
          update: 'SET mf = :mf, cq = :cq',
          condition: 'version = :v AND attribute_not_exists(mf)',
          values: { ':mf': change.mto, ':cq': owed, ':v': t.version },
        });
        // Not marked: written meanwhile, and that write counted it.
        if (!marked) continue;
        await this.settle(t.id, t.version, owed);
        counted += 1;
      }
    }
    await this.table.put({ ...state, at: now, counted });
    return { counted, already: false };
  }
}
