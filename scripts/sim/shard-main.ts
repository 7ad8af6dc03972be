/** A simulation shard's process (see run.ts): runs its part of the workload, reports over IPC. */
import { type Progress, Simulation } from './driver';
import type { ShardOptions } from './run';

process.once('message', (m: { options: ShardOptions; shard: { index: number; count: number } }) => {
  const send = (message: unknown) => new Promise<void>((resolve) => process.send?.(message, () => resolve()));
  let lastProgress = 0;
  const sim = new Simulation({
    ...m.options,
    shard: m.shard,
    onProgress: (progress: Progress) => {
      const now = Date.now();
      if (now - lastProgress < 250) return;
      lastProgress = now;
      void send({ type: 'progress', progress });
    },
  });
  sim
    .run()
    .then((report) => send({ type: 'report', report, heat: sim.heat?.toJSON() }))
    .catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }))
    // The engine leaves timeouts armed for the executions it aborted at shutdown.
    .finally(() => process.exit(0));
});
