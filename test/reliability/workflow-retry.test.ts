/**
 * Workflow tasks retry only what is safe to retry. Statically: the lifecycle ASL's Retry lists
 * (a callback's timeout is never retried, so a dispatch never re-runs; no catch-all retrier).
 * Behaviourally: the real ASL on the local engine retries a busy store and a lost lock, ends a
 * branch on a gone ticket, and fails loudly (no retry) on anything else.
 */
import { describe, expect, it } from 'vitest';
import { LocalWorkflow, type TaskHandler } from '../../infra/local/engine-host';
import { ManualClock } from '../../infra/local/sim-clock';
import { StoreBusyError, TicketGoneError, VersionConflictError } from '../../shared/domain/errors';
import type { Step } from '../../shared/ports';
import {
  readLifecycleAsl,
  substituteAsl,
  substitutionKeys,
  taskErrors,
  taskFunctionBySubstitution,
} from '../../workflows/contract';

interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
  IntervalSeconds?: number;
  BackoffRate?: number;
  JitterStrategy?: string;
}
interface State {
  Type: string;
  Resource?: string;
  TimeoutSecondsPath?: string;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  ItemProcessor?: { States: Record<string, State> };
  Iterator?: { States: Record<string, State> };
}

const asl = JSON.parse(readLifecycleAsl()) as { States: Record<string, State> };
const CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

function tasks(states: Record<string, State>, out: [string, State][] = []): [string, State][] {
  for (const [name, s] of Object.entries(states)) {
    if (s.Type === 'Task') out.push([name, s]);
    const nested = s.ItemProcessor ?? s.Iterator;
    if (nested) tasks(nested.States, out);
  }
  return out;
}

/** Errors a task may be retried on: the Lambda service's own transient faults, a busy store, a lost lock. */
const SAFE = new Set([
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  taskErrors.storeBusy,
  taskErrors.versionConflict,
]);

describe('the lifecycle ASL retries only what is safe', () => {
  const all = tasks(asl.States);

  it('has task states to check, callbacks among them', () => {
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(all.filter(([, s]) => s.Resource === CALLBACK).length).toBeGreaterThanOrEqual(2);
  });

  it.each(all)('%s never retries a timeout of its callback, first of all', (_name, s) => {
    if (s.Resource !== CALLBACK) return;
    expect(s.Retry?.[0]).toEqual({ ErrorEquals: ['States.Timeout'], MaxAttempts: 0 });
    // The SLA instant is the timeout; the timeout is caught (the timer path), not retried.
    expect(s.TimeoutSecondsPath ?? s.TimeoutSeconds).toBeDefined();
    expect(s.Catch?.some((c) => c.ErrorEquals.includes('States.Timeout'))).toBe(true);
  });

  it.each(all)('%s retries a busy store with backoff and jitter, nothing broader', (_name, s) => {
    const retriers = (s.Retry ?? []).filter(
      (r) => !(r.ErrorEquals.includes('States.Timeout') && r.MaxAttempts === 0),
    );
    expect(retriers.flatMap((r) => r.ErrorEquals)).toContain(taskErrors.storeBusy);
    for (const r of retriers) {
      for (const e of r.ErrorEquals) expect(SAFE.has(e), `${e} is not safe to retry`).toBe(true);
      expect(r.MaxAttempts ?? 3).toBeGreaterThan(0);
      expect(r.MaxAttempts ?? 3).toBeLessThanOrEqual(10);
      expect(r.BackoffRate ?? 2).toBeGreaterThanOrEqual(1.5);
      expect(r.JitterStrategy).toBe('FULL');
    }
  });

  it.each(all)('%s has no catch-all and ends its branch when the ticket is gone', (_name, s) => {
    const everything = [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r) => r.ErrorEquals);
    expect(everything).not.toContain('States.ALL');
    expect(everything).not.toContain('States.TaskFailed');
    expect(s.Catch?.some((c) => c.ErrorEquals.includes(taskErrors.ticketGone))).toBe(true);
  });

  it('names the errors exactly as the task handlers throw them', () => {
    expect(new StoreBusyError('x').name).toBe(taskErrors.storeBusy);
    expect(new VersionConflictError('x').name).toBe(taskErrors.versionConflict);
    expect(new TicketGoneError('x').name).toBe(taskErrors.ticketGone);
  });
});

describe('the real ASL on the local engine', () => {
  const T0 = Date.parse('2026-09-28T09:00:00+08:00');

  function machine(handlers: Record<'startStage' | 'onTimer' | 'finish', TaskHandler>, clock: ManualClock) {
    const definition = substituteAsl(
      readLifecycleAsl(),
      Object.fromEntries(
        substitutionKeys.map((k) => [k, LocalWorkflow.functionArn(taskFunctionBySubstitution[k])]),
      ) as Record<(typeof substitutionKeys)[number], string>,
    );
    return new LocalWorkflow(definition, handlers, clock);
  }

  const input = (timerAt: number): Step => ({
    ticketId: 't1',
    next: 'tracks',
    tracks: [
      {
        ticketId: 't1',
        next: 'wait',
        Payload: {
          ticketId: 't1',
          unitId: 'u1',
          stage: 'acknowledge',
          timerAt: new Date(timerAt).toISOString(),
          timerSeconds: 3600,
        },
      },
    ],
  });

  const until = async (check: () => boolean, ms = 8_000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('condition not met');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('retries a task that found the store busy or lost its lock, then runs on', async () => {
    const clock = new ManualClock(T0);
    const calls = { startStage: 0, onTimer: 0, finish: 0 };
    let token = '';
    const wf = machine(
      {
        startStage: async (e) => {
          calls.startStage += 1;
          if (calls.startStage === 1) throw new StoreBusyError('throttled');
          if (calls.startStage === 2) throw new VersionConflictError('moved');
          token = (e as { taskToken: string }).taskToken;
          return { armed: true };
        },
        onTimer: async () => {
          calls.onTimer += 1;
          return { ticketId: 't1', next: 'done' };
        },
        finish: async () => {
          calls.finish += 1;
          return { ticketId: 't1', next: 'done' };
        },
      },
      clock,
    );
    await wf.start('t1', input(T0 + 3_600_000));
    await until(() => token !== '');
    expect(await wf.sendTaskSuccess(token, { ticketId: 't1', next: 'done' })).toBe(true);
    await wf.idle();
    expect(calls).toEqual({ startStage: 3, onTimer: 0, finish: 1 });
    expect(wf.stats.failed).toBe(0);
    expect(wf.stats.succeeded).toBe(1);
  }, 20_000);

  it('takes the timer path on a timeout and never re-runs the callback task for it', async () => {
    const clock = new ManualClock(T0);
    const calls = { startStage: 0, onTimer: 0 };
    const wf = machine(
      {
        startStage: async () => {
          calls.startStage += 1;
          return { armed: true };
        },
        onTimer: async () => {
          calls.onTimer += 1;
          return { ticketId: 't1', next: 'done' };
        },
        finish: async () => ({ ticketId: 't1', next: 'done' }),
      },
      clock,
    );
    await wf.start('t1', input(T0 + 60_000));
    await until(() => calls.startStage === 1 && wf.waitingCount() === 1);
    await clock.advanceTo(new Date(T0 + 120_000), () => new Promise((r) => setTimeout(r, 20)));
    await wf.idle();
    expect(calls).toEqual({ startStage: 1, onTimer: 1 });
    expect(wf.stats.succeeded).toBe(1);
  });

  it('ends the branch cleanly when the ticket is gone', async () => {
    const clock = new ManualClock(T0);
    let arms = 0;
    const wf = machine(
      {
        startStage: async () => {
          arms += 1;
          throw new TicketGoneError('gone');
        },
        onTimer: async () => ({ ticketId: 't1', next: 'done' }),
        finish: async () => {
          throw new TicketGoneError('gone');
        },
      },
      clock,
    );
    await wf.start('t1', input(T0 + 60_000));
    await wf.idle();
    expect(arms).toBe(1);
    expect(wf.stats.succeeded).toBe(1);
  });

  it('does not retry an unexpected error: the execution fails where an operator sees it', async () => {
    const clock = new ManualClock(T0);
    let arms = 0;
    const failures: string[] = [];
    const definition = substituteAsl(
      readLifecycleAsl(),
      Object.fromEntries(
        substitutionKeys.map((k) => [k, LocalWorkflow.functionArn(taskFunctionBySubstitution[k])]),
      ) as Record<(typeof substitutionKeys)[number], string>,
    );
    const wf = new LocalWorkflow(
      definition,
      {
        startStage: async () => {
          arms += 1;
          throw new TypeError('a bug');
        },
        onTimer: async () => ({ ticketId: 't1', next: 'done' }),
        finish: async () => ({ ticketId: 't1', next: 'done' }),
      },
      clock,
      (line) => failures.push(line),
    );
    await wf.start('t1', input(T0 + 60_000));
    await wf.idle();
    expect(arms).toBe(1);
    expect(wf.stats.failed).toBe(1);
    expect(failures.join('\n')).toMatch(/execution for t1 failed/);
  });

  it('starts a ticket that waits only for its verdict (no unit branch) and reaches the verdict wait', async () => {
    const clock = new ManualClock(T0);
    const stages: string[] = [];
    const wf = machine(
      {
        startStage: async (e) => {
          stages.push((e as { stage: string }).stage);
          return { armed: true };
        },
        onTimer: async () => ({ ticketId: 't1', next: 'done' }),
        finish: async () => ({
          ticketId: 't1',
          next: 'wait',
          Payload: {
            ticketId: 't1',
            unitId: '',
            stage: 'feedback',
            timerAt: new Date(T0 + 60_000).toISOString(),
            timerSeconds: 60,
          },
        }),
      },
      clock,
    );
    // What a restart re-attaches for a resolved ticket: an empty Map, then Advance plans.
    await wf.start('t1', { ticketId: 't1', next: 'tracks', tracks: [] });
    await until(() => stages.length === 1);
    expect(stages).toEqual(['feedback']);
    await wf.shutdown();
  });
});
