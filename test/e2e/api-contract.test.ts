/**
 * API v1 over HTTP on the embedded runtime, as a client meets it: roles and scopes, the error
 * mapping, idempotent intake, paging, and every response checked against the OpenAPI document
 * the server serves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import type { ApiClient, ApiResponse } from '../helpers/api-client';
import {
  LAILONGMEN,
  LAILONGMEN_OFFICE,
  NANQIAO,
  NEIGHBOR_DISPUTE,
  XISHAN,
  XISHAN_OFFICE,
} from '../helpers/fixtures';
import { DocumentedResponses } from '../helpers/openapi-responses';
import { bootRuntime } from '../helpers/runtime';

type Ticket = {
  id: string;
  status: string;
  channel: string;
  communityId: string;
  streetId: string;
  title: string;
  description: string;
  location?: { lat?: number; lng?: number; address?: string };
  deadlines: { resolveBy?: string };
  assignments: { unitId: string; role: string }[];
};
type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
  state?: Record<string, unknown>;
};
type List<T> = { items: T[]; nextCursor: string | null };

const LEAD = LAILONGMEN_OFFICE;
const newTicket = (communityId: string, title = '楼道堆放杂物') => ({
  dutyItemId: NEIGHBOR_DISPUTE,
  communityId,
  title,
  description: '3栋2单元楼道堆满杂物，影响通行',
  channel: 'grid',
});

describe('API v1 contract on the embedded runtime', () => {
  let rt: Runtime;
  let api: ApiClient;
  let documented: DocumentedResponses;
  const tokens: Record<string, string> = {};

  /** A call whose response must match the document for its route. */
  async function call<T = Record<string, unknown>>(
    method: string,
    route: string,
    path: string,
    token?: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>> {
    const res = await api.call<T>(method, path, token, body, headers);
    documented.check(method, route, res.status, res.body);
    return res;
  }

  beforeAll(async () => {
    ({ rt, api } = await bootRuntime());
    const doc = await api.call<Record<string, unknown>>('GET', '/openapi.json');
    documented = new DocumentedResponses(doc.body);
    const claims: Record<string, Record<string, string>> = {
      reporter: { role: 'reporter', communityId: NANQIAO, sub: 'grid-nanqiao' },
      reporterXishan: { role: 'reporter', communityId: XISHAN, sub: 'grid-xishan' },
      reporterJiangwan: { role: 'reporter', communityId: 'cm-jiangwan', sub: 'grid-jiangwan' },
      reporterHuayuan: { role: 'reporter', communityId: 'cm-huayuan', sub: 'grid-huayuan' },
      reporterChengbei: { role: 'reporter', communityId: 'cm-chengbei', sub: 'grid-chengbei' },
      unit: { role: 'unit', unitId: LEAD },
      otherUnit: { role: 'unit', unitId: XISHAN_OFFICE },
      supervisor: { role: 'supervisor', streetId: LAILONGMEN },
      supervisorXishan: { role: 'supervisor', streetId: 'st-xishan' },
      admin: { role: 'admin' },
    };
    for (const [name, c] of Object.entries(claims)) tokens[name] = await api.token(c);
  });
  afterAll(async () => {
    await rt?.stop();
  });

  const t = (name: string) => tokens[name] as string;

  it('answers every route its OpenAPI document lists (none is a router 404 or 405)', async () => {
    const doc = (await api.call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json'))
      .body;
    const sample: Record<string, string> = {
      id: 'tzzzzzzzzzzzzzzzzzzzz',
      slaClass: 'urgent',
      year: '2026',
      file: 'tzzzzzzzzzzzzzzzzzzzz.json',
    };
    let count = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => sample[name] ?? name);
        const res = await api.call<Problem>(
          method.toUpperCase(),
          url,
          t('admin'),
          method === 'get' ? undefined : {},
        );
        expect(res.status, `${method} ${url}`).not.toBe(405);
        if (res.status === 404) expect(res.body.detail ?? '', `${method} ${url}`).not.toMatch(/^no route/);
        count += 1;
      }
    }
    expect(count).toBeGreaterThan(35);
  });

  describe('authentication', () => {
    it('401 problem+json without a token, with a forged one, or with a token of another key', async () => {
      const forged = (await api.token({ role: 'admin' })).replace(/\.[^.]+$/, '.AAAA');
      for (const token of [undefined, 'not-a-jwt', forged]) {
        const res = await api.call<Problem>('GET', '/v1/tickets', token);
        expect(res.status).toBe(401);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
      }
    });

    it('public routes answer without a token', async () => {
      expect((await call('GET', '/healthz', '/healthz')).body).toMatchObject({ status: 'ok' });
      const docs = await api.call<string>('GET', '/docs');
      expect(docs.status).toBe(200);
      expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
      expect(docs.body).toContain('/v1/tickets/{id}/acknowledge');
    });
  });

  describe('roles and scopes', () => {
    let id: string;
    beforeAll(async () => {
      const res = await call<Ticket>(
        'POST',
        '/v1/tickets',
        '/v1/tickets',
        t('reporter'),
        newTicket(NANQIAO, '范围测试'),
      );
      expect(res.status).toBe(201);
      id = res.body.id;
    });

    it('a ticket outside the caller’s scope reads as 404, inside it reads as 200', async () => {
      for (const who of ['reporterXishan', 'otherUnit', 'supervisorXishan']) {
        const res = await call<Problem>('GET', '/v1/tickets/{id}', `/v1/tickets/${id}`, t(who));
        expect(res.status, who).toBe(404);
      }
      for (const who of ['reporter', 'unit', 'supervisor', 'admin']) {
        const res = await call<Ticket>('GET', '/v1/tickets/{id}', `/v1/tickets/${id}`, t(who));
        expect(res.status, who).toBe(200);
        expect(res.body.id).toBe(id);
      }
    });

    it('a reporter raises tickets for its own community only; units and supervisors do not raise them', async () => {
      const other = await call<Problem>(
        'POST',
        '/v1/tickets',
        '/v1/tickets',
        t('reporter'),
        newTicket(XISHAN),
      );
      expect(other.status).toBe(403);
      for (const who of ['unit', 'supervisor']) {
        const res = await call<Problem>('POST', '/v1/tickets', '/v1/tickets', t(who), newTicket(NANQIAO));
        expect(res.status, who).toBe(403);
      }
    });

    it('the role is checked before anything else: 403 whatever the body or the ticket', async () => {
      const cases: [string, string, unknown][] = [
        ['reporter', 'acknowledge', {}],
        ['supervisor', 'resolve', { summary: 'x' }],
        ['unit', 'urge', { note: 'x' }],
        ['supervisor', 'cancel', { reason: 'x' }],
        ['admin', 'feedback', { rating: 'satisfied' }],
        ['unit', 'extension/decision', { approve: true }],
        ['reporter', 'acknowledge', { nonsense: true }],
      ];
      for (const [who, action, body] of cases) {
        const res = await call<Problem>(
          'POST',
          `/v1/tickets/{id}/${action}`,
          `/v1/tickets/tzzzzzzzzzzzzzzzzzzzz/${action}`,
          t(who),
          body,
        );
        expect(res.status, `${who} ${action}`).toBe(403);
      }
      const put = await call<Problem>('PUT', '/v1/units/{id}', `/v1/units/${LEAD}`, t('supervisor'), {
        bogus: 1,
      });
      expect(put.status).toBe(403);
    });

    it('within the role, the scope decides: an unassigned unit or another street gets 404', async () => {
      const unit = await call<Problem>(
        'POST',
        '/v1/tickets/{id}/acknowledge',
        `/v1/tickets/${id}/acknowledge`,
        t('otherUnit'),
      );
      expect(unit.status).toBe(404);
      const urge = await call<Problem>(
        'POST',
        '/v1/tickets/{id}/urge',
        `/v1/tickets/${id}/urge`,
        t('supervisorXishan'),
        {
          note: '请尽快处理',
        },
      );
      expect(urge.status).toBe(404);
      const own = await call<Ticket>(
        'POST',
        '/v1/tickets/{id}/urge',
        `/v1/tickets/${id}/urge`,
        t('supervisor'),
        {
          note: '请尽快处理',
        },
      );
      expect(own.status).toBe(200);
    });

    it('a second acknowledge is a 409 that tells the state', async () => {
      const first = await call<Ticket>(
        'POST',
        '/v1/tickets/{id}/acknowledge',
        `/v1/tickets/${id}/acknowledge`,
        t('unit'),
      );
      expect(first.status).toBe(200);
      expect(first.body.status).toBe('acknowledged');
      const again = await call<Problem>(
        'POST',
        '/v1/tickets/{id}/acknowledge',
        `/v1/tickets/${id}/acknowledge`,
        t('unit'),
      );
      expect(again.status).toBe(409);
      expect(again.body.state).toMatchObject({ status: 'acknowledged' });
    });

    it('lists are scoped: a reporter sees its community only, and asking outside the scope is a 403', async () => {
      const mine = await call<List<Ticket>>(
        'GET',
        '/v1/tickets',
        '/v1/tickets?limit=100',
        t('reporterXishan'),
      );
      expect(mine.status).toBe(200);
      expect(mine.body.items.every((x) => x.communityId === XISHAN)).toBe(true);
      const outside = await call<Problem>(
        'GET',
        '/v1/tickets',
        '/v1/tickets?communityId=cm-nanqiao',
        t('reporterXishan'),
      );
      expect(outside.status).toBe(403);
      const unitOutside = await call<Problem>(
        'GET',
        '/v1/tickets',
        '/v1/tickets?unitId=u-street-xishan',
        t('unit'),
      );
      expect(unitOutside.status).toBe(403);
      const unitList = await call<List<Ticket>>('GET', '/v1/tickets', '/v1/tickets?limit=100', t('unit'));
      expect(unitList.body.items.map((x) => x.id)).toContain(id);
      expect(unitList.body.items.every((x) => x.assignments.some((a) => a.unitId === LEAD))).toBe(true);
      const streetList = await call<List<Ticket>>(
        'GET',
        '/v1/tickets',
        '/v1/tickets?limit=100',
        t('supervisorXishan'),
      );
      expect(streetList.body.items.every((x) => x.streetId === 'st-xishan')).toBe(true);
    });

    it('oversight lists are for supervisors and admins; a supervisor sees its street’s messages only', async () => {
      for (const path of ['/v1/breaches', '/v1/notifications', '/v1/metrics/units']) {
        for (const who of ['reporter', 'unit']) {
          // A unit lists the messages sent to it (below); everything else here is oversight.
          if (who === 'unit' && path === '/v1/notifications') continue;
          const res = await call<Problem>('GET', path, path, t(who));
          expect(res.status, `${who} ${path}`).toBe(403);
        }
      }
      const mine = await call<List<{ unitId?: string }>>(
        'GET',
        '/v1/notifications',
        '/v1/notifications?limit=100',
        t('unit'),
      );
      expect(mine.status).toBe(200);
      expect(mine.body.items.every((n) => n.unitId !== undefined)).toBe(true);
      const own = await api.until(
        () =>
          call<List<{ ticketId: string }>>(
            'GET',
            '/v1/notifications',
            `/v1/notifications?ticketId=${id}`,
            t('supervisor'),
          ),
        (r) => r.body.items.length > 0,
      );
      expect(own.body.items.every((n) => n.ticketId === id)).toBe(true);
      // Another street's ticket named as a filter: outside the scope, a 403.
      const other = await call<Problem>(
        'GET',
        '/v1/notifications',
        `/v1/notifications?ticketId=${id}`,
        t('supervisorXishan'),
      );
      expect(other.status).toBe(403);
      const all = await call<List<{ ticketId: string }>>(
        'GET',
        '/v1/notifications',
        '/v1/notifications?limit=100',
        t('supervisorXishan'),
      );
      expect(all.body.items.some((n) => n.ticketId === id)).toBe(false);
      await call('GET', '/v1/breaches', '/v1/breaches', t('supervisor'));
      await call('GET', '/v1/metrics/units', '/v1/metrics/units?from=2020-01-01', t('admin'));
    });

    it('reference data for any role, documented shapes', async () => {
      for (const path of ['/v1/units', '/v1/communities', '/v1/duty-items', '/v1/sla-policies']) {
        const res = await call<List<Record<string, unknown>>>('GET', path, path, t('reporter'));
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeGreaterThan(0);
        expect(res.body.nextCursor).toBeNull();
      }
      const units = await call<List<Record<string, unknown>>>('GET', '/v1/units', '/v1/units', t('reporter'));
      expect(units.body.items.some((u) => 'contacts' in u)).toBe(false);
      const paged = await call<List<{ id: string }>>('GET', '/v1/units', '/v1/units?limit=10', t('admin'));
      expect(paged.body.items).toHaveLength(10);
      const next = await call<List<{ id: string }>>(
        'GET',
        '/v1/units',
        `/v1/units?limit=10&cursor=${paged.body.nextCursor}`,
        t('admin'),
      );
      expect(next.body.items[0]?.id).toBe(units.body.items[10]?.id);
      await call('GET', '/v1/calendar/{year}', '/v1/calendar/2026', t('unit'));
    });
  });

  describe('errors', () => {
    const post = (body: unknown, headers?: Record<string, string>) =>
      call<Problem>('POST', '/v1/tickets', '/v1/tickets', t('reporter'), body, headers);

    it('400 names each unknown, missing or invalid field', async () => {
      const unknown = await post({
        ...newTicket(NANQIAO),
        foo: 1,
        location: { address: 'x', floor: 3 },
      });
      expect(unknown.status).toBe(400);
      expect(unknown.headers.get('content-type')).toBe('application/problem+json');
      expect(unknown.body.errors).toEqual(
        expect.arrayContaining([
          { path: 'foo', message: 'unknown field' },
          { path: 'location.floor', message: 'unknown field' },
        ]),
      );
      const missing = await post({ communityId: NANQIAO, channel: 'fax', title: '', description: 'd' });
      const paths = missing.body.errors?.map((e) => e.path).sort();
      // dutyItemId may be left out: such a whistle is matched from its words or goes to triage.
      expect(paths).toEqual(['channel', 'title']);
      const catalogue = await post({ ...newTicket(NANQIAO), dutyItemId: 'di-nope' });
      expect(catalogue.status).toBe(400);
      expect(catalogue.body.errors).toEqual([{ path: 'dutyItemId', message: 'unknown duty item di-nope' }]);
    });

    it('malformed JSON 400, wrong media type 415, a body over 64 KB 413, over 1 MB still a clean 413', async () => {
      expect((await post('{"title":')).status).toBe(400);
      expect((await post('[]')).status).toBe(400);
      const text = await post(JSON.stringify(newTicket(NANQIAO)), { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
      expect((await post({ ...newTicket(NANQIAO), description: 'x'.repeat(70_000) })).status).toBe(413);
      const huge = await api.call<Problem>('POST', '/v1/tickets', t('reporter'), 'x'.repeat(2_000_000));
      expect(huge.status).toBe(413);
      // The connection survives for the next request.
      expect((await api.call('GET', '/healthz')).status).toBe(200);
    });

    it('every GET validates its query: unknown parameters, limit over 100 and bad cursors are 400s naming them', async () => {
      const cases: [string, string, string][] = [
        ['/v1/tickets', '/v1/tickets?foo=1', 'foo'],
        ['/v1/tickets', '/v1/tickets?limit=101', 'limit'],
        ['/v1/tickets', '/v1/tickets?limit=abc', 'limit'],
        ['/v1/tickets', '/v1/tickets?status=open', 'status'],
        ['/v1/tickets', '/v1/tickets?cursor=zzz', 'cursor'],
        ['/v1/tickets/{id}', '/v1/tickets/tzzzzzzzzzzzzzzzzzzzz?x=1', 'x'],
        ['/v1/units', '/v1/units?x=1', 'x'],
        ['/v1/breaches', '/v1/breaches?level=4', 'level'],
        ['/v1/breaches', '/v1/breaches?from=yesterday', 'from'],
        ['/v1/notifications', '/v1/notifications?ticketId=42', 'ticketId'],
        ['/v1/metrics/units', '/v1/metrics/units?period=week', 'period'],
        ['/v1/board', '/v1/board?x=1', 'x'],
      ];
      for (const [route, path, param] of cases) {
        const res = await call<Problem>('GET', route, path, t('admin'));
        expect(res.status, path).toBe(400);
        expect(
          res.body.errors?.map((e) => e.path),
          path,
        ).toContain(param);
      }
    });

    it('a forged cursor or a cursor from another query is a 400, never a 500', async () => {
      const forged = Buffer.from(
        JSON.stringify({
          s: Buffer.from('{"pk":"CONFIG","sk":"V#1"}').toString('base64url'),
          n: 0,
          q: 'x'.repeat(16),
        }),
      ).toString('base64url');
      const res = await call<Problem>('GET', '/v1/tickets', `/v1/tickets?cursor=${forged}`, t('admin'));
      expect(res.status).toBe(400);
      const page = await call<List<Ticket>>('GET', '/v1/tickets', '/v1/tickets?limit=1', t('admin'));
      expect(page.body.nextCursor).toBeTruthy();
      const replay = await call<Problem>(
        'GET',
        '/v1/tickets',
        `/v1/tickets?limit=1&status=received&cursor=${page.body.nextCursor}`,
        t('admin'),
      );
      expect(replay.status).toBe(400);
      expect(replay.body.errors?.[0]?.path).toBe('cursor');
    });

    it('405 with Allow for a wrong method, 404 for an unknown path', async () => {
      const res = await api.call<Problem>('DELETE', '/v1/tickets', t('admin'));
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toContain('GET');
      expect((await api.call<Problem>('GET', '/v1/nope', t('admin'))).status).toBe(404);
    });
  });

  describe('idempotent intake', () => {
    it('same key and body: the same ticket (200, replayed); another body: 409; never a second ticket', async () => {
      const body = newTicket('cm-huayuan', '幂等测试');
      const key = { 'idempotency-key': 'req-0001' };
      const first = await call<Ticket>('POST', '/v1/tickets', '/v1/tickets', t('reporterHuayuan'), body, key);
      expect(first.status).toBe(201);
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const again = await call<Ticket>(
        'POST',
        '/v1/tickets',
        '/v1/tickets',
        t('reporterHuayuan'),
        reordered,
        key,
      );
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.id).toBe(first.body.id);
      const changed = await call<Problem>(
        'POST',
        '/v1/tickets',
        '/v1/tickets',
        t('reporterHuayuan'),
        { ...body, title: '另一件事' },
        key,
      );
      expect(changed.status).toBe(409);
      const bad = await call<Problem>('POST', '/v1/tickets', '/v1/tickets', t('reporterHuayuan'), body, {
        'idempotency-key': 'has space',
      });
      expect(bad.status).toBe(400);
    });

    it('concurrent requests with one key create one ticket', async () => {
      const body = newTicket('cm-huayuan', '并发幂等');
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          call<Ticket>('POST', '/v1/tickets', '/v1/tickets', t('reporterHuayuan'), body, {
            'idempotency-key': 'burst-1',
          }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      const list = await call<List<Ticket>>(
        'GET',
        '/v1/tickets',
        '/v1/tickets?limit=100',
        t('reporterHuayuan'),
      );
      expect(list.body.items.filter((x) => x.title === '并发幂等')).toHaveLength(1);
    });
  });

  describe('configuration writes (admin)', () => {
    it('each write answers the written item with the new configuration version', async () => {
      const units = await call<List<Record<string, unknown> & { id: string }>>(
        'GET',
        '/v1/units',
        '/v1/units',
        t('admin'),
      );
      const unit = units.body.items.find((u) => u.id === LEAD) as Record<string, unknown>;
      const { configVersion: _v, ...unitBody } = unit;
      const put = await call<{ configVersion: number; id: string }>(
        'PUT',
        '/v1/units/{id}',
        `/v1/units/${LEAD}`,
        t('admin'),
        unitBody,
      );
      expect(put.status).toBe(200);
      const policies = await call<List<Record<string, unknown>>>(
        'GET',
        '/v1/sla-policies',
        '/v1/sla-policies',
        t('admin'),
      );
      const urgent = policies.body.items.find((p) => p.slaClass === 'urgent');
      const policy = await call<{ configVersion: number }>(
        'PUT',
        '/v1/sla-policies/{slaClass}',
        '/v1/sla-policies/urgent',
        t('admin'),
        urgent,
      );
      expect(policy.status).toBe(200);
      expect(policy.body.configVersion).toBe(put.body.configVersion + 1);
      const calendar = await call<{ year: number }>(
        'PUT',
        '/v1/calendar/{year}',
        '/v1/calendar/2027',
        t('admin'),
        {
          holidays: ['2027-01-01'],
          workdays: [],
        },
      );
      expect(calendar.status).toBe(200);
      const mismatch = await call<Problem>('PUT', '/v1/calendar/{year}', '/v1/calendar/2027', t('admin'), {
        holidays: ['2028-01-01'],
        workdays: [],
      });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.errors?.[0]?.path).toBe('holidays.0');
      const versions = await call<List<{ version: number }>>(
        'GET',
        '/v1/config/versions',
        '/v1/config/versions',
        t('supervisor'),
      );
      expect(versions.body.items[0]?.version).toBeGreaterThanOrEqual(policy.body.configVersion + 1);
      await call('GET', '/v1/board', '/v1/board', t('supervisor'));
    });
  });

  describe('paging', () => {
    it('pages through a community’s tickets: every ticket exactly once, never more than limit', async () => {
      const created: string[] = [];
      for (let i = 0; i < 7; i += 1) {
        const res = await call<Ticket>(
          'POST',
          '/v1/tickets',
          '/v1/tickets',
          t('reporterJiangwan'),
          newTicket('cm-jiangwan', `分页 ${i}`),
        );
        created.push(res.body.id);
      }
      for (const [who, query] of [
        ['reporterJiangwan', 'limit=3'],
        ['admin', 'communityId=cm-jiangwan&limit=2'],
        ['supervisor', 'communityId=cm-jiangwan&limit=4'],
      ] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const res: ApiResponse<List<Ticket>> = await call<List<Ticket>>(
            'GET',
            '/v1/tickets',
            `/v1/tickets?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            t(who),
          );
          expect(res.status).toBe(200);
          expect(res.body.items.length).toBeLessThanOrEqual(Number(query.split('limit=')[1]));
          seen.push(...res.body.items.map((x) => x.id));
          cursor = res.body.nextCursor;
        } while (cursor);
        expect(seen.sort(), `${who} ${query}`).toEqual([...created].sort());
      }
    });

    it('pages through messages one row at a time though each notice holds an SMS and an email', async () => {
      const ticket = await call<Ticket>(
        'POST',
        '/v1/tickets',
        '/v1/tickets',
        t('reporter'),
        newTicket(NANQIAO, '消息分页'),
      );
      const id = ticket.body.id;
      await call('POST', '/v1/tickets/{id}/urge', `/v1/tickets/${id}/urge`, t('admin'), { note: '催办' });
      const all = await api.until(
        () =>
          call<List<{ id: string }>>(
            'GET',
            '/v1/notifications',
            `/v1/notifications?ticketId=${id}&limit=100`,
            t('admin'),
          ),
        (r) => r.body.items.length >= 4,
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: ApiResponse<List<{ id: string }>> = await call<List<{ id: string }>>(
          'GET',
          '/v1/notifications',
          `/v1/notifications?ticketId=${id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
          t('admin'),
        );
        expect(res.body.items.length).toBeLessThanOrEqual(1);
        seen.push(...res.body.items.map((n) => n.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all.body.items.map((n) => n.id));
    });
  });
});
