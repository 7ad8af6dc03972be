/**
 * The due index and the layout upgrade (issue 16). The reconciler finds stranded clocks through a
 * sparse, sharded index on the ticket items (`DUE#<shard>` / `<dueBy>#<id>`), so its query asks the
 * same of the store with 5 or 105 open tickets and returns only what is due; the city-wide list
 * reads the tickets' street entries. A data directory written by the previous layout (tickets on
 * the city-wide list, no aggregates) is brought to this one at start-up, once, without losing or
 * doubling a ticket in any list or count, a write racing it included. Counts requests, not time.
 */
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import type { DynamoStore } from '../../shared/adapters/dynamo-store';
import { DUE_SHARDS } from '../../shared/adapters/table-keys';
import type { Ticket } from '../../shared/domain/model';
import { UnitMetricsAccumulator } from '../../shared/use-cases/metrics';
import type { ApiClient } from '../helpers/api-client';
import { LAILONGMEN_OFFICE, NANQIAO, ticketBody, XISHAN } from '../helpers/fixtures';
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
  await rt.outbox.drained();
  return ids;
}

/** Every id the reconciler's query returns up to `before`, paging `limit` at a time. */
async function allDue(before: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await rt.deps.store.listDue(before, limit, cursor);
    ids.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

/** The ids GET /v1/tickets lists (admin, city-wide), paged. */
async function listed(): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.call(
      'GET',
      `/v1/tickets?limit=50${cursor ? `&cursor=${cursor}` : ''}`,
      admin,
    );
    ids.push(...res.body.items.map((t) => t.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  return ids;
}

/** Store requests one call of the reconciler's query takes (fewest of three: background work adds). */
async function dueQueryRequests(before: string): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i += 1) {
    const at = rt.store.stats.reads;
    await rt.deps.store.listDue(before, 500);
    best = Math.min(best, rt.store.stats.reads - at);
  }
  return best;
}

const FAR = '2099-12-31T23:59:59+08:00';
let all: string[] = [];

describe('the due index', () => {
  it('returns only what is due, the same requests with 5 or 105 open tickets, every due ticket once', async () => {
    all = [...(await create(4, NANQIAO)), ...(await create(1, XISHAN))];
    const now = rt.deps.clock.now().toISOString();
    // Fresh tickets: their next SLA instant lies ahead, so nothing is due now.
    expect(await allDue(now, 500)).toEqual([]);
    const few = await dueQueryRequests(now);
    expect(few).toBe(DUE_SHARDS);

    all.push(...(await create(100, NANQIAO)));
    expect(await dueQueryRequests(now)).toBe(few);

    // Every open ticket has a next instant: all of them are due by the far future, each once, in
    // due order, across pages.
    const due = await allDue(FAR, 7);
    expect(due).toHaveLength(all.length);
    expect(new Set(due)).toEqual(new Set(all));
    const dueBys = await Promise.all(
      due.map(async (id) => (await rt.deps.store.getTicket(id))?.dueBy as string),
    );
    expect(dueBys.map((d) => Date.parse(d))).toEqual(
      [...dueBys.map((d) => Date.parse(d))].sort((a, b) => a - b),
    );

    // The city-wide list reads the street entries: every ticket once.
    const ids = await listed();
    expect(ids).toHaveLength(new Set(ids).size);
    expect(new Set(ids)).toEqual(new Set(all));
  }, 180_000);
});

describe('a data directory from the previous layout', () => {
  it('is brought to this one once, a racing write included, and loses or doubles nothing', async () => {
    const unitsBefore = await api.call<{ items: { unitId: string; received: number }[] }>(
      'GET',
      '/v1/metrics/units',
      admin,
    );
    expect(unitsBefore.status).toBe(200);

    // As the previous version left the table: tickets on the city-wide list, street entries only
    // in their street's, no due index, no daily aggregates, no layout item.
    const doc = DynamoDBDocumentClient.from(rt.store.client);
    const table = (rt.deps.store as DynamoStore).tableName;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        const Key = { pk: item.pk, sk: item.sk };
        if (String(item.pk).startsWith('MET#') || item.pk === 'LAYOUT')
          await doc.send(new DeleteCommand({ TableName: table, Key }));
        else if (item.sk === 'ST')
          await doc.send(new UpdateCommand({ TableName: table, Key, UpdateExpression: 'REMOVE gk1, gs1' }));
        else if (item.sk === 'T' && item.t) {
          const t = item.t as Ticket;
          await doc.send(
            new UpdateCommand({
              TableName: table,
              Key,
              UpdateExpression: 'SET gk1 = :k, gs1 = :s REMOVE mf',
              ExpressionAttributeValues: { ':k': 'TICKET', ':s': `${t.createdAt}#${t.id}` },
            }),
          );
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    expect(await allDue(FAR, 500)).toEqual([]);
    expect((await api.call<{ items: unknown[] }>('GET', '/v1/metrics/units', admin)).body.items).toEqual([]);

    // A write before the upgrade uses the new layout for its ticket (and counts it whole).
    const unit = await api.cachedToken({ role: 'unit', unitId: LAILONGMEN_OFFICE });
    const raced = all[0] as string;
    expect((await api.call('POST', `/v1/tickets/${raced}/acknowledge`, unit)).status).toBe(200);
    await rt.workflow.settled();

    const store = rt.deps.store as DynamoStore;
    const first = await store.upgradeLayout('2026-12-06T00:00:00+08:00');
    expect(first.already).toBe(false);
    expect(first.tickets).toBe(all.length - 1);
    expect(first.counted).toBe(all.length - 1);

    const ids = await listed();
    expect(ids).toHaveLength(all.length);
    expect(new Set(ids)).toEqual(new Set(all));
    expect(new Set(await allDue(FAR, 50))).toEqual(new Set(all));

    const units = await api.call<{ from: string; to: string; items: { unitId: string; received: number }[] }>(
      'GET',
      '/v1/metrics/units',
      admin,
    );
    const truth = new UnitMetricsAccumulator(rt.deps.clock.now());
    for await (const page of rt.deps.store.scanPeriod(units.body.from, units.body.to))
      for (const t of page) truth.add(t);
    expect(units.body.items).toEqual(truth.result());
    const office = (r: { items: { unitId: string; received: number }[] }) =>
      r.items.find((u) => u.unitId === LAILONGMEN_OFFICE)?.received;
    expect(office(units.body)).toBe(office(unitsBefore.body));

    // Once: afterwards one read, nothing changes.
    expect(await store.upgradeLayout('2026-12-06T00:00:00+08:00')).toEqual({
      tickets: 0,
      counted: 0,
      already: true,
    });
    expect(await listed()).toHaveLength(all.length);
  }, 180_000);
});
