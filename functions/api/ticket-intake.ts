/** POST /v1/tickets: a community or grid worker blows the whistle. */

import * as z from 'zod';
import { createTicket } from '../../shared/use-cases/ticket-service';
import { viewTicket } from '../../shared/views/ticket-view';
import { getDeps } from '../lib/deps';
import { httpHandler, json, parse } from '../lib/http';
import { createTicketBody } from './schemas';

const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const handler = httpHandler({
  'POST /v1/tickets': async (req) => {
    const principal = req.principal();
    const body = parse(createTicketBody, req.json(), 'ticket');
    const key = req.headers['idempotency-key'];
    const { ticket, replayed } = await createTicket(
      getDeps(),
      principal,
      body,
      key === undefined ? undefined : parse(idempotencyKey, key, 'Idempotency-Key header'),
    );
    return json(replayed ? 200 : 201, viewTicket(ticket, principal), {
      location: `/v1/tickets/${ticket.id}`,
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    });
  },
});
