/**
 * Who the workflow waits on, and for what. A ticket's clocks are watched by parties, each holding
 * one workflow wait at a time:
 * - `lead`: whichever unit leads the ticket now. A return, a re-route or a reassignment hands the
 *   same wait to the next lead, so a new owner never needs a new workflow branch;
 * - `co:<unitId>`: one per co-handling unit (joint dispatch), each with its own clocks;
 * - `ticket`: the ticket itself once the units' part is over (the verdict, a supervisor's ruling);
 * - `triage`: a whistle in its street's triage queue (分拨), before any unit is routed. It runs as
 *   the one branch of the units' Map, so the triage clock uses the same wait, timer and repair
 *   machinery as every unit's; a dispatcher's confirm ends it and the units' tracks follow.
 * The set of unit parties of a ticket is fixed while their workflow branches run: nothing ever
 * has to end every branch to re-plan, which is how co units used to lose their clocks.
 *
 * Pure: no I/O.
 */
import { DAY_MS, SHANGHAI_OFFSET_MS } from './calendar';
import { DEADLINE_HOUR, DEADLINE_MINUTE } from './deadlines';
import type { Assignment, Stage, Ticket } from './model';
import {
  isOpen,
  nextTimerAt,
  pendingInstants,
  type TrackStage,
  ticketStage,
  unitStage,
} from './ticket-rules';

export const LEAD_PARTY = 'lead';
export const TICKET_PARTY = 'ticket';
export const TRIAGE_PARTY = 'triage';
const CO_PREFIX = 'co:';

export const coParty = (unitId: string): string => `${CO_PREFIX}${unitId}`;

/** Stages a party can wait on (`ruling`: a held ticket waits for a supervisor). */
export type WaitStage = Stage | 'ruling';

/** The street office the triage clock counts against (undefined when the street has none). */
function triageUnit(t: Ticket): string | undefined {
  return t.clocks.find((c) => c.stage === 'triage')?.unitId;
}

export function isPartyName(party: string): boolean {
  return (
    party === LEAD_PARTY || party === TICKET_PARTY || party === TRIAGE_PARTY || party.startsWith(CO_PREFIX)
  );
}

function currentLead(t: Ticket): Assignment | undefined {
  return t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
}

/** The unit a party stands for right now (undefined for the ticket, or a slot nobody fills). */
export function partyUnit(t: Ticket, party: string): string | undefined {
  if (party === LEAD_PARTY) return currentLead(t)?.unitId;
  if (party === TRIAGE_PARTY) return triageUnit(t);
  if (party.startsWith(CO_PREFIX)) {
    const unitId = party.slice(CO_PREFIX.length);
    const a = t.assignments.find((x) => x.unitId === unitId && x.status !== 'returned');
    return a?.role === 'co' ? unitId : undefined;
  }
  return undefined;
}

/** What a party waits for now, or `done` when its part is over. */
export function partyStage(t: Ticket, party: string): TrackStage {
  if (party === TICKET_PARTY) return ticketStage(t);
  if (party === TRIAGE_PARTY) return t.status === 'triage' ? 'triage' : 'done';
  const unitId = partyUnit(t, party);
  return unitId ? unitStage(t, unitId) : 'done';
}

/** The unit parties that still have something to do: one workflow branch each. */
export function activeParties(t: Ticket): string[] {
  if (t.status === 'triage') return [TRIAGE_PARTY];
  const out: string[] = [];
  for (const a of t.assignments) {
    if (a.status === 'returned' || unitStage(t, a.unitId) === 'done') continue;
    out.push(a.role === 'lead' ? LEAD_PARTY : coParty(a.unitId));
  }
  return out;
}

/** The next SLA instant a party's wait must end at (nominal, before any spreading). */
export function partyNextInstant(t: Ticket, party: string): Date | undefined {
  if (party === TICKET_PARTY) return nextTimerAt(t, undefined);
  if (party === TRIAGE_PARTY) return t.status === 'triage' ? nextTimerAt(t, triageUnit(t)) : undefined;
  const unitId = partyUnit(t, party);
  return unitId ? nextTimerAt(t, unitId) : undefined;
}

/** The earliest instant any open clock of the ticket acts at: the ticket's due index key. */
export function ticketNextInstant(t: Ticket): Date | undefined {
  if (!isOpen(t)) return undefined;
  let min = Number.POSITIVE_INFINITY;
  for (const c of t.clocks) {
    if (c.doneAt) continue;
    for (const at of pendingInstants(c)) if (at < min) min = at;
  }
  return Number.isFinite(min) ? new Date(min) : undefined;
}

// ---------------------------------------------------------------------------------------------
// The 17:30 wave
// ---------------------------------------------------------------------------------------------

/** How far past 17:30 a working-day instant's timer may fire (the breach keeps the nominal instant). */
export const WAVE_SPREAD_MS = 5 * 60_000;

const DEADLINE_MS_OF_DAY = (DEADLINE_HOUR * 60 + DEADLINE_MINUTE) * 60_000;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * When the engine's timer for a nominal instant fires. Every working-day deadline of a city falls
 * on 17:30:00, so those timers are spread deterministically over the next five minutes by ticket
 * and party; any other instant fires as it is. The rules stamp breaches with the nominal instant,
 * so the spread changes when a notice goes out, never what the record says.
 */
export function timerInstant(nominal: Date, ticketId: string, party: string): Date {
  const ms = nominal.getTime();
  const msOfDay = (((ms + SHANGHAI_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
  if (msOfDay !== DEADLINE_MS_OF_DAY) return nominal;
  return new Date(ms + (fnv1a(`${ticketId}|${party}`) % WAVE_SPREAD_MS));
}

export type { TrackStage };
