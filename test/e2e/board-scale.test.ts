/**
 * The live board at scale (issue 16): it is read from counters kept with the writes and from the
 * attention markers, never from the open tickets, so it asks the store the same number of
 * requests with 3 or 300 open tickets, and its numbers match the tickets themselves.
 * Counts store requests, not time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import type { ApiClient } from '../helpers/api-client';
import { LAILONGMEN, NANQIAO, NEIGHBOR_DISPUTE, XISHAN } from '../helpers/fixtures';
import { bootRuntime } from '../helpers/runtime';

interface Board {
  open: number;
  byStatus: Record<string, number>;
  byLevel: Record<string, number>;
  flagged: { id: string; code: string; flags: string[] }[];
}

let rt: Runtime;
let api: ApiClient;

beforeAll(async () => {
  ({ rt, api } = await bootRuntime());
}, 60_000);
afterAll(async () => {
  await rt?.stop();
});

async function create(n: number, communityId: string): Promise<void> {
  const token = await api.cachedToken({ role: 'reporter', communityId });
  for (let i = 0; i < n; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, n - i) }, async (_, j) => {
        const res = await api.call('POST', '/v1/tickets', token, {
          dutyItemId: NEIGHBOR_DISPUTE,
          communityId,
          title: `楼道堆物 ${i + j}`,
          description: '看板规模测试',
          channel: 'grid',
        });
        expect(res.status).toBe(201);
      }),
    );
  }
  await rt.workflow.settled();
}

/**
 * GET /v1/board, with how many store requests it took. The runtime's background work (the
 * notification sender draining, the clock watchdog's passes) shares the store and can only add
 * requests, so the fewest of three answers is the board's own count.
 */
async function board(token: string): Promise<{ body: Board; reads: number; writes: number }> {
  await rt.workflow.settled();
  await rt.outbox.drained();
  let best: { body: Board; reads: number; writes: number } | undefined;
  for (let i = 0; i < 3; i += 1) {
    const before = { ...rt.store.stats };
    const res = await api.call<Board>('GET', '/v1/board', token);
    expect(res.status).toBe(200);
    const sample = {
      body: res.body,
      reads: rt.store.stats.reads - before.reads,
      writes: rt.store.stats.writes - before.writes,
    };
    if (!best || sample.reads + sample.writes < best.reads + best.writes) best = sample;
  }
  return best as { body: Board; reads: number; writes: number };
}

/** What the board must say, from the tickets themselves (the list API, paged). */
async function openFromTickets(token: string): Promise<number> {
  let open = 0;
  let cursor: string | null = null;
  do {
    const res: { body: { items: { status: string }[]; nextCursor: string | null } } = await api.call(
      'GET',
      `/v1/tickets?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      token,
    );
    open += res.body.items.filter((t) => !['closed', 'cancelled'].includes(t.status)).length;
    cursor = res.body.nextCursor;
  } while (cursor);
  return open;
}

describe('GET /v1/board without reading the open tickets', () => {
  it('asks the store the same number of requests with 3 and with 300 open tickets', async () => {
    const admin = await api.cachedToken({ role: 'admin' });
    const street = await api.cachedToken({ role: 'supervisor', streetId: LAILONGMEN });

    await create(2, NANQIAO);
    await create(1, XISHAN);
    const small = await board(admin);
    const smallStreet = await board(street);
    expect(small.body.open).toBe(3);
    expect(smallStreet.body.open).toBe(2);

    await create(200, NANQIAO);
    await create(97, XISHAN);
    const large = await board(admin);
    const largeStreet = await board(street);
    expect(large.body.open).toBe(300);
    expect(largeStreet.body.open).toBe(202);
    expect(large.body.open).toBe(await openFromTickets(admin));
    expect(Object.values(large.body.byStatus).reduce((a, b) => a + b, 0)).toBe(300);
    expect(Object.values(large.body.byLevel).reduce((a, b) => a + b, 0)).toBe(300);

    // The same requests at both sizes, and few: a counter item and one page of markers.
    expect(large.reads).toBe(small.reads);
    expect(largeStreet.reads).toBe(smallStreet.reads);
    expect(large.reads).toBeLessThanOrEqual(4);
    expect(large.writes).toBe(0);
  }, 180_000);
});
