/**
 * Whistles from a phone (issue 20): the street's triage queue (分拨), a dispatcher's confirm,
 * similar open tickets, joining one, and merging duplicates. Every change is one conditional
 * write through the ticket service, so the workflow hears of it the way it hears of any action:
 * a confirm ends the triage party's wait and the units' tracks start; a merge closes the
 * duplicate and its parties end.
 */
import { toShanghaiIso } from '../domain/deadlines';
import { NotFoundError, ValidationError } from '../domain/errors';
import type { Ticket } from '../domain/model';
import { type Principal, requireDispatch, requireRole, requireVisible } from '../domain/principal';
import { normalizeText, terms } from '../domain/suggest';
import * as rules from '../domain/ticket-rules';
import type { TicketFilter } from '../ports';
import { applySystemChange, getTicket, type TicketDeps } from './ticket-service';

/** How far back similar open tickets are looked for. */
export const SIMILAR_WINDOW_DAYS = 14;

async function collect(deps: TicketDeps, filter: TicketFilter, max: number): Promise<Ticket[]> {
  const out: Ticket[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listTickets(filter, 200, cursor);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out.slice(0, max);
}

/** The street's whistles awaiting triage, oldest first (the one closest to its deadline on top). */
export async function triageQueue(deps: TicketDeps, actor: Principal, streetId?: string): Promise<Ticket[]> {
  requireRole(actor, ['dispatcher', 'supervisor', 'admin'], 'read the triage queue');
  const street = actor.role === 'admin' ? streetId : (actor.streetId ?? streetId);
  const items = await collect(deps, { status: 'triage', ...(street ? { streetId: street } : {}) }, 500);
  return items.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** A dispatcher names the item: the ticket is routed and dispatched as if raised with it. */
export async function confirmTriage(
  deps: TicketDeps,
  actor: Principal,
  id: string,
  dutyItemId: string,
): Promise<Ticket> {
  const before = await getTicket(deps, actor, id);
  requireDispatch(actor, before, 'triage tickets');
  const after = await applySystemChange(deps, id, (t, ctx) => {
    requireDispatch(actor, t, 'triage tickets');
    return rules.confirmTriage(t, actor, dutyItemId, ctx);
  });
  if (!after) throw new NotFoundError(`ticket ${id} not found`);
  deps.metrics?.count('TicketsTriaged');
  return after;
}

/** The reporter joins an open ticket of their community instead of filing another. */
export async function joinTicket(
  deps: TicketDeps,
  actor: Principal,
  id: string,
  input: { name?: string | undefined; phone?: string | undefined },
): Promise<Ticket> {
  requireRole(actor, ['reporter'], 'join tickets');
  await getTicket(deps, actor, id);
  const after = await applySystemChange(deps, id, (t, ctx) => rules.joinTicket(t, actor, input, ctx));
  if (!after) throw new NotFoundError(`ticket ${id} not found`);
  return after;
}

/**
 * A dispatcher or supervisor merges a duplicate into another open ticket: the duplicate closes
 * (its workflow ends through the same signals as any closure) and its reporters join the other.
 * The reporters are carried over first: if the close then fails, the other ticket has merely
 * heard of more reporters, and a retried merge changes nothing more.
 */
export async function mergeTicket(
  deps: TicketDeps,
  actor: Principal,
  id: string,
  intoId: string,
): Promise<{ duplicate: Ticket; into: Ticket }> {
  requireRole(actor, ['dispatcher', 'supervisor', 'admin'], 'merge tickets');
  const dup = await getTicket(deps, actor, id);
  requireDispatch(actor, dup, 'merge tickets');
  const intoRec = await deps.store.getTicket(intoId);
  if (!intoRec)
    throw new ValidationError('no such ticket to merge into', [{ path: 'into', message: 'not found' }]);
  const into = requireVisible(actor, intoRec.ticket, intoId);
  const now = deps.clock.now();
  // The rule refuses what may not be merged before anything is written.
  rules.closeAsDuplicate(dup, actor, into, {
    now,
    config: await deps.configs.current(),
    cal: await deps.configs.calendar(),
  });
  const merged = await applySystemChange(deps, intoId, (t, ctx) => rules.absorbDuplicate(t, dup, actor, ctx));
  const closed = await applySystemChange(deps, id, (t, ctx) =>
    t.status === 'closed' && t.duplicateOf === intoId
      ? null
      : rules.closeAsDuplicate(t, actor, merged ?? into, ctx),
  );
  if (!closed || !merged) throw new NotFoundError(`ticket ${id} not found`);
  deps.metrics?.count('TicketsMerged');
  return { duplicate: closed, into: merged };
}

/** One similar open ticket: what the phone page shows to join. */
export interface SimilarTicket {
  id: string;
  code: string;
  title: string;
  status: Ticket['status'];
  dutyItemName?: string;
  createdAt: string;
  joined: number;
  score: number;
  matched: string[];
}

/**
 * Open tickets of the community from the last 14 days that share words with `q`: the share of
 * the query's terms (words and character pairs, as the suggestion segments them) each ticket's
 * title and description contain, best first; none below a third.
 */
export async function similarTickets(
  deps: TicketDeps,
  actor: Principal,
  q: string,
  communityId: string,
  limit = 5,
): Promise<SimilarTicket[]> {
  requireRole(actor, ['reporter', 'dispatcher', 'supervisor', 'admin'], 'look for similar tickets');
  if (actor.role === 'reporter' && actor.communityId !== communityId)
    throw new NotFoundError(`community ${communityId} not found`);
  const wanted = [...new Set(terms(q))].filter((w) => w.length > 1);
  if (wanted.length === 0) return [];
  const from = toShanghaiIso(new Date(deps.clock.now().getTime() - SIMILAR_WINDOW_DAYS * 86_400_000));
  const tickets = await collect(deps, { communityId, from }, 1000);
  const scored: SimilarTicket[] = [];
  for (const t of tickets) {
    if (!rules.isOpen(t)) continue;
    if (
      actor.role !== 'reporter' &&
      actor.role !== 'admin' &&
      actor.streetId &&
      actor.streetId !== t.streetId
    )
      continue;
    const text = normalizeText(`${t.title} ${t.description}`);
    const matched = wanted.filter((w) => text.includes(w));
    const score = matched.length / wanted.length;
    if (score < 1 / 3) continue;
    scored.push({
      id: t.id,
      code: t.code,
      title: t.title,
      status: t.status,
      ...(t.dutyItemName ? { dutyItemName: t.dutyItemName } : {}),
      createdAt: t.createdAt,
      joined: t.joinedReporters?.length ?? 0,
      score: Math.round(score * 100) / 100,
      matched: matched.slice(0, 8),
    });
  }
  return scored.sort((a, b) => b.score - a.score || b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
}
