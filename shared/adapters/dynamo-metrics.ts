/**
 * The rankings' daily aggregates in the table (metric-counts.ts): a period's rows. Ticket writes
 * keep the rows up to date through dynamo-board.ts, with the board counters; tickets from before
 * the aggregates are counted in by the layout upgrade (dynamo-tickets.ts).
 */
import type { DailyTallies } from '../ports';
import { type Tally, TallySum } from '../use-cases/metrics';
import type { DynamoTable } from './dynamo-table';
import {
  METRICS_SHARDS,
  METRICS_STREET_PREFIX,
  METRICS_UNIT_PREFIX,
  metricsPk,
  metricsShardOf,
  metricsStreetSk,
  metricsStreetUnitPrefix,
} from './table-keys';

/** Requests (a day's shard each, or a street's row) in flight at once. */
const CONCURRENCY = 16;

/** A row's counters: every number but the idempotency slots' versions (`v00`…). */
function tallyOfRow(item: Record<string, unknown>): Tally {
  const out: Tally = {};
  for (const [k, v] of Object.entries(item)) {
    if (typeof v === 'number' && v !== 0 && !/^v\d\d$/.test(k)) out[k] = v;
  }
  return out;
}

export class DynamoMetrics {
  constructor(private readonly table: DynamoTable) {}

  /**
   * The tallies of the tickets raised on `days`, per unit and per street: a query a day and shard
   * for the units and for the streets (one street's own row: a GetItem a day), whatever the number
   * of tickets. With `streetId`, only that street's tickets.
   */
  async dailyTallies(days: readonly string[], streetId?: string): Promise<DailyTallies> {
    const units = new TallySum();
    const streets = new TallySum();
    const unitPrefix = streetId ? metricsStreetUnitPrefix(streetId) : METRICS_UNIT_PREFIX;
    const work: (() => Promise<void>)[] = [];
    for (const day of days) {
      for (let k = 0; k < METRICS_SHARDS; k += 1) {
        const pk = metricsPk(day, k);
        work.push(async () => {
          for (const row of await this.rows(pk, unitPrefix))
            units.add(String(row.sk).slice(unitPrefix.length), tallyOfRow(row));
        });
        if (!streetId)
          work.push(async () => {
            for (const row of await this.rows(pk, METRICS_STREET_PREFIX))
              streets.add(String(row.sk).slice(METRICS_STREET_PREFIX.length), tallyOfRow(row));
          });
      }
      if (streetId) {
        const key = { pk: metricsPk(day, metricsShardOf(streetId)), sk: metricsStreetSk(streetId) };
        work.push(async () => {
          const row = await this.table.get(key);
          if (row) streets.add(streetId, tallyOfRow(row));
        });
      }
    }
    let next = 0;
    const worker = async () => {
      while (next < work.length) await (work[next++] as () => Promise<void>)();
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, work.length) }, worker));
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
}
