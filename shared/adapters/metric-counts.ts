/**
 * The daily aggregates behind the rankings (issue 16): what a ticket adds to the rows of the day
 * it was raised, and the change a write owes them. Pure; dynamo-board.ts applies the changes with
 * the board counters' (same idempotency slots, same queue of owed changes on the ticket record:
 * board-counts.ts), dynamo-metrics.ts reads the rows.
 *
 * Rows, per day (the day a ticket was raised, Asia/Shanghai) and shard `k` (a unit's rows in the
 * unit's shard, a street's own row in the street's: metricsShardOf):
 * - `MET#<day>#<k>` / `U#<unitId>`               a unit's tally over the city's tickets of the day
 * - `MET#<day>#<k>` / `SU#<streetId>#<unitId>`   the same over one street's tickets (a supervisor's view)
 * - `MET#<day>#<k>` / `S#<streetId>`             the street's own tally (the streets' league table)
 * A period of N days is N × METRICS_SHARDS queries, whatever the number of tickets in it.
 */
import { shanghaiDate } from '../domain/calendar';
import type { Ticket } from '../domain/model';
import { addTally, streetTally, type Tally, tallyInstant, unitTallies } from '../use-cases/metrics';
import { metricsPk, metricsShardOf, metricsStreetSk, metricsStreetUnitSk, metricsUnitSk } from './table-keys';

/** What the aggregates count of a ticket: its day, its street, its tallies. */
export interface MetricsFacet {
  day: string;
  street: string;
  units: Record<string, Tally>;
  s: Tally;
}

export function metricsFacet(t: Ticket): MetricsFacet {
  const now = tallyInstant(t);
  return {
    day: shanghaiDate(new Date(t.createdAt)),
    street: t.streetId,
    units: Object.fromEntries(unitTallies(t, now)),
    s: streetTally(t, now),
  };
}

/** A row's key, and the counters it must move. */
export interface RowDelta {
  pk: string;
  sk: string;
  deltas: Tally;
}

/** The rows a change from `from` to `to` moves (zero deltas dropped). */
export function metricDeltas(
  from: MetricsFacet | null | undefined,
  to: MetricsFacet | null | undefined,
): RowDelta[] {
  const rows = new Map<string, RowDelta>();
  const add = (pk: string, sk: string, tally: Tally, sign: number) => {
    const id = `${pk}\n${sk}`;
    const row = rows.get(id) ?? { pk, sk, deltas: {} };
    addTally(row.deltas, tally, sign);
    rows.set(id, row);
  };
  for (const [f, sign] of [
    [from, -1],
    [to, 1],
  ] as const) {
    if (!f) continue;
    add(metricsPk(f.day, metricsShardOf(f.street)), metricsStreetSk(f.street), f.s, sign);
    for (const [unit, tally] of Object.entries(f.units)) {
      const pk = metricsPk(f.day, metricsShardOf(unit));
      add(pk, metricsUnitSk(unit), tally, sign);
      add(pk, metricsStreetUnitSk(f.street, unit), tally, sign);
    }
  }
  return [...rows.values()].filter((r) => Object.keys(r.deltas).length > 0);
}
