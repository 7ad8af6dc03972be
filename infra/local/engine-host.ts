/**
 * Runs the lifecycle ASL from workflows/ on aws-local-stepfunctions, with every Task state bound
 * in-process to the same handler Lambda runs. The engine mints no task tokens, so callback tasks
 * mint their own, keep them here, and wait on them: `resume` resolves the wait (or ends it with
 * the PartyDone failure), the scheduling clock's timer rejects it with `States.Timeout` (the ASL's
 * Catch then runs as on AWS). Unlike Step Functions, this engine can list what every execution
 * waits for: the clock audit compares that with the ticket records.
 */
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { ArmedWait } from '../../shared/domain/clock-audit';
import type { EngineStep, ExecutionReport, Step, WorkflowPort } from '../../shared/ports';
import { encodeStep, executionName, taskErrors } from '../../workflows/contract';
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

interface CallbackInput {
  ticketId: string;
  party: string;
  unitId: string;
  stage: string;
  timerAt: string;
  execution: string;
}

interface PendingWait {
  ticketId: string;
  execution: string;
  wait: ArmedWait;
  resolve: (output: EngineStep) => void;
  reject: (err: Error) => void;
  cancelTimer: () => void;
}

type ExecutionStatus = 'running' | 'succeeded' | 'failed' | 'aborted';

interface Execution {
  ticketId: string;
  generation: number;
  status: ExecutionStatus;
  abort: () => void;
  done: Promise<void>;
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
/**
 * The engine's own timeout for a callback: the scheduling clock's timer ends every wait, so the
 * engine's whole-second setTimeout must never win. Its 32-bit ceiling (~24.8 days) would turn
 * anything longer into 1 ms, so stay just below it.
 */
const ENGINE_TIMEOUT_SECONDS = 2_147_483;
/** Finished executions remembered for describe() (the audit asks about recent ones). */
const ENDED_MEMORY = 10_000;

function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/** Every error name some Retry of the definition retries (States.Timeout aside). */
function retriedErrors(states: Record<string, AslState>): ReadonlySet<string> {
  const out = new Set<string>();
  for (const s of taskStates(states).values())
    for (const r of (s as { Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[] }).Retry ?? [])
      if (r.MaxAttempts !== 0) for (const e of r.ErrorEquals) out.add(e);
  return out;
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
  /** Executions by name (`ticket-<id>-<generation>`), running and recently ended. */
  private readonly executions = new Map<string, Execution>();
  private readonly waits = new Map<string, PendingWait>();
  /**
   * The tokens of each execution's waits: describe() and an execution's end look up their own
   * instead of walking every wait of the city (a Beijing day holds tens of thousands, and the
   * watchdog describes every open ticket: quadratic without it).
   */
  private readonly waitsByExecution = new Map<string, Set<string>>();
  /** Ended executions still kept for describe(), oldest first. */
  private readonly ended = new Set<string>();
  /** Task handler invocations running per ticket. */
  private readonly busyTickets = new Map<string, number>();
  /** Tickets whose execution ended since the watchdog last asked (it checks they are closed). */
  private endedTickets = new Set<string>();
  readonly stats: EngineStats = { started: 0, running: 0, succeeded: 0, failed: 0, transitions: 0 };
  /** Transitions per finished execution (tests and the bench read them). */
  readonly transitionsByTicket = new Map<string, number>();
  /** Task handler invocations still running (tests wait for zero before moving the clock). */
  private inFlight = 0;
  /**
   * Tasks that failed with an error the ASL retries, per ticket, until the ticket's next task
   * starts: the engine is sleeping out a backoff, which is work in flight, not a quiet engine.
   */
  private readonly retrying = new Map<string, number>();
  private readonly retryable: ReadonlySet<string>;

  constructor(
    definition: string,
    handlers: Record<string, TaskHandler>,
    private readonly clock: SchedulingClock,
    private readonly log: (line: string) => void = () => {},
  ) {
    const parsed = JSON.parse(definition) as { States: Record<string, AslState> };
    this.retryable = retriedErrors(parsed.States);
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
        const ticketId = ((event as { ticketId?: unknown }).ticketId as string) ?? '';
        this.inFlight += 1;
        this.busyTickets.set(ticketId, (this.busyTickets.get(ticketId) ?? 0) + 1);
        const sleeping = this.retrying.get(ticketId) ?? 0;
        if (sleeping > 1) this.retrying.set(ticketId, sleeping - 1);
        else this.retrying.delete(ticketId);
        try {
          return await handler(event);
        } catch (err) {
          if (this.retryable.has((err as Error).name))
            this.retrying.set(ticketId, (this.retrying.get(ticketId) ?? 0) + 1);
          throw err;
        } finally {
          this.inFlight -= 1;
          const left = (this.busyTickets.get(ticketId) ?? 1) - 1;
          if (left > 0) this.busyTickets.set(ticketId, left);
          else this.busyTickets.delete(ticketId);
        }
      };
      this.overrides[name] = callback ? (input) => this.callback(tracked, input) : tracked;
    }
  }

  /** The ARN each substitution resolves to locally: a Lambda ARN naming the in-process handler. */
  static functionArn(name: string): string {
    return `arn:aws:lambda:local:000000000000:function:${name}`;
  }

  encode(step: Step): EngineStep {
    return encodeStep(step, () => ENGINE_TIMEOUT_SECONDS);
  }

  private async callback(handler: TaskHandler, input: unknown): Promise<EngineStep> {
    const payload = (input as { Payload: CallbackInput }).Payload;
    const token = `${payload.ticketId}.${randomUUID()}`;
    const { promise, resolve, reject } = Promise.withResolvers<EngineStep>();
    // The timer may fire while the handler still runs (an overdue stage after a restart): nobody
    // awaits the promise yet, and an unhandled rejection would kill the whole runtime. The
    // rejection still reaches the engine through the `return promise` below.
    promise.catch(() => {});
    const cancelTimer = this.clock.setTimer(new Date(payload.timerAt), () => {
      if (this.drop(token)) reject(namedError('States.Timeout', 'the SLA timer fired'));
    });
    const tokens = this.waitsByExecution.get(payload.execution) ?? new Set<string>();
    tokens.add(token);
    this.waitsByExecution.set(payload.execution, tokens);
    this.waits.set(token, {
      ticketId: payload.ticketId,
      execution: payload.execution,
      wait: {
        party: payload.party,
        unitId: payload.unitId || undefined,
        stage: payload.stage,
        timerAt: payload.timerAt,
      },
      resolve,
      reject,
      cancelTimer,
    });
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
    const w = this.drop(token);
    w?.cancelTimer();
    return w;
  }

  /** Take a wait out of both maps (its timer is the caller's business). */
  private drop(token: string): PendingWait | undefined {
    const w = this.waits.get(token);
    if (!w) return undefined;
    this.waits.delete(token);
    const tokens = this.waitsByExecution.get(w.execution);
    tokens?.delete(token);
    if (tokens?.size === 0) this.waitsByExecution.delete(w.execution);
    return w;
  }

  /** Forget every wait of one execution. */
  private forgetExecution(name: string): void {
    for (const token of [...(this.waitsByExecution.get(name) ?? [])]) this.forget(token);
  }

  async start(ticketId: string, generation: number, input: Step): Promise<void> {
    const name = executionName(ticketId, generation);
    const existing = this.executions.get(name);
    if (existing?.status === 'running') return;
    this.stats.started += 1;
    this.stats.running += 1;
    const execution = this.machine.run(this.encode(input) as never, {
      overrides: { taskResourceLocalHandlers: this.overrides as never },
      // The engine mints no task tokens: `$$.Task.Token` resolves to this placeholder and the
      // callback override mints a real, per-wait token instead.
      context: {
        Execution: { Id: `local:${name}`, Name: name },
        Task: { Token: 'minted-by-the-engine-host' },
      } as never,
      noThrowOnAbort: true,
    });
    const entry: Execution = {
      ticketId,
      generation,
      status: 'running',
      abort: execution.abort,
      done: Promise.resolve(),
    };
    let transitions = 0;
    const counting = (async () => {
      for await (const e of execution.eventLogs)
        if ((e as { type: string }).type === 'StateEntered') transitions += 1;
    })();
    entry.done = execution.result
      .then(() => {
        if (entry.status === 'running') entry.status = 'succeeded';
        this.stats.succeeded += 1;
      })
      .catch((err: Error) => {
        entry.status = 'failed';
        this.stats.failed += 1;
        this.log(`execution ${name} failed: ${err.name}: ${err.message}`);
      })
      .finally(async () => {
        await counting.catch(() => {});
        this.stats.transitions += transitions;
        this.transitionsByTicket.set(ticketId, (this.transitionsByTicket.get(ticketId) ?? 0) + transitions);
        this.stats.running -= 1;
        this.forgetExecution(name);
        this.endedTickets.add(ticketId);
        this.remember(name);
      });
    this.executions.set(name, entry);
  }

  /** Keep the last ENDED_MEMORY ended executions for describe(), not every one since start. */
  private remember(name: string): void {
    this.ended.delete(name);
    this.ended.add(name);
    for (const old of this.ended) {
      if (this.ended.size <= ENDED_MEMORY) return;
      this.ended.delete(old);
      if (this.executions.get(old)?.status !== 'running') this.executions.delete(old);
    }
  }

  async resume(token: string, step: Step): Promise<boolean> {
    const w = this.forget(token);
    if (!w) return false;
    if (step.next === 'done') w.reject(namedError(taskErrors.partyDone, 'the party is done'));
    else w.resolve(this.encode(step));
    return true;
  }

  async stop(ticketId: string, generation: number): Promise<void> {
    const name = executionName(ticketId, generation);
    const exec = this.executions.get(name);
    this.forgetExecution(name);
    if (exec?.status === 'running') {
      exec.status = 'aborted';
      exec.abort();
      await exec.done;
    }
  }

  async describe(ticketId: string, generation: number): Promise<ExecutionReport> {
    const name = executionName(ticketId, generation);
    const exec = this.executions.get(name);
    const waits = [...(this.waitsByExecution.get(name) ?? [])].flatMap((token) => {
      const w = this.waits.get(token);
      return w ? [w.wait] : [];
    });
    return {
      execution: !exec ? 'missing' : exec.status === 'running' ? 'running' : 'ended',
      waits,
      busy: this.busyTickets.has(ticketId),
      // A local execution cannot be re-run from its failed state: repairs start a new generation.
      redrivable: false,
    };
  }

  async redrive(): Promise<boolean> {
    return false;
  }

  /** Tickets whose execution ended since the last call (the watchdog audits them first). */
  takeEnded(): string[] {
    const out = [...this.endedTickets];
    this.endedTickets = new Set();
    return out;
  }

  isRunning(ticketId: string): boolean {
    for (const e of this.executions.values())
      if (e.ticketId === ticketId && e.status === 'running') return true;
    return false;
  }

  /** Resolves when no execution is running (tests; graceful shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.executions.values()].filter((e) => e.status === 'running');
      if (running.length === 0) return;
      await Promise.all(running.map((e) => e.done));
    }
  }

  /** Stop everything (shutdown): executions are re-attached from the store at the next start. */
  async shutdown(): Promise<void> {
    for (const token of [...this.waits.keys()]) this.forget(token);
    const running = [...this.executions.values()].filter((e) => e.status === 'running');
    for (const e of running) {
      e.status = 'aborted';
      e.abort();
    }
    await Promise.all(running.map((e) => e.done));
  }

  /**
   * Resolves once no task handler has run for a few consecutive checks: every execution is
   * parked on a callback or finished. Tests call it before moving a ManualClock.
   */
  async settled(quietChecks = 3): Promise<void> {
    let quiet = 0;
    while (quiet < quietChecks) {
      await new Promise((r) => setTimeout(r, 2));
      quiet = this.inFlight === 0 && this.retrying.size === 0 ? quiet + 1 : 0;
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
