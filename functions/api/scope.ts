/**
 * What a caller may list: filters narrowed to the principal's scope (a unit its own tickets, a
 * reporter its community, a street supervisor its street), date bounds as whole Beijing days,
 * and the lookup by ticket code. Shared by the list routes and the export route.
 */
import { shanghaiDate, shanghaiInstant } from '../../shared/domain/calendar';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import { ForbiddenError, ValidationError } from '../../shared/domain/errors';
import type { ConfigSnapshot, Ticket } from '../../shared/domain/model';
import { canSee, type Principal } from '../../shared/domain/principal';
import type { TicketFilter } from '../../shared/ports';
import type * as z from '../../shared/zod';
import type { Deps } from '../lib/deps';
import type { listTicketsQuery } from './schemas';

/** Dates (`2026-10-01`) bound whole Asia/Shanghai days; instants are taken as given. */
/**
 * A metrics period's start when none is given: midnight (Asia/Shanghai) thirty days back, so the
 * period is whole days and its figures come from the daily aggregates without reading a ticket.
 */
export function defaultPeriodFrom(now: Date): string {
  const day = shanghaiDate(new Date(now.getTime() - 30 * 86_400_000));
  return toShanghaiIso(shanghaiInstant(day, 0, 0));
}

export function bound(value: string | undefined, end: boolean): string | undefined {
  if (!value) return undefined;
  if (value.length === 10) return toShanghaiIso(shanghaiInstant(value, end ? 23 : 0, end ? 59 : 0));
  return toShanghaiIso(new Date(value));
}

/**
 * Narrow a list filter to what the caller may see; asking outside one's scope is a 403 (not an
 * empty page that would read as "nothing there"). A community or a street office belongs to one
 * street: naming another street's is outside a street supervisor's scope, and a reporter's
 * community lies in one street.
 */
export function scopeFilter(p: Principal, f: TicketFilter, config: ConfigSnapshot): TicketFilter {
  const streetOfCommunity = (id: string | undefined) => config.communities.find((c) => c.id === id)?.streetId;
  const streetOfUnit = (id: string | undefined) => config.units.find((u) => u.id === id)?.streetId;
  switch (p.role) {
    case 'unit':
      if (f.unitId && f.unitId !== p.unitId) throw new ForbiddenError('a unit lists only its own tickets');
      return { ...f, unitId: p.unitId as string };
    case 'reporter': {
      if (f.communityId && f.communityId !== p.communityId)
        throw new ForbiddenError('a reporter lists only its community');
      const street = streetOfCommunity(p.communityId);
      if (f.streetId && street && f.streetId !== street)
        throw new ForbiddenError('a reporter lists only its community’s street');
      return { ...f, communityId: p.communityId as string };
    }
    case 'supervisor':
      if (p.streetId && f.streetId && f.streetId !== p.streetId)
        throw new ForbiddenError('outside your street');
      if (p.streetId && f.communityId && streetOfCommunity(f.communityId) !== p.streetId)
        throw new ForbiddenError(`community ${f.communityId} is outside your street`);
      if (p.streetId && f.unitId) {
        const street = streetOfUnit(f.unitId);
        if (street && street !== p.streetId)
          throw new ForbiddenError(`unit ${f.unitId} is outside your street`);
      }
      return p.streetId ? { ...f, streetId: p.streetId } : f;
    default:
      return f;
  }
}

/** The ticket list's query as a store filter, scoped to the caller (dates bound whole days). */
export function ticketFilterOf(
  p: Principal,
  q: Omit<z.infer<typeof listTicketsQuery>, 'limit' | 'cursor'>,
  config: ConfigSnapshot,
) {
  const from = bound(q.from, false);
  const to = bound(q.to, true);
  if (from && to && from > to)
    throw new ValidationError('empty period', [{ path: 'from', message: 'must not be after to' }]);
  return scopeFilter(
    p,
    {
      ...(q.status ? { status: q.status } : {}),
      ...(q.unitId ? { unitId: q.unitId } : {}),
      ...(q.communityId ? { communityId: q.communityId } : {}),
      ...(q.streetId ? { streetId: q.streetId } : {}),
      ...(q.breached ? { breached: q.breached === 'true' } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(q.slaClass ? { slaClass: q.slaClass } : {}),
      ...(q.level !== undefined ? { level: q.level } : {}),
    },
    config,
  );
}

/** Does the ticket pass the filter (the code lookup applies the other filters itself)? */
export function matchesFilter(t: Ticket, f: TicketFilter): boolean {
  const created = t.createdAt;
  return (
    (!f.status || t.status === f.status) &&
    (!f.unitId || t.assignments.some((a) => a.unitId === f.unitId)) &&
    (!f.communityId || t.communityId === f.communityId) &&
    (!f.streetId || t.streetId === f.streetId) &&
    (f.breached === undefined || t.breaches.length > 0 === f.breached) &&
    (!f.from || created >= f.from) &&
    (!f.to || created <= `${f.to}~`) &&
    (!f.slaClass || t.slaClass === f.slaClass) &&
    (f.level === undefined || t.escalationLevel === f.level)
  );
}

/** `?code=WD…`: one GetItem on the code's key, then the caller's scope and the other filters. */
export async function ticketByCode(
  store: Deps['store'],
  p: Principal,
  code: string,
  filter: TicketFilter,
): Promise<Ticket[]> {
  const id = await store.findTicketIdByCode(code);
  const rec = id ? await store.getTicket(id) : undefined;
  return rec && canSee(p, rec.ticket) && matchesFilter(rec.ticket, filter) ? [rec.ticket] : [];
}
