/** POST /v1/tickets/{id}/<action>: what units, residents, supervisors and admins do to a ticket. */
import { NotFoundError } from '../../shared/domain/errors';
import { type ActionName, act } from '../../shared/use-cases/ticket-service';
import { viewTicket } from '../../shared/views/ticket-view';
import { getDeps } from '../lib/deps';
import { httpHandler, json, parse, type RouteHandler } from '../lib/http';
import { actionBodies } from './schemas';

const TICKET_ID = /^t[a-z0-9]{20}$/;

function action(name: ActionName): RouteHandler {
  return async (req) => {
    const principal = req.principal();
    const id = req.params.id ?? '';
    if (!TICKET_ID.test(id)) throw new NotFoundError(`ticket ${id} not found`);
    const body = parse(actionBodies[name], req.json(), `${name} body`);
    const ticket = await act(getDeps(), principal, id, name, body);
    // An extension request is accepted for a supervisor's decision, not yet applied.
    return json(name === 'extension' ? 202 : 200, viewTicket(ticket, principal));
  };
}

const names = Object.keys(actionBodies) as ActionName[];
export const handler = httpHandler(
  Object.fromEntries(names.map((n) => [`POST /v1/tickets/{id}/${n}`, action(n)])),
);
