/**
 * What supervisors take to the weekly meeting, computed over the whole filtered set (never the
 * page a browser happened to load): breaches grouped by late stage, ticket, unit and street;
 * the decisions waiting for someone; the three rates per unit and per street for a period.
 * The API's list routes and the export route both read through here.
 */
import { dateOfDayNumber, shanghaiDayNumber, shanghaiInstantMs } from '../domain/calendar';
import { toShanghaiIso } from '../domain/deadlines';
import {
  type ConfigSnapshot,
  type Stage,
  type Ticket,
  type TicketStatus,
  workingStatuses,
} from '../domain/model';
import type { Principal } from '../domain/principal';
import { isOpen } from '../domain/ticket-rules';
import type { BreachFilter, BreachRecord, TicketFilter, TicketStore } from '../ports';
import type { ConfigService } from './config-service';
import {
  streetMetricsList,
  streetTally,
  TallySum,
  tallyInstant,
  unitMetricsList,
  unitTallies,
} from './metrics';

/** Rows one summary or export reads at most: a city's quarter of breaches fits many times over. */
export const MAX_ROWS = 20_000;
const PAGE = 500;

// ---------------------------------------------------------------------------------------------
// Breaches
// ---------------------------------------------------------------------------------------------

export interface CollectedBreaches {
  records: BreachRecord[];
  tickets: Map<string, Ticket>;
  /** More rows matched than MAX_ROWS: the figures cover the newest MAX_ROWS. */
  truncated: boolean;
}

/** Every breach row matching the filter (newest first), with the tickets they belong to. */
export async function collectBreaches(
  store: TicketStore,
  filter: BreachFilter,
  max = MAX_ROWS,
): Promise<CollectedBreaches> {
  const records: BreachRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listBreaches(filter, PAGE, cursor);
    records.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && records.length < max);
  const kept = records.slice(0, max);
  const tickets = new Map((await store.getTickets(kept.map((b) => b.ticketId))).map((t) => [t.id, t]));
  return { records: kept, tickets, truncated: records.length > max || Boolean(cursor) };
}

/** The clock a breach row was recorded on, and whether its stage is done. */
export function breachClosedAt(b: BreachRecord, t: Ticket | undefined): string | undefined {
  const clock = t?.clocks.find(
    (c) => c.stage === b.stage && (c.unitId ?? '') === b.unitId && c.dueAt === b.dueAt,
  );
  if (clock?.doneAt) return clock.doneAt;
  // A ticket that ended (closed, cancelled) ends its late stages too.
  return t && !isOpen(t) ? (t.closedAt ?? t.updatedAt) : undefined;
}

/** Late stages counted by the highest level each reached. */
export interface LateCounts {
  /** Distinct late stages: one (ticket, stage, unit, deadline), whatever level it reached. */
  lateStages: number;
  tickets: number;
  /** Late stages not yet done. */
  open: number;
  byLevel: { 1: number; 2: number; 3: number };
  byStage: Partial<Record<Stage, number>>;
}

export interface UnitLate extends LateCounts {
  unitId: string;
  /** The unit's own street (street offices, per-street units); absent for city departments. */
  unitStreetId?: string;
  maxLevel: number;
  lastBreachedAt: string;
}

export interface StreetLate extends LateCounts {
  /** The street of the tickets. */
  streetId: string;
  units: number;
}

export interface TicketLate {
  ticketId: string;
  code: string;
  title?: string;
  streetId: string;
  status?: TicketStatus;
  lateStages: number;
  open: number;
  maxLevel: number;
  units: string[];
  stages: Stage[];
  firstDueAt: string;
  lastBreachedAt: string;
}

export interface BreachSummary {
  totals: LateCounts & { rows: number; units: number };
  byStreet: StreetLate[];
  byUnit: UnitLate[];
  byTicket: TicketLate[];
  truncated: boolean;
}

interface LateStage {
  key: string;
  ticketId: string;
  code: string;
  streetId: string;
  unitId: string;
  stage: Stage;
  dueAt: string;
  level: number;
  lastBreachedAt: string;
  open: boolean;
}

const emptyCounts = (): LateCounts => ({
  lateStages: 0,
  tickets: 0,
  open: 0,
  byLevel: { 1: 0, 2: 0, 3: 0 },
  byStage: {},
});

function count(stages: readonly LateStage[]): LateCounts {
  const c = emptyCounts();
  const tickets = new Set<string>();
  for (const s of stages) {
    c.lateStages += 1;
    if (s.open) c.open += 1;
    c.byLevel[Math.min(3, s.level) as 1 | 2 | 3] += 1;
    c.byStage[s.stage] = (c.byStage[s.stage] ?? 0) + 1;
    tickets.add(s.ticketId);
  }
  c.tickets = tickets.size;
  return c;
}

function groupBy<T>(items: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of items) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

const latest = (a: string, b: string) => (a > b ? a : b);

/**
 * One row per ticket × stage × unit × level is what the store keeps (a breach per level reached);
 * people count late stages, late tickets and late units. Worst first: open before done, higher
 * level before lower, more before fewer.
 */
export function summarizeBreaches(
  collected: CollectedBreaches,
  config: Pick<ConfigSnapshot, 'units'>,
): BreachSummary {
  const stages = new Map<string, LateStage>();
  for (const b of collected.records) {
    const key = `${b.ticketId}|${b.stage}|${b.unitId}|${b.dueAt}`;
    const s = stages.get(key);
    if (s) {
      s.level = Math.max(s.level, b.level);
      s.lastBreachedAt = latest(s.lastBreachedAt, b.breachedAt);
      continue;
    }
    stages.set(key, {
      key,
      ticketId: b.ticketId,
      code: b.code,
      streetId: b.streetId,
      unitId: b.unitId,
      stage: b.stage,
      dueAt: b.dueAt,
      level: b.level,
      lastBreachedAt: b.breachedAt,
      open: !breachClosedAt(b, collected.tickets.get(b.ticketId)),
    });
  }
  const all = [...stages.values()];
  const unitStreet = new Map(config.units.map((u) => [u.id, u.streetId]));

  const byUnit = [...groupBy(all, (s) => s.unitId)].map(([unitId, list]): UnitLate => {
    const street = unitStreet.get(unitId);
    return {
      unitId,
      ...(street ? { unitStreetId: street } : {}),
      ...count(list),
      maxLevel: Math.max(...list.map((s) => s.level)),
      lastBreachedAt: list.reduce((m, s) => latest(m, s.lastBreachedAt), ''),
    };
  });
  byUnit.sort(
    (a, b) =>
      b.open - a.open ||
      b.maxLevel - a.maxLevel ||
      b.lateStages - a.lateStages ||
      b.lastBreachedAt.localeCompare(a.lastBreachedAt),
  );

  const byStreet = [...groupBy(all, (s) => s.streetId)].map(
    ([streetId, list]): StreetLate => ({
      streetId,
      ...count(list),
      units: new Set(list.map((s) => s.unitId)).size,
    }),
  );
  byStreet.sort(
    (a, b) => b.open - a.open || b.lateStages - a.lateStages || a.streetId.localeCompare(b.streetId),
  );

  const byTicket = [...groupBy(all, (s) => s.ticketId)].map(([ticketId, list]): TicketLate => {
    const t = collected.tickets.get(ticketId);
    const first = list[0] as LateStage;
    return {
      ticketId,
      code: first.code,
      ...(t ? { title: t.title, status: t.status } : {}),
      streetId: first.streetId,
      lateStages: list.length,
      open: list.filter((s) => s.open).length,
      maxLevel: Math.max(...list.map((s) => s.level)),
      units: [...new Set(list.map((s) => s.unitId))],
      stages: [...new Set(list.map((s) => s.stage))],
      firstDueAt: list.reduce((m, s) => (m && m < s.dueAt ? m : s.dueAt), ''),
      lastBreachedAt: list.reduce((m, s) => latest(m, s.lastBreachedAt), ''),
    };
  });
  byTicket.sort(
    (a, b) =>
      Number(b.open > 0) - Number(a.open > 0) ||
      b.maxLevel - a.maxLevel ||
      b.lastBreachedAt.localeCompare(a.lastBreachedAt),
  );

  return {
    totals: { rows: collected.records.length, units: byUnit.length, ...count(all) },
    byStreet,
    byUnit,
    byTicket,
    truncated: collected.truncated,
  };
}

// ---------------------------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------------------------

/** Every ticket matching the filter, newest first, up to `max`. */
export async function collectTickets(
  store: TicketStore,
  filter: TicketFilter,
  max = MAX_ROWS,
): Promise<{ tickets: Ticket[]; truncated: boolean }> {
  const tickets: Ticket[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listTickets(filter, PAGE, cursor);
    tickets.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && tickets.length < max);
  return { tickets: tickets.slice(0, max), truncated: tickets.length > max || Boolean(cursor) };
}

// ---------------------------------------------------------------------------------------------
// Waiting for me
// ---------------------------------------------------------------------------------------------

/**
 * Kinds of decision a person is waiting on. Clients show the kinds they know and count the rest:
 * a new kind (a whistle to triage) slots in without breaking them.
 */
export const inboxKinds = ['extension', 'ruling', 'verdict', 'acknowledge', 'rework'] as const;
export type InboxKind = (typeof inboxKinds)[number];

export interface InboxItem {
  kind: InboxKind;
  ticketId: string;
  code: string;
  title: string;
  status: TicketStatus;
  streetId: string;
  communityId: string;
  /** Since when it waits. */
  since: string;
  escalationLevel: number;
  /** The unit concerned (the one asking for an extension, the one to acknowledge). */
  unitId?: string;
  /** What is asked: the extension's days and reason, the return's reason. */
  detail?: string;
  workingDays?: number;
}

async function byStatus(store: TicketStore, filter: TicketFilter): Promise<Ticket[]> {
  return (await collectTickets(store, filter, 2_000)).tickets;
}

function lastEvent(t: Ticket, types: readonly string[]) {
  return [...t.timeline].reverse().find((e) => types.includes(e.type));
}

function item(t: Ticket, kind: InboxKind, extra: Partial<InboxItem> & { since: string }): InboxItem {
  return {
    kind,
    ticketId: t.id,
    code: t.code,
    title: t.title,
    status: t.status,
    streetId: t.streetId,
    communityId: t.communityId,
    escalationLevel: t.escalationLevel,
    ...extra,
  };
}

/**
 * What waits for this principal, oldest first. Supervisors and admins: extensions to decide and
 * returned or disputed tickets to rule on (their street only). Reporters: verdicts their
 * community owes. Units: tickets to sign for, and reopened ones to rework.
 * Each reads the open tickets of the few statuses concerned, through the status index.
 */
export async function inbox(store: TicketStore, p: Principal): Promise<InboxItem[]> {
  const street = p.role === 'supervisor' && p.streetId ? { streetId: p.streetId } : {};
  const items: InboxItem[] = [];
  if (p.role === 'supervisor' || p.role === 'admin') {
    const asked = await Promise.all(
      workingStatuses.map((status) => byStatus(store, { status, extensionPending: true, ...street })),
    );
    for (const t of asked.flat()) {
      if (t.extension?.status !== 'pending') continue;
      const e = lastEvent(t, ['extension_requested']);
      items.push(
        item(t, 'extension', {
          since: t.extension.requestedAt,
          ...(e?.unitId ? { unitId: e.unitId } : {}),
          detail: t.extension.reason,
          workingDays: t.extension.workingDays,
        }),
      );
    }
    const [returned, disputed] = await Promise.all([
      byStatus(store, { status: 'returned', ...street }),
      byStatus(store, { status: 'resolved', flag: 'needs_ruling', ...street }),
    ]);
    for (const t of [...returned, ...disputed]) {
      if (t.status === 'resolved' && !t.flags.includes('needs_ruling')) continue;
      const e = lastEvent(t, t.status === 'returned' ? ['returned'] : ['ruling_required']);
      items.push(
        item(t, 'ruling', {
          since: e?.at ?? t.updatedAt,
          ...(e?.unitId ? { unitId: e.unitId } : {}),
          ...(e?.detail ? { detail: e.detail } : {}),
        }),
      );
    }
  }
  if (p.role === 'reporter') {
    for (const t of await byStatus(store, { status: 'resolved' })) {
      if (t.communityId !== p.communityId || t.flags.includes('needs_ruling')) continue;
      items.push(item(t, 'verdict', { since: t.resolution?.at ?? t.updatedAt }));
    }
  }
  if (p.role === 'unit' && p.unitId) {
    const mine = (await collectTickets(store, { unitId: p.unitId }, 2_000)).tickets.filter((t) =>
      workingStatuses.includes(t.status),
    );
    for (const t of mine) {
      const a = t.assignments.find((x) => x.unitId === p.unitId && x.status !== 'returned');
      if (!a) continue;
      if (!a.acknowledgedAt) {
        items.push(item(t, 'acknowledge', { since: a.dispatchedAt ?? t.createdAt, unitId: a.unitId }));
      } else if (t.status === 'reopened' && a.role === 'lead') {
        const e = lastEvent(t, ['reopened']);
        items.push(
          item(t, 'rework', {
            since: e?.at ?? t.updatedAt,
            unitId: a.unitId,
            ...(e?.detail ? { detail: e.detail } : {}),
          }),
        );
      }
    }
  }
  return items.sort((a, b) => a.since.localeCompare(b.since));
}

export function inboxCounts(items: readonly InboxItem[]): Record<InboxKind, number> & { total: number } {
  const counts = Object.fromEntries(inboxKinds.map((k) => [k, 0])) as Record<InboxKind, number>;
  for (const i of items) counts[i.kind] += 1;
  return { ...counts, total: items.length };
}

// ---------------------------------------------------------------------------------------------
// The three rates for a period
// ---------------------------------------------------------------------------------------------

/** The day of the first configuration, before which no ticket exists (no bound if unreadable). */
async function firstConfigDay(configs: ConfigService): Promise<number> {
  try {
    return shanghaiDayNumber(new Date((await configs.version(1)).createdAt));
  } catch {
    return Number.NEGATIVE_INFINITY;
  }
}

/** How far back a period's daily aggregates are read: ten years of days (3,653 partitions). */
export const MAX_PERIOD_DAYS = 3_653;

/**
 * The three rates of the tickets created in [from, to] (of one street, if given), from the daily
 * aggregates kept with the writes: one partition a day, whatever the number of tickets. A bound
 * that is not a midnight reads the slice of its day outside the period (the tickets raised on
 * the first day before `from`, on the last day after `to`) and takes it off again, so the figures
 * are exact to the instant; a period given in dates, or ending now, reads no ticket at all.
 */
export async function periodMetrics(
  deps: { store: TicketStore; configs: ConfigService },
  period: { from: string; to: string; streetId?: string | undefined },
  now: Date,
  streetIds: readonly string[] = [],
) {
  const { store } = deps;
  const fromMs = Date.parse(period.from);
  const toMs = Date.parse(period.to);
  // No ticket is raised after now, nor before the deployment's first configuration (intake needs
  // one), nor (here) more than ten years before the period's end: "since 2020" on a deployment a
  // year old reads that year's days, not 2,500 empty ones (23 s on a busy machine).
  const lastDay = Math.min(shanghaiDayNumber(new Date(toMs)), shanghaiDayNumber(now));
  const firstDay = Math.max(
    shanghaiDayNumber(new Date(fromMs)),
    lastDay - MAX_PERIOD_DAYS + 1,
    await firstConfigDay(deps.configs),
  );
  const days: string[] = [];
  for (let d = firstDay; d <= lastDay; d += 1) days.push(dateOfDayNumber(d));
  const listedStreets = period.streetId ? [period.streetId] : streetIds;
  const units = new TallySum();
  const streets = new TallySum(listedStreets);
  if (days.length > 0) {
    const daily = await store.dailyTallies(days, period.streetId);
    units.addAll(daily.units);
    streets.addAll(daily.streets);
    const firstStart = shanghaiInstantMs(firstDay, 0, 0);
    const lastEnd = shanghaiInstantMs(lastDay + 1, 0, 0);
    // Counted in the days read, but raised outside the period.
    const outside = (t: Ticket) => {
      const at = Date.parse(t.createdAt);
      return at >= firstStart && at < lastEnd && (at < fromMs || at > toMs);
    };
    const edges: [string, string][] = [];
    if (fromMs > firstStart) edges.push([toShanghaiIso(new Date(firstStart)), period.from]);
    if (toMs < Math.min(lastEnd, now.getTime())) edges.push([period.to, toShanghaiIso(new Date(lastEnd))]);
    for (const [a, b] of edges) {
      for await (const page of store.scanPeriod(a, b)) {
        for (const t of page) {
          if (!outside(t) || (period.streetId && t.streetId !== period.streetId)) continue;
          units.addAll(unitTallies(t, tallyInstant(t)), -1);
          streets.add(t.streetId, streetTally(t, tallyInstant(t)), -1);
        }
      }
    }
  }
  // Rows that count nothing (every ticket outside the period) are not rows, unless listed.
  const listed = new Set(listedStreets);
  for (const [id, t] of units.byId) if (Object.keys(t).length === 0) units.byId.delete(id);
  for (const [id, t] of streets.byId)
    if (Object.keys(t).length === 0 && !listed.has(id)) streets.byId.delete(id);
  return { units: unitMetricsList(units), streets: streetMetricsList(streets) };
}
