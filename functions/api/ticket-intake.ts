/** POST /v1/tickets: a community or grid worker blows the whistle. */
import { requireRole } from '../../shared/domain/principal';
import { createTicket } from '../../shared/use-cases/ticket-service';
import { viewTicket } from '../../shared/views/ticket-view';
import type { Deps } from '../lib/deps';
import { httpHandler, json, parse, parseQuery } from '../lib/http';
import { createTicketBody, idempotencyKeySchema, noQuery } from './schemas';

/** A phone whistle may send only what was seen: its title is the description's first line. */
export function titleFrom(description: string): string {
  const line = description.split('\n')[0]?.trim() ?? '';
  const chars = Array.from(line);
  return chars.length > 30 ? `${chars.slice(0, 29).join('')}…` : line;
}

export const makeTicketIntake = (deps: Deps) =>
  httpHandler(deps, {
    'POST /v1/tickets': async (req) => {
      const principal = req.principal();
      requireRole(principal, ['reporter', 'admin'], 'raise tickets');
      parseQuery(req, noQuery);
      const { title, ...body } = parse(createTicketBody, req.json(), 'ticket');
      const key = req.headers['idempotency-key'];
      // Same key + same body: the ticket the first request created (200); another body: 409.
      const { ticket, replayed } = await createTicket(
        req.deps,
        principal,
        { ...body, title: title ?? titleFrom(body.description) },
        key === undefined ? undefined : parse(idempotencyKeySchema, key, 'Idempotency-Key header'),
      );
      return json(replayed ? 200 : 201, viewTicket(ticket, principal), {
        location: `/v1/tickets/${ticket.id}`,
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      });
    },
  });
