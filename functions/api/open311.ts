/**
 * Open311 GeoReport v2 facade over the same tickets, so civic-tech clients and FixMyStreet-style
 * front ends can file and track them. Every endpoint answers in `.xml` (the spec's first format)
 * and `.json`: discovery, services, a service definition, requests (query, create) and one
 * request. POST authenticates with `api_key` = a reporter's bearer token (or an
 * `Authorization: Bearer` header), verified here with the same verifier as the API's since the
 * route has no authorizer; the request is filed for that reporter's community.
 *
 * Reads are public, so they show what a public tracker shows: the service, status, dates, the
 * responsible agency and a coarse location (the community); nothing a resident wrote (the
 * description, the exact address, coordinates, photos) unless the deployment marks that field
 * public (OPEN311_PUBLIC_FIELDS). Errors follow the spec in both formats: 400, 403 (missing or
 * invalid api_key), 404 (unknown request, service or path), and 413/429/503 for the transport.
 */
import { shanghaiInstant } from '../../shared/domain/calendar';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import {
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  ValidationError,
} from '../../shared/domain/errors';
import { type ConfigSnapshot, channels, type Ticket } from '../../shared/domain/model';
import { bearerToken, type Principal, principalFromClaims } from '../../shared/domain/principal';
import { isOpen } from '../../shared/domain/ticket-rules';
import { createTicket } from '../../shared/use-cases/ticket-service';
import * as z from '../../shared/zod';
import type { Deps } from '../lib/deps';
import {
  errorToResponse,
  httpHandler,
  MAX_BODY_BYTES,
  parse,
  parseQuery,
  type Reply,
  type Request,
  rawBody,
} from '../lib/http';
import { formatOfPath, type Open311Format, open311Document, open311Errors } from './open311-format';
import { routes } from './routes';
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
export const OPEN311_BASE = '/open311/v2';

const kindNames = { basic: '基本履职', cooperative: '配合履职', retracted: '收回事项' } as const;

// ---------------------------------------------------------------------------------------------
// Deployment settings (read once)
// ---------------------------------------------------------------------------------------------

/** Fields a resident wrote that a deployment may publish; none by default. */
export const publicFieldNames = ['description', 'address', 'location', 'media'] as const;
export type PublicField = (typeof publicFieldNames)[number];

const settingsSchema = z.object({
  /** The one jurisdiction this server serves; a request naming another is refused (404). */
  OPEN311_JURISDICTION: z._default(z.string().check(z.minLength(1), z.maxLength(100)), 'liling.gov.cn'),
  /** Comma list of publicFieldNames shown on public reads (e.g. `description,location`). */
  OPEN311_PUBLIC_FIELDS: z.pipe(
    z.pipe(
      z._default(z.string(), ''),
      z.transform((s: string) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
    ),
    z.array(z.enum(publicFieldNames)),
  ),
  /** Who to ask about the service (discovery's `contact`). */
  OPEN311_CONTACT: z._default(
    z.string().check(z.minLength(1), z.maxLength(200)),
    '醴陵市 12345 政务服务便民热线',
  ),
});
export type Open311Settings = {
  jurisdiction: string;
  publicFields: ReadonlySet<PublicField>;
  contact: string;
};

export function readOpen311Settings(env: NodeJS.ProcessEnv = process.env): Open311Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid Open311 settings: ${fields}`);
  }
  return {
    jurisdiction: parsed.data.OPEN311_JURISDICTION,
    publicFields: new Set(parsed.data.OPEN311_PUBLIC_FIELDS),
    contact: parsed.data.OPEN311_CONTACT,
  };
}

const settings = readOpen311Settings();

// ---------------------------------------------------------------------------------------------
// Errors in the spec's format
// ---------------------------------------------------------------------------------------------

/** Errors in the spec's format and statuses: 403 for a bad api_key, 404 for what does not exist, else 400. */
export function open311Error(err: unknown, format: Open311Format): Reply {
  let status: number;
  let errors: { code: number; description: string }[];
  let headers: Record<string, string> = {};
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
    const kept = [404, 405, 413, 415, 429, 500, 503];
    status = kept.includes(res.statusCode ?? 500) ? (res.statusCode ?? 500) : 400;
    errors = [{ code: status, description: problem.detail ?? 'error' }];
    const retry = (res.headers as Record<string, string> | undefined)?.['retry-after'];
    if (retry) headers = { 'retry-after': retry };
  }
  return open311Errors(status, errors, format, headers);
}

/** A route in one format, or in the format its `{file}` names; its errors in that format too. */
function route(
  format: Open311Format | ((req: Request) => Open311Format),
  fn: (req: Request, format: Open311Format) => Promise<Reply>,
) {
  return async (req: Request): Promise<Reply> => {
    const fmt = typeof format === 'function' ? format(req) : format;
    try {
      return await fn(req, fmt);
    } catch (err) {
      return open311Error(err, fmt);
    }
  };
}

/** `{id}.xml` → [id, 'xml']; an unknown extension is a 404 (no such document). */
function fileOf(req: Request): { name: string; format: Open311Format } {
  const m = /^(.+)\.(json|xml)$/.exec(req.params.file ?? '');
  if (!m) throw new NotFoundError(`${req.params.file ?? ''}: ask for <id>.xml or <id>.json`);
  return { name: m[1] as string, format: m[2] as Open311Format };
}

function checkJurisdiction(id: string | undefined): void {
  if (id !== undefined && id !== settings.jurisdiction) {
    throw new NotFoundError(`jurisdiction_id ${id} is not served here (this is ${settings.jurisdiction})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

const closed = (t: Ticket) => !isOpen(t);

/**
 * A ticket as a public tracker shows it. The location is the community (and street) unless the
 * deployment publishes the address or coordinates; the description and photos only if published.
 */
export function serviceRequest(
  t: Ticket,
  config: ConfigSnapshot,
  publicFields: ReadonlySet<PublicField> = settings.publicFields,
) {
  const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  const isClosed = closed(t);
  const community = config.communities.find((c) => c.id === t.communityId);
  const street = config.streets.find((s) => s.id === t.streetId);
  const coarse = [street?.name, community?.name].filter(Boolean).join(' ') || t.communityId;
  const address =
    publicFields.has('address') && t.location?.address ? `${coarse} ${t.location.address}` : coarse;
  const location = publicFields.has('location');
  const media = publicFields.has('media')
    ? (t.attachments?.find((u) => u.startsWith('https:')) ?? null)
    : null;
  return {
    service_request_id: t.id,
    status: isClosed ? ('closed' as const) : ('open' as const),
    status_notes: `${t.code} ${t.status}`,
    service_name: t.dutyItemName ?? config.dutyItems.find((d) => d.id === t.dutyItemId)?.name ?? t.dutyItemId,
    service_code: t.dutyItemId,
    description: publicFields.has('description') ? t.description : null,
    agency_responsible: lead ? (config.units.find((u) => u.id === lead.unitId)?.name ?? lead.unitId) : null,
    service_notice: null,
    requested_datetime: t.createdAt,
    // For closed requests the spec wants the close time here.
    updated_datetime: isClosed && t.closedAt ? t.closedAt : t.updatedAt,
    expected_datetime: isClosed ? null : (t.deadlines.resolveBy ?? null),
    address,
    address_id: null,
    zipcode: null,
    lat: location ? (t.location?.lat ?? null) : null,
    long: location ? (t.location?.lng ?? null) : null,
    media_url: media,
  };
}

/** The optional attributes POST understands (everything else `attribute[…]` is accepted and ignored). */
function serviceDefinition(code: string) {
  return {
    service_code: code,
    attributes: [
      {
        variable: true,
        code: 'title',
        datatype: 'string',
        required: false,
        datatype_description: '不超过 100 字（默认取描述的前 40 字）',
        order: 1,
        description: '标题 Title',
      },
      {
        variable: true,
        code: 'channel',
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: null,
        order: 2,
        description: '发现渠道 How the problem was found (default online)',
        values: channels.map((c) => ({ key: c, name: c })),
      },
      {
        variable: true,
        code: 'grid_id',
        datatype: 'string',
        required: false,
        datatype_description: '网格编号，如 gr-nanqiao-01',
        order: 3,
        description: '网格 Grid',
      },
    ],
  };
}

function services(config: ConfigSnapshot) {
  return config.dutyItems.map((d) => ({
    service_code: d.id,
    service_name: d.name,
    description: `${d.name}（${kindNames[d.kind]}）`,
    metadata: true,
    type: 'realtime' as const,
    keywords: [d.category, d.kind, d.slaClass].join(','),
    group: d.category,
  }));
}

/** The configuration a ticket was routed under (unit names as they were then). */
async function configOf(deps: Deps, t: Ticket): Promise<ConfigSnapshot> {
  return deps.configs.version(t.configVersion);
}

// ---------------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------------

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
  const token = apiKey ?? bearerToken(req.headers.authorization);
  if (!token) throw new UnauthorizedError('api_key was not provided');
  const claims = await req.deps.verifyToken?.(token);
  if (!claims) throw new UnauthorizedError('invalid api_key: it must be a valid reporter token');
  const principal = principalFromClaims(claims);
  if (principal.role !== 'reporter' || !principal.communityId) {
    throw new ForbiddenError('Open311 requests are filed by reporters (api_key of a reporter)');
  }
  return principal;
}

async function createRequest(req: Request, format: Open311Format): Promise<Reply> {
  const q = parseQuery(req, open311ServicesQuery);
  checkJurisdiction(q.jurisdiction_id);
  const f = parse(open311RequestForm, formBody(req), 'service request');
  checkJurisdiction(f.jurisdiction_id);
  const principal = await reporterOf(req, f.api_key);
  const deps = req.deps;
  const config = await deps.configs.current();
  if (!config.dutyItems.some((d) => d.id === f.service_code)) {
    throw new NotFoundError(`service_code ${f.service_code} was not found`);
  }
  const gridId = f['attribute[grid_id]'] ?? f.address_id;
  if (gridId && !config.grids.some((g) => g.id === gridId && g.communityId === principal.communityId)) {
    throw new ValidationError('unknown location', [
      {
        path: f['attribute[grid_id]'] ? 'attribute[grid_id]' : 'address_id',
        message: 'not a grid of your community',
      },
    ]);
  }
  // The spec: a request needs a location (lat and long, address_string or address_id).
  if (f.lat === undefined && !f.address_string && !f.address_id) {
    throw new ValidationError('a location is required', [
      { path: 'lat', message: 'send lat and long, address_string or address_id' },
    ]);
  }
  const key = req.headers['idempotency-key'];
  const name = [f.last_name, f.first_name].filter(Boolean).join('');
  const location = {
    ...(f.address_string ? { address: f.address_string } : {}),
    ...(f.lat !== undefined ? { lat: f.lat } : {}),
    ...(f.long !== undefined ? { lng: f.long } : {}),
    ...(gridId ? { gridId } : {}),
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
      location,
      ...(name || f.phone
        ? { reporter: { ...(name ? { name } : {}), ...(f.phone ? { phone: f.phone } : {}) } }
        : {}),
      ...(f.media_url ? { attachments: [f.media_url] } : {}),
    },
    key === undefined ? undefined : parse(idempotencyKeySchema, key, 'Idempotency-Key header'),
  );
  return open311Document(201, format, 'service_requests', [
    {
      service_request_id: ticket.id,
      service_notice: `已受理，工单编号 ${ticket.code}，已按履职清单派单`,
      account_id: f.account_id ?? null,
    },
  ]);
}

// ---------------------------------------------------------------------------------------------
// Query
// ---------------------------------------------------------------------------------------------

/** A date bounds a whole Asia/Shanghai day; an instant is taken as given. */
function instant(value: string, end: boolean): number {
  if (value.length === 10)
    return shanghaiInstant(value, end ? 23 : 0, end ? 59 : 0).getTime() + (end ? 59_999 : 0);
  return Date.parse(value);
}

async function queryRequests(req: Request, format: Open311Format): Promise<Reply> {
  const q = parseQuery(req, open311RequestsQuery);
  checkJurisdiction(q.jurisdiction_id);
  const deps = req.deps;
  // service_request_id overrides every other argument (the spec).
  if (q.service_request_id) {
    const recs = await Promise.all([...new Set(q.service_request_id)].map((id) => deps.store.getTicket(id)));
    const tickets = recs.flatMap((r) => (r ? [r.ticket] : []));
    const rows = await Promise.all(tickets.map(async (t) => serviceRequest(t, await configOf(req.deps, t))));
    return open311Document(200, format, 'service_requests', rows);
  }
  const now = deps.clock.now().getTime();
  const end = q.end_date
    ? instant(q.end_date, true)
    : q.start_date
      ? instant(q.start_date, false) + WINDOW_DAYS * DAY_MS
      : now;
  const start = q.start_date ? instant(q.start_date, false) : end - WINDOW_DAYS * DAY_MS;
  if (start > end) {
    throw new ValidationError('empty range', [{ path: 'start_date', message: 'must not be after end_date' }]);
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
      if (codes && !codes.has(t.dutyItemId ?? '')) continue;
      out.push(t);
    }
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  const configs = new Map<number, ConfigSnapshot>();
  for (const v of new Set(out.map((t) => t.configVersion))) configs.set(v, await deps.configs.version(v));
  const rows = out
    .slice(0, MAX_REQUESTS)
    .map((t) => serviceRequest(t, configs.get(t.configVersion) as ConfigSnapshot));
  return open311Document(200, format, 'service_requests', rows);
}

async function oneRequest(req: Request): Promise<Reply> {
  const { name: id, format } = fileOf(req);
  const q = parseQuery(req, open311ServicesQuery);
  checkJurisdiction(q.jurisdiction_id);
  const rec = ticketIdPattern.test(id) ? await req.deps.store.getTicket(id) : undefined;
  if (!rec) throw new NotFoundError(`service request ${id} was not found`);
  return open311Document(200, format, 'service_requests', [
    serviceRequest(rec.ticket, await configOf(req.deps, rec.ticket)),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Services and discovery
// ---------------------------------------------------------------------------------------------

async function listServices(req: Request, format: Open311Format): Promise<Reply> {
  checkJurisdiction(parseQuery(req, open311ServicesQuery).jurisdiction_id);
  return open311Document(200, format, 'services', services(await req.deps.configs.current()));
}

async function defineService(req: Request): Promise<Reply> {
  const { name: code, format } = fileOf(req);
  checkJurisdiction(parseQuery(req, open311ServicesQuery).jurisdiction_id);
  const config = await req.deps.configs.current();
  if (!config.dutyItems.some((d) => d.id === code))
    throw new NotFoundError(`service_code ${code} was not found`);
  return open311Document(200, format, 'service_definition', serviceDefinition(code));
}

async function discovery(req: Request, format: Open311Format): Promise<Reply> {
  parseQuery(req, z.strictObject({}));
  const deps = req.deps;
  const config = await deps.configs.current();
  return open311Document(200, format, 'discovery', {
    changeset: config.createdAt,
    contact: settings.contact,
    key_service: 'api_key: a reporter’s bearer token, issued by the city with the reporter’s account',
    endpoints: [
      {
        specification: 'http://wiki.open311.org/GeoReport_v2',
        url: `${deps.publicBaseUrl}${OPEN311_BASE}`,
        changeset: config.createdAt,
        type: 'production',
        formats: ['text/xml', 'application/json'],
      },
    ],
  });
}

/** Anything else under /open311/: 405 for a known path with another method, else 404. */
async function unknownPath(req: Request): Promise<Reply> {
  const path = req.event.rawPath ?? '';
  const method = req.event.requestContext?.http?.method ?? '';
  const allowed = routes
    .filter((r) => r.fn === 'open311' && !r.fallback)
    .filter((r) => new RegExp(`^${r.path.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`).test(path))
    .map((r) => r.method);
  const format = formatOfPath(path);
  if (allowed.length) {
    return open311Errors(
      405,
      [{ code: 405, description: `${method} is not allowed here: use ${allowed.join(', ')}` }],
      format,
      {
        allow: allowed.join(', '),
      },
    );
  }
  return open311Errors(404, [{ code: 404, description: `no Open311 endpoint ${method} ${path}` }], format);
}

const byFile = (req: Request) => formatOfPath(req.params.file ?? '');

export const makeOpen311 = (deps: Deps) =>
  httpHandler(
    deps,

    {
      'GET /open311/v2/discovery.json': route('json', discovery),
      'GET /open311/v2/discovery.xml': route('xml', discovery),
      'GET /open311/v2/services.json': route('json', listServices),
      'GET /open311/v2/services.xml': route('xml', listServices),
      'GET /open311/v2/services/{file}': route(byFile, defineService),
      'POST /open311/v2/requests.json': route('json', createRequest),
      'POST /open311/v2/requests.xml': route('xml', createRequest),
      'GET /open311/v2/requests.json': route('json', queryRequests),
      'GET /open311/v2/requests.xml': route('xml', queryRequests),
      'GET /open311/v2/requests/{file}': route(byFile, oneRequest),
      'ANY /open311/{proxy+}': unknownPath,
    },
    { onError: (err) => toResult(open311Error(err, 'json')) },
  );

function toResult(reply: Reply) {
  return { statusCode: reply.status, headers: reply.headers ?? {}, body: reply.text ?? '' };
}
