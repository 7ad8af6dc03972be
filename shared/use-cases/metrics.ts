/**
 * Per-unit performance (the 三率 and the counts behind them), computed from tickets. Pure: the
 * caller streams the period's tickets in.
 */
import type { Ticket } from '../domain/model';

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

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);

function empty(unitId: string): UnitMetrics {
  return {
    unitId,
    received: 0,
    acknowledgedOnTime: 0,
    arrivedOnTime: 0,
    resolved: 0,
    resolvedOnTime: 0,
    overdueOpen: 0,
    returned: 0,
    reopened: 0,
    urged: 0,
    verdicts: 0,
    satisfied: 0,
    noVerdict: 0,
    breaches: 0,
    breachesByLevel: { 1: 0, 2: 0, 3: 0 },
    breachesByStage: {},
    responseRate: null,
    resolutionRate: null,
    satisfactionRate: null,
  };
}

export class UnitMetricsAccumulator {
  private readonly units = new Map<string, UnitMetrics>();

  constructor(private readonly now: Date) {}

  private of(unitId: string): UnitMetrics {
    let m = this.units.get(unitId);
    if (!m) {
      m = empty(unitId);
      this.units.set(unitId, m);
    }
    return m;
  }

  add(t: Ticket): void {
    const now = this.now.getTime();
    for (const a of t.assignments) {
      const m = this.of(a.unitId);
      m.received += 1;
      const clocks = t.clocks.filter((c) => c.unitId === a.unitId);
      const ack = clocks.find((c) => c.stage === 'acknowledge');
      if (a.acknowledgedAt && ack && Date.parse(a.acknowledgedAt) <= Date.parse(ack.dueAt))
        m.acknowledgedOnTime += 1;
      const arrive = clocks.find((c) => c.stage === 'arrive');
      if (a.arrivedAt && arrive && Date.parse(a.arrivedAt) <= Date.parse(arrive.dueAt)) m.arrivedOnTime += 1;
      if (a.status === 'returned' && !a.reassignedAt) m.returned += 1;
      if (a.role === 'lead' && a.status !== 'returned') {
        const resolveClock = [...clocks].reverse().find((c) => c.stage === 'resolve');
        const resolvedAt =
          a.resolvedAt ?? (t.status === 'closed' && t.resolution ? t.resolution.at : undefined);
        if (resolvedAt) {
          m.resolved += 1;
          if (resolveClock && Date.parse(resolvedAt) <= Date.parse(resolveClock.dueAt)) m.resolvedOnTime += 1;
        } else if (resolveClock && !resolveClock.doneAt && Date.parse(resolveClock.dueAt) < now) {
          m.overdueOpen += 1;
        }
        m.reopened += t.reopenCount;
        m.urged += t.urgeCount;
        if (t.feedback) {
          m.verdicts += 1;
          if (t.feedback.rating !== 'unsatisfied') m.satisfied += 1;
        }
        if (t.closeReason === 'no_verdict') m.noVerdict += 1;
      }
    }
    for (const b of t.breaches) {
      const m = this.of(b.unitId);
      m.breachesByLevel[b.level as 1 | 2 | 3] += 1;
      if (b.level === 1) {
        m.breaches += 1;
        m.breachesByStage[b.stage] = (m.breachesByStage[b.stage] ?? 0) + 1;
      }
    }
  }

  result(): UnitMetrics[] {
    return [...this.units.values()]
      .map((m) => ({
        ...m,
        responseRate: ratio(m.acknowledgedOnTime, m.received - m.returned),
        resolutionRate: ratio(m.resolvedOnTime, m.resolved + m.overdueOpen),
        satisfactionRate: ratio(m.satisfied, m.verdicts),
      }))
      .sort((a, b) => a.unitId.localeCompare(b.unitId));
  }
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

/**
 * Per street, per ticket created in the period: acknowledged on time = the first lead signed
 * for it by its deadline; resolved on time = resolved by the resolve deadline in force; the
 * rates are defined as for units (resolution counts on-time resolutions only).
 */
export class StreetMetricsAccumulator {
  private readonly streets = new Map<string, StreetMetrics>();

  constructor(
    private readonly now: Date,
    streetIds: readonly string[] = [],
  ) {
    for (const id of streetIds) this.of(id);
  }

  private of(streetId: string): StreetMetrics {
    let m = this.streets.get(streetId);
    if (!m) {
      m = {
        streetId,
        received: 0,
        acknowledgedOnTime: 0,
        resolved: 0,
        resolvedOnTime: 0,
        overdueOpen: 0,
        returned: 0,
        reopened: 0,
        urged: 0,
        verdicts: 0,
        satisfied: 0,
        noVerdict: 0,
        breaches: 0,
        breachesByLevel: { 1: 0, 2: 0, 3: 0 },
        responseRate: null,
        resolutionRate: null,
        satisfactionRate: null,
      };
      this.streets.set(streetId, m);
    }
    return m;
  }

  add(t: Ticket): void {
    const m = this.of(t.streetId);
    m.received += 1;
    const firstLead = t.assignments.find((a) => a.role === 'lead') ?? t.assignments[0];
    const ack = firstLead
      ? t.clocks.find((c) => c.stage === 'acknowledge' && c.unitId === firstLead.unitId)
      : undefined;
    if (firstLead?.acknowledgedAt && ack && Date.parse(firstLead.acknowledgedAt) <= Date.parse(ack.dueAt))
      m.acknowledgedOnTime += 1;
    if (t.assignments.some((a) => a.status === 'returned' && !a.reassignedAt)) m.returned += 1;
    const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
    const resolveClock = lead
      ? [...t.clocks].reverse().find((c) => c.stage === 'resolve' && c.unitId === lead.unitId)
      : undefined;
    const resolvedAt =
      lead?.resolvedAt ?? (t.status === 'closed' && t.resolution ? t.resolution.at : undefined);
    if (resolvedAt) {
      m.resolved += 1;
      if (resolveClock && Date.parse(resolvedAt) <= Date.parse(resolveClock.dueAt)) m.resolvedOnTime += 1;
    } else if (resolveClock && !resolveClock.doneAt && Date.parse(resolveClock.dueAt) < this.now.getTime()) {
      m.overdueOpen += 1;
    }
    m.reopened += t.reopenCount;
    m.urged += t.urgeCount;
    if (t.feedback) {
      m.verdicts += 1;
      if (t.feedback.rating !== 'unsatisfied') m.satisfied += 1;
    }
    if (t.closeReason === 'no_verdict') m.noVerdict += 1;
    for (const b of t.breaches) {
      m.breachesByLevel[b.level as 1 | 2 | 3] += 1;
      if (b.level === 1) m.breaches += 1;
    }
  }

  result(): StreetMetrics[] {
    return [...this.streets.values()]
      .map((m) => ({
        ...m,
        responseRate: ratio(m.acknowledgedOnTime, m.received),
        resolutionRate: ratio(m.resolvedOnTime, m.resolved + m.overdueOpen),
        satisfactionRate: ratio(m.satisfied, m.verdicts),
      }))
      .sort((a, b) => a.streetId.localeCompare(b.streetId));
  }
}
