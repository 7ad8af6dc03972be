/**
 * Runs a simulation on every core: the workload is split into shards (every n-th ticket), each
 * shard runs in its own Node process with its own embedded runtime and store (one machine's
 * embedded runtime is single-threaded), and the shard reports are merged. Tickets are
 * independent and every draw depends only on the seed and the ticket's index, so a shard sees
 * exactly the tickets, units and residents it would have seen in a single process.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Progress, type RunOptions, Simulation } from './driver';
import { mergeReports, type SimReport } from './report';

export type ShardOptions = Omit<RunOptions, 'onProgress' | 'shard'>;

type FromShard =
  | { type: 'progress'; progress: Progress }
  | { type: 'report'; report: SimReport }
  | { type: 'error'; message: string };

const shardMain = fileURLToPath(new URL('./shard-main.ts', import.meta.url));

function runShard(
  options: ShardOptions,
  shard: { index: number; count: number },
  onProgress: (p: Progress) => void,
): Promise<SimReport> {
  return new Promise((resolve, reject) => {
    const child = fork(shardMain, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    child.on('message', (m: FromShard) => {
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'report') {
        settled = true;
        resolve(m.report);
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

/** The whole workload in `shards` processes (1: in this process), as one report. */
export async function runSimulation(
  options: ShardOptions,
  shards: number,
  onProgress?: (p: Progress) => void,
): Promise<SimReport> {
  if (shards <= 1) {
    return new Simulation({ ...options, ...(onProgress ? { onProgress } : {}) }).run();
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
  const parts = await Promise.all(
    Array.from({ length: shards }, (_, index) =>
      runShard(options, { index, count: shards }, (p) => {
        latest[index] = p;
        const all = combined();
        if (all) onProgress?.(all);
      }),
    ),
  );
  return mergeReports(parts);
}
