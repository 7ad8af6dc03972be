/** POST /v1/tickets/{id}/<action>: what units, residents, supervisors and admins do to a ticket. */
import { NotFoundError, ValidationError } from '../../shared/domain/errors';
import { mayAttempt, readAction, type TicketAction } from '../../shared/domain/ticket-actions';
import { act } from '../../shared/use-cases/ticket-service';
import { viewTicket } from '../../shared/views/ticket-view';
import type { Deps } from '../lib/deps';
import { httpHandler, json, parseQuery, type RouteHandler } from '../lib/http';
import { allowHttpUrls, noQuery, ticketActions, ticketIdPattern } from './schemas';
import { triageWriteRoutes } from './triage';

/**
 * `http:` evidence only where the deployment allows plain HTTP, or when it is this deployment's own
 * photo (an embedded runtime serves its uploads over HTTP): never a third party's page.
 */
function ownHttpEvidenceOnly(evidence: readonly string[] | undefined, publicBaseUrl: string): void {
  if (allowHttpUrls || !evidence) return;
  const errors = evidence
    .map((u, i) => ({ u, i }))
    .filter(({ u }) => u.startsWith('http:') && !u.startsWith(`${publicBaseUrl}/`))
    .map(({ i }) => ({ path: `evidence.${i}`, message: 'must be an https URL' }));
  if (errors.length) throw new ValidationError('invalid resolve body', errors);
}

function action(name: TicketAction): RouteHandler {
  const spec = ticketActions[name];
  return async (req) => {
    const principal = req.principal();
    // The role first (the policy table's, domain/ticket-actions.ts): whether a reporter may
    // acknowledge does not depend on any ticket's state.
    mayAttempt(principal, name, name === 'extension/decision' ? 'decide extensions' : name);
    parseQuery(req, noQuery);
    const id = req.params.id ?? '';
    if (!ticketIdPattern.test(id)) throw new NotFoundError(`ticket ${id} not found`);
    const input = readAction(name, req.json());
    const deps = req.deps;
    if (input.action === 'resolve') ownHttpEvidenceOnly(input.body.evidence, deps.publicBaseUrl);
    const ticket = await act(deps, principal, id, input);
    // An extension request is accepted for a supervisor's decision, not yet applied: 202.
    return json(spec.status, viewTicket(ticket, principal));
  };
}

const names = Object.keys(ticketActions) as TicketAction[];
export const makeTicketActions = (deps: Deps) =>
  httpHandler(deps, {
    ...Object.fromEntries(names.map((n) => [`POST /v1/tickets/{id}/${n}`, action(n)])),
    ...triageWriteRoutes,
  });
