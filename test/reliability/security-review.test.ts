/**
 * The security review (issue 18), replayed row by row against the embedded runtime: each hole a
 * hostile user found is refused with a clear 4xx, or is no longer possible.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../infra/local/local-auth';
import type { Runtime } from '../../infra/local/runtime';
import type { ApiClient } from '../helpers/api-client';
import { bootRuntime, isProblem, LAILONGMEN, NANQIAO, Tokens, ticketBody, XISHAN } from './support';

const LINK = /\/l\/([0-9A-Za-z]+)/;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface TicketView {
  id: string;
  status: string;
  title: string;
  timeline: { type: string; actor?: string }[];
}
interface NoticeRow {
  kind: string;
  channel: string;
  unitId?: string;
  text: string;
}

let rt: Runtime;
let api: ApiClient;
let tokens: Tokens;
let dataDir: string;
let consoleDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'whistle-review-'));
  consoleDir = mkdtempSync(join(tmpdir(), 'whistle-review-console-'));
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
  ({ rt, api } = await bootRuntime({ dataDir, consoleDir }));
  tokens = new Tokens(api);
});
afterAll(async () => {
  await rt?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(consoleDir, { recursive: true, force: true });
});

async function dispatched(overrides: Record<string, unknown> = {}): Promise<TicketView> {
  const res = await api.call<TicketView>('POST', '/v1/tickets', await tokens.reporter(NANQIAO), {
    ...ticketBody(),
    ...overrides,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await api.until(
    async () => (await api.call<TicketView>('GET', `/v1/tickets/${res.body.id}`, await tokens.admin())).body,
    (t) => t.status === 'dispatched',
  );
  await rt.workflow.settled();
  return res.body;
}

/** The dispatch link as its recipient, the lead unit, reads it in its own notification list. */
async function unitLink(ticketId: string, unitId = 'u-street-lailongmen'): Promise<string> {
  const res = await api.call<{ items: NoticeRow[] }>(
    'GET',
    `/v1/notifications?ticketId=${ticketId}&unitId=${unitId}`,
    await tokens.unit(unitId),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const code = res.body.items
    .find((n) => n.channel === 'sms' && n.kind === 'dispatch')
    ?.text.match(LINK)?.[1];
  if (!code) throw new Error(`no link in ${JSON.stringify(res.body.items)}`);
  return `${rt.url}/l/${code}`;
}

describe('row 1: Open311 public reads show what a public tracker shows', () => {
  it('leaves out what the resident wrote, the address and the coordinates', async () => {
    const t = await dispatched({
      description: '秘密描述 D-SECRET',
      location: { address: '南桥社区 A-SECRET 号', lat: 27.646, lng: 113.496 },
      attachments: ['https://photos.example.org/p-secret.jpg'],
    });
    for (const path of [
      `/open311/v2/requests.json?service_request_id=${t.id}`,
      `/open311/v2/requests/${t.id}.json`,
    ]) {
      const res = await api.call<Record<string, unknown>[]>('GET', path);
      expect(res.status, path).toBe(200);
      const [row] = res.body;
      expect(row, path).toMatchObject({ service_request_id: t.id, status: 'open', lat: null, long: null });
      expect(row?.address, path).toMatch(/南桥/);
      expect(JSON.stringify(res.body), path).not.toMatch(/SECRET/);
    }
  });
});

describe('rows 3 and 4: links', () => {
  it('shows oversight that a link was sent, never the link; the unit sees its own', async () => {
    const t = await dispatched();
    for (const token of [await tokens.admin(), await tokens.supervisor(LAILONGMEN)]) {
      const res = await api.call<{ items: (NoticeRow & { links?: string[] })[] }>(
        'GET',
        `/v1/notifications?ticketId=${t.id}`,
        token,
      );
      expect(res.status).toBe(200);
      const sms = res.body.items.filter((n) => n.channel === 'sms');
      expect(sms.length).toBeGreaterThan(0);
      for (const n of res.body.items) {
        expect(n.text).not.toMatch(/\/l\/[0-9A-Za-z]{10,}/);
        expect(n.links?.length ?? 0).toBeGreaterThan(0);
      }
    }
    expect(await unitLink(t.id)).toMatch(/\/l\/[0-9A-Za-z]{13,}$/);
    const other = await api.call(
      'GET',
      `/v1/notifications?ticketId=${t.id}&unitId=u-street-lailongmen`,
      await tokens.unit('u-street-xishan'),
    );
    expect(other.status).toBe(403);
  });

  it('names a link in the timeline by an id that is no part of its code', async () => {
    const t = await dispatched();
    const link = await unitLink(t.id);
    const code = link.slice(link.lastIndexOf('/') + 1);
    const ack = await fetch(`${link}/acknowledge`, {
      method: 'POST',
      body: new URLSearchParams({ ticket: t.id }),
      redirect: 'manual',
    });
    expect(ack.status).toBe(303);
    await rt.workflow.settled();
    const after = (await api.call<TicketView>('GET', `/v1/tickets/${t.id}`, await tokens.admin())).body;
    const actor = after.timeline.find((e) => e.type === 'acknowledged')?.actor ?? '';
    const id = actor.replace(/^unit:link:/, '');
    expect(id).toMatch(/^[0-9A-Za-z]{6,}$/);
    for (let i = 0; i + 4 <= id.length; i += 1) expect(code).not.toContain(id.slice(i, i + 4));
    expect(JSON.stringify(after)).not.toContain(code.slice(0, 6));
  });
});

describe('row 5: concurrent progress notes through one link', () => {
  it('answer 303 or 409, never 500', async () => {
    const t = await dispatched();
    const link = await unitLink(t.id);
    await fetch(`${link}/acknowledge`, { method: 'POST', body: new URLSearchParams({ ticket: t.id }) });
    await rt.workflow.settled();
    const all = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${link}/progress`, {
          method: 'POST',
          body: new URLSearchParams({ ticket: t.id, note: `进展 ${i}` }),
          redirect: 'manual',
        }),
      ),
    );
    const statuses = all.map((r) => r.status);
    expect(statuses.filter((s) => s !== 303 && s !== 409 && s !== 429)).toEqual([]);
    expect(statuses).toContain(303);
  });
});

describe('row 6: far-future dates', () => {
  it.each([
    '/open311/v2/requests.json?end_date=9999-12-31T16:00:00Z',
    '/open311/v2/requests.json?start_date=9999-12-01T00:00:00Z',
  ])('%s → 400 in the spec’s format', async (path) => {
    const res = await api.call<{ code: number }[]>('GET', path);
    expect(res.status).toBe(400);
    expect(res.body[0]?.code).toBe(400);
  });

  it('/v1/breaches?to=9999-12-31 → 400', async () => {
    const res = await api.call('GET', '/v1/breaches?to=9999-12-31', await tokens.admin());
    expect(res.status).toBe(400);
    expect(isProblem(res)).toBe(true);
  });
});

describe('row 7: every HTML page sends the security headers', () => {
  it.each(['/', '/docs', '/tickets/42'])('%s', async (path) => {
    const res = await fetch(`${rt.url}${path}`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    // Script only from the origin itself (no inline script), or none at all.
    expect(csp).toMatch(/script-src 'self'(;|$)|default-src 'none'/);
    expect(csp).not.toContain("'unsafe-inline' 'unsafe-eval'");
    expect(res.headers.get('referrer-policy')).toBeTruthy();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('row 8: URL fields take https only', () => {
  it.each([
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'http://photos.example.org/a.jpg',
  ])('refuses %s as an attachment, as evidence and as Open311 media_url', async (url) => {
    const reporter = await tokens.reporter(NANQIAO);
    const created = await api.call('POST', '/v1/tickets', reporter, ticketBody({ attachments: [url] }));
    expect(created.status).toBe(400);
    const t = await dispatched();
    const unit = await tokens.unit('u-street-lailongmen');
    await api.call('POST', `/v1/tickets/${t.id}/acknowledge`, unit, {});
    const resolved = await api.call('POST', `/v1/tickets/${t.id}/resolve`, unit, {
      summary: '已处理',
      evidence: [url],
    });
    expect(resolved.status).toBe(400);
    const form = new URLSearchParams({
      api_key: reporter,
      service_code: 'di-neighbor-dispute',
      description: '路灯不亮',
      address_string: '南桥社区',
      media_url: url,
    }).toString();
    const open311 = await api.call('POST', '/open311/v2/requests.json', undefined, form, FORM);
    expect(open311.status).toBe(400);
  });
});

describe('row 9: tokens', () => {
  const key = () => Buffer.from(readFileSync(join(dataDir, 'jwt-signing.key'), 'utf8'), 'base64');

  it('refuses a token without exp (401)', async () => {
    const jwt = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('forever')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .sign(key());
    expect((await api.call('GET', '/v1/board', jwt)).status).toBe(401);
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('takes the scheme %s (case-insensitive)', async (scheme) => {
    const res = await api.call('GET', '/v1/board', undefined, undefined, {
      authorization: `${scheme} ${await tokens.admin()}`,
    });
    expect(res.status).toBe(200);
  });
});

describe('row 10: list filters outside one’s scope', () => {
  it.each([
    ['a street supervisor, another street’s ticket’s notifications', 'supervisorOut', 'notifications'],
    ['a street supervisor, another street’s community', 'supervisorIn', `tickets?communityId=${XISHAN}`],
    ['a reporter, another street', 'reporter', 'tickets?streetId=st-xishan'],
  ])('%s → 403', async (_n, who, path) => {
    const t = await dispatched();
    const token =
      who === 'supervisorOut'
        ? await tokens.supervisor('st-xishan')
        : who === 'supervisorIn'
          ? await tokens.supervisor(LAILONGMEN)
          : await tokens.reporter(NANQIAO);
    const url = path === 'notifications' ? `/v1/notifications?ticketId=${t.id}` : `/v1/${path}`;
    const res = await api.call('GET', url, token);
    expect(res.status).toBe(403);
    expect(isProblem(res)).toBe(true);
  });
});

describe('row 11: text fields', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['ESC', 'a\u001b[31mb'],
    ['a right-to-left override', 'abc\u202Egpj.exe'],
    ['nothing visible', '\u200b\u200b\u200d'],
    ['only spaces', '\u3000 \u00a0'],
  ])('refuses a title with %s (400)', async (_n, title) => {
    const res = await api.call('POST', '/v1/tickets', await tokens.reporter(NANQIAO), ticketBody({ title }));
    expect(res.status).toBe(400);
    expect((res.body as { errors: { path: string }[] }).errors[0]?.path).toBe('title');
  });

  it('stores titles NFC-normalised and trimmed', async () => {
    const res = await api.call<TicketView>(
      'POST',
      '/v1/tickets',
      await tokens.reporter(NANQIAO),
      ticketBody({ title: '  Cafe\u0301 门口 ' }),
    );
    expect(res.status).toBe(201);
    expect(res.body.title).toBe('Caf\u00e9 门口');
  });
});

describe('row 12: the dev-token endpoint', () => {
  const post = (headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(rt.url);
      const req = request(
        { host: url.hostname, port: url.port, path: '/v1/local/tokens', method: 'POST', headers },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ role: 'admin' }));
    });

  it('takes application/json only (415 otherwise)', async () => {
    expect(await post({ 'content-type': 'text/plain' })).toBe(415);
    expect(await post({})).toBe(415);
    expect(await post({ 'content-type': 'application/json' })).toBe(201);
  });

  it.each(['evil.example', 'evil.example:3000', '127.0.0.1.evil.example'])(
    'refuses Host %s (403)',
    async (host) => {
      expect(await post({ 'content-type': 'application/json', host })).toBe(403);
    },
  );

  it.each(['localhost', '127.0.0.1:3000', '[::1]:3000'])('takes Host %s', async (host) => {
    expect(await post({ 'content-type': 'application/json', host })).toBe(201);
  });
});

// After every other link test: it spends this client's budget of refused link lookups.
describe('row 4: guessing codes', () => {
  it('rate-limits guessing: a client trying random codes gets 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 120; i += 1) {
      const guess = Math.random().toString(36).slice(2).padEnd(13, 'x').slice(0, 13);
      statuses.push((await fetch(`${rt.url}/l/${guess}`)).status);
      if (statuses.at(-1) === 429) break;
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 404 && s !== 429)).toEqual([]);
  });
});

// Last: a second runtime in this process takes over the handlers' dependencies (one per process).
describe('row 2: Open311 POST meets the intake admission limit', () => {
  it('answers 429 in the spec’s format beyond the limit', async () => {
    const small = await bootRuntime({ intakePerSecond: 2 });
    try {
      const reporter = await new Tokens(small.api).reporter(NANQIAO);
      const form = new URLSearchParams({
        api_key: reporter,
        service_code: 'di-neighbor-dispute',
        description: '楼道堆放杂物',
        address_string: '南桥社区3栋',
      }).toString();
      const all = await Promise.all(
        Array.from({ length: 30 }, () =>
          small.api.call<{ code: number }[]>('POST', '/open311/v2/requests.json', undefined, form, FORM),
        ),
      );
      const statuses = all.map((r) => r.status);
      expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(3);
      const limited = all.find((r) => r.status === 429);
      expect(limited?.body[0]?.code).toBe(429);
      expect(limited?.headers.get('retry-after')).toBe('1');
    } finally {
      await small.rt.stop();
    }
  });
});
