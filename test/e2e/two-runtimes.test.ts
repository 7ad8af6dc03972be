/**
 * Two embedded runtimes in one process share nothing: every handler is made by its factory with
 * its own runtime's store, engine and clock (no module-global dependencies), so each keeps its
 * own tickets, clocks and notices, and stopping one leaves the other serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import type { ApiClient } from '../helpers/api-client';
import { LAILONGMEN_OFFICE, NANQIAO, ticketBody } from '../helpers/fixtures';
import { bootRuntime } from '../helpers/runtime';

interface TicketView {
  id: string;
  title: string;
  status: string;
}

let a: { rt: Runtime; api: ApiClient };
let b: { rt: Runtime; api: ApiClient };
let bStopped = false;

beforeAll(async () => {
  a = await bootRuntime({ watchdogMs: 0 });
  b = await bootRuntime({ watchdogMs: 0 });
});
afterAll(async () => {
  await a?.rt.stop();
  if (!bStopped) await b?.rt.stop();
});

async function raise(side: { api: ApiClient }, title: string): Promise<TicketView> {
  const reporter = await side.api.cachedToken({ sub: 'grid-1', role: 'reporter', communityId: NANQIAO });
  const res = await side.api.call<TicketView>('POST', '/v1/tickets', reporter, ticketBody({ title }));
  expect(res.status).toBe(201);
  return res.body;
}

async function titles(side: { api: ApiClient }): Promise<string[]> {
  const admin = await side.api.cachedToken({ sub: 'admin-1', role: 'admin' });
  const res = await side.api.call<{ items: TicketView[] }>('GET', '/v1/tickets?limit=100', admin);
  expect(res.status).toBe(200);
  return res.body.items.map((t) => t.title);
}

describe('two embedded runtimes in one process', () => {
  it('each keeps its own tickets, clocks and notices', async () => {
    const first = await raise(a, '甲的工单');
    const second = await raise(b, '乙的工单');
    await Promise.all([a.rt.workflow.settled(), b.rt.workflow.settled()]);

    expect(await titles(a)).toEqual(['甲的工单']);
    expect(await titles(b)).toEqual(['乙的工单']);

    // A ticket is found only where it was raised.
    const adminA = await a.api.cachedToken({ sub: 'admin-1', role: 'admin' });
    const adminB = await b.api.cachedToken({ sub: 'admin-1', role: 'admin' });
    expect((await a.api.call('GET', `/v1/tickets/${second.id}`, adminA)).status).toBe(404);
    expect((await b.api.call('GET', `/v1/tickets/${first.id}`, adminB)).status).toBe(404);

    // Each engine runs the clock of its own ticket only, and each dispatch is written where it
    // happened.
    expect(a.rt.workflow.waitingCount()).toBe(1);
    expect(b.rt.workflow.waitingCount()).toBe(1);
    const notes = async (side: typeof a, admin: string, id: string) =>
      (
        await side.api.call<{ items: { kind: string; unitId?: string }[] }>(
          'GET',
          `/v1/notifications?ticketId=${id}`,
          admin,
        )
      ).body.items.filter((n) => n.kind === 'dispatch' && n.unitId === LAILONGMEN_OFFICE);
    expect((await notes(a, adminA, first.id)).length).toBeGreaterThan(0);
    expect(await notes(a, adminA, second.id)).toEqual([]);
    expect((await notes(b, adminB, second.id)).length).toBeGreaterThan(0);
  });

  it('acts on a ticket through its own runtime while the other stops', async () => {
    const ticket = await raise(a, '甲的第二张工单');
    await a.rt.workflow.settled();
    await b.rt.stop();
    bStopped = true;
    const unit = await a.api.cachedToken({ sub: 'u-1', role: 'unit', unitId: LAILONGMEN_OFFICE });
    const res = await a.api.call<TicketView>('POST', `/v1/tickets/${ticket.id}/acknowledge`, unit, {});
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('acknowledged');
  });
});
