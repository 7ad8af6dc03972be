/**
 * Partition heat: the read and write capacity units each partition key (of the table and of each
 * GSI) takes per second, against DynamoDB's per-partition ceilings. A partition key value always
 * lives in one partition, and one partition serves at most 3,000 RCU/s and 1,000 WCU/s whatever
 * the table's capacity: a key that needs more is throttled however the table is billed.
 *
 * This file is the arithmetic and the bookkeeping (pure, unit-tested); heat-meter.ts measures the
 * requests at the store client and feeds it. Units are computed the way DynamoDB bills them:
 * - a write: 1 WCU per started KB of the larger of the old and the new item, at least 1, on the
 *   table's partition; and for every GSI the item is in (before or after), the index entry's
 *   projected size: an entry that appears is a put on its key, one that leaves is a delete, one
 *   whose key changes is both (old key, new key), one that stays is an update only if a projected
 *   attribute changed;
 * - a read: 1 RCU per started 4 KB strongly consistent, half that eventually consistent, at least
 *   one unit (a missing item too); a Query sums the sizes of the items it read before rounding.
 */

/** DynamoDB's per-partition ceilings (per partition key value: a key is never split). */
export const PARTITION_LIMITS = { rcuPerSecond: 3000, wcuPerSecond: 1000 } as const;

/** Write units for an item (or index entry) of `bytes`: 1 per started KB, at least 1. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** Read units for `bytes` read in one request: 1 per started 4 KB (half if eventually consistent). */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}

/** How an index stores its entries (DescribeTable's Projection). */
export interface IndexShape {
  name: string;
  partitionKey: string;
  sortKey?: string;
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** INCLUDE: the non-key attributes projected. */
  include?: readonly string[];
}

/** What the meter remembers of an item: its size, and per index its entry (undefined: not in it). */
export interface ItemImage {
  size: number;
  entries: Record<string, IndexEntry | undefined>;
}

export interface IndexEntry {
  partition: string;
  sort: string;
  size: number;
  /** The projected non-key attributes (INCLUDE), serialised: unchanged means no index write. */
  projected?: string;
}

/** One capacity charge on one partition key. */
export interface Charge {
  /** `table` or the GSI's name. */
  index: string;
  partition: string;
  rcu: number;
  wcu: number;
}

/** The GSI writes of one item write, from its image before and after (undefined: no item). */
export function indexWriteCharges(
  indexes: readonly IndexShape[],
  before: ItemImage | undefined,
  after: ItemImage | undefined,
): Charge[] {
  const out: Charge[] = [];
  for (const g of indexes) {
    const old = before?.entries[g.name];
    const now = after?.entries[g.name];
    if (!old && !now) continue;
    if (old && now && old.partition === now.partition && old.sort === now.sort) {
      // The entry stays where it is: rewritten only if what it projects changed.
      const changed =
        g.projection === 'ALL' || (g.projection === 'INCLUDE' && old.projected !== now.projected);
      if (changed)
        out.push({
          index: g.name,
          partition: now.partition,
          rcu: 0,
          wcu: writeUnits(Math.max(old.size, now.size)),
        });
      continue;
    }
    if (old) out.push({ index: g.name, partition: old.partition, rcu: 0, wcu: writeUnits(old.size) });
    if (now) out.push({ index: g.name, partition: now.partition, rcu: 0, wcu: writeUnits(now.size) });
  }
  return out;
}

/** Per-key, per-second sums of capacity units (one process's share, or several merged). */
export interface HeatSeries {
  /** Width of a bucket in ms (1,000: per second). */
  bucketMs: number;
  /** `index\tpartition` → [bucket start ms, rcu, wcu][] */
  keys: Record<string, [number, number, number][]>;
  /** Units after the simulated day ended (PartitionHeat.close): counted, never in a peak. */
  afterEnd?: { rcu: number; wcu: number };
}

export class PartitionHeat {
  private readonly keys = new Map<string, Map<number, [number, number]>>();
  private closed = false;
  private readonly afterEnd = { rcu: 0, wcu: 0 };

  constructor(readonly bucketMs = 1000) {}

  /**
   * The simulated day is over: what the store does from now on (the simulator's end-of-run drain
   * of every queued notice and its audit of every open ticket, all at the last instant) is totalled
   * apart instead of landing in one second no deployment ever sees.
   */
  close(): void {
    this.closed = true;
  }

  record(atMs: number, c: Charge): void {
    if (c.rcu === 0 && c.wcu === 0) return;
    if (this.closed) {
      this.afterEnd.rcu += c.rcu;
      this.afterEnd.wcu += c.wcu;
      return;
    }
    const id = `${c.index}\t${c.partition}`;
    let series = this.keys.get(id);
    if (!series) {
      series = new Map();
      this.keys.set(id, series);
    }
    const bucket = Math.floor(atMs / this.bucketMs) * this.bucketMs;
    const cell = series.get(bucket);
    if (cell) {
      cell[0] += c.rcu;
      cell[1] += c.wcu;
    } else series.set(bucket, [c.rcu, c.wcu]);
  }

  toJSON(): HeatSeries {
    const keys: HeatSeries['keys'] = {};
    for (const [id, series] of this.keys)
      keys[id] = [...series.entries()].map(([at, [r, w]]) => [at, r, w] as [number, number, number]);
    return { bucketMs: this.bucketMs, keys, afterEnd: { ...this.afterEnd } };
  }
}

/** Several processes' series as one: the same key in the same second adds up (one real table). */
export function mergeHeat(parts: readonly HeatSeries[]): HeatSeries {
  const bucketMs = parts[0]?.bucketMs ?? 1000;
  const merged = new Map<string, Map<number, [number, number]>>();
  for (const p of parts) {
    if (p.bucketMs !== bucketMs) throw new Error('heat series with different bucket widths');
    for (const [id, cells] of Object.entries(p.keys)) {
      let series = merged.get(id);
      if (!series) {
        series = new Map();
        merged.set(id, series);
      }
      for (const [at, r, w] of cells) {
        const cell = series.get(at);
        if (cell) {
          cell[0] += r;
          cell[1] += w;
        } else series.set(at, [r, w]);
      }
    }
  }
  const keys: HeatSeries['keys'] = {};
  for (const [id, series] of merged)
    keys[id] = [...series.entries()].map(([at, [r, w]]) => [at, r, w] as [number, number, number]);
  const afterEnd = { rcu: 0, wcu: 0 };
  for (const p of parts) {
    afterEnd.rcu += p.afterEnd?.rcu ?? 0;
    afterEnd.wcu += p.afterEnd?.wcu ?? 0;
  }
  return { bucketMs, keys, afterEnd };
}

export interface HeatRow {
  index: string;
  partition: string;
  /** Peak units per second in the run as measured, and when (ISO, UTC). */
  measured: { rcuPerSecond: number; wcuPerSecond: number; rcuPeakAt: string; wcuPeakAt: string };
  /** The same peaks × `scale` (a sample extrapolated to the full workload; 1 when not sampled). */
  rcuPerSecond: number;
  wcuPerSecond: number;
  /** Mean units per second over the key's busiest minute, × `scale`. */
  busiestMinute: { rcuPerSecond: number; wcuPerSecond: number };
  /** Units over the whole run, × `scale`. */
  total: { rcu: number; wcu: number };
  /** The larger of peak ÷ limit for reads and for writes (1 = at the ceiling). */
  loadOfLimit: number;
  /** Limit ÷ peak on the binding side (∞ written as null). */
  headroom: number | null;
}

export interface HeatReport {
  limits: typeof PARTITION_LIMITS;
  bucketSeconds: number;
  /** Every key's figures are the sample's × this (workload tickets ÷ tickets simulated). */
  scale: number;
  note: string;
  keys: number;
  /** The hottest key of each index, then the hottest keys overall (no repeats), hottest first. */
  hottest: HeatRow[];
  byIndex: Record<string, { keys: number; rcuPerSecond: number; wcuPerSecond: number; loadOfLimit: number }>;
  allUnderLimit: boolean;
  /** The hottest key's headroom (limit ÷ peak). */
  headroom: number | null;
  /** Units the store served after the simulated day (end-of-run drain and audit), as measured. */
  afterEnd: { rcu: number; wcu: number };
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Which of a key's units grow with the city's volume when a sample is scaled up. A ticket's own
 * items (`T#<id>`) take the same writes in a city of 2,000 or 60,000 tickets a day: more tickets
 * are more keys, not more load on one. The configuration is written when an administrator
 * publishes, not per ticket (its reads, by every warm container, do grow). Everything else (the
 * index keys, counters, codes, links) is shared and scales.
 */
export function grows(index: string, partition: string): { reads: boolean; writes: boolean } {
  if (index === 'table' && partition.startsWith('T#')) return { reads: false, writes: false };
  if (index === 'table' && partition === 'CONFIG') return { reads: true, writes: false };
  return { reads: true, writes: true };
}

/** Peaks per key, extrapolated by `scale`, hottest first, against the per-partition limits. */
export function summarizeHeat(
  series: HeatSeries,
  opts: { scale?: number; top?: number; note?: string } = {},
): HeatReport {
  const scale = opts.scale ?? 1;
  const top = opts.top ?? 20;
  const perSecond = 1000 / series.bucketMs;
  const rows: HeatRow[] = [];
  for (const [id, cells] of Object.entries(series.keys)) {
    const [index = '', partition = ''] = id.split('\t');
    let r = 0;
    let w = 0;
    let rAt = 0;
    let wAt = 0;
    let rTotal = 0;
    let wTotal = 0;
    const minutes = new Map<number, [number, number]>();
    for (const [at, cr, cw] of cells) {
      rTotal += cr;
      wTotal += cw;
      if (cr > r) [r, rAt] = [cr, at];
      if (cw > w) [w, wAt] = [cw, at];
      const m = Math.floor(at / 60_000);
      const cell = minutes.get(m) ?? [0, 0];
      cell[0] += cr;
      cell[1] += cw;
      minutes.set(m, cell);
    }
    let mr = 0;
    let mw = 0;
    for (const [cr, cw] of minutes.values()) {
      mr = Math.max(mr, cr);
      mw = Math.max(mw, cw);
    }
    const g = grows(index, partition);
    const rScale = g.reads ? scale : 1;
    const wScale = g.writes ? scale : 1;
    const rcu = r * perSecond * rScale;
    const wcu = w * perSecond * wScale;
    const load = Math.max(rcu / PARTITION_LIMITS.rcuPerSecond, wcu / PARTITION_LIMITS.wcuPerSecond);
    rows.push({
      index,
      partition,
      measured: {
        rcuPerSecond: r2(r * perSecond),
        wcuPerSecond: r2(w * perSecond),
        rcuPeakAt: new Date(rAt).toISOString(),
        wcuPeakAt: new Date(wAt).toISOString(),
      },
      rcuPerSecond: r2(rcu),
      wcuPerSecond: r2(wcu),
      busiestMinute: { rcuPerSecond: r2((mr / 60) * rScale), wcuPerSecond: r2((mw / 60) * wScale) },
      total: { rcu: r2(rTotal * rScale), wcu: r2(wTotal * wScale) },
      loadOfLimit: Math.round(load * 10_000) / 10_000,
      headroom: load === 0 ? null : r2(1 / load),
    });
  }
  rows.sort((a, b) => b.loadOfLimit - a.loadOfLimit || a.partition.localeCompare(b.partition));
  const byIndex: HeatReport['byIndex'] = {};
  const hottestOfIndex = new Map<string, HeatRow>();
  for (const row of rows) {
    let s = byIndex[row.index];
    if (!s) {
      s = { keys: 0, rcuPerSecond: 0, wcuPerSecond: 0, loadOfLimit: 0 };
      byIndex[row.index] = s;
    }
    s.keys += 1;
    s.rcuPerSecond = Math.max(s.rcuPerSecond, row.rcuPerSecond);
    s.wcuPerSecond = Math.max(s.wcuPerSecond, row.wcuPerSecond);
    s.loadOfLimit = Math.max(s.loadOfLimit, row.loadOfLimit);
    if (!hottestOfIndex.has(row.index)) hottestOfIndex.set(row.index, row);
  }
  const hottest = [...hottestOfIndex.values()].sort((a, b) => b.loadOfLimit - a.loadOfLimit);
  for (const row of rows) {
    if (hottest.length >= Math.max(top, hottestOfIndex.size)) break;
    if (!hottest.includes(row)) hottest.push(row);
  }
  hottest.sort((a, b) => b.loadOfLimit - a.loadOfLimit);
  const worst = rows[0];
  return {
    limits: PARTITION_LIMITS,
    bucketSeconds: series.bucketMs / 1000,
    scale: r2(scale),
    note:
      opts.note ??
      (scale === 1
        ? 'measured'
        : `a sample: every shared key's units × ${r2(scale)}, linearly (an upper bound: it assumes ${r2(scale)} times the requests land in the sample's peak second); a ticket's own items and the configuration's writes as measured`),
    keys: rows.length,
    hottest,
    byIndex,
    allUnderLimit: rows.every((row) => row.loadOfLimit < 1),
    headroom: worst ? worst.headroom : null,
    afterEnd: { rcu: r2(series.afterEnd?.rcu ?? 0), wcu: r2(series.afterEnd?.wcu ?? 0) },
  };
}
