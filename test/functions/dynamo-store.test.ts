/**
 * The DynamoDB store adapter, proven on two emulators with one suite: dynalite (what the embedded
 * runtime runs on) and AWS's own DynamoDB Local (amplify-dynamodb-simulator's jar, on Java). Every
 * test gets a fresh table, created with the same table design the CDK data stack deploys.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, startStore } from '../../infra/local/store-server';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { seedConfig } from '../../shared/config/seed';
import { createWorkCalendar } from '../../shared/domain/calendar';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import { ValidationError, VersionConflictError } from '../../shared/domain/errors';
import type { Breach, Ticket } from '../../shared/domain/model';
import type { Principal } from '../../shared/domain/principal';
import * as rules from '../../shared/domain/ticket-rules';
import type { NotificationRecord, StoredTicket } from '../../shared/ports';
import { ticketIds } from '../../shared/use-cases/ticket-service';
import {
  LAILONGMEN,
  LAILONGMEN_OFFICE,
  NANQIAO,
  NEIGHBOR_DISPUTE,
  XISHAN,
  XISHAN_OFFICE,
} from '../helpers/fixtures';
import { stopWriterBeforeCounters } from '../helpers/stop-writer';
import { startDynamoDbLocal } from './dynamodb-local';

interface Backend {
  client: DynamoDBClient;
  stop(): Promise<void>;
}

const backends: [string, () => Promise<Backend>][] = [
  [
    'dynalite',
    async () => {
      const s = await startStore(undefined);
      return { client: s.client, stop: () => s.close() };
    },
  ],
  ['DynamoDB Local', () => startDynamoDbLocal()],
];

const START = Date.parse('2026-09-28T09:00:00+08:00');
const config = seedConfig(toShanghaiIso(new Date(START)));
const cal = createWorkCalendar([]);
const reporterOf = (communityId: string): Principal => ({
  sub: `reporter-${communityId}`,
  role: 'reporter',
  communityId,
  via: 'token',
});

/** A ticket as the rules create it, `minute` minutes after the start (list order is by creation). */
function ticket(
  seed: string,
  minute: number,
  opts: { communityId?: string; dutyItemId?: string; priority?: 'urgent' } = {},
): Ticket {
  const communityId = opts.communityId ?? NANQIAO;
  return rules.createTicket(
    {
      dutyItemId: opts.dutyItemId ?? NEIGHBOR_DISPUTE,
      communityId,
      title: `工单 ${seed}`,
      description: '存储适配器测试',
      channel: 'grid',
      ...(opts.priority ? { priority: opts.priority } : {}),
      reporter: { name: '李四', phone: '+8613900000000' },
    },
    ticketIds(seed),
    reporterOf(communityId),
    { now: new Date(START + minute * 60_000), config, cal },
  );
}

const stored = (t: Ticket): StoredTicket => ({ ticket: t, tokens: {}, requestHash: `hash-${t.id}` });

function notification(t: Ticket, n: number, unitId: string, minute: number): NotificationRecord {
  return {
    id: `dispatch.${unitId}.${n}`,
    ticketId: t.id,
    unitId,
    kind: 'dispatch',
    stage: 'acknowledge',
    messages: [{ channel: 'sms', to: '+8613700000000', text: `派单 ${n}`, status: 'sent', attempts: 1 }],
    at: toShanghaiIso(new Date(START + minute * 60_000)),
  };
}

async function collect<T>(
  page: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const p = await page(cursor);
    items.push(...p.items);
    cursor = p.nextCursor;
    pages += 1;
  } while (cursor && pages < 100);
  return { items, pages };
}

describe.each(backends)('DynamoStore on %s', (_name, start) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await start();
  }, 60_000);
  afterAll(async () => {
    await backend?.stop();
  });

  /** A fresh table per test: the same keys and indexes as the deployed one. */
  async function freshStore(): Promise<DynamoStore> {
    const name = `whistle-${randomUUID().slice(0, 8)}`;
    await ensureTable(backend.client, name);
    return new DynamoStore(backend.client, name);
  }

  it('creates a ticket once and reads it back whole, tokens and request hash included', async () => {
    const store = await freshStore();
    const t = ticket('create-1', 0);
    expect(
      await store.createTicket({ ...stored(t), tokens: { u1: { token: 'tok', stage: 'acknowledge' } } }),
    ).toBe(true);
    expect(await store.createTicket(stored(t))).toBe(false);
    const back = await store.getTicket(t.id);
    expect(back?.ticket).toEqual(t);
    expect(back?.tokens).toEqual({ u1: { token: 'tok', stage: 'acknowledge' } });
    expect(back?.requestHash).toBe(`hash-${t.id}`);
    expect(await store.getTicket('tdoesnotexist0000000')).toBeUndefined();
  });

  it('guards every save with the version: a stale writer loses, exactly one of racing writers wins', async () => {
    const store = await freshStore();
    const t = ticket('save-1', 0);
    await store.createTicket(stored(t));
    const v1 = await store.saveTicket({ ...stored(t), ticket: { ...t, title: 'v1' } }, 0);
    expect(v1.ticket.version).toBe(1);
    await expect(
      store.saveTicket({ ...stored(t), ticket: { ...t, title: 'stale' } }, 0),
    ).rejects.toBeInstanceOf(VersionConflictError);
    const racers = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.saveTicket({ ...v1, ticket: { ...v1.ticket, title: `r${i}` } }, 1),
      ),
    );
    expect(racers.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const losers = racers.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(losers).toHaveLength(9);
    for (const l of losers) expect(l.reason).toBeInstanceOf(VersionConflictError);
    const final = await store.getTicket(t.id);
    expect(final?.ticket.version).toBe(2);
    const winner = racers.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<StoredTicket>;
    expect(final?.ticket.title).toBe(winner.value.ticket.title);
  });

  it('lists newest first, pages with a cursor that visits every ticket exactly once, and filters', async () => {
    const store = await freshStore();
    const nanqiao = Array.from({ length: 7 }, (_, i) => ticket(`list-n${i}`, i));
    const xishan = Array.from({ length: 4 }, (_, i) => ticket(`list-x${i}`, 10 + i, { communityId: XISHAN }));
    // A joint dispatch: the street leads, co-handling departments find it through index items.
    const joint = ticket('list-joint', 20, { dutyItemId: 'di-fire-lane-blocked' });
    const all = [...nanqiao, ...xishan, joint];
    for (const t of all) expect(await store.createTicket(stored(t))).toBe(true);
    // One acknowledged and one breached ticket for the status and breached filters.
    const acked = nanqiao[0] as Ticket;
    await store.saveTicket(stored({ ...acked, status: 'acknowledged' }), 0);
    const breached = xishan[0] as Ticket;
    const breach: Breach = {
      stage: 'acknowledge',
      unitId: XISHAN_OFFICE,
      dueAt: breached.deadlines.acknowledgeBy as string,
      breachedAt: breached.deadlines.acknowledgeBy as string,
      level: 1,
    };
    await store.saveTicket(stored({ ...breached, breaches: [breach] }), 0);

    const everything = await collect((c) => store.listTickets({}, 5, c));
    expect(everything.pages).toBeGreaterThanOrEqual(3);
    expect(everything.items.map((t) => t.id)).toEqual(
      [...all].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((t) => t.id),
    );

    const ids = async (filter: Parameters<DynamoStore['listTickets']>[0]) =>
      (await collect((c) => store.listTickets(filter, 3, c))).items.map((t) => t.id).sort();
    const sorted = (ts: Ticket[]) => ts.map((t) => t.id).sort();
    expect(await ids({ communityId: XISHAN })).toEqual(sorted(xishan));
    expect(await ids({ streetId: 'st-xishan' })).toEqual(sorted(xishan));
    expect(await ids({ status: 'acknowledged' })).toEqual([acked.id]);
    expect(await ids({ status: 'received', communityId: XISHAN })).toEqual(sorted(xishan));
    expect(await ids({ breached: true })).toEqual([breached.id]);
    expect(await ids({ unitId: LAILONGMEN_OFFICE })).toEqual(sorted([...nanqiao, joint]));
    expect(await ids({ unitId: 'u-xfjy' })).toEqual([joint.id]);
    expect(await ids({ unitId: 'u-xfjy', status: 'acknowledged' })).toEqual([]);
    const from = toShanghaiIso(new Date(START + 10 * 60_000));
    const to = toShanghaiIso(new Date(START + 12 * 60_000));
    expect(await ids({ from, to })).toEqual(sorted(xishan.slice(0, 3)));

    const open = [];
    for await (const page of store.openTickets()) open.push(...page.map((t) => t.id));
    expect(open.sort()).toEqual(sorted(all));
    const period = [];
    for await (const page of store.scanPeriod(from, to)) period.push(...page.map((t) => t.id));
    expect(period.sort()).toEqual(sorted(xishan.slice(0, 3)));
  });

  it('leaves closed and cancelled tickets out of the open set, and rejects a forged cursor', async () => {
    const store = await freshStore();
    const open = ticket('open-1', 0);
    const closed = ticket('closed-1', 1);
    const cancelled = ticket('cancelled-1', 2);
    for (const t of [open, closed, cancelled]) await store.createTicket(stored(t));
    await store.saveTicket(stored({ ...closed, status: 'closed' }), 0);
    await store.saveTicket(stored({ ...cancelled, status: 'cancelled' }), 0);
    const ids = [];
    for await (const page of store.openTickets()) ids.push(...page.map((t) => t.id));
    expect(ids).toEqual([open.id]);
    for (const cursor of ['not-a-cursor', Buffer.from('[1,2]').toString('base64url'), 'e30']) {
      await expect(store.listTickets({}, 10, cursor)).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it('keeps the board counters with the writes: racing writers, a lost update and the recount', async () => {
    const store = await freshStore();
    const a = ticket('board-a', 0);
    const b = ticket('board-b', 1);
    const c = ticket('board-c', 2, { communityId: XISHAN });
    for (const t of [a, b, c]) await store.createTicket(stored(t));
    let board = await store.board(undefined, 50);
    expect(board.counts.open).toBe(3);
    expect(board.counts.byStatus[a.status]).toBe(3);
    expect((await store.board(LAILONGMEN, 50)).counts.open).toBe(2);

    // Ten writers race from the same version: only the one whose write landed moves the counts.
    const recA = (await store.getTicket(a.id)) as StoredTicket;
    await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.saveTicket(
          { ...recA, ticket: { ...recA.ticket, status: 'returned', escalationLevel: i % 2 ? 2 : 1 } },
          recA.ticket.version,
        ),
      ),
    );
    const won = (await store.getTicket(a.id))?.ticket as Ticket;
    board = await store.board(undefined, 50);
    expect(board.counts.open).toBe(3);
    expect(board.counts.byStatus.returned).toBe(1);
    expect(board.counts.byLevel[String(won.escalationLevel)]).toBe(1);
    expect(board.counts.byLevel['0']).toBe(2);
    // A return waits for a ruling: the street's supervisor sees it flagged, the other street not.
    expect((await store.board(LAILONGMEN, 50)).flagged).toEqual([
      { id: a.id, code: a.code, flags: ['needs_ruling'] },
    ]);
    expect((await store.board('st-xishan', 50)).flagged).toEqual([]);

    // A writer that dropped the bookkeeping (a plain record) still counts right: the item it
    // replaced is the authority. Closing takes the ticket off the board and its flag with it.
    const recB = (await store.getTicket(b.id)) as StoredTicket;
    await store.saveTicket(stored({ ...recB.ticket, status: 'closed' }), recB.ticket.version);
    const recA2 = (await store.getTicket(a.id)) as StoredTicket;
    await store.saveTicket(
      { ...recA2, ticket: { ...recA2.ticket, status: 'cancelled' } },
      recA2.ticket.version,
    );
    board = await store.board(undefined, 50);
    expect(board.counts.open).toBe(1);
    expect(board.counts.byStatus.returned).toBe(0);
    expect(board.flagged).toEqual([]);
    expect(await store.recountBoard(false)).toMatchObject({ drifted: [], markers: 0 });

    // A crash between a ticket write and its counter update: the change stays on the record.
    const recC = (await store.getTicket(c.id)) as StoredTicket;
    const raw = backend.client;
    const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    const table = (store as unknown as { tableName: string }).tableName;
    await raw.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: 'BOARD#ALL' }, sk: { S: 'C' } },
        UpdateExpression: 'ADD #o :n',
        ExpressionAttributeNames: { '#o': 'open' },
        ExpressionAttributeValues: { ':n': { N: '5' } },
      }),
    );
    expect((await store.board(undefined, 50)).counts.open).toBe(6);
    const found = await store.recountBoard(false);
    expect(found.drifted).toEqual(['BOARD#ALL']);
    await store.recountBoard(true);
    expect((await store.board(undefined, 50)).counts.open).toBe(1);
    expect(await store.recountBoard(false)).toMatchObject({ drifted: [], markers: 0 });
    // The record still counts from where it was: its next change moves the counters once.
    await store.saveTicket(
      { ...recC, ticket: { ...recC.ticket, status: 'acknowledged' } },
      recC.ticket.version,
    );
    board = await store.board(undefined, 50);
    expect(board.counts.open).toBe(1);
    expect(board.counts.byStatus.acknowledged).toBe(1);
    expect(await store.recountBoard(false)).toMatchObject({ drifted: [], markers: 0 });
  });

  it('settles at the recount what a writer stopped after closing a ticket left owing, once', async () => {
    // The same life in two stores: one writer stops after its closing write, the other does not.
    const [stopped, clean] = [await freshStore(), await freshStore()];
    const t = ticket('owed-close', 0);
    const day = '2026-09-28';
    const writer = stopWriterBeforeCounters(backend.client, 'stopAfterClosing');
    try {
      for (const store of [stopped, clean]) {
        await store.createTicket(stored(t));
        const rec = (await store.getTicket(t.id)) as StoredTicket;
        writer.stopped = store === stopped;
        const write = store.saveTicket(
          { ...rec, ticket: { ...rec.ticket, status: 'closed', urgeCount: 2 } },
          0,
        );
        if (writer.stopped) await expect(write).rejects.toThrow(/writer stopped/);
        else await write;
        writer.stopped = false;
      }
    } finally {
      writer.remove();
    }
    // The stopped store still counts the ticket open, and its day misses the close.
    expect((await stopped.board(undefined, 10)).counts.open).toBe(1);
    expect(await stopped.dailyTallies([day])).not.toEqual(await clean.dailyTallies([day]));

    await stopped.recountBoard(true);
    expect((await stopped.board(undefined, 10)).counts.open).toBe(0);
    expect(await stopped.dailyTallies([day])).toEqual(await clean.dailyTallies([day]));
    // Nothing is left owing: the ticket's next write moves the counts once, as in the clean store.
    for (const store of [stopped, clean]) {
      const rec = (await store.getTicket(t.id)) as StoredTicket;
      await store.saveTicket({ ...rec, ticket: { ...rec.ticket, status: 'reopened' } }, rec.ticket.version);
    }
    expect((await stopped.board(undefined, 10)).counts).toEqual((await clean.board(undefined, 10)).counts);
    expect((await stopped.board(undefined, 10)).counts.open).toBe(1);
    expect(await stopped.dailyTallies([day])).toEqual(await clean.dailyTallies([day]));
    expect(await stopped.recountBoard(false)).toMatchObject({ drifted: [], markers: 0 });
  });

  it('gives a closed ticket its TTL after the retention, and takes it away when it reopens', async () => {
    const name = `whistle-${randomUUID().slice(0, 8)}`;
    await ensureTable(backend.client, name);
    const store = new DynamoStore(backend.client, name, { closedRetentionDays: 30 });
    const t = ticket('ttl-1', 0);
    await store.createTicket(stored(t));
    const { GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const ttl = async () =>
      (
        await backend.client.send(
          new GetItemCommand({ TableName: name, Key: { pk: { S: `T#${t.id}` }, sk: { S: 'T' } } }),
        )
      ).Item?.expiresAt?.N;
    expect(await ttl()).toBeUndefined();
    const closedAt = '2026-10-09T10:00:00+08:00';
    const closed = await store.saveTicket(stored({ ...t, status: 'closed', closedAt }), 0);
    expect(Number(await ttl())).toBe(Date.parse(closedAt) / 1000 + 30 * 86_400);
    await store.saveTicket({ ...closed, ticket: { ...closed.ticket, status: 'reopened' } }, 1);
    expect(await ttl()).toBeUndefined();
  });

  it('records breaches idempotently and lists them by unit, stage, level and street', async () => {
    const store = await freshStore();
    const a = ticket('breach-a', 0, { priority: 'urgent' });
    const b = ticket('breach-b', 1, { priority: 'urgent', communityId: XISHAN });
    const ladder = (t: Ticket, unitId: string): Breach[] =>
      [1, 2, 3].map((level) => ({
        stage: 'acknowledge',
        unitId,
        dueAt: t.deadlines.acknowledgeBy as string,
        breachedAt: toShanghaiIso(new Date(START + level * 30 * 60_000)),
        level,
      }));
    await store.putBreaches(a, ladder(a, LAILONGMEN_OFFICE));
    await store.putBreaches(a, ladder(a, LAILONGMEN_OFFICE)); // a retried timer task
    await store.putBreaches(b, ladder(b, XISHAN_OFFICE));
    const all = await collect((c) => store.listBreaches({}, 2, c));
    expect(all.items).toHaveLength(6);
    expect(all.pages).toBeGreaterThanOrEqual(3);
    expect(new Set(all.items.map((x) => `${x.ticketId}/${x.level}`)).size).toBe(6);
    expect(all.items[0]).toMatchObject({ ticketId: expect.any(String), code: expect.any(String) });
    const only = async (filter: Parameters<DynamoStore['listBreaches']>[0]) =>
      (await collect((c) => store.listBreaches(filter, 10, c))).items;
    expect((await only({ unitId: XISHAN_OFFICE })).map((x) => x.ticketId)).toEqual([b.id, b.id, b.id]);
    expect(await only({ level: 2 })).toHaveLength(2);
    expect(await only({ stage: 'resolve' })).toHaveLength(0);
    expect((await only({ streetId: LAILONGMEN })).every((x) => x.ticketId === a.id)).toBe(true);
    expect(await only({ from: toShanghaiIso(new Date(START + 80 * 60_000)) })).toHaveLength(2);
  });

  it('records a notification once, replaces its outcome, and lists by ticket and by unit', async () => {
    const store = await freshStore();
    const t = ticket('notify-1', 0);
    const other = ticket('notify-2', 1);
    const first = notification(t, 1, LAILONGMEN_OFFICE, 0);
    expect(await store.putNotification(first, LAILONGMEN_OFFICE)).toBe(true);
    expect(await store.putNotification({ ...first, at: 'changed' }, LAILONGMEN_OFFICE)).toBe(false);
    expect(await store.hasNotification(t.id, first.id)).toBe(true);
    expect(await store.hasNotification(t.id, 'dispatch.nobody.1')).toBe(false);
    const failed: NotificationRecord = {
      ...first,
      messages: first.messages.map((m) => ({ ...m, status: 'failed', attempts: 4, error: 'Throttling' })),
    };
    await store.replaceNotification(failed, LAILONGMEN_OFFICE);
    for (let n = 2; n <= 5; n += 1) await store.putNotification(notification(t, n, 'u-xfjy', n), 'u-xfjy');
    await store.putNotification(notification(other, 9, 'u-xfjy', 9), 'u-xfjy');

    const byTicket = await collect((c) => store.listNotifications({ ticketId: t.id }, 2, c));
    expect(byTicket.items.map((n) => n.id)).toEqual([
      first.id,
      ...[2, 3, 4, 5].map((n) => `dispatch.u-xfjy.${n}`),
    ]);
    expect(byTicket.items[0]?.messages[0]).toMatchObject({ status: 'failed', attempts: 4 });
    const byUnit = await collect((c) => store.listNotifications({ unitId: 'u-xfjy' }, 2, c));
    expect(byUnit.items).toHaveLength(5);
    expect(new Set(byUnit.items.map((n) => `${n.ticketId}/${n.id}`)).size).toBe(5);
    const unitOnTicket = await collect((c) =>
      store.listNotifications({ ticketId: t.id, unitId: 'u-xfjy' }, 10, c),
    );
    expect(unitOnTicket.items).toHaveLength(4);
    const everything = await collect((c) => store.listNotifications({}, 4, c));
    expect(everything.items).toHaveLength(6);
  });

  it('keeps configuration as immutable numbered versions', async () => {
    const store = await freshStore();
    expect(await store.latestVersion()).toBe(0);
    expect(await store.put(config)).toBe(true);
    expect(await store.put({ ...config, note: 'a second writer' })).toBe(false);
    const v2 = { ...config, version: 2, note: 'v2', createdBy: 'admin:a1' };
    expect(await store.put(v2)).toBe(true);
    expect(await store.latestVersion()).toBe(2);
    expect(await store.get(1)).toEqual(config);
    expect((await store.get(2)).note).toBe('v2');
    await expect(store.get(3)).rejects.toThrow(/does not exist/);
    expect((await store.listVersions(10)).map((v) => v.version)).toEqual([2, 1]);
  });

  it('finds the latest version from a small pointer, and catches up a pointer left behind', async () => {
    const store = await freshStore();
    expect(await store.put(config)).toBe(true);
    // A writer that stopped between its version item and the pointer: the item is there, the
    // pointer still says 1. The next reader moves it on, and the versions after it too.
    const raw = store as unknown as { putIfAbsent(item: Record<string, unknown>): Promise<boolean> };
    for (const v of [2, 3]) {
      expect(await raw.putIfAbsent({ pk: 'CONFIG', sk: `V#${String(v).padStart(9, '0')}`, version: v })).toBe(
        true,
      );
    }
    expect(await store.latestVersion()).toBe(3);
    // An older writer finishing late does not move the pointer back.
    expect(await store.put({ ...config, version: 4, note: 'v4' })).toBe(true);
    expect(await store.latestVersion()).toBe(4);
    expect((await store.listVersions(10)).map((v) => v.version)).toEqual([4, 3, 2, 1]);
  });
});
