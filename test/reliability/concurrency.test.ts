/**
 * Many hands on one ticket at once. Every state change is one conditional write guarded by
 * `version`: racing acknowledges, resolves and verdicts have exactly one winner and 409s for the
 * rest; racing writes that may all apply (progress notes) all land, none lost, none doubled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import type { ApiClient, ApiResponse } from '../helpers/api-client';
import { bootRuntime, isProblem, LAILONGMEN_OFFICE, NANQIAO, Tokens, ticketBody } from './support';

interface TicketView {
  id: string;
  status: string;
  version: number;
  timeline: { type: string; unitId?: string }[];
}

const RACERS = 20;

let rt: Runtime;
let api: ApiClient;
let tokens: Tokens;

beforeAll(async () => {
  ({ rt, api } = await bootRuntime());
  tokens = new Tokens(api);
});
afterAll(async () => {
  await rt?.stop();
});

async function dispatchedTicket(overrides: Record<string, unknown> = {}): Promise<TicketView> {
  const created = await api.call<TicketView>(
    'POST',
    '/v1/tickets',
    await tokens.reporter(NANQIAO),
    ticketBody(overrides),
  );
  expect(created.status).toBe(201);
  const admin = await tokens.admin();
  return (
    await api.until(
      () => api.call<TicketView>('GET', `/v1/tickets/${created.body.id}`, admin),
      (r) => r.body.status === 'dispatched',
    )
  ).body;
}

async function race(n: number, send: () => Promise<ApiResponse<unknown>>) {
  const results = await Promise.all(Array.from({ length: n }, send));
  const byStatus = new Map<number, number>();
  for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  return { results, byStatus: Object.fromEntries(byStatus) as Record<number, number> };
}

const count = (t: TicketView, type: string) => t.timeline.filter((e) => e.type === type).length;

async function current(id: string): Promise<TicketView> {
  return (await api.call<TicketView>('GET', `/v1/tickets/${id}`, await tokens.admin())).body;
}

describe('racing actions on one ticket', () => {
  it('20 simultaneous acknowledges: exactly one 200, nineteen 409, one timeline event', async () => {
    const t = await dispatchedTicket();
    const unit = await tokens.unit(LAILONGMEN_OFFICE);
    const { results, byStatus } = await race(RACERS, () =>
      api.call('POST', `/v1/tickets/${t.id}/acknowledge`, unit, {}),
    );
    expect(byStatus).toEqual({ 200: 1, 409: RACERS - 1 });
    for (const r of results.filter((x) => x.status === 409)) expect(isProblem(r)).toBe(true);
    const after = await current(t.id);
    expect(after.status).toBe('acknowledged');
    expect(count(after, 'acknowledged')).toBe(1);
    expect(after.version).toBeGreaterThan(t.version);
  });

  it('20 simultaneous resolves: exactly one 200, nineteen 409, one timeline event', async () => {
    const t = await dispatchedTicket();
    const unit = await tokens.unit(LAILONGMEN_OFFICE);
    expect((await api.call('POST', `/v1/tickets/${t.id}/acknowledge`, unit, {})).status).toBe(200);
    const { byStatus } = await race(RACERS, () =>
      api.call('POST', `/v1/tickets/${t.id}/resolve`, unit, { summary: '已清理完毕' }),
    );
    expect(byStatus).toEqual({ 200: 1, 409: RACERS - 1 });
    const after = await current(t.id);
    expect(after.status).toBe('resolved');
    expect(count(after, 'resolved')).toBe(1);
  });

  it('20 simultaneous verdicts (mixed ratings): one wins, the ticket closes or reopens once', async () => {
    const t = await dispatchedTicket();
    const unit = await tokens.unit(LAILONGMEN_OFFICE);
    const reporter = await tokens.reporter(NANQIAO);
    expect((await api.call('POST', `/v1/tickets/${t.id}/acknowledge`, unit, {})).status).toBe(200);
    expect((await api.call('POST', `/v1/tickets/${t.id}/resolve`, unit, { summary: '已处理' })).status).toBe(
      200,
    );
    let i = 0;
    const ratings = ['satisfied', 'unsatisfied', 'basically_satisfied'];
    const { results, byStatus } = await race(RACERS, () =>
      api.call<TicketView>('POST', `/v1/tickets/${t.id}/feedback`, reporter, { rating: ratings[i++ % 3] }),
    );
    expect(byStatus).toEqual({ 200: 1, 409: RACERS - 1 });
    const winner = results.find((r) => r.status === 200)?.body as TicketView;
    const after = await current(t.id);
    expect(after.status).toBe(winner.status);
    expect(['closed', 'reopened']).toContain(after.status);
    expect(count(after, 'feedback')).toBe(1);
    expect(count(after, 'closed') + count(after, 'reopened')).toBe(1);
  });

  it('acknowledge racing a return from the same unit: one of them wins, the other is refused', async () => {
    const t = await dispatchedTicket();
    const unit = await tokens.unit(LAILONGMEN_OFFICE);
    const [ack, ret] = await Promise.all([
      api.call<TicketView>('POST', `/v1/tickets/${t.id}/acknowledge`, unit, {}),
      api.call<TicketView>('POST', `/v1/tickets/${t.id}/return`, unit, { reason: '不属于本单位职责' }),
    ]);
    const after = await current(t.id);
    // Both may apply in either order (a unit may return an acknowledged ticket within the window);
    // what must hold is that each 200 left exactly its event and each refusal left none.
    expect(count(after, 'acknowledged')).toBe(ack?.status === 200 ? 1 : 0);
    expect(count(after, 'returned')).toBe(ret?.status === 200 ? 1 : 0);
    for (const r of [ack, ret]) expect([200, 409]).toContain(r?.status);
  });

  it('20 simultaneous progress notes: every 200 left its note, no note lost or doubled', async () => {
    const t = await dispatchedTicket();
    const unit = await tokens.unit(LAILONGMEN_OFFICE);
    expect((await api.call('POST', `/v1/tickets/${t.id}/acknowledge`, unit, {})).status).toBe(200);
    let n = 0;
    const notes: string[] = [];
    const send = async () => {
      const note = `进展 ${++n}`;
      // A request that lost every optimistic-lock retry is told so (409) and sent again, as a client would.
      for (let attempt = 0; attempt < 20; attempt += 1) {
        const r = await api.call('POST', `/v1/tickets/${t.id}/progress`, unit, { note });
        if (r.status === 200) {
          notes.push(note);
          return r;
        }
        expect(r.status).toBe(409);
      }
      throw new Error(`note ${note} never landed`);
    };
    await race(RACERS, send);
    const after = await current(t.id);
    const events = after.timeline.filter((e) => e.type === 'progress');
    expect(events).toHaveLength(RACERS);
    expect(new Set(notes).size).toBe(RACERS);
  });
});

describe('racing intake with one Idempotency-Key', () => {
  it('20 simultaneous POSTs with the same key and body make one ticket; the rest replay it', async () => {
    const reporter = await tokens.reporter(NANQIAO);
    const body = ticketBody({ title: '同一个键并发提交' });
    const { results, byStatus } = await race(RACERS, () =>
      api.call<TicketView>('POST', '/v1/tickets', reporter, body, { 'idempotency-key': 'race-key-1' }),
    );
    expect(byStatus).toEqual({ 201: 1, 200: RACERS - 1 });
    expect(new Set(results.map((r) => (r.body as TicketView).id)).size).toBe(1);
    for (const r of results.filter((x) => x.status === 200))
      expect(r.headers.get('idempotent-replayed')).toBe('true');
    const id = (results[0] as ApiResponse<TicketView>).body.id;
    expect(count(await current(id), 'created')).toBe(1);
    const other = await api.call('POST', '/v1/tickets', reporter, ticketBody({ title: '换了内容' }), {
      'idempotency-key': 'race-key-1',
    });
    expect([409, 422]).toContain(other.status);
    expect(isProblem(other)).toBe(true);
  });
});
