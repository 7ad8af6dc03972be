/**
 * The daily aggregates' arithmetic (metric-counts.ts): a change moves the rows of the day the
 * ticket was raised by the difference between what the ticket added before and after, and only
 * the rows that moved.
 */
import { describe, expect, it } from 'vitest';
import { type MetricsFacet, metricDeltas } from '../../shared/adapters/metric-counts';
import { METRICS_SHARDS, metricsPk, metricsShardOf } from '../../shared/adapters/table-keys';

/** The day's partition of an id's rows: a unit's, or the street's own. */
const P = (id: string) => metricsPk('2026-03-02', metricsShardOf(id));

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
      [`${P('st-lailongmen')} S#st-lailongmen`]: { rc: 1 },
      [`${P('u-street-lailongmen')} U#u-street-lailongmen`]: { rc: 1 },
      [`${P('u-street-lailongmen')} SU#st-lailongmen#u-street-lailongmen`]: { rc: 1 },
      [`${P('u-water')} U#u-water`]: { rc: 1 },
      [`${P('u-water')} SU#st-lailongmen#u-water`]: { rc: 1 },
    });
  });

  it('moves only the rows whose counts changed', () => {
    expect(byKey(metricDeltas(dispatched, acknowledged))).toEqual({
      [`${P('st-lailongmen')} S#st-lailongmen`]: { ak: 1 },
      [`${P('u-street-lailongmen')} U#u-street-lailongmen`]: { ak: 1 },
      [`${P('u-street-lailongmen')} SU#st-lailongmen#u-street-lailongmen`]: { ak: 1 },
    });
    expect(metricDeltas(acknowledged, acknowledged)).toEqual([]);
  });

  it('takes back what a ticket added when it no longer counts', () => {
    const rows = byKey(metricDeltas(acknowledged, null));
    expect(rows[`${P('u-street-lailongmen')} U#u-street-lailongmen`]).toEqual({ rc: -1, ak: -1 });
    expect(rows[`${P('st-lailongmen')} S#st-lailongmen`]).toEqual({ rc: -1, ak: -1 });
  });

  it("spreads a joint ticket's rows over the day's shards: each unit's rows in its own", () => {
    const units = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`u-${i}`, { rc: 1 }]));
    const rows = metricDeltas(null, { ...dispatched, units });
    expect(new Set(rows.map((r) => r.pk)).size).toBe(METRICS_SHARDS);
    for (const unit of Object.keys(units)) {
      const mine = rows.filter((r) => r.sk.endsWith(`#${unit}`));
      expect(mine.map((r) => r.sk).sort()).toEqual([`SU#st-lailongmen#${unit}`, `U#${unit}`]);
      expect(new Set(mine.map((r) => r.pk))).toEqual(new Set([P(unit)]));
    }
  });
});
