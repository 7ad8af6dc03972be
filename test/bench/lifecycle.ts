/**
 * lifecycle: complete happy-path lifecycles per second in simulated time (create → acknowledge →
 * resolve → satisfied verdict, 32 in flight, through the API's Lambda handlers), with the store
 * writes one costs, notifications included.
 * transitions: state transitions of one ticket on the happy path, with one escalation, with a
 * reopen (LocalWorkflow.transitionsByTicket: StateEntered events of the finished execution).
 */
import { type Runtime, startRuntime } from '../../infra/local/runtime';
import { LOCAL_TABLE } from '../../infra/local/store-server';
import { type SimApi, simApi } from '../../scripts/sim/api';
import { EventClock } from '../../scripts/sim/event-clock';
import { PartitionHeat } from '../../scripts/sim/heat';
import { attachHeatMeter } from '../../scripts/sim/heat-meter';
import type { Ticket } from '../../shared/domain/model';
import type { Principal } from '../../shared/domain/principal';
import {
  BENCH_START,
  benchTransport,
  pool,
  requestCeiling,
  round,
  storeRequestRates,
  storeWriteRate,
  ticketItemWriteRate,
} from './common';

const MIN = 60_000;
const reporter: Principal = { sub: 'bench-grid', role: 'reporter', communityId: 'cm-nanqiao', via: 'token' };
const office: Principal = { sub: 'bench-office', role: 'unit', unitId: 'u-street-lailongmen', via: 'token' };
const body = {
  dutyItemId: 'di-corridor-clutter',
  communityId: 'cm-nanqiao',
  title: '楼道杂物堆放',
  description: '3栋2单元楼道堆满杂物，影响通行（基准测试）',
  channel: 'grid' as const,
};

interface Sim {
  rt: Runtime;
  clock: EventClock;
  api: SimApi;
  /** Notices sent (one per SMS or e-mail message). */
  sent: { messages: number };
  settle(): Promise<void>;
  advance(minutes: number): Promise<void>;
}

export async function simRuntime(): Promise<Sim> {
  const clock = new EventClock(Date.parse(BENCH_START), 1000);
  const sent = { messages: 0 };
  const rt = await startRuntime({
    storeTransport: benchTransport(),
    port: 0,
    timeScale: 1,
    localTokens: false,
    quiet: true,
    log: () => {},
    backoffMs: [0],
    clock,
    notifier: {
      async send() {
        sent.messages += 1;
      },
    },
  });
  rt.deps.sleep = () => new Promise<void>((r) => setImmediate(r));
  const settle = async () => {
    let quiet = 0;
    while (quiet < 2) {
      await new Promise<void>((r) => setImmediate(r));
      quiet = rt.workflow.busy + rt.store.stats.inFlight === 0 ? quiet + 1 : 0;
    }
  };
  return {
    rt,
    clock,
    sent,
    api: simApi('handlers', rt),
    settle,
    advance: (minutes) => clock.runUntil(clock.nowMs() + minutes * MIN, settle),
  };
}

async function must(
  p: Promise<{ ok: boolean; ticket?: Ticket; status?: number; detail?: string }>,
): Promise<Ticket> {
  const out = await p;
  if (!out.ok || !out.ticket) throw new Error(`bench action refused: ${out.status} ${out.detail}`);
  return out.ticket;
}

export interface LifecycleResult {
  lifecycles: number;
  concurrency: number;
  seconds: number;
  lifecyclesPerSec: number;
  writesPerLifecycle: number;
  readsPerLifecycle: number;
  /** SMS and e-mail messages sent (a notice is one SMS and one e-mail). */
  messagesPerLifecycle: number;
  writesByPhase: Record<string, number>;
  transitionsPerLifecycle: number;
  completed: number;
  /** Raw PutItem rate of this run's store at the same concurrency (2 KB items). */
  storeWritesPerSec: number;
  /** Item writes per second for a ticket item written fresh with a copy in every GSI (same run). */
  storeItemWritesPerSec: number;
  /**
   * Item writes per lifecycle: table writes plus the index entries they wrote, counted over
   * `meteredLifecycles` lifecycles run apart (the timed ones run unmetered).
   */
  itemWritesPerLifecycle: number;
  meteredLifecycles: number;
  /** lifecyclesPerSec ÷ (storeItemWritesPerSec ÷ itemWritesPerLifecycle), judged against 0.5. */
  ratio: { value: number; target: number; met: boolean };
  /** The ratio's store-only ceiling with this many requests a lifecycle (see intake.ts). */
  requestCeiling: { requestsPerTicket: number; storeOnlyPerSec: number; ratio: number };
  storeRequestRates: { updatesPerSec: number; getsPerSec: number };
}

export async function benchLifecycle(opts: { count: number; concurrency: number }): Promise<LifecycleResult> {
  const sim = await simRuntime();
  const { rt } = sim;
  try {
    // Warm the JIT and the caches on a few lifecycles first (not counted).
    await runLifecycles(sim, 64, opts.concurrency);
    const before = { ...rt.store.stats };
    const messagesBefore = sim.sent.messages;
    const finishedBefore = rt.workflow.stats.succeeded;
    const transitionsBefore = rt.workflow.stats.transitions;
    const t0 = performance.now();
    const phases = await runLifecycles(sim, opts.count, opts.concurrency);
    const seconds = (performance.now() - t0) / 1000;
    const writes = rt.store.stats.writes - before.writes;
    // Taken now: the metered lifecycles and the store's own rates below read too.
    const reads = rt.store.stats.reads - before.reads;
    const completed = rt.workflow.stats.succeeded - finishedBefore;
    // Item writes a lifecycle costs, index copies included, counted over lifecycles of their own:
    // the meter asks every write for its old or new image, which the timed run above does not pay.
    const meter = await attachHeatMeter(rt.store.client, LOCAL_TABLE, () => Date.now(), new PartitionHeat());
    const meteredLifecycles = Math.min(opts.count, 128);
    await runLifecycles(sim, meteredLifecycles, opts.concurrency);
    meter.detach();
    const itemWrites = meter.counts.tableWrites + meter.counts.indexWrites;
    const filler = 'x'.repeat(2048);
    const storeWritesPerSec = await storeWriteRate(
      rt,
      (i) => ({ pk: `BENCH#${i}`, sk: 'RAW', body: filler }),
      opts.concurrency,
      3000,
    );
    // A ticket of this run as the template of the store's fair item-write rate.
    let template: unknown;
    for await (const page of rt.deps.store.scanPeriod(
      '2000-01-01T00:00:00+08:00',
      '2100-01-01T00:00:00+08:00',
    )) {
      template = page[0];
      if (template) break;
    }
    const indexed = await ticketItemWriteRate(
      rt,
      { version: 0, t: template, tokens: {} },
      opts.concurrency,
      3000,
    );
    const rates = await storeRequestRates(rt, opts.concurrency, 2000);
    const lifecyclesPerSec = opts.count / seconds;
    const itemWritesPerLifecycle = itemWrites / meteredLifecycles;
    const storeLifecyclesPerSec = indexed.itemWritesPerSec / Math.max(1e-9, itemWritesPerLifecycle);
    const ratio = lifecyclesPerSec / storeLifecyclesPerSec;
    const ceiling = requestCeiling(
      rates,
      { writes: writes / opts.count, reads: reads / opts.count },
      storeLifecyclesPerSec,
    );
    return {
      storeWritesPerSec: round(storeWritesPerSec),
      storeItemWritesPerSec: round(indexed.itemWritesPerSec),
      itemWritesPerLifecycle: round(itemWritesPerLifecycle, 2),
      meteredLifecycles,
      ratio: { value: round(ratio, 3), target: 0.5, met: ratio >= 0.5 },
      requestCeiling: ceiling,
      storeRequestRates: { updatesPerSec: round(rates.updatesPerSec), getsPerSec: round(rates.getsPerSec) },
      lifecycles: opts.count,
      concurrency: opts.concurrency,
      seconds: round(seconds, 2),
      lifecyclesPerSec: round(lifecyclesPerSec),
      writesPerLifecycle: round(writes / opts.count, 2),
      readsPerLifecycle: round(reads / opts.count, 2),
      messagesPerLifecycle: round((sim.sent.messages - messagesBefore) / opts.count, 2),
      writesByPhase: Object.fromEntries(
        Object.entries(phases).map(([k, v]) => [k, round(v / opts.count, 2)]),
      ),
      transitionsPerLifecycle: round(
        (rt.workflow.stats.transitions - transitionsBefore) / Math.max(1, completed),
        2,
      ),
      completed,
    };
  } finally {
    await sim.rt.stop();
  }
}

/** Create, acknowledge, resolve and close `count` tickets, phase by phase, `concurrency` at a time. */
async function runLifecycles(sim: Sim, count: number, concurrency: number) {
  const { rt, api } = sim;
  const writes: Record<string, number> = {};
  let mark = rt.store.stats.writes;
  const phase = async (name: string, work: () => Promise<unknown>, minutes: number) => {
    await work();
    await sim.advance(minutes);
    writes[name] = (writes[name] ?? 0) + rt.store.stats.writes - mark;
    mark = rt.store.stats.writes;
  };
  const ids: string[] = [];
  await phase(
    'create+dispatch',
    () =>
      pool(
        Array.from({ length: count }, (_, i) => i),
        concurrency,
        async () => {
          ids.push((await must(api.create(reporter, body))).id);
        },
      ),
    5,
  );
  await phase(
    'acknowledge',
    () => pool(ids, concurrency, (id) => must(api.act(office, id, 'acknowledge', {}))),
    5,
  );
  await phase(
    'resolve+feedback request',
    () => pool(ids, concurrency, (id) => must(api.act(office, id, 'resolve', { summary: '已清理' }))),
    5,
  );
  await phase(
    'verdict',
    () => pool(ids, concurrency, (id) => must(api.act(reporter, id, 'feedback', { rating: 'satisfied' }))),
    5,
  );
  return writes;
}

// ---------------------------------------------------------------------------------------------
// transitions
// ---------------------------------------------------------------------------------------------

export interface TransitionsResult {
  happyPath: number;
  oneEscalation: number;
  reopen: number;
  target: { happyPath: number; met: boolean };
}

export async function benchTransitions(): Promise<TransitionsResult> {
  const sim = await simRuntime();
  const { rt, api } = sim;
  const finished = async (id: string) => {
    await sim.advance(1);
    const n = rt.workflow.transitionsByTicket.get(id);
    if (n === undefined) throw new Error(`the execution of ${id} did not finish`);
    return n;
  };
  try {
    // Happy path: dispatched, acknowledged, resolved, satisfied.
    let t = await must(api.create(reporter, body));
    await sim.advance(10);
    await must(api.act(office, t.id, 'acknowledge', {}));
    await sim.advance(30);
    await must(api.act(office, t.id, 'resolve', { summary: '已清理' }));
    await sim.advance(30);
    await must(api.act(reporter, t.id, 'feedback', { rating: 'satisfied' }));
    const happyPath = await finished(t.id);

    // One escalation: the acknowledge deadline passes (blue warning, then level 1: the unit
    // leader is urged), then the unit acts and the ticket closes normally.
    t = await must(api.create(reporter, body));
    const ackDue = Date.parse(t.deadlines.acknowledgeBy ?? '');
    await sim.clock.runUntil(ackDue + 30 * MIN, sim.settle);
    await must(api.act(office, t.id, 'acknowledge', {}));
    await sim.advance(30);
    await must(api.act(office, t.id, 'resolve', { summary: '已清理' }));
    await sim.advance(30);
    await must(api.act(reporter, t.id, 'feedback', { rating: 'satisfied' }));
    const oneEscalation = await finished(t.id);

    // A reopen: unsatisfied, reworked, then satisfied.
    t = await must(api.create(reporter, body));
    await sim.advance(10);
    await must(api.act(office, t.id, 'acknowledge', {}));
    await sim.advance(30);
    await must(api.act(office, t.id, 'resolve', { summary: '已清理' }));
    await sim.advance(30);
    await must(api.act(reporter, t.id, 'feedback', { rating: 'unsatisfied', comment: '还有杂物' }));
    await sim.advance(60);
    await must(api.act(office, t.id, 'resolve', { summary: '已彻底清理' }));
    await sim.advance(30);
    await must(api.act(reporter, t.id, 'feedback', { rating: 'satisfied' }));
    const reopen = await finished(t.id);

    return { happyPath, oneEscalation, reopen, target: { happyPath: 12, met: happyPath <= 12 } };
  } finally {
    await rt.stop();
  }
}
