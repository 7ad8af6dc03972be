/**
 * npm run measure-storage -- [--tickets N]
 *
 * What a ticket costs the store, with the table's index projections as they are (INCLUDE, see
 * shared/adapters/table-design.ts) and as they were (ALL): N tickets run through the embedded
 * runtime over HTTP (intake, acknowledge, resolve, satisfied verdict: closed), every write seen on
 * the store's client. Per ticket:
 * - WRU: the table's units as the store reports them, plus each index's units worked out from the
 *   item before and after every PutItem (DynamoDB writes an index only when the item's entry in
 *   it changes: a put, an update, or a delete and a put when its key moved);
 * - RRU: as the store reports them for the same run;
 * - bytes stored: every item of the table (+100 bytes of overhead) and its entry in each index.
 * Updates (counters, the owed-changes clear) count in the table's units; they move no index key
 * and (INCLUDE) no projected attribute, so they add no index units here; under ALL they would.
 */
import { parseArgs } from 'node:util';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startRuntime } from '../infra/local/runtime';
import { indexEntrySize, itemSize, LOCAL_TABLE } from '../infra/local/store-server';
import { globalSecondaryIndexes, itemKinds, projectedAttributes } from '../shared/adapters/table-design';

type Item = Record<string, AttributeValue>;

/**
 * Items that are not a ticket's: the configuration, the board counters, the daily aggregates (a
 * row per unit and street a day, however many tickets), the layout version.
 */
const notPerTicket = new Set([
  'config version',
  'config pointer',
  'board counter',
  'daily metrics',
  'layout version',
]);
/** The item's kind, by the key shapes the table design lists. */
const kindOf = (item: Item) =>
  itemKinds.find((k) => k.pk.test(item.pk?.S ?? '') && k.sk.test(item.sk?.S ?? ''))?.kind;
type Projection = 'ALL' | 'INCLUDE';

const { values } = parseArgs({ options: { tickets: { type: 'string', default: '50' } } });
const N = Number.parseInt(values.tickets ?? '50', 10);

const rt = await startRuntime({
  port: 0,
  timeScale: 1,
  localTokens: true,
  quiet: true,
  log: () => {},
  watchdogMs: 0,
  storeTransport: 'in-process',
});
const store = rt.store;
const last = new Map<string, Item>();
const indexUnits: Record<Projection, number> = { ALL: 0, INCLUDE: 0 };
const units = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

function entry(item: Item | undefined, g: (typeof globalSecondaryIndexes)[number], p: Projection) {
  if (!item) return undefined;
  const size = indexEntrySize(item, g, p);
  if (size === undefined) return undefined;
  const names =
    p === 'ALL' ? Object.keys(item) : ['pk', 'sk', g.partitionKey, g.sortKey, ...projectedAttributes];
  return {
    size,
    key: `${item[g.partitionKey]?.S}|${item[g.sortKey]?.S}`,
    body: JSON.stringify(names.map((n) => item[n])),
  };
}

store.client.middlewareStack.add(
  (next, context) => async (args) => {
    const out = await next(args);
    if (context.commandName === 'PutItemCommand') {
      const item = (args.input as { Item?: Item }).Item;
      if (item?.pk?.S && item.sk?.S) {
        const k = `${item.pk.S}|${item.sk.S}`;
        const before = last.get(k);
        for (const p of ['ALL', 'INCLUDE'] as const) {
          for (const g of globalSecondaryIndexes) {
            const a = entry(before, g, p);
            const b = entry(item, g, p);
            if (!b) indexUnits[p] += a ? units(a.size) : 0;
            else if (!a) indexUnits[p] += units(b.size);
            else if (a.key !== b.key) indexUnits[p] += units(a.size) + units(b.size);
            else if (a.body !== b.body) indexUnits[p] += units(b.size);
          }
        }
        last.set(k, item);
      }
    }
    return out;
  },
  { step: 'build', name: 'measureIndexWrites' },
);

const base = rt.url;
const call = async (method: string, path: string, token: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
};
const token = async (claims: Record<string, string>) =>
  (
    (await (
      await fetch(`${base}/v1/local/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(claims),
      })
    ).json()) as { token: string }
  ).token;

const reporter = await token({ role: 'reporter', communityId: 'cm-nanqiao' });
const unit = await token({ role: 'unit', unitId: 'u-street-lailongmen' });
await rt.workflow.settled();
store.consumedCapacity = true;
const start = { ...store.stats };
for (let i = 0; i < N; i += 1) {
  const t = await call('POST', '/v1/tickets', reporter, {
    dutyItemId: 'di-neighbor-dispute',
    communityId: 'cm-nanqiao',
    title: `楼道堆物 ${i}`,
    description: '存储测量',
    channel: 'grid',
  });
  await rt.workflow.settled();
  await call('POST', `/v1/tickets/${t.id}/acknowledge`, unit);
  await rt.workflow.settled();
  await call('POST', `/v1/tickets/${t.id}/resolve`, unit, { summary: '已清理' });
  await rt.workflow.settled();
  await call('POST', `/v1/tickets/${t.id}/feedback`, reporter, { rating: 'satisfied' });
  await rt.workflow.settled();
}
const wru = store.stats.writeUnits - start.writeUnits;
const rru = store.stats.readUnits - start.readUnits;

// Bytes stored: the table and each index's entries, both projections.
const bytes = { table: 0, ALL: 0, INCLUDE: 0 };
let startKey: Item | undefined;
do {
  const page = await store.client.send(
    new ScanCommand({ TableName: LOCAL_TABLE, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
  );
  for (const item of page.Items ?? []) {
    if (notPerTicket.has(kindOf(item) ?? '')) continue;
    bytes.table += itemSize(item) + 100;
    for (const p of ['ALL', 'INCLUDE'] as const)
      for (const g of globalSecondaryIndexes) bytes[p] += indexEntrySize(item, g, p) ?? 0;
  }
  startKey = page.LastEvaluatedKey;
} while (startKey);
await rt.stop();

const per = (n: number) => Math.round((n / N) * 10) / 10;
const report = {
  tickets: N,
  lifecycle: 'intake → acknowledge → resolve → satisfied (closed)',
  tableWruPerTicket: per(wru),
  indexWruPerTicket: { ALL: per(indexUnits.ALL), INCLUDE: per(indexUnits.INCLUDE) },
  wruPerTicket: { ALL: per(wru + indexUnits.ALL), INCLUDE: per(wru + indexUnits.INCLUDE) },
  rruPerTicket: per(rru),
  bytesPerTicket: {
    table: Math.round(bytes.table / N),
    ALL: Math.round((bytes.table + bytes.ALL) / N),
    INCLUDE: Math.round((bytes.table + bytes.INCLUDE) / N),
  },
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(0);
