/**
 * The rankings from daily aggregates (issue 16): GET /v1/metrics/units and /v1/metrics/streets
 * read a row per unit and street per day, kept with the ticket writes, never the period's tickets.
 * They agree with the figures computed from the tickets themselves, cut a period at an instant
 * exactly, and ask the store the same number of requests with few or many tickets (a data
 * directory from before the aggregates: test/e2e/layout-upgrade.test.ts).
 * Counts store requests, not time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import type { Ticket } from '../../shared/domain/model';
import {
  type StreetMetrics,
  StreetMetricsAccumulator,
  type UnitMetrics,
  UnitMetricsAccumulator,
} from '../../shared/use-cases/metrics';
import type { ApiClient } from '../helpers/api-client';
import { LAILONGMEN, LAILONGMEN_OFFICE, NANQIAO, ticketBody, XISHAN } from '../helpers/fixtures';
import { bootRuntime } from '../helpers/runtime';

let rt: Runtime;
let api: ApiClient;
let admin: string;

beforeAll(async () => {
  ({ rt, api } = await bootRuntime());
  admin = await api.cachedToken({ role: 'admin' });
}, 60_000);
afterAll(async () => {
  await rt?.stop();
});

async function create(n: number, communityId: string): Promise<string[]> {
  const token = await api.cachedToken({ role: 'reporter', communityId });
  const ids: string[] = [];
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, n - i) }, async (_, j) => {
        const res = await api.call<Ticket>(
          'POST',
          '/v1/tickets',
          token,
          ticketBody({ communityId, title: `堆物 ${i + j}` }),
        );
        expect(res.status).toBe(201);
        return res.body.id;
      }),
    );
    ids.push(...batch);
  }
  await rt.workflow.settled();
  return ids;
}

/** Acknowledge, resolve and take the verdict of a Nanqiao ticket (led by Lailongmen's office). */
async function closeWithVerdict(id: string, rating: 'satisfied' | 'unsatisfied'): Promise<void> {
  const unit = await api.cachedToken({ role: 'unit', unitId: LAILONGMEN_OFFICE });
  const reporter = await api.cachedToken({ role: 'reporter', communityId: NANQIAO });
  expect((await api.call('POST', `/v1/tickets/${id}/acknowledge`, unit)).status).toBe(200);
  expect((await api.call('POST', `/v1/tickets/${id}/resolve`, unit, { summary: '已清理' })).status).toBe(200);
  await api.until(
    () => api.call<Ticket>('GET', `/v1/tickets/${id}`, admin),
    (r) => r.body.status === 'resolved',
  );
  await api.until(
    () => api.call<{ items: { kind: string }[] }>('GET', `/v1/notifications?ticketId=${id}`, admin),
    (r) => r.body.items.some((n) => n.kind === 'feedback_request'),
  );
  const res = await api.call('POST', `/v1/tickets/${id}/feedback`, reporter, { rating });
  expect(res.status).toBe(200);
}

/** What the figures must be: the accumulators over the period's tickets, read one by one. */
async function fromTickets(from: string, to: string, streetId?: string) {
  const now = rt.deps.clock.now();
  const units = new UnitMetricsAccumulator(now);
  const streets = new StreetMetricsAccumulator(now);
  for await (const page of rt.deps.store.scanPeriod(from, to)) {
    for (const t of page) {
      if (streetId && t.streetId !== streetId) continue;
      units.add(t);
      streets.add(t);
    }
  }
  return { units: units.result(), streets: streets.result() };
}

type Answer<T> = { from: string; to: string; items: T[] };

/** A metrics route's answer, with the fewest store reads of three calls (background work adds). */
async function metrics<T>(path: string, token = admin): Promise<{ body: Answer<T>; reads: number }> {
  await rt.workflow.settled();
  await rt.outbox.drained();
  let best: { body: Answer<T>; reads: number } | undefined;
  for (let i = 0; i < 3; i += 1) {
    const before = rt.store.stats.reads;
    const res = await api.call<Answer<T>>('GET', path, token);
    expect(res.status).toBe(200);
    const sample = { body: res.body, reads: rt.store.stats.reads - before };
    if (!best || sample.reads < best.reads) best = sample;
  }
  return best as { body: Answer<T>; reads: number };
}

const q = (v: string) => encodeURIComponent(v);

describe('rankings from the daily aggregates', () => {
  it('agree with the tickets and ask the store the same with 4 and 124 tickets', async () => {
    const nanqiao = await create(3, NANQIAO);
    await create(1, XISHAN);
    await closeWithVerdict(nanqiao[0] as string, 'satisfied');
    await closeWithVerdict(nanqiao[1] as string, 'unsatisfied');

    const small = await metrics<UnitMetrics>('/v1/metrics/units');
    const smallStreets = await metrics<StreetMetrics>('/v1/metrics/streets');
    const truth = await fromTickets(small.body.from, small.body.to);
    expect(small.body.items).toEqual(truth.units);
    const office = small.body.items.find((u) => u.unitId === LAILONGMEN_OFFICE);
    // The unsatisfied verdict reopened its ticket: resolved once, reopened once.
    expect(office).toMatchObject({
      received: 3,
      resolved: 1,
      reopened: 1,
      verdicts: 2,
      satisfied: 1,
      satisfactionRate: 0.5,
    });
    expect(smallStreets.body.items.filter((s) => s.received > 0)).toEqual(
      truth.streets.filter((s) => s.received > 0),
    );

    await create(100, NANQIAO);
    await create(20, XISHAN);
    const large = await metrics<UnitMetrics>('/v1/metrics/units');
    const largeStreets = await metrics<StreetMetrics>('/v1/metrics/streets');
    expect(large.body.items).toEqual((await fromTickets(large.body.from, large.body.to)).units);
    expect(large.body.items.reduce((n, u) => n + u.received, 0)).toBeGreaterThanOrEqual(124);

    // A row per unit and street a day: the same requests whatever the number of tickets.
    expect(large.reads).toBe(small.reads);
    expect(largeStreets.reads).toBe(smallStreets.reads);

    // A street supervisor's view: its street's tickets only, from the street's own rows.
    const supervisor = await api.cachedToken({ role: 'supervisor', streetId: LAILONGMEN });
    const own = await metrics<UnitMetrics>('/v1/metrics/units', supervisor);
    expect(own.body.items).toEqual((await fromTickets(own.body.from, own.body.to, LAILONGMEN)).units);
  }, 240_000);

  it('read no day before the deployment, however far back the period reaches', async () => {
    await create(2, XISHAN);
    // No ticket predates the first configuration: intake needs one.
    const since = (await rt.deps.configs.version(1)).createdAt.slice(0, 10);
    const fromDeployment = await metrics<UnitMetrics>(`/v1/metrics/units?from=${since}`);
    const fromLongAgo = await metrics<UnitMetrics>('/v1/metrics/units?from=2016-01-01');
    expect(fromLongAgo.body.items).toEqual(fromDeployment.body.items);
    expect(fromLongAgo.body.items).toEqual(
      (await fromTickets(fromLongAgo.body.from, fromLongAgo.body.to)).units,
    );
    expect(fromLongAgo.reads).toBe(fromDeployment.reads);
  }, 120_000);

  it('cut a period at an instant exactly', async () => {
    const ids = await create(6, NANQIAO);
    const tickets = await Promise.all(ids.map((id) => rt.deps.store.getTicket(id)));
    const created = tickets.map((r) => r?.ticket.createdAt as string).sort();
    const from = created[2] as string;
    const to = created[4] as string;
    const cut = await metrics<UnitMetrics>(`/v1/metrics/units?from=${q(from)}&to=${q(to)}`);
    const truth = await fromTickets(cut.body.from, cut.body.to);
    expect(cut.body.items).toEqual(truth.units);
    expect(cut.body.items.reduce((n, u) => n + u.received, 0)).toBe(
      truth.units.reduce((n, u) => n + u.received, 0),
    );
    const streets = await metrics<StreetMetrics>(`/v1/metrics/streets?from=${q(from)}&to=${q(to)}`);
    expect(streets.body.items.filter((s) => s.received > 0)).toEqual(
      (await fromTickets(from, to)).streets.filter((s) => s.received > 0),
    );
  }, 120_000);
});
