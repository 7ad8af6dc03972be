/**
 * The workloads: who raises which tickets when (channel mix, duty items, communities, hours of
 * the day), and how each unit behaves. Everything derives from the run's seed, so two runs with
 * the same seed raise the same tickets at the same instants, whatever policy they run under.
 *
 * Liling (醴陵, the seed city): about 10,000 tickets a year over its 5 streets and 23 communities.
 * Channel mix from the seed document's figures: grid-chain findings (9,536) and 双报到 reports
 * (7,652, raised at the community: walk-in) dominate, market-day receptions solved 1,450 (3–6 a
 * month per town: here the 3rd and 8th of each ten days), night patrols (6,200+ patrols) find
 * some, and the hotline and online channels take the rest.
 *
 * Beijing (接诉即办): 60,000 tickets a day city-wide (2023: 21.43 M a year ≈ 58,700 a day) over
 * the synthetic 343-street configuration (beijing-config.ts); the hotline 12345 dominates.
 */

import type { WorkCalendar } from '../../shared/domain/calendar';
import type { ConfigSnapshot, DutyItem } from '../../shared/domain/model';
import { Rng, WeightedTable } from './rng';
import { calendarDate } from './time';

export type Channel = 'grid' | 'hotline' | 'market_day' | 'night_patrol' | 'walk_in' | 'online';

export interface Arrival {
  /** Position in the workload: also the ticket's RNG stream. */
  index: number;
  at: number;
  channel: Channel;
  dutyItemId: string;
  communityId: string;
  gridId?: string;
  urgent: boolean;
}

export interface ScenarioSpec {
  name: 'liling' | 'beijing';
  title: string;
  /** First instant of the simulated window (Asia/Shanghai midnight). */
  start: string;
  days: number;
  tickets: number;
  /**
   * Default event batching of the simulated clock, in seconds: a year runs in minute batches; a
   * city day in seconds, since its partition heat is read per second.
   */
  resolutionSeconds: number;
  channelMix: Record<Channel, number>;
  /** Share of units that are chronically late (drawn by seed) and units named as such. */
  chronicShare: number;
  chronicUnits: readonly string[];
  /** Community weights: equal, or skewed (urban cores busier). */
  communitySkew: number;
}

export const scenarios: Record<'liling' | 'beijing', ScenarioSpec> = {
  liling: {
    name: 'liling',
    title: '醴陵 · a year (~10,000 tickets, 5 streets, 23 communities)',
    start: '2026-01-01T00:00:00+08:00',
    days: 365,
    tickets: 10_000,
    resolutionSeconds: 60,
    channelMix: {
      grid: 0.4,
      walk_in: 0.22,
      market_day: 0.08,
      night_patrol: 0.08,
      hotline: 0.14,
      online: 0.08,
    },
    chronicShare: 0,
    // Units the simulation makes chronically late, so the report has something to find.
    chronicUnits: ['u-zjj', 'u-psgl', 'u-cgzd-xishan', 'u-wyzx'],
    communitySkew: 0.25,
  },
  beijing: {
    name: 'beijing',
    title: '北京 · a city day (60,000 tickets, 343 streets)',
    start: '2026-03-10T00:00:00+08:00',
    days: 1,
    tickets: 60_000,
    resolutionSeconds: 1,
    channelMix: {
      hotline: 0.78,
      online: 0.14,
      grid: 0.05,
      walk_in: 0.02,
      night_patrol: 0.01,
      market_day: 0,
    },
    chronicShare: 0.03,
    chronicUnits: [],
    communitySkew: 0.6,
  },
};

// ---------------------------------------------------------------------------------------------
// When: day and hour weights per channel
// ---------------------------------------------------------------------------------------------

/** Relative intake per hour of the day (0–23, Asia/Shanghai) by channel. */
const hourly: Record<Channel, readonly number[]> = {
  // Grid workers patrol in office hours (peaks mid-morning and mid-afternoon).
  grid: [0, 0, 0, 0, 0, 0, 0, 0.2, 1, 1.4, 1.5, 1, 0.3, 0.5, 1.2, 1.4, 1.2, 0.6, 0.1, 0, 0, 0, 0, 0],
  // Market-day receptions run in the morning.
  market_day: [0, 0, 0, 0, 0, 0, 0, 0.5, 1.5, 2, 2, 1.2, 0.3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  // 夜巡夜访夜话: evening patrols.
  night_patrol: [0.2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1.5, 1.5, 1, 0.5],
  hotline: [
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.4, 1.6, 1.6, 1.3, 1, 1.1, 1.4, 1.4, 1.3, 1.1, 0.9, 0.9, 0.8,
    0.7, 0.5, 0.3,
  ],
  walk_in: [0, 0, 0, 0, 0, 0, 0, 0, 0.8, 1.5, 1.5, 0.8, 0, 0, 0.5, 1.3, 1.3, 0.6, 0, 0, 0, 0, 0, 0],
  online: [
    0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 0.8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.1, 1.3, 1.5, 1.5, 1.1, 0.6,
  ],
};

function dayWeight(channel: Channel, date: string, cal: WorkCalendar): number {
  const working = cal.isWorkingDay(date);
  const dom = Number(date.slice(8, 10));
  switch (channel) {
    case 'grid':
      return working ? 1 : 0.4;
    case 'walk_in':
      return working ? 1 : 0;
    case 'market_day':
      // Market days fall on the 3rd and 8th of every ten days (3, 8, 13, ...): six a month.
      return dom % 5 === 3 ? 1 : 0;
    case 'night_patrol':
      return 1;
    case 'hotline':
      return working ? 1 : 0.8;
    case 'online':
      return working ? 1 : 0.9;
  }
}

// ---------------------------------------------------------------------------------------------
// What: duty items by kind, with channel affinities
// ---------------------------------------------------------------------------------------------

/** Long-standing problems the seed document names: they recur. */
const recurring = new Set([
  'di-ebike-corridor-charging',
  'di-street-vending',
  'di-unlicensed-business',
  'di-living-environment',
  'di-corridor-clutter',
  'di-compound-sanitation',
]);

const affinity: Partial<Record<Channel, Record<string, number>>> = {
  market_day: {
    'di-market-day-reception': 12,
    'di-first-petition': 5,
    'di-family-dispute': 3,
    'di-neighbor-dispute': 3,
    'di-subsistence': 3,
    'di-temporary-relief': 3,
    'di-wage-arrears': 3,
    'di-mediation-legal': 3,
  },
  night_patrol: {
    'di-neighbor-noise': 5,
    'di-ebike-corridor-charging': 3,
    'di-catering-fumes': 4,
    'di-night-construction': 5,
    'di-public-order': 4,
    'di-streetlight': 4,
    'di-group-rental': 3,
    'di-street-vending': 2,
  },
  hotline: {
    'di-water-outage': 8,
    'di-power-outage': 8,
    'di-gas-outage': 5,
    'di-heating-failure': 2,
    'di-gas-leak': 2,
    'di-streetlight': 3,
    'di-food-complaint': 3,
    'di-traffic-signal': 2,
    'di-neighbor-noise': 2,
    'di-catering-fumes': 2,
    'di-night-construction': 2,
    'di-property-service-dispute': 3,
    'di-parking-disorder': 2,
  },
  walk_in: {
    'di-residence-proof': 4,
    'di-subsistence': 3,
    'di-temporary-relief': 3,
    'di-disability-subsidy': 3,
    'di-elderly-meal': 2,
    'di-childcare': 2,
    'di-volunteer-match': 2,
    'di-neighbor-dispute': 2,
    'di-first-petition': 2,
  },
  online: {
    'di-food-complaint': 3,
    'di-wage-arrears': 2,
    'di-property-service-dispute': 2,
    'di-parking-disorder': 2,
    'di-illegal-construction': 2,
  },
  grid: {
    'di-hazard-screening': 2,
    'di-floating-population': 2,
    'di-rental-register': 2,
    'di-garbage-sorting': 2,
    'di-flyposting': 2,
    'di-elderly-alone': 2,
    'di-fire-lane-blocked': 1.5,
  },
};

/** Liling's list is ~44% basic, 44% cooperative, 12% retracted; tickets lean to basic work. */
const kindWeight: Record<DutyItem['kind'], number> = { basic: 1, cooperative: 0.9, retracted: 1.1 };
const classWeight: Record<DutyItem['slaClass'], number> = { urgent: 0.25, fast: 1, general: 1, complex: 0.6 };

function itemTable(items: readonly DutyItem[], channel: Channel): WeightedTable<DutyItem> {
  const boost = affinity[channel] ?? {};
  return new WeightedTable(
    items.map((d) => ({
      item: d,
      weight:
        kindWeight[d.kind] * classWeight[d.slaClass] * (recurring.has(d.id) ? 3 : 1) * (boost[d.id] ?? 1),
    })),
  );
}

// ---------------------------------------------------------------------------------------------
// Arrivals
// ---------------------------------------------------------------------------------------------

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface WorkloadOptions {
  spec: ScenarioSpec;
  config: ConfigSnapshot;
  cal: WorkCalendar;
  seed: string;
  tickets: number;
  days: number;
  startMs: number;
}

/** Every ticket of the run, in time order (whole minutes: arrivals never collide with SLA instants). */
export function arrivals(o: WorkloadOptions): Arrival[] {
  const rng = new Rng(o.seed, `arrivals:${o.spec.name}`);
  const channels = Object.entries(o.spec.channelMix).filter(([, w]) => w > 0) as [Channel, number][];
  const dayTables = new Map<Channel, WeightedTable<number>>();
  const hourTables = new Map<Channel, WeightedTable<number>>();
  const itemTables = new Map<Channel, WeightedTable<DutyItem>>();
  for (const [channel] of channels) {
    const days = [];
    for (let d = 0; d < o.days; d += 1) {
      const date = calendarDate(o.startMs + d * DAY_MS + 12 * HOUR_MS);
      days.push({ item: d, weight: dayWeight(channel, date, o.cal) });
    }
    // A window without a single market day (or working day) falls back to every day alike.
    const anyDay = days.some((d) => d.weight > 0);
    dayTables.set(channel, new WeightedTable(anyDay ? days : days.map((d) => ({ ...d, weight: 1 }))));
    hourTables.set(channel, new WeightedTable(hourly[channel].map((w, h) => ({ item: h, weight: w }))));
    itemTables.set(channel, itemTable(o.config.dutyItems, channel));
  }
  const skew = new Rng(o.seed, 'communities');
  const communities = new WeightedTable(
    o.config.communities.map((c) => ({ item: c, weight: skew.lognormal(1, o.spec.communitySkew) })),
  );
  const gridsOf = new Map<string, string[]>();
  for (const g of o.config.grids) gridsOf.set(g.communityId, [...(gridsOf.get(g.communityId) ?? []), g.id]);
  const channelTable = new WeightedTable(channels.map(([c, w]) => ({ item: c, weight: w })));

  const out: Arrival[] = [];
  for (let i = 0; i < o.tickets; i += 1) {
    const channel = channelTable.sample(rng);
    const day = (dayTables.get(channel) as WeightedTable<number>).sample(rng);
    const hour = (hourTables.get(channel) as WeightedTable<number>).sample(rng);
    const minute = rng.int(0, 59);
    const item = (itemTables.get(channel) as WeightedTable<DutyItem>).sample(rng);
    const community = communities.sample(rng);
    const grids = gridsOf.get(community.id);
    // Grid workers name their grid; a few non-urgent items are raised as urgent (a real hazard).
    const gridId = channel === 'grid' && grids?.length ? rng.pick(grids) : undefined;
    out.push({
      index: i,
      at: o.startMs + day * DAY_MS + hour * HOUR_MS + minute * 60_000,
      channel,
      dutyItemId: item.id,
      communityId: community.id,
      ...(gridId ? { gridId } : {}),
      urgent: item.slaClass !== 'urgent' && item.kind !== 'retracted' && rng.chance(0.004),
    });
  }
  out.sort((a, b) => a.at - b.at || a.index - b.index);
  return out;
}

// ---------------------------------------------------------------------------------------------
// How units behave
// ---------------------------------------------------------------------------------------------

export interface UnitProfile {
  unitId: string;
  chronic: boolean;
  /** Median acknowledge delay as a fraction of the reference acknowledge window. */
  ack: number;
  /** Median resolve effort as a fraction of the reference resolve window. */
  resolve: number;
  /** Log-space spread of both. */
  sigma: number;
  /** Chance a resident is unsatisfied with this unit's work. */
  unsatisfied: number;
  /** Chance the unit returns (退单) a ticket it leads, when the policy allows returns. */
  returns: number;
  /** Chance it asks for an extension when it sees it will be late. */
  asksExtension: number;
}

export function unitProfiles(
  spec: ScenarioSpec,
  config: ConfigSnapshot,
  seed: string,
): Map<string, UnitProfile> {
  const out = new Map<string, UnitProfile>();
  for (const u of config.units) {
    const rng = new Rng(seed, `unit:${u.id}`);
    const chronic = spec.chronicUnits.includes(u.id) || rng.chance(spec.chronicShare);
    // Every unit has its own pace, so rankings spread out instead of tying.
    const pace = rng.lognormal(1, 0.25);
    out.set(u.id, {
      unitId: u.id,
      chronic,
      ack: chronic ? 1.4 * pace : 0.25 * pace,
      resolve: chronic ? 1.05 * pace : 0.4 * pace,
      sigma: chronic ? 0.5 : 0.6,
      unsatisfied: chronic ? 0.2 : 0.04 + 0.04 * rng.next(),
      // Street offices own basic work by definition and rarely bounce it; departments more often.
      returns: u.kind === 'street' ? 0.005 : chronic ? 0.06 : 0.03,
      asksExtension: chronic ? 0.5 : 0.3,
    });
  }
  return out;
}
