/**
 * The daily aggregates' arithmetic (metric-counts.ts): a change moves the rows of the day the
 * ticket was raised by the difference between what the ticket added before and after, and only
 * the rows that moved.
 */
import { describe, expect, it } from 'vitest';
import { type MetricsFacet, metricDeltas } from '../../shared/adapters/metric-counts';
import { METRICS_SHARDS, metricsPk, metricsShardOf } from '../../shared/adapters/table-keys';

/** The day's partition of the street's rows. */
const P = metricsPk('2026-03-02', metricsShardOf('st-lailongmen'));

const dispatched: MetricsFacet = {
  day: '2026-03-02',
  street: 'st-lailongmen',
  units: { 'u-street-lailongmen': { rc: 1 }, 'u-water': { rc: 1 } },
  s: { rc: 1 },
};
const acknowledged: MetricsFacet = {
  ...dispatched,
  units: { 'u-street-lailongmen': { rc: 1, ak: 1 }, 'u-water': { rc: 1 } },
  s: { rc: 1, ak: 1 },
};

const byKey = (rows: ReturnType<typeof metricDeltas>) =>
  Object.fromEntries(rows.map((r) => [`${r.pk} ${r.sk}`, r.deltas]));

describe('daily aggregate deltas', () => {
  it('adds a new ticket to its unit rows (city-wide and its street) and its street row', () => {
    expect(byKey(metricDeltas(null, dispatched))).toEqual({
      [`${P} S#st-lailongmen`]: { rc: 1 },
      [`${P} U#u-street-lailongmen`]: { rc: 1 },
      [`${P} SU#st-lailongmen#u-street-lailongmen`]: { rc: 1 },
      [`${P} U#u-water`]: { rc: 1 },
      [`${P} SU#st-lailongmen#u-water`]: { rc: 1 },
    });
  });

  it('moves only the rows whose counts changed', () => {
    expect(byKey(metricDeltas(dispatched, acknowledged))).toEqual({
      [`${P} S#st-lailongmen`]: { ak: 1 },
      [`${P} U#u-street-lailongmen`]: { ak: 1 },
      [`${P} SU#st-lailongmen#u-street-lailongmen`]: { ak: 1 },
    });
    expect(metricDeltas(acknowledged, acknowledged)).toEqual([]);
  });

  it('takes back what a ticket added when it no longer counts', () => {
    const rows = byKey(metricDeltas(acknowledged, null));
    expect(rows[`${P} U#u-street-lailongmen`]).toEqual({ rc: -1, ak: -1 });
    expect(rows[`${P} S#st-lailongmen`]).toEqual({ rc: -1, ak: -1 });
  });

  it("keeps a street's rows in one partition and spreads the city's streets over the day's shards", () => {
    const streets = Array.from({ length: 40 }, (_, i) => `st-${i}`);
    const partitions = new Set(
      streets.flatMap((street) => metricDeltas(null, { ...dispatched, street }).map((r) => r.pk)),
    );
    expect(partitions.size).toBe(METRICS_SHARDS);
    for (const street of streets)
      expect(new Set(metricDeltas(null, { ...dispatched, street }).map((r) => r.pk)).size).toBe(1);
  });
});
