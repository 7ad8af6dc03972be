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

/** Partitions (a day's shard each) queried at once. */
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
   * The tallies of the tickets raised on `days`, per unit and per street: two queries a day and
   * shard (one shard for a street's view), whatever the number of tickets. With `streetId`, only
   * that street's tickets.
   */
  async dailyTallies(days: readonly string[], streetId?: string): Promise<DailyTallies> {
    const units = new TallySum();
    const streets = new TallySum();
    const unitPrefix = streetId ? metricsStreetUnitPrefix(streetId) : METRICS_UNIT_PREFIX;
    const shards = streetId
      ? [metricsShardOf(streetId)]
      : Array.from({ length: METRICS_SHARDS }, (_, k) => k);
    const partitions = days.flatMap((day) => shards.map((k) => metricsPk(day, k)));
    let next = 0;
    const worker = async () => {
      while (next < partitions.length) {
        const pk = partitions[next++] as string;
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
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, partitions.length) }, worker));
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
