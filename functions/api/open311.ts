/**
 * Open311 GeoReport v2 facade over the same tickets, so civic-tech clients and FixMyStreet-style
 * front ends can file and track them. POST authenticates with `api_key` = a reporter's bearer
 * token, verified here (the route has no authorizer) with the same verifier as the API's.
 */
import * as z from 'zod';
import {
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from '../../shared/domain/errors';
import { channels, type Ticket } from '../../shared/domain/model';
import { principalFromClaims } from '../../shared/domain/principal';
import { isOpen } from '../../shared/domain/ticket-rules';
import { createTicket } from '../../shared/use-cases/ticket-service';
import { getDeps } from '../lib/deps';
import { httpHandler, json, parse, type Request, rawBody, zodErrors } from '../lib/http';

const form = z.strictObject({
  api_key: z.string().min(10).max(4000),
  service_code: z.string().min(1).max(64),
  description: z.string().trim().min(1).max(2000),
  address_string: z.string().trim().max(200).optional(),
  lat: z.coerce.number().min(-90).max(90).optional(),
  long: z.coerce.number().min(-180).max(180).optional(),
  email: z.string().max(200).optional(),
  first_name: z.string().max(40).optional(),
  last_name: z.string().max(40).optional(),
  phone: z
    .string()
    .regex(/^\+?\d{5,15}$/)
    .optional(),
  media_url: z.url().max(500).optional(),
  device_id: z.string().max(100).optional(),
  account_id: z.string().max(100).optional(),
  'attribute[channel]': z.enum(channels).optional(),
  'attribute[grid_id]': z.string().max(64).optional(),
  'attribute[title]': z.string().trim().min(1).max(100).optional(),
});

function formBody(req: Request): Record<string, string> {
  const type = req.headers['content-type'] ?? '';
  const text = rawBody(req.event);
  if (text.length > 64 * 1024)
    throw new ValidationError('body too large', [{ path: '', message: 'at most 64 KB' }]);
  if (/application\/json/i.test(type)) return req.json() as Record<string, string>;
  return Object.fromEntries(new URLSearchParams(text));
}

const closedStatuses = new Set(['closed', 'cancelled']);

function serviceRequest(t: Ticket, config: { units: { id: string; name: string }[] }) {
  const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  return {
    service_request_id: t.id,
    token: t.code,
    status: closedStatuses.has(t.status) ? 'closed' : 'open',
    status_notes: t.status,
    service_name: t.dutyItemName ?? t.dutyItemId,
    service_code: t.dutyItemId,
    description: t.description,
    agency_responsible: config.units.find((u) => u.id === lead?.unitId)?.name ?? lead?.unitId ?? null,
    service_notice: null,
    requested_datetime: t.createdAt,
    updated_datetime: t.updatedAt,
    expected_datetime: t.deadlines.resolveBy ?? null,
    address: t.location?.address ?? null,
    lat: t.location?.lat ?? null,
    long: t.location?.lng ?? null,
    media_url: t.attachments?.[0] ?? null,
  };
}

const listQuery = z.strictObject({
  status: z.enum(['open', 'closed']).optional(),
  service_code: z.string().max(64).optional(),
  service_request_id: z.string().max(2000).optional(),
  start_date: z.iso.datetime({ offset: true }).optional(),
  end_date: z.iso.datetime({ offset: true }).optional(),
  jurisdiction_id: z.string().max(64).optional(),
});

export const handler = httpHandler({
  'GET /open311/v2/services.json': async () => {
    const config = await getDeps().configs.current();
    return json(
      200,
      config.dutyItems.map((d) => ({
        service_code: d.id,
        service_name: d.name,
        description: `${d.name}（${d.kind === 'basic' ? '基本履职' : d.kind === 'cooperative' ? '配合履职' : '收回事项'}）`,
        metadata: false,
        type: 'realtime',
        keywords: [d.kind, d.slaClass].join(','),
        group: d.category,
      })),
    );
  },

  'POST /open311/v2/requests.json': async (req) => {
    const parsed = form.safeParse(formBody(req));
    if (!parsed.success) throw new ValidationError('invalid service request', zodErrors(parsed.error));
    const f = parsed.data;
    const deps = getDeps();
    const claims = await deps.verifyToken?.(f.api_key);
    if (!claims) throw new UnauthorizedError('api_key must be a valid reporter token');
    const principal = principalFromClaims(claims);
    if (principal.role !== 'reporter') throw new ForbiddenError('Open311 requests are filed by reporters');
    const name = [f.last_name, f.first_name].filter(Boolean).join('');
    const { ticket } = await createTicket(deps, principal, {
      dutyItemId: f.service_code,
      communityId: principal.communityId as string,
      title: f['attribute[title]'] ?? f.description.slice(0, 40),
      description: f.description,
      channel: f['attribute[channel]'] ?? 'online',
      ...(f.address_string || f.lat !== undefined || f['attribute[grid_id]']
        ? {
            location: {
              ...(f.address_string ? { address: f.address_string } : {}),
              ...(f.lat !== undefined ? { lat: f.lat } : {}),
              ...(f.long !== undefined ? { lng: f.long } : {}),
              ...(f['attribute[grid_id]'] ? { gridId: f['attribute[grid_id]'] } : {}),
            },
          }
        : {}),
      ...(name || f.phone
        ? { reporter: { ...(name ? { name } : {}), ...(f.phone ? { phone: f.phone } : {}) } }
        : {}),
      ...(f.media_url ? { attachments: [f.media_url] } : {}),
    });
    return json(201, [
      { service_request_id: ticket.id, token: ticket.code, service_notice: '已受理，已按履职清单派单' },
    ]);
  },

  'GET /open311/v2/requests/{file}': async (req) => {
    const file = req.params.file ?? '';
    const id = file.replace(/\.json$/, '');
    if (!/^t[a-z0-9]{20}$/.test(id)) throw new NotFoundError(`service request ${id} not found`);
    const deps = getDeps();
    const rec = await deps.store.getTicket(id);
    if (!rec) throw new NotFoundError(`service request ${id} not found`);
    const config = await deps.configs.current();
    return json(200, [serviceRequest(rec.ticket, config)]);
  },

  'GET /open311/v2/requests.json': async (req) => {
    const q = parse(listQuery, req.query, 'query');
    const deps = getDeps();
    const config = await deps.configs.current();
    if (q.service_request_id) {
      const ids = q.service_request_id
        .split(',')
        .filter((s) => /^t[a-z0-9]{20}$/.test(s))
        .slice(0, 50);
      const recs = await Promise.all(ids.map((id) => deps.store.getTicket(id)));
      return json(
        200,
        recs.flatMap((r) => (r ? [serviceRequest(r.ticket, config)] : [])),
      );
    }
    const page = await deps.store.listTickets(
      { ...(q.start_date ? { from: q.start_date } : {}), ...(q.end_date ? { to: q.end_date } : {}) },
      100,
    );
    const items = page.items
      .filter((t) => !q.status || (q.status === 'open') === isOpen(t))
      .filter((t) => !q.service_code || t.dutyItemId === q.service_code)
      .map((t) => serviceRequest(t, config));
    return json(200, items);
  },
});
