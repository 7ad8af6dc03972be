/** POST /v1/tickets/{id}/<action>: what units, residents, supervisors and admins do to a ticket. */
import { NotFoundError, ValidationError } from '../../shared/domain/errors';
import { requireRole } from '../../shared/domain/principal';
import { act } from '../../shared/use-cases/ticket-service';
import { viewTicket } from '../../shared/views/ticket-view';
import type { Deps } from '../lib/deps';
import { httpHandler, json, parse, parseQuery, type RouteHandler } from '../lib/http';
import { allowHttpUrls, noQuery, type TicketActionName, ticketActions, ticketIdPattern } from './schemas';
import { triageWriteRoutes } from './triage';

/**
 * `http:` evidence only where the deployment allows plain HTTP, or when it is this deployment's own
 * photo (an embedded runtime serves its uploads over HTTP): never a third party's page.
 */
function ownHttpEvidenceOnly(evidence: unknown, publicBaseUrl: string): void {
  if (allowHttpUrls || !Array.isArray(evidence)) return;
  const errors = evidence
    .map((u, i) => ({ u: String(u), i }))
    .filter(({ u }) => u.startsWith('http:') && !u.startsWith(`${publicBaseUrl}/`))
    .map(({ i }) => ({ path: `evidence.${i}`, message: 'must be an https URL' }));
  if (errors.length) throw new ValidationError('invalid resolve body', errors);
}

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
    const deps = req.deps;
    if (name === 'resolve') ownHttpEvidenceOnly(body.evidence, deps.publicBaseUrl);
    const ticket = await act(deps, principal, id, name, body);
    // An extension request is accepted for a supervisor's decision, not yet applied: 202.
    return json(spec.status, viewTicket(ticket, principal));
  };
}

const names = Object.keys(ticketActions) as TicketActionName[];
export const makeTicketActions = (deps: Deps) =>
  httpHandler(deps, {
    ...Object.fromEntries(names.map((n) => [`POST /v1/tickets/{id}/${n}`, action(n)])),
    ...triageWriteRoutes,
  });
