/**
 * SIGKILL the embedded runtime at random points while tickets are driven through it, restart it
 * on the same data directory, and prove nothing was lost or doubled (see crash-run.ts). A reduced
 * count here; `npm run bench` runs the full one through runCrashRecovery.
 */
import { describe, expect, it } from 'vitest';
import { crashOptionsFromEnv, runCrashRecovery } from './crash-run';

describe('crash recovery of the embedded runtime', () => {
  it('keeps every ticket exactly once, resumes every clock and records every notice once', async () => {
    const opts = crashOptionsFromEnv(process.env, { tickets: 60, kills: 3 });
    const report = await runCrashRecovery(opts);
    // The seed replays the same kill points: RELIABILITY_SEED=<seed>.
    expect(report.violations, `seed ${report.seed}`).toEqual([]);
    expect(report.strandedAfterChaos).toBe(0);
    expect(report.tickets).toBe(opts.tickets);
    expect(report.kills).toBe(opts.kills);
    // Every restart found open tickets to re-attach, and the run produced ladders to check.
    expect(report.reattached.every((n) => n > 0)).toBe(true);
    expect(report.breaches).toBeGreaterThan(0);
  }, 120_000);
});
