/**
 * The SLA report of a simulation run, built from the ticket records the run left in the store:
 * per-unit 三率 (UnitMetricsAccumulator, the same code the metrics API uses), breaches by stage
 * and level, escalations, volumes over time, and how the run itself went (speed, store writes,
 * workflow transitions). Tickets stream in page by page; nothing holds them all.
 */
import type { ConfigSnapshot, Ticket } from '../../shared/domain/model';
import { type UnitMetrics, UnitMetricsAccumulator } from '../../shared/use-cases/metrics';
import type { HeatReport } from './heat';
import type { WhatIf } from './what-if';
import type { ScenarioSpec, UnitProfile } from './workload';

const DAY_MS = 86_400_000;
const SHANGHAI_MS = 8 * 3_600_000;

type Levels = { 1: number; 2: number; 3: number };
const levels = (): Levels => ({ 1: 0, 2: 0, 3: 0 });

export interface RunFacts {
  wallSeconds: number;
  reportSeconds: number;
  via: string;
  resolutionMs: number;
  batches: number;
  timersFired: number;
  store: { transport: string; writes: number; reads: number; byOperation: Record<string, number> };
  engine: {
    started: number;
    running: number;
    succeeded: number;
    failed: number;
    transitions: number;
    /** Finished executions by their number of state transitions. */
    transitionsHistogram: Record<string, number>;
  };
  notifications: { sms: number; email: number; smsParts: number; byKind: Record<string, number> };
  actions: Record<string, number>;
  refused: Record<string, number>;
  failures: string[];
  engineLog: string[];
  /** The clock audit at the end of the run (shared/domain/clock-audit.ts): 0 stranded is the promise. */
  clockAudit: ClockAuditFacts;
}

export interface ClockAuditFacts {
  /** Open tickets checked against the engine. */
  checked: number;
  /** Open parties whose clock is not running as the record says. */
  stranded: number;
  /** Reconciler passes: at most one every 5 simulated minutes (each shard runs its own). */
  passes: number;
  /** Repairs the watchdog made during the run. */
  repairs: number;
  /** The first findings, one line each. */
  sample: string[];
}

export interface CityRates {
  received: number;
  returned: number;
  acknowledgedOnTime: number;
  resolved: number;
  resolvedOnTime: number;
  overdueOpen: number;
  verdicts: number;
  satisfied: number;
  noVerdict: number;
  responseRate: number | null;
  resolutionRate: number | null;
  satisfactionRate: number | null;
}

export interface SeriesRow {
  label: string;
  created: number;
  breaches: number;
  escalations: number;
  closed: number;
}

export interface UnitRow extends UnitMetrics {
  name: string;
  kind: string;
  chronic: boolean;
}

export interface SimReport {
  kind: 'whistle-simulation';
  scenario: string;
  title: string;
  label: string;
  seed: string;
  whatIf?: WhatIf;
  config: { version: number; note?: string; streets: number; communities: number; units: number };
  window: { start: string; end: string; intakeDays: number; simulatedDays: number };
  run: {
    wallSeconds: number;
    reportSeconds: number;
    simulatedDaysPerWallSecond: number;
    ticketsPerWallSecond: number;
    /** Processes the workload ran in (each with its own runtime and store). */
    shards: number;
    via: string;
    resolutionSeconds: number;
    batches: number;
    timersFired: number;
    store: RunFacts['store'] & { writesPerTicket: number; readsPerTicket: number };
    engine: RunFacts['engine'] & {
      transitionsPerFinished: { count: number; mean: number; p50: number; p95: number; max: number };
    };
    actions: Record<string, number>;
    refused: Record<string, number>;
    failures: string[];
    engineLog: string[];
    clockAudit: ClockAuditFacts;
  };
  tickets: {
    created: number;
    urgentFlagged: number;
    byChannel: Record<string, number>;
    bySlaClass: Record<string, number>;
    byKind: Record<string, number>;
    byStatus: Record<string, number>;
    closeReasons: Record<string, number>;
    reopenedTickets: number;
    reopens: number;
    returnedAssignments: number;
    extensions: Record<string, number>;
    ratings: Record<string, number>;
    flags: Record<string, number>;
  };
  sla: {
    city: CityRates;
    warnings: number;
    breaches: {
      /** Every breach record (one per level reached). */
      records: number;
      /** Clocks that missed their deadline (level 1 records). */
      deadlinesMissed: number;
      ticketsBreached: number;
      byStage: Record<string, Levels>;
      byLevel: Levels;
      bySlaClass: Record<string, Levels>;
    };
    escalations: { level2: number; level3: number; ticketsAtLevel2: number; ticketsAtLevel3: number };
  };
  notifications: RunFacts['notifications'];
  units: UnitRow[];
  series: { bucket: 'hour' | 'day' | 'week'; rows: SeriesRow[] };
  /** Capacity units per partition key per second against DynamoDB's per-partition limits (heat.ts). */
  heat?: HeatReport;
}

function inc(rec: Record<string, number>, key: string, by = 1): void {
  rec[key] = (rec[key] ?? 0) + by;
}

/** Count, mean, median, p95 and max of a histogram (value → how many). */
export function histogramStats(h: Record<string, number>) {
  const entries = Object.entries(h)
    .map(([v, n]) => [Number(v), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const count = entries.reduce((n, [, c]) => n + c, 0);
  const at = (p: number) => {
    let seen = 0;
    for (const [v, c] of entries) {
      seen += c;
      if (seen > p * count) return v;
    }
    return entries[entries.length - 1]?.[0] ?? 0;
  };
  const mean = count === 0 ? 0 : entries.reduce((n, [v, c]) => n + v * c, 0) / count;
  return {
    count,
    mean: round(mean, 2),
    p50: at(0.5),
    p95: at(0.95),
    max: entries[entries.length - 1]?.[0] ?? 0,
  };
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);

export function cityRates(units: readonly UnitMetrics[]): CityRates {
  const sum = (f: (u: UnitMetrics) => number) => units.reduce((n, u) => n + f(u), 0);
  const c = {
    received: sum((u) => u.received),
    returned: sum((u) => u.returned),
    acknowledgedOnTime: sum((u) => u.acknowledgedOnTime),
    resolved: sum((u) => u.resolved),
    resolvedOnTime: sum((u) => u.resolvedOnTime),
    overdueOpen: sum((u) => u.overdueOpen),
    verdicts: sum((u) => u.verdicts),
    satisfied: sum((u) => u.satisfied),
    noVerdict: sum((u) => u.noVerdict),
  };
  return {
    ...c,
    responseRate: ratio(c.acknowledgedOnTime, c.received - c.returned),
    resolutionRate: ratio(c.resolvedOnTime, c.resolved + c.overdueOpen),
    satisfactionRate: ratio(c.satisfied, c.verdicts),
  };
}

export interface ReportContext {
  scenario: ScenarioSpec;
  label: string;
  seed: string;
  config: ConfigSnapshot;
  profiles: Map<string, UnitProfile>;
  startMs: number;
  endMs: number;
  days: number;
  whatIf: WhatIf | undefined;
}

export class ReportBuilder {
  private readonly metrics: UnitMetricsAccumulator;
  private readonly bucket: 'hour' | 'day' | 'week';
  private readonly series = new Map<number, SeriesRow>();
  private readonly t: SimReport['tickets'] = {
    created: 0,
    urgentFlagged: 0,
    byChannel: {},
    bySlaClass: {},
    byKind: {},
    byStatus: {},
    closeReasons: {},
    reopenedTickets: 0,
    reopens: 0,
    returnedAssignments: 0,
    extensions: {},
    ratings: {},
    flags: {},
  };
  private readonly b: SimReport['sla']['breaches'] = {
    records: 0,
    deadlinesMissed: 0,
    ticketsBreached: 0,
    byStage: {},
    byLevel: levels(),
    bySlaClass: {},
  };
  private readonly e = { level2: 0, level3: 0, ticketsAtLevel2: 0, ticketsAtLevel3: 0 };
  private warnings = 0;

  constructor(private readonly ctx: ReportContext) {
    this.metrics = new UnitMetricsAccumulator(new Date(ctx.endMs));
    const days = (ctx.endMs - ctx.startMs) / DAY_MS;
    this.bucket = days <= 3 ? 'hour' : days <= 62 ? 'day' : 'week';
  }

  private bucketOf(iso: string): SeriesRow | undefined {
    const ms = Date.parse(iso);
    if (Number.isNaN(ms) || ms < this.ctx.startMs || ms >= this.ctx.endMs) return undefined;
    const local = ms + SHANGHAI_MS;
    let key: number;
    if (this.bucket === 'hour') key = Math.floor(local / 3_600_000) * 3_600_000;
    else if (this.bucket === 'day') key = Math.floor(local / DAY_MS) * DAY_MS;
    else {
      const day = Math.floor(local / DAY_MS);
      // 1970-01-01 was a Thursday: weeks start on Monday.
      key = (day - ((day + 3) % 7)) * DAY_MS;
    }
    let row = this.series.get(key);
    if (!row) {
      const d = new Date(key).toISOString();
      const label = this.bucket === 'hour' ? `${d.slice(5, 10)} ${d.slice(11, 13)}h` : d.slice(0, 10);
      row = { label, created: 0, breaches: 0, escalations: 0, closed: 0 };
      this.series.set(key, row);
    }
    return row;
  }

  add(t: Ticket): void {
    this.metrics.add(t);
    const s = this.t;
    s.created += 1;
    if (t.priority === 'urgent') s.urgentFlagged += 1;
    inc(s.byChannel, t.channel);
    inc(s.bySlaClass, t.slaClass);
    inc(s.byKind, t.dutyKind);
    inc(s.byStatus, t.status);
    if (t.closeReason) inc(s.closeReasons, t.closeReason);
    if (t.reopenCount > 0) s.reopenedTickets += 1;
    s.reopens += t.reopenCount;
    s.returnedAssignments += t.assignments.filter((a) => a.status === 'returned').length;
    if (t.extension) inc(s.extensions, t.extension.status);
    if (t.feedback) inc(s.ratings, t.feedback.rating);
    for (const f of t.flags) inc(s.flags, f);
    const created = this.bucketOf(t.createdAt);
    if (created) created.created += 1;
    if (t.closedAt) {
      const closed = this.bucketOf(t.closedAt);
      if (closed) closed.closed += 1;
    }
    this.warnings += t.timeline.filter((e) => e.type === 'warning').length;

    let maxLevel = 0;
    for (const br of t.breaches) {
      const level = br.level as 1 | 2 | 3;
      maxLevel = Math.max(maxLevel, level);
      this.b.records += 1;
      this.b.byLevel[level] += 1;
      this.b.byStage[br.stage] ??= levels();
      (this.b.byStage[br.stage] as Levels)[level] += 1;
      this.b.bySlaClass[t.slaClass] ??= levels();
      (this.b.bySlaClass[t.slaClass] as Levels)[level] += 1;
      const row = this.bucketOf(br.breachedAt);
      if (level === 1) {
        this.b.deadlinesMissed += 1;
        if (row) row.breaches += 1;
      } else {
        if (level === 2) this.e.level2 += 1;
        else this.e.level3 += 1;
        if (row) row.escalations += 1;
      }
    }
    if (maxLevel > 0) this.b.ticketsBreached += 1;
    if (maxLevel >= 2) this.e.ticketsAtLevel2 += 1;
    if (maxLevel >= 3) this.e.ticketsAtLevel3 += 1;
  }

  finish(facts: RunFacts): SimReport {
    const { ctx } = this;
    const names = new Map(ctx.config.units.map((u) => [u.id, u]));
    const units: UnitRow[] = this.metrics.result().map((m) => ({
      ...m,
      name: names.get(m.unitId)?.name ?? m.unitId,
      kind: names.get(m.unitId)?.kind ?? 'unknown',
      chronic: ctx.profiles.get(m.unitId)?.chronic ?? false,
    }));
    const simulatedDays = (ctx.endMs - ctx.startMs) / DAY_MS;
    return withDerived({
      kind: 'whistle-simulation',
      scenario: ctx.scenario.name,
      title: ctx.scenario.title,
      label: ctx.label,
      seed: ctx.seed,
      ...(ctx.whatIf ? { whatIf: ctx.whatIf } : {}),
      config: {
        version: ctx.config.version,
        ...(ctx.config.note ? { note: ctx.config.note } : {}),
        streets: ctx.config.streets.length,
        communities: ctx.config.communities.length,
        units: ctx.config.units.length,
      },
      window: {
        start: new Date(ctx.startMs + SHANGHAI_MS).toISOString().slice(0, 10),
        end: new Date(ctx.endMs - 1 + SHANGHAI_MS).toISOString().slice(0, 10),
        intakeDays: ctx.days,
        simulatedDays,
      },
      run: {
        wallSeconds: facts.wallSeconds,
        reportSeconds: facts.reportSeconds,
        simulatedDaysPerWallSecond: 0,
        ticketsPerWallSecond: 0,
        shards: 1,
        via: facts.via,
        resolutionSeconds: facts.resolutionMs / 1000,
        batches: facts.batches,
        timersFired: facts.timersFired,
        store: { ...facts.store, writesPerTicket: 0, readsPerTicket: 0 },
        engine: { ...facts.engine, transitionsPerFinished: histogramStats({}) },
        actions: facts.actions,
        refused: facts.refused,
        failures: facts.failures,
        engineLog: facts.engineLog,
        clockAudit: facts.clockAudit,
      },
      tickets: this.t,
      sla: {
        city: cityRates(units),
        warnings: this.warnings,
        breaches: this.b,
        escalations: this.e,
      },
      notifications: facts.notifications,
      units,
      series: {
        bucket: this.bucket,
        rows: [...this.series.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r),
      },
    });
  }
}

/** Recompute every figure derived from counts (rates, per-ticket ratios, percentiles). */
function withDerived(r: SimReport): SimReport {
  const created = Math.max(1, r.tickets.created);
  const wall = Math.max(0.001, r.run.wallSeconds);
  const units = r.units.map((u) => ({
    ...u,
    responseRate: ratio(u.acknowledgedOnTime, u.received - u.returned),
    resolutionRate: ratio(u.resolvedOnTime, u.resolved + u.overdueOpen),
    satisfactionRate: ratio(u.satisfied, u.verdicts),
  }));
  return {
    ...r,
    units,
    sla: { ...r.sla, city: cityRates(units) },
    run: {
      ...r.run,
      wallSeconds: round(r.run.wallSeconds, 1),
      reportSeconds: round(r.run.reportSeconds, 1),
      simulatedDaysPerWallSecond: round(r.window.simulatedDays / wall, 2),
      ticketsPerWallSecond: round(r.tickets.created / wall, 1),
      store: {
        ...r.run.store,
        writesPerTicket: round(r.run.store.writes / created, 2),
        readsPerTicket: round(r.run.store.reads / created, 2),
      },
      engine: { ...r.run.engine, transitionsPerFinished: histogramStats(r.run.engine.transitionsHistogram) },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Shards: the same workload split over processes, merged back into one report
// ---------------------------------------------------------------------------------------------

function addInto(target: Record<string, number>, source: Record<string, number>): Record<string, number> {
  for (const [k, v] of Object.entries(source)) target[k] = (target[k] ?? 0) + v;
  return target;
}

function addLevels(a: Levels, b: Levels): Levels {
  return { 1: a[1] + b[1], 2: a[2] + b[2], 3: a[3] + b[3] };
}

function addLevelMap(a: Record<string, Levels>, b: Record<string, Levels>): Record<string, Levels> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = addLevels(out[k] ?? levels(), v);
  return out;
}

const countFields = [
  'received',
  'acknowledgedOnTime',
  'arrivedOnTime',
  'resolved',
  'resolvedOnTime',
  'overdueOpen',
  'returned',
  'reopened',
  'urged',
  'verdicts',
  'satisfied',
  'noVerdict',
  'breaches',
] as const;

function mergeUnits(a: UnitRow[], b: UnitRow[]): UnitRow[] {
  const out = new Map(a.map((u) => [u.unitId, structuredClone(u)]));
  for (const u of b) {
    const m = out.get(u.unitId);
    if (!m) {
      out.set(u.unitId, structuredClone(u));
      continue;
    }
    for (const f of countFields) m[f] += u[f];
    m.breachesByLevel = addLevels(m.breachesByLevel, u.breachesByLevel);
    m.breachesByStage = addInto({ ...m.breachesByStage }, u.breachesByStage);
  }
  return [...out.values()].sort((x, y) => x.unitId.localeCompare(y.unitId));
}

function mergeSeries(a: SeriesRow[], b: SeriesRow[]): SeriesRow[] {
  const out = new Map(a.map((r) => [r.label, { ...r }]));
  for (const r of b) {
    const m = out.get(r.label);
    if (!m) out.set(r.label, { ...r });
    else {
      m.created += r.created;
      m.breaches += r.breaches;
      m.escalations += r.escalations;
      m.closed += r.closed;
    }
  }
  return [...out.values()].sort((x, y) => x.label.localeCompare(y.label));
}

/** One report from the shards' reports (each shard ran a disjoint part of the same workload). */
export function mergeReports(parts: SimReport[]): SimReport {
  const [first, ...rest] = parts;
  if (!first) throw new Error('no shard reports to merge');
  let r = structuredClone(first);
  for (const p of rest) {
    const t = r.tickets;
    const s = p.tickets;
    r = {
      ...r,
      run: {
        ...r.run,
        wallSeconds: Math.max(r.run.wallSeconds, p.run.wallSeconds),
        reportSeconds: Math.max(r.run.reportSeconds, p.run.reportSeconds),
        shards: r.run.shards + p.run.shards,
        batches: r.run.batches + p.run.batches,
        timersFired: r.run.timersFired + p.run.timersFired,
        store: {
          ...r.run.store,
          writes: r.run.store.writes + p.run.store.writes,
          reads: r.run.store.reads + p.run.store.reads,
          byOperation: addInto({ ...r.run.store.byOperation }, p.run.store.byOperation),
        },
        engine: {
          ...r.run.engine,
          started: r.run.engine.started + p.run.engine.started,
          running: r.run.engine.running + p.run.engine.running,
          succeeded: r.run.engine.succeeded + p.run.engine.succeeded,
          failed: r.run.engine.failed + p.run.engine.failed,
          transitions: r.run.engine.transitions + p.run.engine.transitions,
          transitionsHistogram: addInto(
            { ...r.run.engine.transitionsHistogram },
            p.run.engine.transitionsHistogram,
          ),
        },
        actions: addInto({ ...r.run.actions }, p.run.actions),
        refused: addInto({ ...r.run.refused }, p.run.refused),
        failures: [...r.run.failures, ...p.run.failures].slice(0, 40),
        engineLog: [...r.run.engineLog, ...p.run.engineLog].slice(0, 100),
        clockAudit: {
          checked: r.run.clockAudit.checked + p.run.clockAudit.checked,
          stranded: r.run.clockAudit.stranded + p.run.clockAudit.stranded,
          passes: Math.max(r.run.clockAudit.passes, p.run.clockAudit.passes),
          repairs: r.run.clockAudit.repairs + p.run.clockAudit.repairs,
          sample: [...r.run.clockAudit.sample, ...p.run.clockAudit.sample].slice(0, 20),
        },
      },
      tickets: {
        created: t.created + s.created,
        urgentFlagged: t.urgentFlagged + s.urgentFlagged,
        byChannel: addInto({ ...t.byChannel }, s.byChannel),
        bySlaClass: addInto({ ...t.bySlaClass }, s.bySlaClass),
        byKind: addInto({ ...t.byKind }, s.byKind),
        byStatus: addInto({ ...t.byStatus }, s.byStatus),
        closeReasons: addInto({ ...t.closeReasons }, s.closeReasons),
        reopenedTickets: t.reopenedTickets + s.reopenedTickets,
        reopens: t.reopens + s.reopens,
        returnedAssignments: t.returnedAssignments + s.returnedAssignments,
        extensions: addInto({ ...t.extensions }, s.extensions),
        ratings: addInto({ ...t.ratings }, s.ratings),
        flags: addInto({ ...t.flags }, s.flags),
      },
      sla: {
        city: r.sla.city,
        warnings: r.sla.warnings + p.sla.warnings,
        breaches: {
          records: r.sla.breaches.records + p.sla.breaches.records,
          deadlinesMissed: r.sla.breaches.deadlinesMissed + p.sla.breaches.deadlinesMissed,
          ticketsBreached: r.sla.breaches.ticketsBreached + p.sla.breaches.ticketsBreached,
          byStage: addLevelMap(r.sla.breaches.byStage, p.sla.breaches.byStage),
          byLevel: addLevels(r.sla.breaches.byLevel, p.sla.breaches.byLevel),
          bySlaClass: addLevelMap(r.sla.breaches.bySlaClass, p.sla.breaches.bySlaClass),
        },
        escalations: {
          level2: r.sla.escalations.level2 + p.sla.escalations.level2,
          level3: r.sla.escalations.level3 + p.sla.escalations.level3,
          ticketsAtLevel2: r.sla.escalations.ticketsAtLevel2 + p.sla.escalations.ticketsAtLevel2,
          ticketsAtLevel3: r.sla.escalations.ticketsAtLevel3 + p.sla.escalations.ticketsAtLevel3,
        },
      },
      notifications: {
        sms: r.notifications.sms + p.notifications.sms,
        email: r.notifications.email + p.notifications.email,
        smsParts: r.notifications.smsParts + p.notifications.smsParts,
        byKind: addInto({ ...r.notifications.byKind }, p.notifications.byKind),
      },
      units: mergeUnits(r.units, p.units),
      series: { bucket: r.series.bucket, rows: mergeSeries(r.series.rows, p.series.rows) },
    };
  }
  return withDerived(r);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// ---------------------------------------------------------------------------------------------
// What-if comparison
// ---------------------------------------------------------------------------------------------

export interface Comparison {
  kind: 'whistle-what-if';
  scenario: string;
  seed: string;
  whatIf: WhatIf;
  baseline: SimReport;
  variant: SimReport;
  delta: {
    responseRate: number | null;
    resolutionRate: number | null;
    satisfactionRate: number | null;
    deadlinesMissed: number;
    breachRecords: number;
    level2: number;
    level3: number;
    byStage: Record<string, Levels>;
    units: { unitId: string; name: string; resolutionRate: number | null; breaches: number }[];
  };
}

const diff = (a: number | null, b: number | null) =>
  a === null || b === null ? null : Math.round((b - a) * 10_000) / 10_000;

export function compare(baseline: SimReport, variant: SimReport, whatIf: WhatIf): Comparison {
  const byStage: Record<string, Levels> = {};
  for (const stage of new Set([
    ...Object.keys(baseline.sla.breaches.byStage),
    ...Object.keys(variant.sla.breaches.byStage),
  ])) {
    const a = baseline.sla.breaches.byStage[stage] ?? levels();
    const b = variant.sla.breaches.byStage[stage] ?? levels();
    byStage[stage] = { 1: b[1] - a[1], 2: b[2] - a[2], 3: b[3] - a[3] };
  }
  const before = new Map(baseline.units.map((u) => [u.unitId, u]));
  const units = variant.units
    .map((u) => {
      const b = before.get(u.unitId);
      return {
        unitId: u.unitId,
        name: u.name,
        resolutionRate: diff(b?.resolutionRate ?? null, u.resolutionRate),
        breaches: u.breaches - (b?.breaches ?? 0),
      };
    })
    .filter((u) => u.breaches !== 0 || (u.resolutionRate ?? 0) !== 0)
    .sort((x, y) => x.breaches - y.breaches);
  return {
    kind: 'whistle-what-if',
    scenario: baseline.scenario,
    seed: baseline.seed,
    whatIf,
    baseline,
    variant,
    delta: {
      responseRate: diff(baseline.sla.city.responseRate, variant.sla.city.responseRate),
      resolutionRate: diff(baseline.sla.city.resolutionRate, variant.sla.city.resolutionRate),
      satisfactionRate: diff(baseline.sla.city.satisfactionRate, variant.sla.city.satisfactionRate),
      deadlinesMissed: variant.sla.breaches.deadlinesMissed - baseline.sla.breaches.deadlinesMissed,
      breachRecords: variant.sla.breaches.records - baseline.sla.breaches.records,
      level2: variant.sla.escalations.level2 - baseline.sla.escalations.level2,
      level3: variant.sla.escalations.level3 - baseline.sla.escalations.level3,
      byStage,
      units,
    },
  };
}
