/**
 * Limits the contract and the embedded runtime promise: request bodies (413), list page sizes
 * (limit ≤ 100, 400 above), and admission control on ticket intake (429 with Retry-After).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import type { ApiClient } from '../helpers/api-client';
import { bootRuntime, isProblem, LAILONGMEN_OFFICE, NANQIAO, Tokens, ticketBody } from './support';

describe('request and page sizes', () => {
  let rt: Runtime;
  let api: ApiClient;
  let tokens: Tokens;
  let ticketId: string;
  beforeAll(async () => {
    ({ rt, api } = await bootRuntime());
    tokens = new Tokens(api);
    const created = await api.call<{ id: string }>(
      'POST',
      '/v1/tickets',
      await tokens.reporter(NANQIAO),
      ticketBody(),
    );
    ticketId = created.body.id;
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it.each([
    ['just over 64 KB', 64 * 1024 + 1],
    ['2 MB', 2 * 1024 * 1024],
  ])('refuses a %s ticket with 413 problem+json', async (_n, size) => {
    const body = JSON.stringify(ticketBody({ description: 'x'.repeat(size) }));
    const res = await api.call('POST', '/v1/tickets', await tokens.reporter(NANQIAO), body);
    expect(res.status).toBe(413);
    expect(isProblem(res)).toBe(true);
  });

  it('refuses an oversized action body with 413, and the ticket is unchanged', async () => {
    const unit = await tokens.unit(LAILONGMEN_OFFICE);
    const res = await api.call(
      'POST',
      `/v1/tickets/${ticketId}/progress`,
      unit,
      JSON.stringify({ note: '进'.repeat(30_000) }),
    );
    expect(res.status).toBe(413);
    expect(isProblem(res)).toBe(true);
  });

  it('still takes a body just under the limit (refused for its content, not its size)', async () => {
    const body = JSON.stringify(ticketBody({ description: 'x'.repeat(60 * 1024) }));
    const res = await api.call('POST', '/v1/tickets', await tokens.reporter(NANQIAO), body);
    expect(res.status).toBe(400);
  });

  const lists = ['/v1/tickets', '/v1/breaches', '/v1/notifications', '/v1/units'];
  it.each(lists)('%s takes limit 1..100 and refuses anything else with 400', async (path) => {
    const admin = await tokens.admin();
    for (const ok of ['1', '100']) {
      const res = await api.call<{ items: unknown[] }>('GET', `${path}?limit=${ok}`, admin);
      expect(res.status, `limit=${ok}`).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(Number(ok));
    }
    for (const bad of ['101', '0', '-1', '1.5', 'abc', '1e9', '']) {
      const res = await api.call('GET', `${path}?limit=${bad}`, admin);
      if (bad === '' && res.status === 200) continue; // an empty value may read as "not given"
      expect(res.status, `limit=${bad}`).toBe(400);
      expect(isProblem(res)).toBe(true);
    }
  });

  it('pages a long list in pages of at most `limit`, each item once', async () => {
    const reporter = await tokens.reporter(NANQIAO);
    for (let i = 0; i < 7; i += 1)
      await api.call('POST', '/v1/tickets', reporter, ticketBody({ title: `分页 ${i}` }));
    const admin = await tokens.admin();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await api.call<{ items: { id: string }[]; nextCursor: string | null }>(
        'GET',
        `/v1/tickets?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        admin,
      );
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((t) => t.id));
      cursor = res.body.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 50);
    expect(seen.length).toBeGreaterThanOrEqual(8);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('admission control on intake', () => {
  let rt: Runtime;
  let api: ApiClient;
  let tokens: Tokens;
  beforeAll(async () => {
    ({ rt, api } = await bootRuntime({ intakePerSecond: 5 }));
    tokens = new Tokens(api);
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('answers a burst beyond the rate with 429 and Retry-After, serves reads meanwhile, and recovers', async () => {
    const reporter = await tokens.reporter(NANQIAO);
    const admin = await tokens.admin();
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        api.call('POST', '/v1/tickets', reporter, ticketBody({ title: `突发 ${i}` })),
      ),
    );
    const created = burst.filter((r) => r.status === 201);
    const refused = burst.filter((r) => r.status === 429);
    expect(created.length + refused.length).toBe(30);
    expect(created.length).toBeGreaterThanOrEqual(1);
    // The bucket holds 5 and refills 5 a second: a burst this short cannot get much more through.
    expect(created.length).toBeLessThanOrEqual(10);
    for (const r of refused) {
      expect(isProblem(r)).toBe(true);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Reads are not intake: they go on.
    expect((await api.call('GET', '/v1/tickets?limit=5', admin)).status).toBe(200);
    // A client that honours Retry-After gets through.
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await api.call('POST', '/v1/tickets', reporter, ticketBody({ title: '稍后重试' }))).status).toBe(
      201,
    );
  });
});
