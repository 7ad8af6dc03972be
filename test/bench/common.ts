/** Shared pieces of the bench: a quiet runtime, a Liling-shaped request mix, percentiles, waiting. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Runtime, type RuntimeOptions, startRuntime } from '../../infra/local/runtime';
import { LOCAL_TABLE, type StoreTransport } from '../../infra/local/store-server';
import { describeShape } from '../../scripts/sim/heat-meter';
import { arrivals, scenarios } from '../../scripts/sim/workload';
import { seedConfig } from '../../shared/config/seed';
import { createWorkCalendar } from '../../shared/domain/calendar';
import type { LoadJob, LoadResult } from './load-client';

/** A Monday morning in an ordinary working week: SLA clocks start as they usually do. */
export const BENCH_START = '2026-03-02T09:00:00+08:00';

/** The store transport `npm start` uses (WHISTLE_STORE_TRANSPORT overrides, as it does there). */
export function benchTransport(): StoreTransport {
  const t = process.env.WHISTLE_STORE_TRANSPORT;
  return t === 'tcp' || t === 'in-process' ? t : 'worker';
}

export function quietRuntime(extra: Partial<RuntimeOptions> = {}): Promise<Runtime> {
  return startRuntime({
    storeTransport: benchTransport(),
    port: 0,
    timeScale: 1,
    clockStart: BENCH_START,
    localTokens: true,
    quiet: true,
    log: () => {},
    backoffMs: [0],
    ...extra,
  });
}

/** POST /v1/tickets bodies in the simulator's Liling mix (channels, duty items, communities). */
export function ticketBodies(count: number, seed = 'bench') {
  const config = seedConfig(BENCH_START);
  const items = new Map(config.dutyItems.map((d) => [d.id, d]));
  return arrivals({
    spec: scenarios.liling,
    config,
    cal: createWorkCalendar([]),
    seed,
    tickets: count,
    days: 28,
    startMs: Date.parse(BENCH_START),
  }).map((a) => ({
    communityId: a.communityId,
    body: {
      dutyItemId: a.dutyItemId,
      communityId: a.communityId,
      title: items.get(a.dutyItemId)?.name ?? a.dutyItemId,
      description: `基准测试工单 #${a.index + 1}`,
      channel: a.channel,
      ...(a.gridId ? { location: { gridId: a.gridId } } : {}),
    },
  }));
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Resolves once the workflow engine and the store have had nothing to do for `quietMs`. */
export async function drained(rt: Runtime, quietMs = 60): Promise<void> {
  let quietSince = performance.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 5));
    if (rt.workflow.busy > 0 || rt.store.stats.inFlight > 0) quietSince = performance.now();
    else if (performance.now() - quietSince >= quietMs) return;
  }
}

const loadClient = fileURLToPath(new URL('./load-client.ts', import.meta.url));

/** Run a load job in a child process (its CPU is not the server's). */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(loadClient, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m: { ok: true; result: LoadResult } | { ok: false; error: string }) =>
      m.ok ? resolve(m.result) : reject(new Error(m.error)),
    );
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load client exited with ${code}`));
    });
    child.send(job);
  });
}

/** Up to `concurrency` calls in flight over `items`. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await fn(item);
      }
    }),
  );
}

/** Raw single-item PutItem at `concurrency`, through the runtime's own store client. */
export function storeWriteRate(
  rt: Runtime,
  item: (i: number) => Record<string, unknown>,
  concurrency: number,
  ms: number,
): Promise<number> {
  return storeRequestRate(
    rt,
    (doc, i) => doc.send(new PutCommand({ TableName: LOCAL_TABLE, Item: item(i) })),
    concurrency,
    ms,
  );
}

/** Requests per second of one kind, `concurrency` in flight for `ms`, on the runtime's own client. */
async function storeRequestRate(
  rt: Runtime,
  send: (doc: DynamoDBDocumentClient, i: number) => Promise<unknown>,
  concurrency: number,
  ms: number,
): Promise<number> {
  const doc = DynamoDBDocumentClient.from(rt.store.client);
  let n = 0;
  let i = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        i += 1;
        await send(doc, i);
        n += 1;
      }
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

/**
 * What the store alone allows for the product's own requests, same client, same run: the rate of
 * the request the product sends most (a board counter's conditional update, as dynamo-board.ts
 * sends it) and of a strongly consistent GetItem. A ticket's store time is then about
 * writes ÷ the first + reads ÷ the second (a ticket's own put costs more, a small put less): about
 * the most tickets per second any code could reach with this many requests a ticket, whatever it
 * did between them.
 */
export async function storeRequestRates(
  rt: Runtime,
  concurrency: number,
  ms: number,
): Promise<{ updatesPerSec: number; getsPerSec: number }> {
  const updatesPerSec = await storeRequestRate(
    rt,
    (doc, i) =>
      doc.send(
        new UpdateCommand({
          TableName: LOCAL_TABLE,
          Key: { pk: `BENCHC#${i % 64}`, sk: 'C' },
          UpdateExpression: 'SET #slot = :tag, #slotv = :v ADD #a0 :d0, #a1 :d1',
          ConditionExpression: 'attribute_not_exists(#slot) OR #slot <> :tag OR #slotv < :v',
          ExpressionAttributeNames: {
            '#slot': `r${i % 32}`,
            '#slotv': `v${i % 32}`,
            '#a0': 'received',
            '#a1': 'open',
          },
          ExpressionAttributeValues: { ':tag': `t${i}`, ':v': i, ':d0': 1, ':d1': 1 },
        }),
      ),
    concurrency,
    ms,
  );
  const getsPerSec = await storeRequestRate(
    rt,
    (doc, i) =>
      doc.send(
        new GetCommand({
          TableName: LOCAL_TABLE,
          Key: { pk: `BENCHC#${i % 64}`, sk: 'C' },
          ConsistentRead: true,
        }),
      ),
    concurrency,
    ms,
  );
  return { updatesPerSec, getsPerSec };
}

/** The store-only ceiling of a ratio (see storeRequestRates): tickets/s with nothing but store time. */
export function requestCeiling(
  rates: { updatesPerSec: number; getsPerSec: number },
  perTicket: { writes: number; reads: number },
  storeTicketsPerSec: number,
): { requestsPerTicket: number; storeOnlyPerSec: number; ratio: number } {
  const seconds = perTicket.writes / rates.updatesPerSec + perTicket.reads / rates.getsPerSec;
  const storeOnlyPerSec = seconds > 0 ? 1 / seconds : 0;
  return {
    requestsPerTicket: round(perTicket.writes + perTicket.reads, 2),
    storeOnlyPerSec: round(storeOnlyPerSec),
    ratio: round(storeTicketsPerSec > 0 ? storeOnlyPerSec / storeTicketsPerSec : 0, 3),
  };
}

/**
 * The store's item-write rate, measured fairly: a ticket item (the record as the store keeps it,
 * ticket-sized) written fresh with a key for every GSI the table has, so each PutItem is one
 * table write plus one index copy per GSI, as a new ticket's is. Returns PutItems per second and
 * item writes (table + index copies) per second, same client, same concurrency, same run.
 */
export async function ticketItemWriteRate(
  rt: Runtime,
  template: Record<string, unknown>,
  concurrency: number,
  ms: number,
): Promise<{ putsPerSec: number; itemWritesPerSec: number; copiesPerPut: number }> {
  const shape = await describeShape(rt.store.client, LOCAL_TABLE);
  const putsPerSec = await storeWriteRate(
    rt,
    (i) => {
      const item: Record<string, unknown> = { ...template, [shape.partitionKey]: `BENCHT#${i}` };
      if (shape.sortKey) item[shape.sortKey] = 'T';
      for (const g of shape.indexes) {
        item[g.partitionKey] = `BENCH#${g.name}#${i % 50}`;
        if (g.sortKey) item[g.sortKey] = `2026-03-02T09:00:00+08:00#bench${i}`;
      }
      return item;
    },
    concurrency,
    ms,
  );
  const copiesPerPut = shape.indexes.length;
  return { putsPerSec, itemWritesPerSec: putsPerSec * (1 + copiesPerPut), copiesPerPut };
}
