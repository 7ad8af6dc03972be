/**
 * The embedded runtime's reconciler: on an interval (real time) it audits the tickets whose
 * execution ended, the tickets whose next instant passed the grace period ago (the due index),
 * and now and then every open ticket, against what the local engine holds; and it repairs what a
 * pass finds twice in a row (shared/use-cases/clock-reconciler.ts). Start-up re-attaches every
 * open ticket first; this keeps them attached while the runtime lives.
 */
import {
  type AuditReport,
  auditOpenTickets,
  dueTicketIds,
  type ReconcileResult,
  reconcile,
} from '../../shared/use-cases/clock-reconciler';
import type { TicketDeps } from '../../shared/use-cases/ticket-service';
import type { LocalWorkflow } from './engine-host';

export interface WatchdogOptions {
  /** Real milliseconds between passes. */
  intervalMs: number;
  /** Simulated milliseconds work in flight may take before it counts. */
  graceMs: number;
  /** Every n-th pass audits every open ticket too (0: never). */
  fullEvery: number;
  log?: (line: string) => void;
}

/** The grace a runtime at `scale` simulated seconds per second needs: 10 real seconds, at least 2 minutes. */
export function graceForScale(scale: number): number {
  return Math.max(120_000, 10_000 * scale);
}

export class ClockWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private passes = 0;
  /** Findings of the previous pass: only what two passes agree on is repaired. */
  private readonly confirm = new Set<string>();
  readonly totals = { passes: 0, repairs: 0 };

  constructor(
    private readonly deps: TicketDeps,
    private readonly engine: LocalWorkflow,
    private readonly opts: WatchdogOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.pass()
        .catch((err: Error) => this.opts.log?.(`clock watchdog: ${err.name}: ${err.message}`))
        .finally(() => {
          this.running = undefined;
        });
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass; `confirm: false` repairs at once (tests, the audit CLI). */
  async pass(opts: { full?: boolean; confirm?: boolean } = {}): Promise<ReconcileResult> {
    this.passes += 1;
    const full = opts.full ?? (this.opts.fullEvery > 0 && this.passes % this.opts.fullEvery === 0);
    const ids = new Set<string>([
      ...this.engine.takeEnded(),
      ...(await dueTicketIds(this.deps, { graceMs: this.opts.graceMs })),
    ]);
    if (full) for await (const page of this.deps.store.openTickets()) for (const t of page) ids.add(t.id);
    const result = await reconcile(this.deps, ids, {
      graceMs: this.opts.graceMs,
      ...(opts.confirm === false ? {} : { confirm: this.confirm }),
    });
    this.totals.passes += 1;
    this.totals.repairs += result.repairs.length;
    for (const r of result.repairs) {
      this.opts.log?.(
        `clock repaired (${r.action}): ${r.ticketId} ${r.findings.map((f) => `${f.kind}/${f.party}`).join(' ')}`,
      );
    }
    return result;
  }

  /** The audit of every open ticket against the engine, repairing nothing. */
  audit(): Promise<AuditReport> {
    return auditOpenTickets(this.deps, { graceMs: this.opts.graceMs });
  }
}
