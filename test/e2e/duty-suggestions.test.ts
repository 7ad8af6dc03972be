/**
 * `GET /v1/duty-items?q=`: a reporter's description ranked against the duty list on the embedded
 * runtime, the list unchanged without `q`, a 400 naming `q` for a blank one, and an admin's new
 * keyword (a new configuration version) changing what is suggested.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NANQIAO } from '../helpers/fixtures';
import { DocumentedResponses } from '../helpers/openapi-responses';
import { Harness } from '../helpers/workflow-harness';

type Suggestions = {
  query: string;
  items: { dutyItemId: string; name: string; score: number; matched: string[] }[];
  confident: boolean;
  configVersion: number;
};
type Problem = { status: number; errors?: { path: string; message: string }[] };

let h: Harness;
let documented: DocumentedResponses;
beforeAll(async () => {
  h = await Harness.start('2026-09-28T09:00:00+08:00');
  documented = new DocumentedResponses(
    (await h.api.call<Record<string, unknown>>('GET', '/openapi.json')).body,
  );
});
afterAll(() => h?.stop());

async function suggest(q: string, token: string, extra = '') {
  const res = await h.api.call<Suggestions>(
    'GET',
    `/v1/duty-items?q=${encodeURIComponent(q)}${extra}`,
    token,
  );
  documented.check('GET', '/v1/duty-items', res.status, res.body);
  return res;
}

describe('duty-item suggestions over HTTP', () => {
  it('puts the e-bike charging item in the first three for a grid worker’s words', async () => {
    const res = await suggest('3栋楼道里有人给电瓶车充电，很危险', await h.reporter(NANQIAO));
    expect(res.status).toBe(200);
    expect(res.body.query).toBe('3栋楼道里有人给电瓶车充电，很危险');
    expect(res.body.items).toHaveLength(3);
    expect(res.body.items.map((i) => i.dutyItemId)).toContain('di-ebike-corridor-charging');
    const top = res.body.items[0];
    expect(top?.matched.length).toBeGreaterThan(0);
    expect(res.body.items.map((i) => i.score)).toEqual(
      [...res.body.items.map((i) => i.score)].sort((a, b) => b - a),
    );
  });

  it('answers every role, honours limit 1..10 and refuses more', async () => {
    const unit = await h.unit('u-street-lailongmen');
    expect((await suggest('路灯坏了好几天', unit, '&limit=1')).body.items).toHaveLength(1);
    expect((await suggest('路灯坏了好几天', unit, '&limit=10')).status).toBe(200);
    const tooMany = await h.api.call<Problem>('GET', '/v1/duty-items?q=路灯&limit=11', unit);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors?.map((e) => e.path)).toContain('limit');
    expect((await h.api.call('GET', '/v1/duty-items?q=路灯')).status).toBe(401);
  });

  it('refuses a blank or too long description, naming q', async () => {
    const token = await h.reporter(NANQIAO);
    for (const q of ['', '   ', '家'.repeat(501)]) {
      const res = await h.api.call<Problem>('GET', `/v1/duty-items?q=${encodeURIComponent(q)}`, token);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.errors?.map((e) => e.path)).toContain('q');
    }
  });

  it('answers the list exactly as before without q', async () => {
    const res = await h.api.call<{ items: { id: string }[]; configVersion: number; nextCursor: null }>(
      'GET',
      '/v1/duty-items',
      await h.reporter(NANQIAO),
    );
    expect(res.status).toBe(200);
    documented.check('GET', '/v1/duty-items', res.status, res.body);
    expect(res.body.items.length).toBe(71);
    expect(res.body).toHaveProperty('nextCursor', null);
    const paged = await h.api.call<{ items: unknown[]; nextCursor: string }>(
      'GET',
      '/v1/duty-items?limit=5',
      await h.reporter(NANQIAO),
    );
    expect(paged.body.items).toHaveLength(5);
    expect(typeof paged.body.nextCursor).toBe('string');
  });

  it('follows an admin’s new keyword: a new version, a different suggestion', async () => {
    const admin = await h.admin();
    // 坝坝宴: an open-air banquet cooked on the pavement, a word the seed does not know.
    const before = await suggest('楼下有人在摆坝坝宴', admin);
    expect(before.body.items[0]?.dutyItemId).not.toBe('di-food-stalls');
    const list = await h.api.call<{ items: Record<string, unknown>[] }>('GET', '/v1/duty-items', admin);
    const item = list.body.items.find((i) => i.id === 'di-food-stalls') as Record<string, unknown>;
    const { id: _id, ...body } = item;
    const put = await h.api.call<{ configVersion: number; keywords: string[] }>(
      'PUT',
      '/v1/duty-items/di-food-stalls',
      admin,
      { ...body, keywords: [...((item.keywords as string[]) ?? []), '坝坝宴'] },
    );
    expect(put.status).toBe(200);
    expect(put.body.keywords).toContain('坝坝宴');
    const after = await suggest('楼下有人在摆坝坝宴', admin);
    expect(after.body.configVersion).toBe(put.body.configVersion);
    expect(after.body.configVersion).toBeGreaterThan(before.body.configVersion);
    expect(after.body.items[0]?.dutyItemId).toBe('di-food-stalls');
    expect(after.body.items[0]?.matched).toContain('坝坝宴');
  });
});
