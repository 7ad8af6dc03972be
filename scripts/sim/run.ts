/**
 * Runs a simulation on every core: the workload is split into shards (every n-th ticket), each
 * shard runs in its own Node process with its own embedded runtime and store (one machine's
 * embedded runtime is single-threaded), and the shard reports are merged. Tickets are
 * independent and every draw depends only on the seed and the ticket's index, so a shard sees
 * exactly the tickets, units and residents it would have seen in a single process.
 */
import { fork } from 'node:child_process';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Progress, type RunOptions, Simulation } from './driver';
import { type HeatSeries, mergeHeat, summarizeHeat } from './heat';
import { mergeReports, type SimReport } from './report';

export type ShardOptions = Omit<RunOptions, 'onProgress' | 'shard'>;

type FromShard =
  | { type: 'progress'; progress: Progress }
  | { type: 'report'; report: SimReport; heat?: HeatSeries }
  | { type: 'error'; message: string };

interface ShardResult {
  report: SimReport;
  heat?: HeatSeries;
}

const shardMain = fileURLToPath(new URL('./shard-main.ts', import.meta.url));

function runShard(
  options: ShardOptions,
  shard: { index: number; count: number },
  onProgress: (p: Progress) => void,
): Promise<ShardResult> {
  return new Promise((resolve, reject) => {
    // A Beijing-day shard holds ~30,000 live executions and a million store items (≈ 4.5 GB):
    // more than Node's default heap limit, so each shard gets its share of the machine's memory.
    const heapMb = Math.max(4096, Math.floor((totalmem() / 1024 / 1024) * (0.7 / shard.count)));
    const child = fork(shardMain, [], {
      execArgv: [`--max-old-space-size=${heapMb}`, '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    child.on('message', (m: FromShard) => {
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'report') {
        settled = true;
        resolve({ report: m.report, ...(m.heat ? { heat: m.heat } : {}) });
      } else {
        settled = true;
        reject(new Error(`shard ${shard.index}: ${m.message}`));
      }
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`shard ${shard.index} exited with code ${code} before reporting`));
    });
    child.send({ options, shard });
  });
}

/** The whole workload in `shards` processes (or, with `inProcess` and one shard, here), as one report. */
export async function runSimulation(
  options: ShardOptions,
  shards: number,
  onProgress?: (p: Progress) => void,
  inProcess = false,
): Promise<SimReport> {
  if (shards <= 1 && inProcess) {
    const sim = new Simulation({ ...options, ...(onProgress ? { onProgress } : {}) });
    const report = await sim.run();
    return withHeat(options, report, sim.heat ? [sim.heat.toJSON()] : []);
  }
  const latest: (Progress | undefined)[] = Array.from({ length: shards }, () => undefined);
  const combined = (): Progress | undefined => {
    const known = latest.filter((p): p is Progress => p !== undefined);
    const first = known[0];
    if (!first || known.length < shards) return undefined;
    return {
      ...first,
      simMs: Math.min(...known.map((p) => p.simMs)),
      created: known.reduce((n, p) => n + p.created, 0),
      total: known.reduce((n, p) => n + p.total, 0),
      writes: known.reduce((n, p) => n + p.writes, 0),
      wallMs: Math.max(...known.map((p) => p.wallMs)),
    };
  };
  if (shards <= 1) {
    const one = await runShard(options, { index: 0, count: 1 }, (p) => onProgress?.(p));
    return withHeat(options, one.report, one.heat ? [one.heat] : []);
  }
  const parts = await Promise.all(
    Array.from({ length: shards }, (_, index) =>
      runShard(options, { index, count: shards }, (p) => {
        latest[index] = p;
        const all = combined();
        if (all) onProgress?.(all);
      }),
    ),
  );
  return withHeat(
    options,
    mergeReports(parts.map((p) => p.report)),
    parts.flatMap((p) => (p.heat ? [p.heat] : [])),
  );
}

/**
 * The shards' partition heat as one table (the same key in the same second adds up: on AWS the
 * shards would share one table). A run with fewer tickets a day than its scenario is a sample:
 * every key's units are scaled up linearly to the scenario's daily volume.
 */
function withHeat(options: ShardOptions, report: SimReport, heat: HeatSeries[]): SimReport {
  if (!options.heat || heat.length === 0) return report;
  const perDay = (tickets: number, days: number) => tickets / Math.max(days, 1 / 24);
  const scale = Math.max(
    1,
    perDay(options.scenario.tickets, options.scenario.days) / perDay(options.tickets, options.days),
  );
  return { ...report, heat: summarizeHeat(mergeHeat(heat), { scale }) };
}
