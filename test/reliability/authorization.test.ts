/**
 * Who may do what, where: every route of functions/api/routes.ts × every role × in and out of
 * scope, plus no token, against the contract (docs/api.md): 2xx for who may, 401 without a valid
 * token, 403 for a role or scope that may not, 404 where the ticket is out of sight. A refused
 * action leaves no trace. Forged, expired, foreign and unsigned tokens are 401. The reporter's
 * phone number is masked for roles that do not need it and never written to a log.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { routes } from '../../functions/api/routes';
import { logger } from '../../functions/lib/observability';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../infra/local/local-auth';
import type { Runtime } from '../../infra/local/runtime';
import type { ApiClient, ApiResponse } from '../helpers/api-client';
import {
  bootRuntime,
  isProblem,
  LAILONGMEN,
  LAILONGMEN_OFFICE,
  NANQIAO,
  Tokens,
  ticketBody,
  XISHAN,
  XISHAN_OFFICE,
} from './support';

type Who =
  | 'none'
  | 'reporterIn'
  | 'reporterOut'
  | 'unitIn'
  | 'unitOut'
  | 'supervisorIn'
  | 'supervisorOut'
  | 'supervisorCity'
  | 'admin';
const EVERYONE: Who[] = [
  'none',
  'reporterIn',
  'reporterOut',
  'unitIn',
  'unitOut',
  'supervisorIn',
  'supervisorOut',
  'supervisorCity',
  'admin',
];
const SIGNED_IN = EVERYONE.filter((w) => w !== 'none');
const OVERSIGHT: Who[] = ['supervisorIn', 'supervisorOut', 'supervisorCity', 'admin'];
/** Those who cannot see a ticket of 南桥社区 (来龙门街道) at all: it reads as absent to them. */
const OUT_OF_SIGHT: Who[] = ['reporterOut', 'unitOut', 'supervisorOut'];

type State = 'dispatched' | 'acknowledged' | 'extension' | 'resolved' | 'returned' | 'triage';

interface RouteCase {
  /** Who gets a 2xx. Everyone else signed in gets 403, or 404 when out of sight of the ticket. */
  allowed: Who[];
  /** The route acts on a ticket in this state (a fresh one per allowed caller). */
  state?: State;
  /** The request body, or how to make one (e.g. naming another ticket). */
  body?: unknown | (() => Promise<unknown>);
  query?: string;
  /** Public routes: no authorizer; the expectation holds with or without a token. */
  public?: boolean;
  /** The one status everyone gets (a fallback route that only answers errors). */
  everyone?: number;
}

/** A 1×1 PNG: the smallest photo the evidence route accepts. */
const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const action = (allowed: Who[], state: State, body: unknown = {}): RouteCase => ({ allowed, state, body });
const supervisors: Who[] = ['supervisorIn', 'supervisorCity', 'admin'];

/** The matrix: the contract, route by route. */
const matrix: Record<string, RouteCase> = {
  'POST /v1/tickets': { allowed: ['reporterIn', 'admin'], body: ticketBody() },
  'GET /v1/tickets': { allowed: SIGNED_IN },
  'GET /v1/tickets/{id}': {
    allowed: ['reporterIn', 'unitIn', 'supervisorIn', 'supervisorCity', 'admin'],
    state: 'dispatched',
  },
  'POST /v1/tickets/{id}/acknowledge': action(['unitIn'], 'dispatched'),
  'POST /v1/tickets/{id}/arrive': action(['unitIn'], 'acknowledged'),
  'POST /v1/tickets/{id}/progress': action(['unitIn'], 'acknowledged', { note: '已联系当事人' }),
  'POST /v1/tickets/{id}/resolve': action(['unitIn'], 'acknowledged', { summary: '已处理完毕' }),
  'POST /v1/tickets/{id}/return': action(['unitIn'], 'dispatched', { reason: '不属于本单位职责' }),
  'POST /v1/tickets/{id}/extension': action(['unitIn'], 'dispatched', {
    workingDays: 2,
    reason: '需协调多部门',
  }),
  'POST /v1/tickets/{id}/extension/decision': action(supervisors, 'extension', { approve: true }),
  'POST /v1/tickets/{id}/urge': action(supervisors, 'dispatched', { note: '请尽快处理' }),
  'POST /v1/tickets/{id}/feedback': action(['reporterIn'], 'resolved', { rating: 'satisfied' }),
  'POST /v1/tickets/{id}/cancel': action(['admin'], 'dispatched', { reason: '重复工单' }),
  'POST /v1/tickets/{id}/ruling': action(supervisors, 'returned', { decision: 'close', note: '已另案处理' }),
  'POST /v1/tickets/{id}/reassign': action(supervisors, 'dispatched', {
    unitId: 'u-police-lailongmen',
    reason: '原承办单位逾期未签收',
  }),
  // Only the lead unit adds resolution photos, while the ticket is being worked.
  'POST /v1/tickets/{id}/evidence': action(['unitIn'], 'acknowledged', {
    contentType: 'image/png',
    size: Buffer.from(PNG_1PX, 'base64').length,
    data: PNG_1PX,
  }),
  'GET /v1/units': { allowed: SIGNED_IN },
  'GET /v1/communities': { allowed: SIGNED_IN },
  'GET /v1/duty-items': { allowed: SIGNED_IN },
  'GET /v1/sla-policies': { allowed: SIGNED_IN },
  'GET /v1/calendar/{year}': { allowed: SIGNED_IN },
  'GET /v1/config/versions': { allowed: OVERSIGHT },
  'GET /v1/breaches': { allowed: OVERSIGHT },
  // Units list the messages sent to them; reporters only with a ticketId of their community.
  'GET /v1/notifications': { allowed: [...OVERSIGHT, 'unitIn', 'unitOut'] },
  'GET /v1/notifications/channels': { allowed: OVERSIGHT },
  'PUT /v1/notification-settings': { allowed: ['admin'], body: {} },
  // Gateway receipts: the key in the URL is the credential, a bearer token no substitute.
  'POST /v1/receipts/{provider}/{key}': { allowed: [], public: true, body: [] },
  'GET /v1/metrics/units': { allowed: OVERSIGHT },
  'GET /v1/metrics/streets': { allowed: OVERSIGHT },
  'GET /v1/breaches/summary': { allowed: OVERSIGHT },
  // Everyone signed in has an inbox: verdicts for reporters, tickets to sign for units.
  'GET /v1/inbox': { allowed: SIGNED_IN },
  // Exports are the lists' own reads, scoped the same way.
  'GET /v1/exports/tickets': { allowed: SIGNED_IN },
  'GET /v1/exports/breaches': { allowed: OVERSIGHT },
  'GET /v1/exports/rankings': { allowed: OVERSIGHT },
  'GET /v1/board': { allowed: OVERSIGHT },
  'GET /v1/admin/clock-audit': { allowed: ['admin'] },
  'PUT /v1/units/{id}': { allowed: ['admin'] },
  'PUT /v1/duty-items/{id}': { allowed: ['admin'] },
  'PUT /v1/sla-policies/{slaClass}': { allowed: ['admin'] },
  'PUT /v1/calendar/{year}': { allowed: ['admin'] },
  'GET /open311/v2/discovery.json': { allowed: EVERYONE, public: true },
  'GET /open311/v2/discovery.xml': { allowed: EVERYONE, public: true },
  'GET /open311/v2/services.json': { allowed: EVERYONE, public: true },
  'GET /open311/v2/services.xml': { allowed: EVERYONE, public: true },
  'GET /open311/v2/services/{file}': { allowed: EVERYONE, public: true },
  'GET /open311/v2/requests.json': { allowed: EVERYONE, public: true },
  'GET /open311/v2/requests.xml': { allowed: EVERYONE, public: true },
  'GET /open311/v2/requests/{file}': { allowed: EVERYONE, public: true, state: 'dispatched' },
  // Every other path under /open311/: a 404 in the spec's format, whoever asks.
  'ANY /open311/{proxy+}': { allowed: [], public: true, everyone: 404 },
  // api_key is the caller's token: only reporters file requests (403 for other roles, as the
  // Open311 spec answers a bad api_key; 400 without one).
  'POST /open311/v2/requests.json': { allowed: ['reporterIn', 'reporterOut'], public: true },
  'POST /open311/v2/requests.xml': { allowed: ['reporterIn', 'reporterOut'], public: true },
  // Signed links (every /l/ route, added below from routes.ts): the link is the credential, a
  // bearer token no substitute. Unsigned, every caller gets a refusal page (HTML by design) and
  // the ticket stays as it was.
  ...Object.fromEntries(
    routes
      .filter((r) => r.path.startsWith('/l/'))
      .map((r) => [
        `${r.method} ${r.path}`,
        { allowed: [], public: true, state: 'dispatched' } satisfies RouteCase,
      ]),
  ),
  // Whistles from a phone: the triage queue, similar tickets, joins and merges, the /w page.
  'GET /v1/triage': { allowed: OVERSIGHT },
  // Reporters ask within their own community (another reads as absent); oversight within its
  // street: a supervisor of another street gets an empty list, never that street's tickets.
  'GET /v1/tickets/similar': {
    allowed: ['reporterIn', ...OVERSIGHT],
    state: 'dispatched',
    query: `communityId=${NANQIAO}&q=${encodeURIComponent('楼道堆放杂物')}`,
  },
  'POST /v1/tickets/{id}/triage': action(supervisors, 'triage', { dutyItemId: 'di-neighbor-dispute' }),
  'POST /v1/tickets/{id}/join': action(['reporterIn'], 'dispatched', {}),
  'POST /v1/tickets/{id}/merge': {
    allowed: supervisors,
    state: 'dispatched',
    body: async () => ({ into: (await ticketIn('dispatched')).id }),
  },
  'GET /w': { allowed: EVERYONE, public: true },
  'GET /healthz': { allowed: EVERYONE, public: true },
  'GET /openapi.json': { allowed: EVERYONE, public: true },
  'GET /docs': { allowed: EVERYONE, public: true },
};

/** An Open311 service request filed with `api_key` = the caller's token. */
function open311Form(token: string | undefined): string {
  return new URLSearchParams({
    ...(token ? { api_key: token } : {}),
    service_code: 'di-neighbor-dispute',
    description: '楼道堆放杂物，影响通行',
    address_string: '3栋2单元',
  }).toString();
}

let rt: Runtime;
let api: ApiClient;
let tokens: Tokens;
let dataDir: string;
const admin = () => tokens.admin();

async function tokenOf(who: Who): Promise<string | undefined> {
  switch (who) {
    case 'none':
      return undefined;
    case 'reporterIn':
      return tokens.reporter(NANQIAO);
    case 'reporterOut':
      return tokens.reporter(XISHAN);
    case 'unitIn':
      return tokens.unit(LAILONGMEN_OFFICE);
    case 'unitOut':
      return tokens.unit(XISHAN_OFFICE);
    case 'supervisorIn':
      return tokens.supervisor(LAILONGMEN);
    case 'supervisorOut':
      return tokens.supervisor('st-xishan');
    case 'supervisorCity':
      return tokens.supervisor();
    case 'admin':
      return tokens.admin();
  }
}

interface TicketView {
  id: string;
  code: string;
  status: string;
  version: number;
  reporter?: { name?: string; phone?: string };
  communityId: string;
  streetId: string;
  assignments: { unitId: string }[];
}

async function ok<T>(res: Promise<ApiResponse<T>>, what: string): Promise<ApiResponse<T>> {
  const r = await res;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

/** A ticket of 南桥社区 (lead: 来龙门街道办) brought to `state` through the API. */
async function ticketIn(state: State): Promise<TicketView> {
  const reporter = await tokens.reporter(NANQIAO);
  const unit = await tokens.unit(LAILONGMEN_OFFICE);
  const body = ticketBody({ reporter: { name: '王五', phone: '+8613812345678' } });
  // A whistle without a duty item, in words that match none, waits in the street's triage queue.
  if (state === 'triage') {
    delete body.dutyItemId;
    Object.assign(body, { title: 'qwxz', description: 'qwxz zzkv 0815' });
  }
  const created = await ok(api.call<TicketView>('POST', '/v1/tickets', reporter, body), 'create');
  const id = created.body.id;
  const settledIn = state === 'triage' ? 'triage' : 'dispatched';
  await api.until(
    async () => (await api.call<TicketView>('GET', `/v1/tickets/${id}`, await admin())).body.status,
    (s) => s === settledIn,
  );
  const act = (name: string, token: string, body: unknown) =>
    ok(api.call(`POST`, `/v1/tickets/${id}/${name}`, token, body), `${name} for ${state}`);
  if (state === 'acknowledged' || state === 'resolved') await act('acknowledge', unit, {});
  if (state === 'resolved') await act('resolve', unit, { summary: '已处理' });
  if (state === 'extension') await act('extension', unit, { workingDays: 2, reason: '需协调' });
  if (state === 'returned') await act('return', unit, { reason: '不属于本单位职责' });
  const t = (await api.call<TicketView>('GET', `/v1/tickets/${id}`, await admin())).body;
  if (state === 'returned') expect(t.status).toBe('returned');
  return t;
}

function pathFor(route: string, t: TicketView | undefined): string {
  const admin: Record<string, string> = {
    'PUT /v1/units/{id}': `/v1/units/${LAILONGMEN_OFFICE}`,
    'PUT /v1/duty-items/{id}': '/v1/duty-items/di-neighbor-dispute',
    'GET /open311/v2/services/{file}': '/open311/v2/services/di-neighbor-dispute.xml',
    'ANY /open311/{proxy+}': '/open311/v2/tokens/abc.json',
  };
  const id = t?.id ?? 'tdoesnotexist000000000';
  return (
    admin[route] ??
    (route.split(' ')[1] as string)
      .replace('{id}', id)
      .replace('{file}', `${id}.json`)
      .replace('{code}', t?.code ?? 'WD00000000')
      .replace('{action}', 'acknowledge')
      .replace('{year}', '2026')
      .replace('{slaClass}', 'general')
      .replace('{provider}', 'aliyun')
      .replace('{key}', 'not-the-receipt-key')
      .replace(/\{\w+\}/g, 'e0000000000.jpg')
  );
}

/** Bodies of the admin writes: the current entity, written back unchanged (a new config version). */
async function adminBody(route: string): Promise<unknown> {
  const a = await admin();
  if (route === 'PUT /v1/units/{id}') {
    const units = (await api.call<{ items: { id: string }[] }>('GET', '/v1/units?limit=100', a)).body.items;
    return units.find((u) => u.id === LAILONGMEN_OFFICE);
  }
  if (route === 'PUT /v1/duty-items/{id}') {
    const items = (await api.call<{ items: { id: string }[] }>('GET', '/v1/duty-items?limit=100', a)).body
      .items;
    return items.find((d) => d.id === 'di-neighbor-dispute');
  }
  if (route === 'PUT /v1/sla-policies/{slaClass}') {
    const items = (await api.call<{ items: { slaClass: string }[] }>('GET', '/v1/sla-policies', a)).body
      .items;
    return items.find((p) => p.slaClass === 'general');
  }
  if (route === 'PUT /v1/calendar/{year}') return { holidays: ['2026-10-01'], workdays: [] };
  return undefined;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'whistle-authz-'));
  ({ rt, api } = await bootRuntime({ dataDir }));
  tokens = new Tokens(api);
});
afterAll(async () => {
  await rt?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the route × role × scope matrix', () => {
  it('covers every route of routes.ts', () => {
    const missing = routes.map((r) => `${r.method} ${r.path}`).filter((k) => !(k in matrix));
    expect(missing, 'add these routes to the authorization matrix').toEqual([]);
  });

  const rows = Object.entries(matrix);
  it.each(rows)('%s', async (route, c) => {
    const [routeMethod] = route.split(' ') as [string];
    const method = routeMethod === 'ANY' ? 'GET' : routeMethod;
    const shared = c.state ? await ticketIn(c.state) : undefined;
    // The workflow re-arms after each action (a write of its own): let it finish first.
    await rt.workflow.settled();
    const before =
      shared && (await api.call<TicketView>('GET', `/v1/tickets/${shared.id}`, await admin())).body;
    const body =
      typeof c.body === 'function'
        ? await (c.body as () => Promise<unknown>)()
        : (c.body ?? (method === 'PUT' ? await adminBody(route) : undefined));
    const outcomes: string[] = [];
    for (const who of EVERYONE) {
      const allowed = c.allowed.includes(who);
      // An allowed caller of a state-changing action gets its own ticket; refusals share one.
      const t = allowed && c.state && method === 'POST' ? await ticketIn(c.state) : shared;
      const path = pathFor(route, t) + (c.query ? `?${c.query}` : '');
      const token = await tokenOf(who);
      const open311Post = route.startsWith('POST /open311/v2/requests.');
      const res = open311Post
        ? await api.call(method, path, undefined, open311Form(token), {
            'content-type': 'application/x-www-form-urlencoded',
          })
        : await api.call(method, path, token, body);
      let expected: number[];
      if (open311Post) {
        expected = allowed ? [201] : who === 'none' ? [400, 401, 403] : [403];
        if (!expected.includes(res.status))
          outcomes.push(`${who}: ${res.status} (expected ${expected.join('/')})`);
        continue;
      }
      if (route.startsWith('POST /v1/receipts/')) {
        if (res.status !== 404) outcomes.push(`${who}: ${res.status} on a receipt URL with a wrong key`);
        continue;
      }
      const link = route.includes(' /l/');
      if (link) {
        if (res.status < 400 || res.status >= 500) outcomes.push(`${who}: ${res.status} on an unsigned link`);
        continue;
      }
      if (c.everyone) {
        if (res.status !== c.everyone) outcomes.push(`${who}: ${res.status} (expected ${c.everyone})`);
        continue;
      }
      if (allowed) expected = [200, 201, 202];
      else if (who === 'none' && !c.public) expected = [401];
      else if (OUT_OF_SIGHT.includes(who) && c.state) expected = [403, 404];
      else expected = [403];
      if (!expected.includes(res.status))
        outcomes.push(`${who}: ${res.status} (expected ${expected.join('/')})`);
      if (res.status >= 400 && !isProblem(res)) outcomes.push(`${who}: ${res.status} is not problem+json`);
      if (res.status === 401 && !res.headers.get('www-authenticate'))
        outcomes.push(`${who}: 401 without WWW-Authenticate`);
    }
    expect(outcomes).toEqual([]);
    // Refused actions changed nothing on the shared ticket.
    if (before && method === 'POST') {
      await rt.workflow.settled();
      const after = (await api.call<TicketView>('GET', `/v1/tickets/${before.id}`, await admin())).body;
      expect(after).toEqual(before);
    }
  });
});

describe('scope narrows what a role may ask for', () => {
  let nanqiao: TicketView;
  let xishan: TicketView;
  beforeAll(async () => {
    nanqiao = await ticketIn('dispatched');
    const created = await api.call<TicketView>(
      'POST',
      '/v1/tickets',
      await tokens.reporter(XISHAN),
      ticketBody({ communityId: XISHAN }),
    );
    xishan = created.body;
  });

  it.each([
    ['a unit asking for another unit’s tickets', 'unitIn', `/v1/tickets?unitId=${XISHAN_OFFICE}`],
    ['a reporter asking for another community', 'reporterIn', `/v1/tickets?communityId=${XISHAN}`],
    ['a street supervisor asking for another street', 'supervisorIn', '/v1/tickets?streetId=st-xishan'],
    [
      'a street supervisor asking for another street’s breaches',
      'supervisorIn',
      '/v1/breaches?streetId=st-xishan',
    ],
  ] as [string, Who, string][])('refuses %s (403)', async (_n, who, path) => {
    const res = await api.call('GET', path, await tokenOf(who));
    expect(res.status).toBe(403);
    expect(isProblem(res)).toBe(true);
  });

  it.each([
    ['reporterIn', true, false],
    ['reporterOut', false, true],
    ['unitIn', true, false],
    ['unitOut', false, true],
    ['supervisorIn', true, false],
    ['supervisorOut', false, true],
    ['supervisorCity', true, true],
    ['admin', true, true],
  ] as [Who, boolean, boolean][])(
    'lists for %s only what is in its scope',
    async (who, seesNanqiao, seesXishan) => {
      const items: TicketView[] = [];
      let cursor: string | undefined;
      do {
        const res = await api.call<{ items: TicketView[]; nextCursor: string | null }>(
          'GET',
          `/v1/tickets?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          await tokenOf(who),
        );
        expect(res.status).toBe(200);
        items.push(...res.body.items);
        cursor = res.body.nextCursor ?? undefined;
      } while (cursor);
      const ids = new Set(items.map((t) => t.id));
      expect(ids.has(nanqiao.id)).toBe(seesNanqiao);
      expect(ids.has(xishan.id)).toBe(seesXishan);
      if (who === 'reporterIn') expect(items.every((t) => t.communityId === NANQIAO)).toBe(true);
      if (who === 'unitIn')
        expect(items.every((t) => t.assignments.some((a) => a.unitId === LAILONGMEN_OFFICE))).toBe(true);
      if (who === 'supervisorIn') expect(items.every((t) => t.streetId === LAILONGMEN)).toBe(true);
    },
  );

  it('shows a street supervisor no notification of another street’s ticket', async () => {
    const res = await api.call<{ items: unknown[] }>(
      'GET',
      `/v1/notifications?ticketId=${nanqiao.id}`,
      await tokenOf('supervisorOut'),
    );
    // A filter outside one's scope is a 403, not an empty page.
    expect(res.status).toBe(403);
    const own = await api.call<{ items: unknown[] }>(
      'GET',
      `/v1/notifications?ticketId=${nanqiao.id}`,
      await tokenOf('supervisorIn'),
    );
    expect(own.body.items.length).toBeGreaterThan(0);
  });
});

describe('tokens that must not pass', () => {
  let key: Uint8Array;
  const now = () => Math.floor(Date.now() / 1000);
  beforeAll(() => {
    key = Buffer.from(readFileSync(join(dataDir, 'jwt-signing.key'), 'utf8'), 'base64');
  });

  const sign = (
    claims: Record<string, unknown>,
    opts: { key?: Uint8Array; alg?: string; iss?: string; aud?: string; exp?: number; nbf?: number } = {},
  ) => {
    let jwt = new SignJWT({ role: 'admin', ...claims })
      .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
      .setSubject('attacker')
      .setIssuer(opts.iss ?? LOCAL_ISSUER)
      .setAudience(opts.aud ?? LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? now() + 3600);
    if (opts.nbf) jwt = jwt.setNotBefore(opts.nbf);
    return jwt.sign(opts.key ?? key);
  };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  it('accepts a well-signed token (the control)', async () => {
    const res = await api.call('GET', '/v1/board', await sign({}));
    expect(res.status).toBe(200);
  });

  const cases: [string, () => Promise<string>][] = [
    ['forged (signed with another key)', () => sign({}, { key: randomBytes(32) })],
    ['expired', () => sign({}, { exp: now() - 60 })],
    ['not valid yet', () => sign({}, { nbf: now() + 3600 })],
    ['from another issuer', () => sign({}, { iss: 'https://cognito-idp.example/evil' })],
    ['for another audience', () => sign({}, { aud: 'another-api' })],
    ['signed with HS512 (algorithm not allowed)', () => sign({}, { alg: 'HS512' })],
    [
      'unsigned (alg: none)',
      async () =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ role: 'admin', sub: 'x', iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, exp: now() + 3600 })}.`,
    ],
    [
      'with its payload swapped after signing',
      async () => {
        const [h, , s] = (await sign({ role: 'reporter', communityId: NANQIAO })).split('.');
        return `${h}.${b64({ role: 'admin', sub: 'x', iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, exp: now() + 3600 })}.${s}`;
      },
    ],
    ['with an unknown role', () => sign({ role: 'superadmin' })],
    ['of a unit without unitId', () => sign({ role: 'unit' })],
    ['of a reporter without communityId', () => sign({ role: 'reporter' })],
    ['that is not a JWT', async () => 'not-a-token'],
  ];

  it.each(cases)('refuses a token %s with 401 problem+json', async (_n, make) => {
    const res = await api.call('GET', '/v1/board', await make());
    expect(res.status).toBe(401);
    expect(isProblem(res)).toBe(true);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it.each([
    [
      'a Basic credential',
      (t: string) => ({ authorization: `Basic ${Buffer.from(`admin:${t}`).toString('base64')}` }),
    ],
    ['the token without its scheme', (t: string) => ({ authorization: t })],
    ['two tokens in one header', (t: string) => ({ authorization: `Bearer ${t}, Bearer ${t}` })],
  ])('refuses %s (401)', async (_n, headers) => {
    const res = await api.call('GET', '/v1/board', undefined, undefined, headers(await sign({})));
    expect(res.status).toBe(401);
  });

  it('does not take a token from the query string', async () => {
    const res = await api.call('GET', `/v1/board?access_token=${await sign({})}`);
    expect(res.status).toBe(401);
  });

  it('refuses a forged api_key on Open311 (403 in the spec’s error format)', async () => {
    const forged = await sign({ role: 'reporter', communityId: NANQIAO }, { key: randomBytes(32) });
    const form = new URLSearchParams({
      api_key: forged,
      service_code: 'di-neighbor-dispute',
      description: '楼道堆物',
    });
    const res = await api.call('POST', '/open311/v2/requests.json', undefined, form.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(403);
  });
});

describe('the reporter’s phone number', () => {
  const PHONE = '+8613812345678';
  const DIGITS = '13812345678';
  let t: TicketView;
  beforeAll(async () => {
    t = await ticketIn('dispatched');
  });

  it.each([
    ['reporterIn', true],
    ['unitIn', true],
    ['admin', true],
    ['supervisorIn', false],
    ['supervisorCity', false],
  ] as [Who, boolean][])('is %s: whole=%s in the ticket and in lists', async (who, whole) => {
    const token = await tokenOf(who);
    const one = await api.call<TicketView>('GET', `/v1/tickets/${t.id}`, token);
    const list = await api.call<{ items: TicketView[] }>('GET', `/v1/tickets?limit=100`, token);
    const fromList = list.body.items.find((x) => x.id === t.id);
    for (const view of [one.body, fromList]) {
      expect(view).toBeDefined();
      if (whole) expect(view?.reporter?.phone).toBe(PHONE);
      else {
        expect(view?.reporter?.phone).not.toContain(DIGITS);
        expect(view?.reporter?.phone).toMatch(/\*{4}/);
        expect(JSON.stringify(view)).not.toContain(DIGITS);
      }
    }
  });

  it('never reaches a log line: runtime log, outbox and Powertools logger at DEBUG', async () => {
    const lines: string[] = [];
    const logging = await bootRuntime({ quiet: false, log: (l) => lines.push(l) });
    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const consoles = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
        written.push(args.map(String).join(' '));
      }),
    );
    const level = logger.getLevelName();
    logger.setLogLevel('DEBUG');
    try {
      const local = new Tokens(logging.api);
      const reporter = await local.reporter(NANQIAO);
      const unit = await local.unit(LAILONGMEN_OFFICE);
      const created = await logging.api.call<TicketView>(
        'POST',
        '/v1/tickets',
        reporter,
        ticketBody({ reporter: { name: '王五', phone: PHONE } }),
      );
      expect(created.status).toBe(201);
      const id = created.body.id;
      await logging.api.until(
        async () =>
          (await logging.api.call<TicketView>('GET', `/v1/tickets/${id}`, await local.admin())).body.status,
        (s) => s === 'dispatched',
      );
      await logging.api.call('POST', `/v1/tickets/${id}/acknowledge`, unit, {});
      await logging.api.call('POST', `/v1/tickets/${id}/resolve`, unit, { summary: '已处理' });
      await logging.api.call('POST', `/v1/tickets/${id}/feedback`, reporter, { rating: 'satisfied' });
      // An invalid request that echoes input back must not log it either.
      await logging.api.call(
        'POST',
        '/v1/tickets',
        reporter,
        ticketBody({ reporter: { phone: `${PHONE}x` } }),
      );
    } finally {
      logger.setLogLevel(level as Parameters<typeof logger.setLogLevel>[0]);
      out.mockRestore();
      err.mockRestore();
      for (const c of consoles) c.mockRestore();
      await logging.rt.stop();
    }
    expect(
      lines.some((l) => l.includes('[outbox]')),
      'the outbox printed its lines',
    ).toBe(true);
    for (const l of [...lines, ...written]) expect(l).not.toContain(DIGITS);
  });
});
