/**
 * intake: POST /v1/tickets over real HTTP (a separate client process, 32 concurrent clients) into
 * the embedded runtime with its workflows running, the store's own write rate in the same run,
 * the writes a ticket costs up to its dispatch, and latency at a steady half of the capacity measured.
 */
import type { Runtime } from '../../infra/local/runtime';
import { LOCAL_TABLE } from '../../infra/local/store-server';
import { PartitionHeat } from '../../scripts/sim/heat';
import { attachHeatMeter } from '../../scripts/sim/heat-meter';
import type { Ticket } from '../../shared/domain/model';
import {
  drained,
  percentile,
  pool,
  quietRuntime,
  requestCeiling,
  round,
  runLoad,
  storeRequestRates,
  storeWriteRate,
  ticketBodies,
  ticketItemWriteRate,
} from './common';

export interface IntakeResult {
  clients: number;
  windowSeconds: number;
  created: number;
  /** 201 answers per second while the clients ran. */
  responsesPerSec: number;
  /** Tickets created and dispatched per second, the workflow's drain included (the figure judged). */
  ticketsPerSec: number;
  drainSeconds: number;
  dispatched: number;
  statuses: Record<string, number>;
  storeWritesPerSec: number;
  storeIndexedWritesPerSec: number;
  /**
   * Item writes per second the store sustains for a ticket-sized item written fresh with a copy
   * in every GSI (PutItems/s × (1 + GSIs)), same store, same run, same concurrency.
   */
  storeItemWritesPerSec: number;
  /**
   * Item writes per ticket up to dispatch: each table write plus each index entry it wrote,
   * counted over `meteredTickets` tickets of a window of their own (the timed one runs unmetered).
   */
  itemWritesPerTicket: number;
  meteredTickets: number;
  /** ticketsPerSec ÷ (storeItemWritesPerSec ÷ itemWritesPerTicket), judged against 0.5. */
  ratio: { value: number; target: number; met: boolean };
  /**
   * The most the ratio could be with this many store requests a ticket if the product's own code
   * took no time at all (common.ts, `storeRequestRates`): the share of the gap that is requests.
   */
  requestCeiling: { requestsPerTicket: number; storeOnlyPerSec: number; ratio: number };
  storeRequestRates: { updatesPerSec: number; getsPerSec: number };
  rawItemBytes: number;
  writesPerTicket: number;
  readsPerTicket: number;
  /** p99 of the open-loop run at half the capacity measured (`latency`), judged against 50 ms. */
  p99AtHalfCapacityMs: number;
  latency: {
    offeredPerSec: number;
    requests: number;
    p50Ms: number;
    p90Ms: number;
    p99Ms: number;
    maxMs: number;
  };
  target: { ticketsPerSec: number; met: boolean; p99Ms: number; p99Met: boolean };
  transport: string;
}

async function tokensFor(rt: Runtime, communities: Iterable<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of communities)
    out.set(c, await rt.auth.sign({ role: 'reporter', communityId: c }, `bench-${c}`));
  return out;
}

export async function benchIntake(opts: {
  seconds: number;
  clients: number;
  quick: boolean;
}): Promise<IntakeResult> {
  const rt = await quietRuntime();
  try {
    const bodies = ticketBodies(4000);
    const tokens = await tokensFor(rt, new Set(bodies.map((b) => b.communityId)));
    const requests = bodies.map((b) => ({
      token: tokens.get(b.communityId) as string,
      body: JSON.stringify(b.body),
    }));
    const job = {
      url: rt.url,
      path: '/v1/tickets',
      requests,
      concurrency: opts.clients,
      warmupMs: 0,
      rate: 0,
      count: 0,
    };

    // Warm-up: JIT, caches, the first executions; then let the workflow catch up.
    await runLoad({ ...job, mode: 'closed', durationMs: opts.quick ? 1000 : 3000 });
    await drained(rt);

    const before = { ...rt.store.stats };
    const t0 = performance.now();
    const load = await runLoad({ ...job, mode: 'closed', durationMs: opts.seconds * 1000 });
    const t1 = performance.now();
    await drained(rt);
    const t2 = performance.now();
    const created = load.ids.length;
    const writes = rt.store.stats.writes - before.writes;
    const reads = rt.store.stats.reads - before.reads;

    // Item writes a ticket costs, index copies included, counted in a window of their own: the
    // meter asks every write for its old or new image, work the product does not do, so the
    // timed window above runs without it. Other tickets' bodies than the timed window's.
    const meter = await attachHeatMeter(rt.store.client, LOCAL_TABLE, () => Date.now(), new PartitionHeat());
    const metered = await runLoad({
      ...job,
      requests: requests.slice(requests.length / 2),
      mode: 'closed',
      durationMs: opts.quick ? 1000 : 3000,
    });
    await drained(rt);
    meter.detach();
    const itemWrites = meter.counts.tableWrites + meter.counts.indexWrites;
    const meteredTickets = metered.ids.length;

    // Every ticket of the window reached its units (status dispatched or beyond).
    let dispatched = 0;
    const sizes: number[] = [];
    const sample: Ticket[] = [];
    await pool(load.ids, 16, async (id) => {
      const rec = await rt.deps.store.getTicket(id);
      if (rec && rec.ticket.status !== 'received') dispatched += 1;
      if (rec && sizes.length < 200) {
        sizes.push(JSON.stringify(rec).length);
        sample.push(rec.ticket);
      }
    });
    const itemBytes = Math.round(sizes.reduce((n, s) => n + s, 0) / Math.max(1, sizes.length));

    // The store's own limit, same client, same concurrency: a plain item of a ticket's size, and
    // the ticket item itself with its four index keys (what a ticket write really costs).
    const filler = 'x'.repeat(itemBytes);
    const rawRate = await storeWriteRate(
      rt,
      (i) => ({ pk: `BENCH#${i}`, sk: 'RAW', body: filler }),
      opts.clients,
      3000,
    );
    const template = sample[0];
    const indexed = template
      ? await ticketItemWriteRate(rt, { version: 0, t: template, tokens: {} }, opts.clients, 3000)
      : { putsPerSec: 0, itemWritesPerSec: 0, copiesPerPut: 0 };
    const indexedRate = indexed.putsPerSec;
    const rates = await storeRequestRates(rt, opts.clients, 2000);

    const writesPerTicket = writes / Math.max(1, created);
    const ticketsPerSec = created / ((t2 - t0) / 1000);

    // Latency at a steady offered load (open loop), after the store settled again: half the
    // capacity this run measured, since machines differ several times over in raw speed and a
    // fixed rate is idle on one and over capacity on another.
    await drained(rt);
    const rate = Math.max(1, Math.round(ticketsPerSec / 2));
    const lat = await runLoad({
      ...job,
      mode: 'open',
      durationMs: 0,
      rate,
      count: Math.max(50, Math.round(rate * (opts.quick ? 4 : 10))),
    });
    await drained(rt);

    const targetRate = 0.5 * (rawRate / writesPerTicket);
    // The fair ratio: what the store can do in item writes (index copies included) over what a
    // ticket needs of them.
    const itemWritesPerTicket = itemWrites / Math.max(1, meteredTickets);
    const storeTicketsPerSec = indexed.itemWritesPerSec / Math.max(1e-9, itemWritesPerTicket);
    const ratio = storeTicketsPerSec > 0 ? ticketsPerSec / storeTicketsPerSec : 0;
    const ceiling = requestCeiling(
      rates,
      { writes: writesPerTicket, reads: reads / Math.max(1, created) },
      storeTicketsPerSec,
    );
    const p99 = percentile(lat.latenciesMs, 0.99);
    return {
      clients: opts.clients,
      windowSeconds: round((t1 - t0) / 1000, 2),
      created,
      responsesPerSec: round(created / ((t1 - t0) / 1000)),
      ticketsPerSec: round(ticketsPerSec),
      drainSeconds: round((t2 - t1) / 1000, 2),
      dispatched,
      statuses: load.statuses,
      storeWritesPerSec: round(rawRate),
      storeIndexedWritesPerSec: round(indexedRate),
      storeItemWritesPerSec: round(indexed.itemWritesPerSec),
      itemWritesPerTicket: round(itemWritesPerTicket, 2),
      meteredTickets,
      ratio: { value: round(ratio, 3), target: 0.5, met: ratio >= 0.5 },
      requestCeiling: ceiling,
      storeRequestRates: { updatesPerSec: round(rates.updatesPerSec), getsPerSec: round(rates.getsPerSec) },
      rawItemBytes: itemBytes,
      writesPerTicket: round(writesPerTicket, 2),
      readsPerTicket: round(reads / Math.max(1, created), 2),
      p99AtHalfCapacityMs: round(p99, 2),
      latency: {
        offeredPerSec: rate,
        requests: lat.latenciesMs.length,
        p50Ms: round(percentile(lat.latenciesMs, 0.5), 2),
        p90Ms: round(percentile(lat.latenciesMs, 0.9), 2),
        p99Ms: round(p99, 2),
        maxMs: round(Math.max(...lat.latenciesMs), 2),
      },
      target: {
        ticketsPerSec: round(targetRate),
        met: ticketsPerSec >= targetRate,
        p99Ms: 50,
        p99Met: p99 <= 50,
      },
      transport: rt.store.transport,
    };
  } finally {
    await rt.stop();
  }
}
