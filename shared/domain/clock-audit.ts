/**
 * The clock audit: does every open party of a ticket have a wait armed for the right stage and
 * instant, and has every instant that passed been acted on? A pure comparison of the ticket record
 * with what the engine reports; the reconciler (shared/use-cases/clock-reconciler.ts) repairs what
 * it finds. Every stage or timer the rules add is covered here through `expectedWaits`, which reads
 * the same rules the workflow tasks do.
 *
 * Pure: no I/O.
 */
import { toShanghaiIso } from './deadlines';
import type { StageClock, Ticket } from './model';
import {
  activeParties,
  coParty,
  LEAD_PARTY,
  partyNextInstant,
  partyStage,
  partyUnit,
  TICKET_PARTY,
  TRIAGE_PARTY,
  timerInstant,
  WAVE_SPREAD_MS,
  type WaitStage,
} from './parties';
import { isOpen, pendingInstants } from './ticket-rules';

/** A wait as the engine (or, failing that, the ticket record) knows it. */
export interface ArmedWait {
  party: string;
  unitId?: string | undefined;
  stage: string;
  /** When the engine's timer fires (engines that can list their waits). */
  timerAt?: string | undefined;
  /** The nominal SLA instant the wait was armed for (the record's tokens); null: none left. */
  nextAt?: string | null | undefined;
}

/** What the workflow engine says about a ticket's current execution. */
export interface EngineReport {
  /** The stored generation's execution: running, ended (any way), never seen, or not knowable now. */
  execution: 'running' | 'ended' | 'missing' | 'unknown';
  /** The waits the engine holds for this ticket, when it can list them (the embedded engine). */
  waits?: ArmedWait[] | undefined;
  /** A task of this ticket is running right now: what it writes is not in the record yet. */
  busy?: boolean | undefined;
}

/** The parts of a stored ticket the audit reads. */
export interface AuditedRecord {
  ticket: Ticket;
  tokens: Record<string, { stage: string; unitId?: string | undefined; nextAt?: string | null | undefined }>;
  run?: { generation: number; startedAt: string } | undefined;
  pending?:
    | {
        start?: { generation: number; at: string } | undefined;
        signals?: Record<string, { at: string }> | undefined;
      }
    | undefined;
}

export type FindingKind =
  /** The ticket is open but its execution does not run. */
  | 'no_execution'
  /** An open party holds no wait. */
  | 'no_wait'
  /** A party waits for another stage or unit than the record expects. */
  | 'wrong_wait'
  /** A party's wait fires after the SLA instant it must act at. */
  | 'late_timer'
  /** An SLA instant passed the grace period ago with nothing recorded for it. */
  | 'overdue'
  /** A start or signal written with a change was never delivered. */
  | 'pending_start'
  | 'pending_signal';

export interface Finding {
  ticketId: string;
  party: string;
  kind: FindingKind;
  expected: string;
  found: string;
}

export interface ExpectedWait {
  party: string;
  unitId?: string | undefined;
  stage: WaitStage;
  /** The nominal next SLA instant (undefined: none left; the party still waits for an action). */
  nextAt?: Date | undefined;
}

/** Every wait the record says must be armed now: the units' parties, else the ticket's. */
export function expectedWaits(t: Ticket): ExpectedWait[] {
  if (!isOpen(t)) return [];
  let parties = activeParties(t);
  if (parties.length === 0) parties = partyStage(t, TICKET_PARTY) === 'done' ? [] : [TICKET_PARTY];
  return parties.map((party) => ({
    party,
    unitId: partyUnit(t, party),
    stage: partyStage(t, party) as WaitStage,
    nextAt: partyNextInstant(t, party),
  }));
}

/** The party that watches a clock (its unit's slot, or the ticket for ticket-level clocks). */
function clockParty(t: Ticket, c: StageClock): string {
  if (c.stage === 'triage') return TRIAGE_PARTY;
  if (!c.unitId) return TICKET_PARTY;
  const a = t.assignments.find((x) => x.unitId === c.unitId && x.status !== 'returned');
  return a?.role === 'co' ? coParty(c.unitId) : LEAD_PARTY;
}

const LEVEL_NAMES = ['warning', 'level 1', 'level 2', 'level 3'];

function instantName(c: StageClock, at: number): string {
  const i = [c.warnAt, c.dueAt, c.level2At, c.level3At].findIndex((x) => Date.parse(x) === at);
  return `${c.stage} ${LEVEL_NAMES[i] ?? 'instant'}`;
}

function describeWait(w: { stage: string; unitId?: string | undefined }): string {
  return w.unitId ? `${w.stage} by ${w.unitId}` : w.stage;
}

/**
 * Compare one ticket record with the engine. `graceMs` absorbs work in flight: a wait being armed,
 * a timer spread past 17:30 (WAVE_SPREAD_MS is added on top), a signal on its way.
 */
export function auditTicket(rec: AuditedRecord, engine: EngineReport, now: Date, graceMs: number): Finding[] {
  const t = rec.ticket;
  const expected = expectedWaits(t);
  if (expected.length === 0) return [];
  const nowMs = now.getTime();
  const findings: Finding[] = [];
  const add = (party: string, kind: FindingKind, want: string, found: string) =>
    findings.push({ ticketId: t.id, party, kind, expected: want, found });
  const young = (at: string | undefined) => at !== undefined && nowMs - Date.parse(at) < graceMs;

  const start = rec.pending?.start;
  if (engine.execution !== 'running' && engine.execution !== 'unknown') {
    if (!young(start?.at)) {
      const generation = rec.run?.generation ?? start?.generation ?? 1;
      add(
        '*',
        start ? 'pending_start' : 'no_execution',
        `execution generation ${generation} running`,
        start ? `start pending since ${start.at}` : `execution ${engine.execution}`,
      );
    }
    return findings;
  }
  if (engine.busy) return findings;

  // Anything written recently may still be on its way to the engine.
  const lastWrite = Math.max(
    Date.parse(t.updatedAt),
    rec.run ? Date.parse(rec.run.startedAt) : 0,
    start ? Date.parse(start.at) : 0,
  );
  // An engine that lists its waits shows every wait the moment it is armed; otherwise the record's
  // tokens trail the engine by the arming task, and a fresh write may not be armed yet.
  const settling = engine.waits === undefined && nowMs - lastWrite < graceMs;
  const waits: ArmedWait[] =
    engine.waits ??
    Object.entries(rec.tokens).map(([party, w]) => ({
      party,
      stage: w.stage,
      unitId: w.unitId,
      nextAt: w.nextAt,
    }));

  for (const e of expected) {
    const want = describeWait(e);
    const w = waits.find((x) => x.party === e.party);
    const signal = rec.pending?.signals?.[e.party];
    if (!w) {
      if (settling || young(signal?.at)) continue;
      if (signal) add(e.party, 'pending_signal', want, `signal pending since ${signal.at}`);
      else add(e.party, 'no_wait', want, 'no wait armed');
      continue;
    }
    if (w.stage !== e.stage || (w.unitId ?? '') !== (e.unitId ?? '')) {
      if (settling || young(signal?.at)) continue;
      // The wait the engine holds is the one a pending signal was meant for: re-send it.
      if (signal)
        add(e.party, 'pending_signal', want, `${describeWait(w)}; signal pending since ${signal.at}`);
      else add(e.party, 'wrong_wait', want, describeWait(w));
      continue;
    }
    if (!e.nextAt) continue;
    const due = timerInstant(e.nextAt, t.id, e.party).getTime();
    const late =
      w.timerAt !== undefined
        ? Date.parse(w.timerAt) > due + 1000
        : w.nextAt !== undefined && (w.nextAt === null || Date.parse(w.nextAt) > e.nextAt.getTime());
    if (late && !settling) {
      add(
        e.party,
        'late_timer',
        `${want}, timer at ${toShanghaiIso(new Date(due))}`,
        `timer at ${w.timerAt ?? w.nextAt ?? 'none'}`,
      );
    }
  }

  // The last line of defence: an instant long past with nothing recorded for it.
  for (const c of t.clocks) {
    if (c.doneAt) continue;
    const first = Math.min(...pendingInstants(c));
    if (!Number.isFinite(first) || first + WAVE_SPREAD_MS + graceMs > nowMs) continue;
    const party = clockParty(t, c);
    // An engine that is merely behind still holds the wait that will record it.
    const w = engine.waits?.find((x) => x.party === party && x.timerAt !== undefined);
    if (w && Date.parse(w.timerAt as string) <= first + WAVE_SPREAD_MS) continue;
    add(
      party,
      'overdue',
      `${instantName(c, first)} recorded${c.unitId ? ` for ${c.unitId}` : ''}`,
      `nothing since ${toShanghaiIso(new Date(first))}`,
    );
  }
  return findings;
}
