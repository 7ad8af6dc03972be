/**
 * Per-unit and per-street performance (the 三率 and the counts behind them). Pure.
 *
 * What one ticket adds to the counts is a *tally* (counter name → count, zeros left out):
 * `unitTallies` and `streetTally`. Tallies add up, so the same code serves two paths:
 * - the accumulators below add the tallies of the tickets a caller streams in (the simulator's
 *   report, and the edges of a period that do not start or end at midnight);
 * - the store keeps the tallies of each day's tickets summed in daily aggregates (one row per
 *   day and unit, per day, street and unit, per day and street: metric-counts.ts), changed with
 *   every ticket write by the difference between the ticket's old and new tallies, and the
 *   rankings read those rows instead of the tickets.
 *
 * `now` only decides whether an unresolved lead's resolve deadline has passed (`overdueOpen`).
 * The aggregates take the ticket's own `updatedAt` for it: the breach of that deadline writes the
 * ticket, so the tally kept with that write already counts it.
 */
import type { Ticket } from '../domain/model';

/** Counter name → count (zeros left out). The names are short: they are attribute names too. */
export type Tally = Record<string, number>;

/** The counters, by the name the API gives them. */
const C = {
  received: 'rc',
  acknowledgedOnTime: 'ak',
  arrivedOnTime: 'ar',
  resolved: 'rs',
  resolvedOnTime: 'ro',
  overdueOpen: 'od',
  returned: 'rt',
  reopened: 'rp',
  urged: 'ug',
  verdicts: 'vd',
  satisfied: 'st',
  noVerdict: 'nv',
  breaches: 'br',
} as const;
const levelCounter = (level: number) => `b${level}`;
const STAGE_PREFIX = 'bs_';

function bump(t: Tally, name: string, n = 1): void {
  if (n !== 0) t[name] = (t[name] ?? 0) + n;
}

/** Add `b` × `sign` into `a` (zeros dropped). */
export function addTally(a: Tally, b: Tally, sign = 1): Tally {
  for (const [k, n] of Object.entries(b)) {
    const v = (a[k] ?? 0) + sign * n;
    if (v === 0) delete a[k];
    else a[k] = v;
  }
  return a;
}

/** What a ticket adds to each unit it was assigned to (breaches to the unit that went late). */
export function unitTallies(t: Ticket, now: number): Map<string, Tally> {
  const out = new Map<string, Tally>();
  const of = (unitId: string) => {
    let m = out.get(unitId);
    if (!m) {
      m = {};
      out.set(unitId, m);
    }
    return m;
  };
  for (const a of t.assignments) {
    const m = of(a.unitId);
    bump(m, C.received);
    const clocks = t.clocks.filter((c) => c.unitId === a.unitId);
    const ack = clocks.find((c) => c.stage === 'acknowledge');
    if (a.acknowledgedAt && ack && Date.parse(a.acknowledgedAt) <= Date.parse(ack.dueAt))
      bump(m, C.acknowledgedOnTime);
    const arrive = clocks.find((c) => c.stage === 'arrive');
    if (a.arrivedAt && arrive && Date.parse(a.arrivedAt) <= Date.parse(arrive.dueAt))
      bump(m, C.arrivedOnTime);
    if (a.status === 'returned' && !a.reassignedAt) bump(m, C.returned);
    if (a.role === 'lead' && a.status !== 'returned') {
      const resolveClock = [...clocks].reverse().find((c) => c.stage === 'resolve');
      const resolvedAt =
        a.resolvedAt ?? (t.status === 'closed' && t.resolution ? t.resolution.at : undefined);
      if (resolvedAt) {
        bump(m, C.resolved);
        if (resolveClock && Date.parse(resolvedAt) <= Date.parse(resolveClock.dueAt))
          bump(m, C.resolvedOnTime);
      } else if (resolveClock && !resolveClock.doneAt && Date.parse(resolveClock.dueAt) < now) {
        bump(m, C.overdueOpen);
      }
      bump(m, C.reopened, t.reopenCount);
      bump(m, C.urged, t.urgeCount);
      if (t.feedback) {
        bump(m, C.verdicts);
        if (t.feedback.rating !== 'unsatisfied') bump(m, C.satisfied);
      }
      if (t.closeReason === 'no_verdict') bump(m, C.noVerdict);
    }
  }
  for (const b of t.breaches) {
    const m = of(b.unitId);
    bump(m, levelCounter(b.level));
    if (b.level === 1) {
      bump(m, C.breaches);
      bump(m, `${STAGE_PREFIX}${b.stage}`);
    }
  }
  return out;
}

/**
 * What a ticket adds to its street, as the city's 12345 office ranks streets (per ticket, not per
 * unit): acknowledged on time = the first lead signed for it by its deadline; resolved on time =
 * resolved by the resolve deadline in force.
 */
export function streetTally(t: Ticket, now: number): Tally {
  const m: Tally = {};
  bump(m, C.received);
  const firstLead = t.assignments.find((a) => a.role === 'lead') ?? t.assignments[0];
  const ack = firstLead
    ? t.clocks.find((c) => c.stage === 'acknowledge' && c.unitId === firstLead.unitId)
    : undefined;
  if (firstLead?.acknowledgedAt && ack && Date.parse(firstLead.acknowledgedAt) <= Date.parse(ack.dueAt))
    bump(m, C.acknowledgedOnTime);
  if (t.assignments.some((a) => a.status === 'returned' && !a.reassignedAt)) bump(m, C.returned);
  const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  const resolveClock = lead
    ? [...t.clocks].reverse().find((c) => c.stage === 'resolve' && c.unitId === lead.unitId)
    : undefined;
  const resolvedAt =
    lead?.resolvedAt ?? (t.status === 'closed' && t.resolution ? t.resolution.at : undefined);
  if (resolvedAt) {
    bump(m, C.resolved);
    if (resolveClock && Date.parse(resolvedAt) <= Date.parse(resolveClock.dueAt)) bump(m, C.resolvedOnTime);
  } else if (resolveClock && !resolveClock.doneAt && Date.parse(resolveClock.dueAt) < now) {
    bump(m, C.overdueOpen);
  }
  bump(m, C.reopened, t.reopenCount);
  bump(m, C.urged, t.urgeCount);
  if (t.feedback) {
    bump(m, C.verdicts);
    if (t.feedback.rating !== 'unsatisfied') bump(m, C.satisfied);
  }
  if (t.closeReason === 'no_verdict') bump(m, C.noVerdict);
  for (const b of t.breaches) {
    bump(m, levelCounter(b.level));
    if (b.level === 1) bump(m, C.breaches);
  }
  return m;
}

/** The instant the aggregates judge a ticket's open deadlines at: its last write. */
export const tallyInstant = (t: Ticket) => Date.parse(t.updatedAt);

export interface UnitMetrics {
  unitId: string;
  received: number;
  acknowledgedOnTime: number;
  arrivedOnTime: number;
  resolved: number;
  resolvedOnTime: number;
  overdueOpen: number;
  returned: number;
  reopened: number;
  urged: number;
  verdicts: number;
  satisfied: number;
  noVerdict: number;
  breaches: number;
  breachesByLevel: { 1: number; 2: number; 3: number };
  breachesByStage: Record<string, number>;
  responseRate: number | null;
  resolutionRate: number | null;
  satisfactionRate: number | null;
}

/** One street's performance: its tickets as the city's 12345 office ranks streets (per ticket, not per unit). */
export interface StreetMetrics {
  streetId: string;
  received: number;
  acknowledgedOnTime: number;
  resolved: number;
  resolvedOnTime: number;
  overdueOpen: number;
  returned: number;
  reopened: number;
  urged: number;
  verdicts: number;
  satisfied: number;
  noVerdict: number;
  /** Stages that went late (level 1 reached), on any of the street's tickets and units. */
  breaches: number;
  breachesByLevel: { 1: number; 2: number; 3: number };
  responseRate: number | null;
  resolutionRate: number | null;
  satisfactionRate: number | null;
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);

/** The counts a tally holds, by their API names (the rates are computed from these). */
function counts(t: Tally) {
  const n = (k: string) => t[k] ?? 0;
  return {
    received: n(C.received),
    acknowledgedOnTime: n(C.acknowledgedOnTime),
    arrivedOnTime: n(C.arrivedOnTime),
    resolved: n(C.resolved),
    resolvedOnTime: n(C.resolvedOnTime),
    overdueOpen: n(C.overdueOpen),
    returned: n(C.returned),
    reopened: n(C.reopened),
    urged: n(C.urged),
    verdicts: n(C.verdicts),
    satisfied: n(C.satisfied),
    noVerdict: n(C.noVerdict),
    breaches: n(C.breaches),
    breachesByLevel: { 1: n(levelCounter(1)), 2: n(levelCounter(2)), 3: n(levelCounter(3)) },
  };
}

export function unitMetricsOf(unitId: string, t: Tally): UnitMetrics {
  const c = counts(t);
  const breachesByStage: Record<string, number> = {};
  for (const [k, n] of Object.entries(t)) {
    if (k.startsWith(STAGE_PREFIX) && n !== 0) breachesByStage[k.slice(STAGE_PREFIX.length)] = n;
  }
  return {
    unitId,
    ...c,
    breachesByStage,
    responseRate: ratio(c.acknowledgedOnTime, c.received - c.returned),
    resolutionRate: ratio(c.resolvedOnTime, c.resolved + c.overdueOpen),
    satisfactionRate: ratio(c.satisfied, c.verdicts),
  };
}

export function streetMetricsOf(streetId: string, t: Tally): StreetMetrics {
  const { arrivedOnTime: _unitsOnly, ...c } = counts(t);
  return {
    streetId,
    ...c,
    responseRate: ratio(c.acknowledgedOnTime, c.received),
    resolutionRate: ratio(c.resolvedOnTime, c.resolved + c.overdueOpen),
    satisfactionRate: ratio(c.satisfied, c.verdicts),
  };
}

/** Tallies by id, summed. */
export class TallySum {
  readonly byId = new Map<string, Tally>();

  constructor(ids: readonly string[] = []) {
    for (const id of ids) this.byId.set(id, {});
  }

  add(id: string, tally: Tally, sign = 1): void {
    const t = this.byId.get(id) ?? {};
    addTally(t, tally, sign);
    this.byId.set(id, t);
  }

  addAll(other: ReadonlyMap<string, Tally>, sign = 1): void {
    for (const [id, t] of other) this.add(id, t, sign);
  }
}

/** Per-unit metrics of the tickets added, judged at `now`. */
export class UnitMetricsAccumulator {
  private readonly sum = new TallySum();

  constructor(private readonly now: Date) {}

  add(t: Ticket): void {
    this.sum.addAll(unitTallies(t, this.now.getTime()));
  }

  result(): UnitMetrics[] {
    return unitMetricsList(this.sum);
  }
}

/** Per-street metrics of the tickets added, judged at `now`; `streetIds` are listed even if empty. */
export class StreetMetricsAccumulator {
  private readonly sum: TallySum;

  constructor(
    private readonly now: Date,
    streetIds: readonly string[] = [],
  ) {
    this.sum = new TallySum(streetIds);
  }

  add(t: Ticket): void {
    this.sum.add(t.streetId, streetTally(t, this.now.getTime()));
  }

  result(): StreetMetrics[] {
    return streetMetricsList(this.sum);
  }
}

export const unitMetricsList = (sum: TallySum): UnitMetrics[] =>
  [...sum.byId].map(([id, t]) => unitMetricsOf(id, t)).sort((a, b) => a.unitId.localeCompare(b.unitId));

export const streetMetricsList = (sum: TallySum): StreetMetrics[] =>
  [...sum.byId].map(([id, t]) => streetMetricsOf(id, t)).sort((a, b) => a.streetId.localeCompare(b.streetId));
