import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStore, startStore } from '../../infra/local/store-server';
import {
  type IndexShape,
  indexWriteCharges,
  mergeHeat,
  PartitionHeat,
  readUnits,
  summarizeHeat,
  writeUnits,
} from '../../scripts/sim/heat';
import {
  attachHeatMeter,
  type HeatMeter,
  imageOf,
  queryPartition,
  type TableShape,
} from '../../scripts/sim/heat-meter';

describe('capacity units as DynamoDB bills them', () => {
  it('writes: one unit per started KB, at least one', () => {
    expect(writeUnits(0)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(3 * 1024 + 1)).toBe(4);
  });

  it('reads: one unit per started 4 KB strongly consistent, half eventually consistent', () => {
    expect(readUnits(0, true)).toBe(1);
    expect(readUnits(4096, true)).toBe(1);
    expect(readUnits(4097, true)).toBe(2);
    expect(readUnits(4097, false)).toBe(1);
    expect(readUnits(100, false)).toBe(0.5);
  });

  const all: IndexShape = { name: 'byKind', partitionKey: 'gk1', sortKey: 'gs1', projection: 'ALL' };
  const keysOnly: IndexShape = {
    name: 'byStatus',
    partitionKey: 'gk4',
    sortKey: 'gs4',
    projection: 'KEYS_ONLY',
  };
  const include: IndexShape = {
    name: 'byOwner',
    partitionKey: 'gk2',
    sortKey: 'gs2',
    projection: 'INCLUDE',
    include: ['title'],
  };
  const shape: TableShape = { partitionKey: 'pk', sortKey: 'sk', indexes: [all, keysOnly, include] };
  const ticket = (status: string, extra: Record<string, string> = {}) =>
    imageOf(shape, {
      pk: { S: 'T#1' },
      sk: { S: 'T' },
      gk1: { S: 'TICKET' },
      gs1: { S: '2026-03-02T09:00#1' },
      gk4: { S: `S#${status}` },
      gs4: { S: '2026-03-02T09:00#1' },
      gk2: { S: 'U#police' },
      gs2: { S: '2026-03-02T09:00#1' },
      title: { S: extra.title ?? '楼道堆放杂物' },
      body: { S: 'x'.repeat(extra.body ? Number(extra.body) : 1500) },
    });

  it('a new item is a put in every index it enters, at the entry size the projection keeps', () => {
    const charges = indexWriteCharges(shape.indexes, undefined, ticket('dispatched'));
    expect(charges).toEqual([
      { index: 'byKind', partition: 'TICKET', rcu: 0, wcu: 2 }, // ALL: the whole 1.6 KB item
      { index: 'byStatus', partition: 'S#dispatched', rcu: 0, wcu: 1 }, // keys only
      { index: 'byOwner', partition: 'U#police', rcu: 0, wcu: 1 }, // keys and the title
    ]);
  });

  it('a key change is a delete on the old key and a put on the new; unchanged projections cost nothing', () => {
    const charges = indexWriteCharges(shape.indexes, ticket('dispatched'), ticket('acknowledged'));
    expect(charges).toEqual([
      { index: 'byKind', partition: 'TICKET', rcu: 0, wcu: 2 },
      { index: 'byStatus', partition: 'S#dispatched', rcu: 0, wcu: 1 },
      { index: 'byStatus', partition: 'S#acknowledged', rcu: 0, wcu: 1 },
    ]);
    // The included title changed: the INCLUDE index entry is rewritten in place.
    expect(indexWriteCharges([include], ticket('x'), ticket('x', { title: '已清理' }))).toEqual([
      { index: 'byOwner', partition: 'U#police', rcu: 0, wcu: 1 },
    ]);
  });

  it('an item leaving an index (its key attribute removed) is a delete there', () => {
    const closed = imageOf(shape, {
      pk: { S: 'T#1' },
      sk: { S: 'T' },
      gk1: { S: 'TICKET' },
      gs1: { S: '2026-03-02T09:00#1' },
    });
    const charges = indexWriteCharges(shape.indexes, ticket('resolved'), closed);
    // byKind keeps its entry (now 1 KB: the body is gone); the other two lose theirs.
    expect(charges.map((c) => `${c.index} ${c.partition} ${c.wcu}`)).toEqual([
      'byKind TICKET 2',
      'byStatus S#resolved 1',
      'byOwner U#police 1',
    ]);
  });

  it('names the partition a query reads from its key condition', () => {
    const input = {
      IndexName: 'byStatus',
      KeyConditionExpression: '#k = :k AND begins_with(gs4, :p)',
      ExpressionAttributeNames: { '#k': 'gk4' },
      ExpressionAttributeValues: { ':k': { S: 'S#open' }, ':p': { S: '2026' } },
    };
    expect(queryPartition(shape, input)).toBe('S#open');
    expect(
      queryPartition(shape, {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'CONFIG' } },
      }),
    ).toBe('CONFIG');
  });
});

describe('per key, per second', () => {
  it('adds the units of one key within a second, keeps seconds and keys apart, and finds the peak', () => {
    const heat = new PartitionHeat(1000);
    const at = Date.parse('2026-03-02T09:30:00Z');
    heat.record(at + 100, { index: 'table', partition: 'CONFIG', rcu: 18, wcu: 0 });
    heat.record(at + 900, { index: 'table', partition: 'CONFIG', rcu: 18, wcu: 0 });
    heat.record(at + 1000, { index: 'table', partition: 'CONFIG', rcu: 18, wcu: 0 });
    heat.record(at + 500, { index: 'byKind', partition: 'TICKET', rcu: 0, wcu: 3 });
    const h = summarizeHeat(heat.toJSON());
    const config = h.hottest.find((k) => k.partition === 'CONFIG');
    expect(config?.rcuPerSecond).toBe(36);
    expect(config?.measured.rcuPeakAt).toBe('2026-03-02T09:30:00.000Z');
    expect(config?.total.rcu).toBe(54);
    expect(config?.busiestMinute.rcuPerSecond).toBeCloseTo(54 / 60);
    expect(config?.loadOfLimit).toBeCloseTo(36 / 3000);
    expect(config?.headroom).toBeCloseTo(3000 / 36, 1);
    expect(h.hottest.find((k) => k.partition === 'TICKET')?.wcuPerSecond).toBe(3);
    expect(h.allUnderLimit).toBe(true);
  });

  it('merges processes (same key, same second adds up) and extrapolates a sample linearly', () => {
    const a = new PartitionHeat();
    const b = new PartitionHeat();
    a.record(5_000, { index: 'byKind', partition: 'NOTIF', rcu: 0, wcu: 30 });
    b.record(5_400, { index: 'byKind', partition: 'NOTIF', rcu: 0, wcu: 20 });
    b.record(9_000, { index: 'byKind', partition: 'NOTIF', rcu: 0, wcu: 40 });
    const h = summarizeHeat(mergeHeat([a.toJSON(), b.toJSON()]), { scale: 20 });
    const notif = h.hottest[0];
    expect(notif?.measured.wcuPerSecond).toBe(50);
    expect(notif?.wcuPerSecond).toBe(1000);
    expect(notif?.loadOfLimit).toBe(1);
    expect(h.allUnderLimit).toBe(false);
    expect(h.scale).toBe(20);
  });
});

describe('scaling a sample to the city', () => {
  it("scales shared keys, never one ticket's items or the configuration's writes", () => {
    const heat = new PartitionHeat();
    heat.record(1_000, { index: 'table', partition: 'T#t1', rcu: 40, wcu: 130 });
    heat.record(1_000, { index: 'table', partition: 'CONFIG', rcu: 10, wcu: 140 });
    heat.record(1_000, { index: 'byKind', partition: 'NOTIF', rcu: 0, wcu: 20 });
    const h = summarizeHeat(heat.toJSON(), { scale: 30 });
    const row = (p: string) => h.hottest.find((k) => k.partition === p);
    expect(row('T#t1')).toMatchObject({ rcuPerSecond: 40, wcuPerSecond: 130 });
    expect(row('CONFIG')).toMatchObject({ rcuPerSecond: 300, wcuPerSecond: 140 });
    expect(row('NOTIF')).toMatchObject({ wcuPerSecond: 600 });
    expect(h.allUnderLimit).toBe(true);
  });
});

describe('the end of the simulated day', () => {
  it('totals what happens after the day apart, in no key and no peak', () => {
    const heat = new PartitionHeat();
    heat.record(5_000, { index: 'byKind', partition: 'NOTIF', rcu: 0, wcu: 10 });
    heat.close();
    heat.record(86_400_000, { index: 'byKind', partition: 'NOTIF', rcu: 0, wcu: 5_000 });
    heat.record(86_400_000, { index: 'byStatus', partition: 'S#acknowledged', rcu: 600, wcu: 0 });
    const other = new PartitionHeat();
    other.close();
    other.record(86_400_000, { index: 'byKind', partition: 'NOTIF', rcu: 0, wcu: 100 });
    const h = summarizeHeat(mergeHeat([heat.toJSON(), other.toJSON()]), { scale: 30 });
    expect(h.keys).toBe(1);
    expect(h.hottest[0]?.wcuPerSecond).toBe(300);
    expect(h.allUnderLimit).toBe(true);
    expect(h.afterEnd).toEqual({ rcu: 600, wcu: 5_100 });
  });
});

describe('the meter on the store client', () => {
  let store: LocalStore;
  let meter: HeatMeter;
  const now = { ms: Date.parse('2026-03-02T01:00:00Z') };
  const heat = new PartitionHeat();

  beforeAll(async () => {
    store = await startStore(undefined, { transport: 'in-process' });
    await store.client.send(
      new CreateTableCommand({
        TableName: 'heat',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'gk', 'gs'].map((n) => ({ AttributeName: n, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byStatus',
            KeySchema: [
              { AttributeName: 'gk', KeyType: 'HASH' },
              { AttributeName: 'gs', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      }),
    );
    meter = await attachHeatMeter(store.client, 'heat', () => now.ms, heat);
  });
  afterAll(() => store?.close());

  it('charges writes with their index copies and reads to the keys they touch, leaving answers as asked', async () => {
    const doc = DynamoDBDocumentClient.from(store.client);
    const body = 'x'.repeat(2500);
    const put = await doc.send(
      new PutCommand({ TableName: 'heat', Item: { pk: 'T#1', sk: 'T', gk: 'S#open', gs: 'a', body } }),
    );
    expect(put.Attributes).toBeUndefined();
    now.ms += 1000;
    const updated = await doc.send(
      new UpdateCommand({
        TableName: 'heat',
        Key: { pk: 'T#1', sk: 'T' },
        UpdateExpression: 'SET gk = :s',
        ExpressionAttributeValues: { ':s': 'S#done' },
      }),
    );
    expect(updated.Attributes).toBeUndefined();
    await doc.send(new GetCommand({ TableName: 'heat', Key: { pk: 'T#1', sk: 'T' }, ConsistentRead: true }));
    const listed = await doc.send(
      new QueryCommand({
        TableName: 'heat',
        IndexName: 'byStatus',
        KeyConditionExpression: 'gk = :s',
        ExpressionAttributeValues: { ':s': 'S#done' },
      }),
    );
    expect(listed.Items).toHaveLength(1);
    expect(listed.ConsumedCapacity).toBeUndefined();

    const keys = heat.toJSON().keys;
    const t0 = Date.parse('2026-03-02T01:00:00Z');
    // 2.5 KB item: 3 WCU on the table each write; the keys-only entry 1 WCU per put or delete.
    expect(keys['table\tT#1']).toEqual([
      [t0, 0, 3],
      [t0 + 1000, 1, 3],
    ]);
    expect(keys['byStatus\tS#open']).toEqual([
      [t0, 0, 1],
      [t0 + 1000, 0, 1],
    ]);
    expect(keys['byStatus\tS#done']?.[0]).toEqual([t0 + 1000, 0.5, 1]);
  });

  it('stops charging once taken off the client, answering as before', async () => {
    const doc = DynamoDBDocumentClient.from(store.client);
    const counted = { ...meter.counts };
    meter.detach();
    now.ms += 1000;
    const put = await doc.send(
      new PutCommand({ TableName: 'heat', Item: { pk: 'T#2', sk: 'T', gk: 'S#open', gs: 'b' } }),
    );
    expect(put.Attributes).toBeUndefined();
    expect(meter.counts).toEqual(counted);
    expect(heat.toJSON().keys['table\tT#2']).toBeUndefined();
  });
});
