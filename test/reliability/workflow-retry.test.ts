/**
 * Workflow tasks retry only what is safe to retry. Statically: the lifecycle ASL's Retry lists
 * (a callback's timeout is never retried, so a dispatch never re-runs; nothing retries every
 * error) and its catch-all (anything unexpected ends in ClockFailed). Behaviourally: the real ASL
 * on the local engine retries a busy store and a lost lock, ends a branch on a gone ticket, and
 * on anything else flags the ticket through ClockFailed and fails where an operator sees it.
 */
import { describe, expect, it } from 'vitest';
import { LocalWorkflow, type TaskHandler } from '../../infra/local/engine-host';
import { ManualClock } from '../../infra/local/sim-clock';
import { StoreBusyError, TicketGoneError, VersionConflictError } from '../../shared/domain/errors';
import type { Step } from '../../shared/ports';
import { readLifecycleAsl, substituteAsl, substitutionKeys, taskErrors } from '../../workflows/contract';
import { type LifecycleTask, taskBySubstitution } from '../../workflows/tasks';

interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
  IntervalSeconds?: number;
  BackoffRate?: number;
  JitterStrategy?: string;
}
interface State {
  Type: string;
  Next?: string;
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

/**
 * Errors a task may be retried on: the Lambda service's own transient faults (those AWS's error
 * handling guidance names, a client-side timeout and an unknown Lambda error included), a busy
 * store, a lost lock.
 */
const SAFE = new Set([
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.Unknown',
  taskErrors.storeBusy,
  taskErrors.versionConflict,
]);
/** States inside the units' Map: an uncaught error there fails the Map, whose catch-all takes it. */
const inMap = new Set(['AwaitUnit', 'UnitTimer']);

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

  it.each(all)('%s never retries everything, and ends its branch when the ticket is gone', (name, s) => {
    const retried = (s.Retry ?? []).flatMap((r) => r.ErrorEquals);
    expect(retried).not.toContain('States.ALL');
    expect(retried).not.toContain('States.TaskFailed');
    if (name === 'ClockFailed') return;
    expect(s.Catch?.some((c) => c.ErrorEquals.includes(taskErrors.ticketGone))).toBe(true);
    expect(s.Catch?.some((c) => c.ErrorEquals.includes(taskErrors.superseded))).toBe(true);
  });

  it('sends every other failure to ClockFailed, which flags the ticket and ends the execution', () => {
    const catchAll = (s: State) => s.Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
    for (const [name, s] of all) {
      if (name === 'ClockFailed' || inMap.has(name)) continue;
      expect(catchAll(s)?.Next, name).toBe('ClockFailed');
    }
    expect(catchAll(asl.States.Tracks as State)?.Next).toBe('ClockFailed');
    expect(asl.States.ClockFailed?.Next).toBe('Failed');
    expect(asl.States.Failed?.Type).toBe('Fail');
  });

  it('names the errors exactly as the task handlers throw them', () => {
    expect(new StoreBusyError('x').name).toBe(taskErrors.storeBusy);
    expect(new VersionConflictError('x').name).toBe(taskErrors.versionConflict);
    expect(new TicketGoneError('x').name).toBe(taskErrors.ticketGone);
  });
});

describe('the real ASL on the local engine', () => {
  const T0 = Date.parse('2026-09-28T09:00:00+08:00');

  const definition = substituteAsl(
    readLifecycleAsl(),
    Object.fromEntries(
      substitutionKeys.map((k) => [k, LocalWorkflow.functionArn(taskBySubstitution[k])]),
    ) as Record<(typeof substitutionKeys)[number], string>,
  );
  const done = { ticketId: 't1', next: 'done' };
  function machine(
    handlers: Partial<Record<LifecycleTask, TaskHandler>>,
    clock: ManualClock,
    log?: (line: string) => void,
  ) {
    return new LocalWorkflow(
      definition,
      {
        awaitParty: async () => ({ armed: true }),
        onTimer: async () => done,
        advance: async () => done,
        clockFailed: async () => ({ flagged: true }),
        ...handlers,
      },
      clock,
      log,
    );
  }

  const input = (timerAt: number): Step => ({
    ticketId: 't1',
    next: 'tracks',
    tracks: [
      {
        ticketId: 't1',
        next: 'wait',
        wait: {
          ticketId: 't1',
          party: 'lead',
          unitId: 'u1',
          stage: 'acknowledge',
          timerAt: new Date(timerAt).toISOString(),
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
    const calls = { awaitParty: 0, advance: 0 };
    let token = '';
    const wf = machine(
      {
        awaitParty: async (e) => {
          calls.awaitParty += 1;
          if (calls.awaitParty === 1) throw new StoreBusyError('throttled');
          if (calls.awaitParty === 2) throw new VersionConflictError('moved');
          token = (e as { taskToken: string }).taskToken;
          return { armed: true };
        },
        advance: async () => {
          calls.advance += 1;
          return done;
        },
      },
      clock,
    );
    await wf.start('t1', 1, input(T0 + 3_600_000));
    await until(() => token !== '', 15_000);
    // The party is done: the wait ends with PartyDone, the branch with it, the ticket with Advance.
    expect(await wf.resume(token, { ticketId: 't1', next: 'done' })).toBe(true);
    await wf.idle();
    expect(calls).toEqual({ awaitParty: 3, advance: 1 });
    expect(wf.stats.failed).toBe(0);
    expect(wf.stats.succeeded).toBe(1);
  }, 30_000);

  it('takes the timer path on a timeout and never re-runs the callback task for it', async () => {
    const clock = new ManualClock(T0);
    const calls = { awaitParty: 0, onTimer: 0 };
    let token = '';
    const wf = machine(
      {
        awaitParty: async (e) => {
          calls.awaitParty += 1;
          token = (e as { taskToken: string }).taskToken;
          return { armed: true };
        },
        onTimer: async (e) => {
          calls.onTimer += 1;
          // The wait is re-entered after a timer, armed for the party's next instant.
          const { taskToken: _t, execution: _x, ...wait } = e as Record<string, unknown>;
          const timerAt = new Date(T0 + 3_600_000).toISOString();
          return { ticketId: 't1', next: 'wait', Payload: { ...wait, timerAt, timerSeconds: 3600 } };
        },
      },
      clock,
    );
    await wf.start('t1', 1, input(T0 + 60_000));
    await until(() => calls.awaitParty === 1 && wf.waitingCount() === 1);
    await clock.advanceTo(new Date(T0 + 120_000), () => new Promise((r) => setTimeout(r, 20)));
    await until(() => calls.awaitParty === 2 && wf.waitingCount() === 1);
    expect(calls).toEqual({ awaitParty: 2, onTimer: 1 });
    await wf.resume(token, { ticketId: 't1', next: 'done' });
    await wf.idle();
    expect(wf.stats.succeeded).toBe(1);
  });

  it('ends the branch cleanly when the ticket is gone', async () => {
    const clock = new ManualClock(T0);
    let arms = 0;
    const wf = machine(
      {
        awaitParty: async () => {
          arms += 1;
          throw new TicketGoneError('gone');
        },
        advance: async () => {
          throw new TicketGoneError('gone');
        },
      },
      clock,
    );
    await wf.start('t1', 1, input(T0 + 60_000));
    await wf.idle();
    expect(arms).toBe(1);
    expect(wf.stats.succeeded).toBe(1);
  });

  it('sends an unexpected error to ClockFailed, without retrying it, and fails where an operator sees it', async () => {
    const clock = new ManualClock(T0);
    let arms = 0;
    const flagged: unknown[] = [];
    const failures: string[] = [];
    const wf = machine(
      {
        awaitParty: async () => {
          arms += 1;
          throw new TypeError('a bug');
        },
        clockFailed: async (e) => {
          flagged.push(e);
          return { flagged: true };
        },
      },
      clock,
      (line) => failures.push(line),
    );
    await wf.start('t1', 1, input(T0 + 60_000));
    await wf.idle();
    expect(arms).toBe(1);
    expect(flagged).toEqual([
      expect.objectContaining({
        ticketId: 't1',
        execution: 'ticket-t1-1',
        error: expect.objectContaining({ Error: 'TypeError' }),
      }),
    ]);
    expect(wf.stats.failed).toBe(1);
    expect(failures.join('\n')).toMatch(/execution ticket-t1-1 failed: .*clock failed/);
    expect((await wf.describe('t1', 1)).execution).toBe('ended');
  });

  it('starts a ticket that waits only for its verdict (no unit branch) and reaches the verdict wait', async () => {
    const clock = new ManualClock(T0);
    const stages: string[] = [];
    const wf = machine(
      {
        awaitParty: async (e) => {
          stages.push((e as { stage: string }).stage);
          return { armed: true };
        },
        advance: async () => ({
          ticketId: 't1',
          next: 'wait',
          Payload: {
            ticketId: 't1',
            party: 'ticket',
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
    await wf.start('t1', 1, { ticketId: 't1', next: 'tracks', tracks: [] });
    await until(() => stages.length === 1);
    expect(stages).toEqual(['feedback']);
    expect((await wf.describe('t1', 1)).waits).toEqual([
      expect.objectContaining({ party: 'ticket', stage: 'feedback' }),
    ]);
    await wf.shutdown();
  });
});
