/**
 * Torn writes of the embedded store, reproduced deterministically: dynalite updates an item's
 * index entries before the item itself, so a process killed in between leaves the status index
 * pointing at a state the ticket never reached (or a phantom of a ticket never created). The next
 * start must mend exactly those items from the write journal (infra/local/store-repair.ts).
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLE, type LocalStore, startStore } from '../../infra/local/store-server';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { seedConfig } from '../../shared/config/seed';
import { createWorkCalendar } from '../../shared/domain/calendar';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { Ticket } from '../../shared/domain/model';
import * as rules from '../../shared/domain/ticket-rules';
import { ticketIds } from '../../shared/use-cases/ticket-service';

type Callback = (err?: Error | null) => void;
interface DynaliteDb {
  updateIndexes(store: unknown, table: unknown, existing: unknown, item: unknown, cb: Callback): void;
}
const dynaliteDb = createRequire(import.meta.url)('dynalite/db') as DynaliteDb;

/**
 * The next item write (after `skip` that complete) stops after its index updates, as a SIGKILL
 * there would stop it: the indexes already say what the item never became, and the write is
 * never answered. Resolves at that moment.
 */
function tearNextWrite(skip = 0): Promise<void> {
  const original = dynaliteDb.updateIndexes;
  let left = skip;
  return new Promise((resolve) => {
    dynaliteDb.updateIndexes = (store, table, existing, item, cb) => {
      if (left-- > 0) return original(store, table, existing, item, cb);
      dynaliteDb.updateIndexes = original;
      original(store, table, existing, item, () => resolve());
    };
  });
}

const NOW = new Date('2026-09-28T09:00:00+08:00');
const config = seedConfig(toShanghaiIso(NOW));
const ticket = (seed: string): Ticket =>
  rules.createTicket(
    {
      dutyItemId: 'di-neighbor-dispute',
      communityId: 'cm-nanqiao',
      title: seed,
      description: '撕裂写入',
      channel: 'grid',
    },
    ticketIds(seed),
    { sub: 'r1', role: 'reporter', communityId: 'cm-nanqiao', via: 'token' },
    { now: NOW, config, cal: createWorkCalendar([]) },
  );

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function ids(store: DynamoStore, filter: Parameters<DynamoStore['listTickets']>[0]) {
  return (await store.listTickets(filter, 100)).items.map((t) => t.id).sort();
}

/**
 * The ticket ids an index key holds, as the index has them. Lists read the tickets themselves
 * from the table (and filter them there), so a torn index shows here, not in a list.
 */
async function indexed(local: LocalStore, index: string, key: string, value: string) {
  const out = await local.client.send(
    new QueryCommand({
      TableName: LOCAL_TABLE,
      IndexName: index,
      KeyConditionExpression: '#k = :v',
      ExpressionAttributeNames: { '#k': key },
      ExpressionAttributeValues: { ':v': { S: value } },
    }),
  );
  return (out.Items ?? [])
    .filter((i) => i.sk?.S === 'T')
    .map((i) => String(i.pk?.S).slice(2))
    .sort();
}

describe('a start after a kill mends torn index writes', () => {
  it('puts a ticket back in its status index and removes phantoms of writes that never landed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whistle-torn-'));
    dirs.push(dir);
    let local: LocalStore = await startStore(dir);
    let store = new DynamoStore(local.client, LOCAL_TABLE);
    const kept = ticket('kept');
    const moved = ticket('moved');
    const ghost = ticket('ghost');
    await store.createTicket({ ticket: kept, tokens: {} });
    await store.createTicket({ ticket: moved, tokens: {} });

    // A status change torn after its index writes: the item still says `received`.
    let torn = tearNextWrite();
    void store.saveTicket({ ticket: { ...moved, status: 'dispatched' }, tokens: {} }, 0);
    await torn;
    // A creation torn the same way (its street entry written first): index entries of a ticket
    // that does not exist.
    torn = tearNextWrite(1);
    void store.createTicket({ ticket: ghost, tokens: {} });
    await torn;

    expect((await store.getTicket(moved.id))?.ticket.status).toBe('received');
    // Before the repair: `moved` sits in the index of a status it never reached, the ghost in one.
    expect(await indexed(local, 'byStatus', 'gk4', 'S#received')).toEqual([kept.id, ghost.id].sort());
    expect(await indexed(local, 'byStatus', 'gk4', 'S#dispatched')).toEqual([moved.id]);
    expect(await store.getTicket(ghost.id)).toBeUndefined();
    expect(await indexed(local, 'byCommunity', 'gk3', 'C#cm-nanqiao')).toContain(ghost.id);
    // Lists already show the truth: they read the tickets from the table.
    expect(await ids(store, { status: 'dispatched' })).toEqual([]);
    await local.close();

    // What the kill leaves in the journal: both writes begun, neither answered.
    const journal = join(dir, 'store', 'write-journal');
    writeFileSync(journal, '');
    for (const t of [moved, ghost]) appendFileSync(journal, `+${JSON.stringify([`T#${t.id}`, 'T'])}\n`);

    local = await startStore(dir);
    store = new DynamoStore(local.client, LOCAL_TABLE);
    try {
      expect(await ids(store, { status: 'received' })).toEqual([kept.id, moved.id].sort());
      expect(await ids(store, { status: 'dispatched' })).toEqual([]);
      expect(await ids(store, {})).toEqual([kept.id, moved.id].sort());
      expect(await indexed(local, 'byStatus', 'gk4', 'S#dispatched')).toEqual([]);
      expect(await indexed(local, 'byCommunity', 'gk3', 'C#cm-nanqiao')).toEqual([kept.id, moved.id].sort());
      const open = [];
      for await (const page of store.openTickets()) open.push(...page.map((t) => t.id));
      expect(open.sort()).toEqual([kept.id, moved.id].sort());
    } finally {
      await local.close();
    }
  });

  it('leaves a journal of completed writes alone and empties it at a clean stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whistle-torn-'));
    dirs.push(dir);
    let local = await startStore(dir);
    let store = new DynamoStore(local.client, LOCAL_TABLE);
    const t = ticket('clean');
    await store.createTicket({ ticket: t, tokens: {} });
    await store.saveTicket({ ticket: { ...t, status: 'dispatched' }, tokens: {} }, 0);
    await local.close();
    local = await startStore(dir);
    store = new DynamoStore(local.client, LOCAL_TABLE);
    try {
      expect(await ids(store, { status: 'dispatched' })).toEqual([t.id]);
      expect((await store.getTicket(t.id))?.ticket.version).toBe(1);
    } finally {
      await local.close();
    }
  });
});
