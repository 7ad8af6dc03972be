/** POST /v1/tickets/{id}/<action>: what units, residents, supervisors and admins do to a ticket. */
import { NotFoundError } from '../../shared/domain/errors';
import { requireRole } from '../../shared/domain/principal';
import { act } from '../../shared/use-cases/ticket-service';
import { viewTicket } from '../../shared/views/ticket-view';
import { getDeps } from '../lib/deps';
import { httpHandler, json, parse, parseQuery, type RouteHandler } from '../lib/http';
import { noQuery, type TicketActionName, ticketActions, ticketIdPattern } from './schemas';

function action(name: TicketActionName): RouteHandler {
  const spec = ticketActions[name];
  return async (req) => {
    const principal = req.principal();
    // The role first: whether a reporter may acknowledge does not depend on any ticket's state.
    requireRole(principal, spec.roles, name === 'extension/decision' ? 'decide extensions' : name);
    parseQuery(req, noQuery);
    const id = req.params.id ?? '';
    if (!ticketIdPattern.test(id)) throw new NotFoundError(`ticket ${id} not found`);
    const body = parse(spec.body, req.json(), `${name} body`) as Record<string, unknown>;
    const ticket = await act(getDeps(), principal, id, name, body);
    // An extension request is accepted for a supervisor's decision, not yet applied: 202.
    return json(spec.status, viewTicket(ticket, principal));
  };
}

const names = Object.keys(ticketActions) as TicketActionName[];
export const handler = httpHandler(
  Object.fromEntries(names.map((n) => [`POST /v1/tickets/{id}/${n}`, action(n)])),
);
