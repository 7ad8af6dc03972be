/**
 * The Open311 GeoReport v2 facade over the same tickets: a civic-tech client files a request with
 * a reporter's token as api_key, and the v1 API shows the ticket; every document comes in XML and
 * JSON, public reads show what a public tracker shows, errors come in Open311's format.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import type { ApiClient, ApiResponse } from '../helpers/api-client';
import { NEIGHBOR_DISPUTE } from '../helpers/fixtures';
import { DocumentedResponses } from '../helpers/openapi-responses';
import { bootRuntime } from '../helpers/runtime';

type Open311Error = { code: number; description: string }[];
type ServiceRequest = {
  service_request_id: string;
  status: 'open' | 'closed';
  service_code: string;
  description: string | null;
  agency_responsible: string | null;
  expected_datetime: string | null;
  requested_datetime: string;
  lat: number | null;
  long: number | null;
  address: string | null;
};

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

describe('Open311 GeoReport v2 facade', () => {
  let rt: Runtime;
  let api: ApiClient;
  let documented: DocumentedResponses;
  let reporter: string;
  let admin: string;

  async function call<T>(
    method: string,
    route: string,
    path: string,
    body?: string,
    headers?: Record<string, string>,
  ) {
    const res: ApiResponse<T> = await api.call<T>(method, path, undefined, body, headers);
    documented.check(method, route, res.status, res.body);
    return res;
  }
  const post = (fields: Record<string, string>) =>
    call<unknown>(
      'POST',
      '/open311/v2/requests.json',
      '/open311/v2/requests.json',
      new URLSearchParams(fields).toString(),
      FORM,
    );

  beforeAll(async () => {
    ({ rt, api } = await bootRuntime());
    documented = new DocumentedResponses(
      (await api.call<Record<string, unknown>>('GET', '/openapi.json')).body,
    );
    reporter = await api.token({ role: 'reporter', communityId: 'cm-chengbei', sub: 'fms-bridge' });
    admin = await api.token({ role: 'admin' });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('lists the duty items as services', async () => {
    const res = await call<{ service_code: string; metadata: boolean; type: string }[]>(
      'GET',
      '/open311/v2/services.json',
      '/open311/v2/services.json?jurisdiction_id=liling.gov.cn',
    );
    expect(res.status).toBe(200);
    expect(res.body.find((s) => s.service_code === NEIGHBOR_DISPUTE)).toMatchObject({
      metadata: true,
      type: 'realtime',
    });
    const xml = await api.call<string>('GET', '/open311/v2/services.xml');
    expect(xml.status).toBe(200);
    expect(xml.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(xml.body).toMatch(/^<\?xml version="1\.0" encoding="utf-8"\?>\n<services><service>/);
    expect(xml.body).toContain('<service_code>di-neighbor-dispute</service_code>');
    expect(xml.body).toContain('<metadata>true</metadata>');
  });

  it('defines each service’s attributes, and serves discovery, in both formats', async () => {
    const def = await call<{ service_code: string; attributes: { code: string; required: boolean }[] }>(
      'GET',
      '/open311/v2/services/{file}',
      '/open311/v2/services/di-neighbor-dispute.json',
    );
    expect(def.status).toBe(200);
    expect(def.body.attributes.map((a) => [a.code, a.required])).toEqual([
      ['title', false],
      ['channel', false],
      ['grid_id', false],
    ]);
    const defXml = await api.call<string>('GET', '/open311/v2/services/di-neighbor-dispute.xml');
    expect(defXml.body).toContain('<service_definition><service_code>di-neighbor-dispute</service_code>');
    expect(defXml.body).toContain('<values><value><key>grid</key>');
    const unknown = await api.call<string>('GET', '/open311/v2/services/di-nope.xml');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatch(/<errors><error><code>404<\/code><description>service_code di-nope/);

    const disc = await call<{ endpoints: { url: string; formats: string[] }[] }>(
      'GET',
      '/open311/v2/discovery.json',
      '/open311/v2/discovery.json',
    );
    expect(disc.body.endpoints[0]).toMatchObject({
      url: `${rt.url}/open311/v2`,
      formats: ['text/xml', 'application/json'],
    });
    expect((await api.call<string>('GET', '/open311/v2/discovery.xml')).body).toContain(
      '<formats><format>text/xml</format><format>application/json</format></formats>',
    );
  });

  it('a form POST files a ticket for the reporter’s community that GET /v1/tickets/{id} shows', async () => {
    const created = await post({
      api_key: reporter,
      jurisdiction_id: 'liling.gov.cn',
      service_code: NEIGHBOR_DISPUTE,
      description: '楼上漏水，多次协商未果',
      lat: '27.646',
      long: '113.496',
      address_string: '城北社区5栋',
      first_name: '伟',
      last_name: '张',
      phone: '138 0013 8000',
      'attribute[fixmystreet_id]': '1234',
    });
    expect(created.status).toBe(201);
    const [row] = created.body as { service_request_id: string; service_notice: string }[];
    const id = row?.service_request_id as string;
    expect(row).not.toHaveProperty('token');

    const ticket = await api.call<Record<string, unknown>>('GET', `/v1/tickets/${id}`, reporter);
    expect(ticket.status).toBe(200);
    expect(ticket.body).toMatchObject({
      id,
      communityId: 'cm-chengbei',
      dutyItemId: NEIGHBOR_DISPUTE,
      channel: 'online',
      description: '楼上漏水，多次协商未果',
      location: { lat: 27.646, lng: 113.496, address: '城北社区5栋' },
      reporter: { name: '张伟', phone: '13800138000' },
    });

    const one = await call<ServiceRequest[]>(
      'GET',
      '/open311/v2/requests/{file}',
      `/open311/v2/requests/${id}.json`,
    );
    expect(one.status).toBe(200);
    // Public: the community, not the address or the coordinates; not the resident's words.
    expect(one.body[0]).toMatchObject({
      service_request_id: id,
      status: 'open',
      service_code: NEIGHBOR_DISPUTE,
      description: null,
      lat: null,
      long: null,
      address: expect.stringContaining('城北'),
      agency_responsible: '醴陵市来龙门街道办事处',
      expected_datetime: (ticket.body.deadlines as { resolveBy: string }).resolveBy,
    });
    expect(JSON.stringify(one.body)).not.toContain('漏水');
    const oneXml = await api.call<string>('GET', `/open311/v2/requests/${id}.xml`);
    expect(oneXml.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(oneXml.body).toContain(
      `<service_requests><request><service_request_id>${id}</service_request_id><status>open</status>`,
    );
    expect(oneXml.body).toContain('<lat></lat>');
    const listXml = await api.call<string>('GET', '/open311/v2/requests.xml?status=open');
    expect(listXml.body).toContain(`<service_request_id>${id}</service_request_id>`);
    // Date-only bounds are whole Asia/Shanghai days.
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const byDay = await call<ServiceRequest[]>(
      'GET',
      '/open311/v2/requests.json',
      `/open311/v2/requests.json?start_date=${today}&end_date=${today}`,
    );
    expect(byDay.body.map((r) => r.service_request_id)).toContain(id);

    const open = await call<ServiceRequest[]>(
      'GET',
      '/open311/v2/requests.json',
      '/open311/v2/requests.json?status=open&service_code=di-neighbor-dispute',
    );
    expect(open.body.map((r) => r.service_request_id)).toContain(id);
    const byId = await call<ServiceRequest[]>(
      'GET',
      '/open311/v2/requests.json',
      `/open311/v2/requests.json?service_request_id=${id},tzzzzzzzzzzzzzzzzzzzz`,
    );
    expect(byId.body.map((r) => r.service_request_id)).toEqual([id]);

    // Cancelled tickets read as closed.
    await api.call('POST', `/v1/tickets/${id}/cancel`, admin, { reason: '重复工单' });
    const closed = await call<ServiceRequest[]>(
      'GET',
      '/open311/v2/requests.json',
      '/open311/v2/requests.json?status=closed',
    );
    expect(closed.body.find((r) => r.service_request_id === id)).toMatchObject({
      status: 'closed',
      expected_datetime: null,
    });
  });

  it('files in XML too, and refuses a request without any location', async () => {
    const fields = {
      api_key: reporter,
      service_code: NEIGHBOR_DISPUTE,
      description: '路灯不亮',
    };
    const noWhere = await post(fields);
    expect(noWhere.status).toBe(400);
    expect((noWhere.body as Open311Error)[0]?.description).toMatch(
      /lat and long, address_string or address_id/,
    );
    const res = await api.call<string>(
      'POST',
      '/open311/v2/requests.xml',
      undefined,
      new URLSearchParams({ ...fields, address_id: 'gr-chengbei-01' }).toString(),
      FORM,
    );
    expect(res.status, res.body).toBe(201);
    expect(res.body).toMatch(
      /<service_requests><request><service_request_id>t[a-z0-9]{20}<\/service_request_id><service_notice>已受理/,
    );
  });

  it('answers errors as Open311 arrays: 403 for a missing or bad api_key, 404 for unknown things, 400 otherwise', async () => {
    const base = { service_code: NEIGHBOR_DISPUTE, description: '路灯不亮', address_string: '城北社区' };
    const cases: [Record<string, string>, number][] = [
      [base, 403],
      [{ ...base, api_key: 'x'.repeat(40) }, 403],
      [{ ...base, api_key: admin }, 403],
      [{ ...base, api_key: reporter, service_code: 'di-nope' }, 404],
      [{ ...base, api_key: reporter, jurisdiction_id: 'elsewhere.gov.cn' }, 404],
      [{ ...base, api_key: reporter, description: '' }, 400],
      [{ ...base, api_key: reporter, lat: '27.6' }, 400],
      [{ ...base, api_key: reporter, colour: 'red' }, 400],
    ];
    for (const [fields, status] of cases) {
      const res = await post(fields);
      expect(res.status, JSON.stringify(fields).slice(0, 80)).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const errors = res.body as Open311Error;
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]?.code).toBe(status);
    }
    const unknownField = (await post({ ...base, api_key: reporter, colour: 'red' })).body as Open311Error;
    expect(unknownField[0]?.description).toBe('colour: unknown field');

    const missing = await call<Open311Error>(
      'GET',
      '/open311/v2/requests/{file}',
      '/open311/v2/requests/tzzzzzzzzzzzzzzzzzzzz.json',
    );
    expect(missing.status).toBe(404);
    const xml = await api.call<string>('GET', '/open311/v2/requests/tzzzzzzzzzzzzzzzzzzzz.xml');
    expect(xml.status).toBe(404);
    expect(xml.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(xml.body).toMatch(/^<\?xml[^>]*>\n<errors><error><code>404<\/code><description>/);
    // Unknown paths, methods and bodies too large answer in the spec's format.
    const unknown = await api.call<string>('GET', '/open311/v2/tokens/abc.xml');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('<errors><error><code>404</code>');
    const method = await api.call<Open311Error>('PUT', '/open311/v2/requests.json', undefined, '{}');
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET, POST');
    expect(method.body[0]?.code).toBe(405);
    const big = await api.call<Open311Error>(
      'POST',
      '/open311/v2/requests.json',
      undefined,
      `description=${'x'.repeat(2 * 1024 * 1024)}`,
      FORM,
    );
    expect(big.status).toBe(413);
    expect(big.body[0]?.code).toBe(413);
    const otherPlace = await call<Open311Error>(
      'GET',
      '/open311/v2/requests.json',
      '/open311/v2/requests.json?jurisdiction_id=elsewhere.gov.cn',
    );
    expect(otherPlace.status).toBe(404);
    const badStatus = await call<Open311Error>(
      'GET',
      '/open311/v2/requests.json',
      '/open311/v2/requests.json?status=pending',
    );
    expect(badStatus.status).toBe(400);
    const tooLong = await call<Open311Error>(
      'GET',
      '/open311/v2/requests.json',
      '/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z',
    );
    expect(tooLong.status).toBe(400);
  });
});
