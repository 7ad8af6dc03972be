/**
 * Open311 GeoReport v2 facade over the same tickets, so civic-tech clients and FixMyStreet-style
 * front ends can file and track them. JSON format only (`.json`). POST authenticates with
 * `api_key` = a reporter's bearer token (or an `Authorization: Bearer` header), verified here with
 * the same verifier as the API's since the route has no authorizer; the request is filed for that
 * reporter's community. Errors follow the spec: an array of `{code, description}` with 400, 403
 * (missing or invalid api_key) or 404 (unknown request or service_code).
 */
import { toShanghaiIso } from '../../shared/domain/deadlines';
import {
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  ValidationError,
} from '../../shared/domain/errors';
import type { ConfigSnapshot, Ticket } from '../../shared/domain/model';
import { type Principal, principalFromClaims } from '../../shared/domain/principal';
import { isOpen } from '../../shared/domain/ticket-rules';
import { createTicket } from '../../shared/use-cases/ticket-service';
import { getDeps } from '../lib/deps';
import {
  type ApiResult,
  errorToResponse,
  httpHandler,
  json,
  MAX_BODY_BYTES,
  parse,
  parseQuery,
  type Request,
  rawBody,
} from '../lib/http';
import {
  idempotencyKeySchema,
  open311RequestForm,
  open311RequestsQuery,
  open311ServicesQuery,
  ticketIdPattern,
} from './schemas';

const DAY_MS = 86_400_000;
/** The spec's default window and its cap on a date range. */
const WINDOW_DAYS = 90;
/** The spec's default response volume. */
const MAX_REQUESTS = 1000;

const kindNames = { basic: '基本履职', cooperative: '配合履职', retracted: '收回事项' } as const;

/** Errors in the spec's format and statuses: 403 for a bad api_key, 404 for what does not exist, else 400. */
export function open311Error(err: unknown): ApiResult {
  let status: number;
  let errors: { code: number; description: string }[];
  if (err instanceof ValidationError) {
    status = 400;
    errors = err.errors.length
      ? err.errors.map((e) => ({ code: 400, description: e.path ? `${e.path}: ${e.message}` : e.message }))
      : [{ code: 400, description: err.message }];
  } else if (err instanceof UnauthorizedError || err instanceof ForbiddenError) {
    status = 403;
    errors = [{ code: 403, description: err.message }];
  } else {
    // The API's own mapping (it logs what is a bug), in Open311's shape. Conflicts and the like
    // are "the request can not be fulfilled" (400); 404, transport statuses and 5xx keep theirs.
    const res = errorToResponse(err);
    const problem = JSON.parse(res.body ?? '{}') as { detail?: string };
    const kept = [404, 413, 415, 429, 500, 503];
    status = kept.includes(res.statusCode ?? 500) ? (res.statusCode ?? 500) : 400;
    errors = [{ code: status, description: problem.detail ?? 'error' }];
  }
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(errors),
  };
}

function formBody(req: Request): Record<string, unknown> {
  const type = req.headers['content-type'] ?? '';
  if (/^application\/(.+\+)?json\b/i.test(type)) {
    const body = req.json();
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new ValidationError('invalid service request', [{ path: '', message: 'expected a form' }]);
    }
    return body as Record<string, unknown>;
  }
  const text = rawBody(req.event);
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  // A repeated field keeps its last value (multivaluelist attributes are not used here).
  return Object.fromEntries(new URLSearchParams(text));
}

/** The caller of POST: a reporter, from `api_key` or a bearer header. Anything else is a 403. */
async function reporterOf(req: Request, apiKey: string | undefined): Promise<Principal> {
  const bearer = req.headers.authorization?.match(/^Bearer\s+(\S+)$/)?.[1];
  const token = apiKey ?? bearer;
  if (!token) throw new UnauthorizedError('api_key was not provided');
  const claims = await getDeps().verifyToken?.(token);
  if (!claims) throw new UnauthorizedError('invalid api_key: it must be a valid reporter token');
  const principal = principalFromClaims(claims);
  if (principal.role !== 'reporter' || !principal.communityId) {
    throw new ForbiddenError('Open311 requests are filed by reporters (api_key of a reporter)');
  }
  return principal;
}

const closed = (t: Ticket) => !isOpen(t);

function serviceRequest(t: Ticket, config: ConfigSnapshot) {
  const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  const isClosed = closed(t);
  return {
    service_request_id: t.id,
    status: isClosed ? ('closed' as const) : ('open' as const),
    status_notes: `${t.code} ${t.status}`,
    service_name: t.dutyItemName ?? config.dutyItems.find((d) => d.id === t.dutyItemId)?.name ?? t.dutyItemId,
    service_code: t.dutyItemId,
    description: t.description,
    agency_responsible: lead ? (config.units.find((u) => u.id === lead.unitId)?.name ?? lead.unitId) : null,
    service_notice: null,
    requested_datetime: t.createdAt,
    // For closed requests the spec wants the close time here.
    updated_datetime: isClosed && t.closedAt ? t.closedAt : t.updatedAt,
    expected_datetime: isClosed ? null : (t.deadlines.resolveBy ?? null),
    address: t.location?.address ?? null,
    address_id: null,
    zipcode: null,
    lat: t.location?.lat ?? null,
    long: t.location?.lng ?? null,
    media_url: t.attachments?.[0] ?? null,
  };
}

/** The configuration a ticket was routed under (unit names as they were then). */
async function configOf(t: Ticket): Promise<ConfigSnapshot> {
  return getDeps().configs.version(t.configVersion);
}

export const handler = httpHandler(
  {
    'GET /open311/v2/services.json': async (req) => {
      parseQuery(req, open311ServicesQuery);
      const config = await getDeps().configs.current();
      return json(
        200,
        config.dutyItems.map((d) => ({
          service_code: d.id,
          service_name: d.name,
          description: `${d.name}（${kindNames[d.kind]}）`,
          metadata: false,
          type: 'realtime',
          keywords: [d.category, d.kind, d.slaClass].join(','),
          group: d.category,
        })),
      );
    },

    'POST /open311/v2/requests.json': async (req) => {
      parseQuery(req, open311ServicesQuery);
      const f = parse(open311RequestForm, formBody(req), 'service request');
      const principal = await reporterOf(req, f.api_key);
      const deps = getDeps();
      const config = await deps.configs.current();
      if (!config.dutyItems.some((d) => d.id === f.service_code)) {
        throw new NotFoundError(`service_code ${f.service_code} was not found`);
      }
      const key = req.headers['idempotency-key'];
      const name = [f.last_name, f.first_name].filter(Boolean).join('');
      const location = {
        ...(f.address_string ? { address: f.address_string } : {}),
        ...(f.lat !== undefined ? { lat: f.lat } : {}),
        ...(f.long !== undefined ? { lng: f.long } : {}),
        ...(f['attribute[grid_id]'] ? { gridId: f['attribute[grid_id]'] } : {}),
      };
      const { ticket } = await createTicket(
        deps,
        principal,
        {
          dutyItemId: f.service_code,
          communityId: principal.communityId as string,
          title: f['attribute[title]'] ?? [...f.description].slice(0, 40).join(''),
          description: f.description,
          channel: f['attribute[channel]'] ?? 'online',
          ...(Object.keys(location).length ? { location } : {}),
          ...(name || f.phone
            ? { reporter: { ...(name ? { name } : {}), ...(f.phone ? { phone: f.phone } : {}) } }
            : {}),
          ...(f.media_url ? { attachments: [f.media_url] } : {}),
        },
        key === undefined ? undefined : parse(idempotencyKeySchema, key, 'Idempotency-Key header'),
      );
      return json(201, [
        {
          service_request_id: ticket.id,
          service_notice: `已受理，工单编号 ${ticket.code}，已按履职清单派单`,
          account_id: f.account_id ?? null,
        },
      ]);
    },

    'GET /open311/v2/requests/{file}': async (req) => {
      parseQuery(req, open311ServicesQuery);
      const file = req.params.file ?? '';
      const m = /^(.+)\.([a-z]+)$/.exec(file);
      if (m && m[2] !== 'json') {
        throw new ValidationError(`format ${m[2]} is not supported`, [
          { path: '', message: `format ${m[2]} is not supported: use .json` },
        ]);
      }
      const id = m?.[1] ?? file;
      const rec = ticketIdPattern.test(id) ? await getDeps().store.getTicket(id) : undefined;
      if (!rec) throw new NotFoundError(`service request ${id} was not found`);
      return json(200, [serviceRequest(rec.ticket, await configOf(rec.ticket))]);
    },

    'GET /open311/v2/requests.json': async (req) => {
      const q = parseQuery(req, open311RequestsQuery);
      const deps = getDeps();
      // service_request_id overrides every other argument (the spec).
      if (q.service_request_id) {
        const recs = await Promise.all(
          [...new Set(q.service_request_id)].map((id) => deps.store.getTicket(id)),
        );
        const tickets = recs.flatMap((r) => (r ? [r.ticket] : []));
        return json(200, await Promise.all(tickets.map(async (t) => serviceRequest(t, await configOf(t)))));
      }
      const now = deps.clock.now().getTime();
      const end = q.end_date
        ? Date.parse(q.end_date)
        : q.start_date
          ? Date.parse(q.start_date) + WINDOW_DAYS * DAY_MS
          : now;
      const start = q.start_date ? Date.parse(q.start_date) : end - WINDOW_DAYS * DAY_MS;
      if (start > end) {
        throw new ValidationError('empty range', [
          { path: 'start_date', message: 'must not be after end_date' },
        ]);
      }
      if (end - start > WINDOW_DAYS * DAY_MS) {
        throw new ValidationError('range too long', [
          { path: 'end_date', message: `a range may not span more than ${WINDOW_DAYS} days` },
        ]);
      }
      const statuses = q.status ? new Set(q.status) : undefined;
      const codes = q.service_code ? new Set(q.service_code) : undefined;
      // Keys sort as Shanghai ISO instants: compare like with like.
      const range = { from: toShanghaiIso(new Date(start)), to: toShanghaiIso(new Date(end)) };
      const out: Ticket[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10 && out.length < MAX_REQUESTS; pages += 1) {
        const page = await deps.store.listTickets(range, 200, cursor);
        for (const t of page.items) {
          if (t.createdAt > range.to) continue;
          if (statuses && !statuses.has(closed(t) ? 'closed' : 'open')) continue;
          if (codes && !codes.has(t.dutyItemId)) continue;
          out.push(t);
        }
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      const configs = new Map<number, ConfigSnapshot>();
      for (const v of new Set(out.map((t) => t.configVersion))) configs.set(v, await deps.configs.version(v));
      return json(
        200,
        out
          .slice(0, MAX_REQUESTS)
          .map((t) => serviceRequest(t, configs.get(t.configVersion) as ConfigSnapshot)),
      );
    },
  },
  { onError: open311Error },
);
