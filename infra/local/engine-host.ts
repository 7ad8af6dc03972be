/**
 * Runs the lifecycle ASL from workflows/ on aws-local-stepfunctions, with every Task state bound
 * in-process to the same handler Lambda runs. The engine mints no task tokens, so callback tasks
 * mint their own, keep them here, and wait on them: `sendTaskSuccess` resolves the wait, the
 * simulated clock's timer rejects it with `States.Timeout` (the ASL's Catch then runs as on AWS).
 */
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Step, WorkflowPort } from '../../shared/ports';
import type { SchedulingClock } from './sim-clock';

export type TaskHandler = (event: unknown) => Promise<unknown>;

interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: { FunctionName?: string };
  ItemProcessor?: { States: Record<string, AslState> };
  Iterator?: { States: Record<string, AslState> };
  Branches?: { States: Record<string, AslState> }[];
}

interface PendingWait {
  ticketId: string;
  resolve: (output: Step) => void;
  reject: (err: Error) => void;
  cancelTimer: () => void;
}

export interface EngineStats {
  started: number;
  running: number;
  succeeded: number;
  failed: number;
  transitions: number;
}

const CALLBACK_RESOURCE = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const LAMBDA_ARN = /^arn:aws:lambda:[^:]+:\d+:function:([A-Za-z0-9_-]+)$/;

function statesTimeout(): Error {
  const err = new Error('the SLA timer fired before the party acted');
  err.name = 'States.Timeout';
  return err;
}

/** Every Task state of the definition (Map/Parallel bodies included) by name. */
function taskStates(
  states: Record<string, AslState>,
  out = new Map<string, AslState>(),
): Map<string, AslState> {
  for (const [name, s] of Object.entries(states)) {
    if (s.Type === 'Task') out.set(name, s);
    const nested = s.ItemProcessor ?? s.Iterator;
    if (nested) taskStates(nested.States, out);
    for (const b of s.Branches ?? []) taskStates(b.States, out);
  }
  return out;
}

export class LocalWorkflow implements WorkflowPort {
  private readonly machine: StateMachine;
  private readonly overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
  private readonly executions = new Map<string, { abort: () => void; done: Promise<void> }>();
  private readonly waits = new Map<string, PendingWait>();
  readonly stats: EngineStats = { started: 0, running: 0, succeeded: 0, failed: 0, transitions: 0 };
  /** Transitions per finished execution (tests and the bench read them). */
  readonly transitionsByTicket = new Map<string, number>();
  /** Task handler invocations still running (tests wait for zero before moving the clock). */
  private inFlight = 0;

  constructor(
    definition: string,
    handlers: Record<string, TaskHandler>,
    private readonly clock: SchedulingClock,
    private readonly log: (line: string) => void = () => {},
  ) {
    const parsed = JSON.parse(definition) as { States: Record<string, AslState> };
    this.machine = new StateMachine(parsed as never, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    for (const [name, state] of taskStates(parsed.States)) {
      const callback = state.Resource === CALLBACK_RESOURCE;
      const arn = callback ? state.Parameters?.FunctionName : state.Resource;
      const fn = arn?.match(LAMBDA_ARN)?.[1];
      const handler = fn ? handlers[fn] : undefined;
      if (!handler) throw new Error(`Task state ${name} is bound to no local handler (${arn})`);
      const tracked: TaskHandler = async (event) => {
        this.inFlight += 1;
        try {
          return await handler(event);
        } finally {
          this.inFlight -= 1;
        }
      };
      this.overrides[name] = callback ? (input) => this.callback(tracked, input) : tracked;
    }
  }

  /** The ARN each substitution resolves to locally: a Lambda ARN naming the in-process handler. */
  static functionArn(name: string): string {
    return `arn:aws:lambda:local:000000000000:function:${name}`;
  }

  private async callback(handler: TaskHandler, input: unknown): Promise<Step> {
    const payload = (input as { Payload: { ticketId: string; timerAt: string } }).Payload;
    const token = `${payload.ticketId}.${randomUUID()}`;
    const { promise, resolve, reject } = Promise.withResolvers<Step>();
    // The timer may fire while the handler still runs (an overdue stage after a restart): nobody
    // awaits the promise yet, and an unhandled rejection would kill the whole runtime. The
    // rejection still reaches the engine through the `return promise` below.
    promise.catch(() => {});
    const cancelTimer = this.clock.setTimer(new Date(payload.timerAt), () => {
      if (this.waits.delete(token)) reject(statesTimeout());
    });
    this.waits.set(token, { ticketId: payload.ticketId, resolve, reject, cancelTimer });
    try {
      await handler({ ...payload, taskToken: token });
    } catch (err) {
      // The task failed (the ASL retries it with a new token): this token must not linger.
      this.forget(token);
      throw err;
    }
    return promise;
  }

  private forget(token: string): PendingWait | undefined {
    const w = this.waits.get(token);
    if (w) {
      this.waits.delete(token);
      w.cancelTimer();
    }
    return w;
  }

  async start(ticketId: string, input: Step): Promise<void> {
    if (this.executions.has(ticketId)) return;
    this.stats.started += 1;
    this.stats.running += 1;
    const execution = this.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: this.overrides as never },
      // The engine mints no task tokens: `$$.Task.Token` resolves to this placeholder and the
      // callback override below mints a real, per-wait token instead.
      context: {
        Execution: { Id: `local:ticket-${ticketId}`, Name: `ticket-${ticketId}` },
        Task: { Token: 'minted-by-the-engine-host' },
      } as never,
      noThrowOnAbort: true,
    });
    let transitions = 0;
    const counting = (async () => {
      for await (const e of execution.eventLogs)
        if ((e as { type: string }).type === 'StateEntered') transitions += 1;
    })();
    const done = execution.result
      .then(() => {
        this.stats.succeeded += 1;
      })
      .catch((err: Error) => {
        this.stats.failed += 1;
        this.log(`execution for ${ticketId} failed: ${err.name}: ${err.message}`);
      })
      .finally(async () => {
        await counting.catch(() => {});
        this.stats.transitions += transitions;
        this.transitionsByTicket.set(ticketId, transitions);
        this.stats.running -= 1;
        this.executions.delete(ticketId);
      });
    this.executions.set(ticketId, { abort: execution.abort, done });
  }

  async sendTaskSuccess(token: string, output: Step): Promise<boolean> {
    const w = this.forget(token);
    if (!w) return false;
    w.resolve(output);
    return true;
  }

  async stop(ticketId: string): Promise<void> {
    const exec = this.executions.get(ticketId);
    for (const [token, w] of this.waits) if (w.ticketId === ticketId) this.forget(token);
    if (exec) {
      exec.abort();
      await exec.done;
    }
  }

  isRunning(ticketId: string): boolean {
    return this.executions.has(ticketId);
  }

  /** Resolves when no execution is running (tests; graceful shutdown). */
  async idle(): Promise<void> {
    while (this.executions.size > 0) await Promise.all([...this.executions.values()].map((e) => e.done));
  }

  /** Stop everything (shutdown): executions are re-attached from the store at the next start. */
  async shutdown(): Promise<void> {
    for (const token of [...this.waits.keys()]) this.forget(token);
    const all = [...this.executions.values()];
    for (const e of all) e.abort();
    await Promise.all(all.map((e) => e.done));
  }

  /**
   * Resolves once no task handler has run for a few consecutive checks: every execution is
   * parked on a callback or finished. Tests call it before moving a ManualClock.
   */
  async settled(quietChecks = 3): Promise<void> {
    let quiet = 0;
    while (quiet < quietChecks) {
      await new Promise((r) => setTimeout(r, 2));
      quiet = this.inFlight === 0 ? quiet + 1 : 0;
    }
  }

  waitingCount(): number {
    return this.waits.size;
  }

  /** Task handler invocations running right now (the simulator's quiescence check reads it). */
  get busy(): number {
    return this.inFlight;
  }
}
