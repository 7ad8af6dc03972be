/**
 * Whistles from a phone (issue 20): the street's triage queue and a dispatcher's confirm, similar
 * open tickets, joining one and merging duplicates. The reads are served by the queries function,
 * the writes by the ticket actions function (routes.ts), so no new Lambda is deployed for them.
 */
import { NotFoundError } from '../../shared/domain/errors';
import { requireRole } from '../../shared/domain/principal';
import {
  confirmTriage,
  joinTicket,
  mergeTicket,
  similarTickets,
  triageQueue,
} from '../../shared/use-cases/triage';
import { viewTicket } from '../../shared/views/ticket-view';
import { json, parse, parseQuery, type Request, type RouteHandler } from '../lib/http';
import {
  joinBody,
  mergeBody,
  noQuery,
  similarQuery,
  ticketIdPattern,
  triageBody,
  triageQuery,
} from './schemas';

function ticketIdOf(req: Request): string {
  const id = req.params.id ?? '';
  if (!ticketIdPattern.test(id)) throw new NotFoundError(`ticket ${id} not found`);
  return id;
}

export const triageReadRoutes: Record<string, RouteHandler> = {
  'GET /v1/triage': async (req) => {
    const p = req.principal();
    requireRole(p, ['dispatcher', 'supervisor', 'admin'], 'read the triage queue');
    const q = parseQuery(req, triageQuery);
    const items = await triageQueue(req.deps, p, q.streetId);
    return json(200, { items: items.map((t) => viewTicket(t, p)), nextCursor: null });
  },
  'GET /v1/tickets/similar': async (req) => {
    const p = req.principal();
    requireRole(p, ['reporter', 'dispatcher', 'supervisor', 'admin'], 'look for similar tickets');
    const q = parseQuery(req, similarQuery);
    return json(200, { items: await similarTickets(req.deps, p, q.q, q.communityId, q.limit) });
  },
};

export const triageWriteRoutes: Record<string, RouteHandler> = {
  'POST /v1/tickets/{id}/triage': async (req) => {
    const p = req.principal();
    requireRole(p, ['dispatcher', 'supervisor', 'admin'], 'triage tickets');
    parseQuery(req, noQuery);
    const id = ticketIdOf(req);
    const body = parse(triageBody, req.json(), 'triage body');
    return json(200, viewTicket(await confirmTriage(req.deps, p, id, body.dutyItemId), p));
  },
  'POST /v1/tickets/{id}/join': async (req) => {
    const p = req.principal();
    requireRole(p, ['reporter'], 'join tickets');
    parseQuery(req, noQuery);
    const id = ticketIdOf(req);
    const body = parse(joinBody, req.json() ?? {}, 'join body');
    return json(200, viewTicket(await joinTicket(req.deps, p, id, body), p));
  },
  'POST /v1/tickets/{id}/merge': async (req) => {
    const p = req.principal();
    requireRole(p, ['dispatcher', 'supervisor', 'admin'], 'merge tickets');
    parseQuery(req, noQuery);
    const id = ticketIdOf(req);
    const body = parse(mergeBody, req.json(), 'merge body');
    const out = await mergeTicket(req.deps, p, id, body.into);
    return json(200, { duplicate: viewTicket(out.duplicate, p), into: viewTicket(out.into, p) });
  },
};
