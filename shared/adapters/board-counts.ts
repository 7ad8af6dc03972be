/**
 * The board's counters, kept with the writes (issue 16): what a ticket adds to the counts of its
 * street and of its lead unit, and the change a write owes to them. Pure; dynamo-board.ts applies
 * it (the counter items' keys: table-keys.ts). The rankings' daily aggregates (metric-counts.ts)
 * ride on the same changes and the same bookkeeping.
 *
 * No transactions (dynalite has none), so a ticket write and its counter updates are separate
 * writes. What keeps the counters from drifting for good:
 * - every version's change is owned by the one writer whose conditional write created that
 *   version (facet of the previous version → facet of this one), so the changes telescope;
 * - the ticket item carries the changes not yet known applied (`cq`, written in the same
 *   conditional write), so a crash between the writes leaves them on the record: the next writer
 *   of the ticket, the table stream (AWS) or the start-up recount (embedded) applies them;
 * - each counter update is idempotent per ticket version: the counter holds, in a slot chosen by
 *   the ticket, the last version of that ticket it applied, and the update is conditional on a
 *   higher one;
 * - a recount from the open tickets (embedded start-up, `npm run audit -- --data DIR --repair`)
 *   puts the counters back to the truth whatever happened.
 */
import { createHash } from 'node:crypto';
import type { Ticket } from '../domain/model';
import { openStatuses } from '../domain/statuses';
import { type MetricsFacet, metricDeltas } from './metric-counts';
import { CITY_COUNTER_PK, streetCounterPk, unitCounterPk } from './table-keys';

/** What the board reads of an open ticket; null when it is not open (not counted). */
export interface BoardFacet {
  /** For the attention marker: the code people read out, and the creation instant (its sort key). */
  code: string;
  at: string;
  street: string;
  unit?: string;
  status: string;
  level: number;
  /** Why a supervisor should look (flags, a pending extension, a return awaiting a ruling). */
  attention: string[];
}

/** A change owed to the counters by version `v` of a ticket. */
export interface CountChange {
  v: number;
  from: BoardFacet | null;
  to: BoardFacet | null;
  /**
   * The same change for the rankings' daily aggregates (metric-counts.ts), settled with the board
   * counters'. Absent on changes queued before the aggregates existed: they move no row.
   */
  mfrom?: MetricsFacet | null;
  mto?: MetricsFacet | null;
}

/** Idempotency slots on a counter item: few, so the item stays within one write unit. */
export const COUNTER_SLOTS = 32;

export function boardFacet(t: Ticket): BoardFacet | null {
  if (!openStatuses.includes(t.status)) return null;
  const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  // The same rule the board always applied: failed messages and rulings, and decisions waiting.
  const attention = [
    ...t.flags.filter((f) => f !== 'fallback_owner'),
    ...(t.extension?.status === 'pending' ? ['extension_pending'] : []),
    ...(t.status === 'returned' && !t.flags.includes('needs_ruling') ? ['needs_ruling'] : []),
  ];
  return {
    code: t.code,
    at: t.createdAt,
    street: t.streetId,
    ...(lead ? { unit: lead.unitId } : {}),
    status: t.status,
    level: t.escalationLevel,
    attention,
  };
}

export const statusAttr = (s: string) => `s_${s}`;
export const levelAttr = (l: number) => `l_${l}`;

/** The counter attributes a facet contributes to (one each). */
function contributions(f: BoardFacet): string[] {
  return ['open', statusAttr(f.status), levelAttr(f.level), ...(f.attention.length ? ['att'] : [])];
}

/** Per counter item (pk): attribute → delta, zero deltas dropped, empty counters left out. */
export function counterDeltas(change: CountChange): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  const add = (pk: string, attrs: string[], sign: number) => {
    const d = out.get(pk) ?? {};
    for (const a of attrs) d[a] = (d[a] ?? 0) + sign;
    out.set(pk, d);
  };
  for (const [f, sign] of [
    [change.from, -1],
    [change.to, 1],
  ] as const) {
    if (!f) continue;
    add(CITY_COUNTER_PK, contributions(f), sign);
    add(streetCounterPk(f.street), contributions(f), sign);
    if (f.unit) add(unitCounterPk(f.unit), contributions(f), sign);
  }
  for (const [pk, d] of out) {
    for (const [a, n] of Object.entries(d)) if (n === 0) delete d[a];
    if (Object.keys(d).length === 0) out.delete(pk);
  }
  return out;
}

/** Whether a change moves anything at all (a counter, a marker, an aggregate row). */
export function changeMovesSomething(change: CountChange): boolean {
  return (
    counterDeltas(change).size > 0 ||
    attentionChanged(change) ||
    metricDeltas(change.mfrom, change.mto).length > 0
  );
}

/** Whether the attention marker must be rewritten for this change. */
export function attentionChanged(change: CountChange): boolean {
  const a = change.from?.attention.length ? change.from : null;
  const b = change.to?.attention.length ? change.to : null;
  if (!a && !b) return false;
  return JSON.stringify(a && [a.street, a.attention]) !== JSON.stringify(b && [b.street, b.attention]);
}

/** A ticket's idempotency slot on a counter, and the short tag that names the ticket in it. */
export function slotOf(ticketId: string): { slot: string; tag: string } {
  const h = createHash('sha256').update(ticketId).digest();
  return {
    slot: `r${String((h[0] as number) % COUNTER_SLOTS).padStart(2, '0')}`,
    tag: h.subarray(1, 7).toString('base64url'),
  };
}

/** The board's numbers, as the counter items hold them. */
export interface BoardCounts {
  open: number;
  byStatus: Record<string, number>;
  byLevel: Record<string, number>;
  attention: number;
}

export function emptyCounts(): BoardCounts {
  return {
    open: 0,
    byStatus: Object.fromEntries(openStatuses.map((s) => [s, 0])),
    byLevel: { '0': 0, '1': 0, '2': 0, '3': 0 },
    attention: 0,
  };
}

export function countsOfItem(item: Record<string, unknown> | undefined): BoardCounts {
  const c = emptyCounts();
  if (!item) return c;
  const n = (k: string) => (typeof item[k] === 'number' ? (item[k] as number) : 0);
  c.open = n('open');
  for (const s of openStatuses) c.byStatus[s] = n(statusAttr(s));
  for (const l of [0, 1, 2, 3]) c.byLevel[String(l)] = n(levelAttr(l));
  c.attention = n('att');
  return c;
}

export function addCounts(a: BoardCounts, b: BoardCounts): BoardCounts {
  const out = emptyCounts();
  out.open = a.open + b.open;
  out.attention = a.attention + b.attention;
  for (const k of Object.keys(out.byStatus)) out.byStatus[k] = (a.byStatus[k] ?? 0) + (b.byStatus[k] ?? 0);
  for (const k of Object.keys(out.byLevel)) out.byLevel[k] = (a.byLevel[k] ?? 0) + (b.byLevel[k] ?? 0);
  return out;
}

/** The counts of a set of facets (the recount). */
export function countFacets(facets: Iterable<BoardFacet>): Map<string, BoardCounts> {
  const out = new Map<string, BoardCounts>();
  const bump = (pk: string, f: BoardFacet) => {
    const c = out.get(pk) ?? emptyCounts();
    c.open += 1;
    c.byStatus[f.status] = (c.byStatus[f.status] ?? 0) + 1;
    c.byLevel[String(f.level)] = (c.byLevel[String(f.level)] ?? 0) + 1;
    if (f.attention.length) c.attention += 1;
    out.set(pk, c);
  };
  out.set(CITY_COUNTER_PK, emptyCounts());
  for (const f of facets) {
    bump(CITY_COUNTER_PK, f);
    bump(streetCounterPk(f.street), f);
    if (f.unit) bump(unitCounterPk(f.unit), f);
  }
  return out;
}

export function sameCounts(a: BoardCounts, b: BoardCounts): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
