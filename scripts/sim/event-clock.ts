/**
 * The simulator's clock: a discrete-event clock for the embedded runtime. Engine timers (the SLA
 * instants the workflow waits for) and the workload's own events (arrivals, a unit acting) sit in
 * one binary heap; time jumps from batch to batch, and after each batch the caller's `settle`
 * waits until everything the batch set off (tasks, store writes) has finished.
 *
 * A batch is every timer due within `resolutionMs` of the earliest one; the clock reads the
 * latest instant of the batch while it runs, so nothing acts before its time and nothing acts
 * more than `resolutionMs` late. Larger batches mean more concurrency and fewer settles.
 */
import type { SchedulingClock } from '../../infra/local/sim-clock';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
  cancelled: boolean;
}

export class EventClock implements SchedulingClock {
  private heap: Timer[] = [];
  private seq = 0;
  private live = 0;
  /** Timers fired so far (the progress line shows it). */
  fired = 0;
  batches = 0;

  constructor(
    private ms: number,
    readonly resolutionMs = 60_000,
  ) {}

  now(): Date {
    return new Date(this.ms);
  }

  nowMs(): number {
    return this.ms;
  }

  setTimer(at: Date, fire: () => void): () => void {
    const timer: Timer = { at: at.getTime(), seq: ++this.seq, fire, cancelled: false };
    this.push(timer);
    this.live += 1;
    return () => {
      if (!timer.cancelled) {
        timer.cancelled = true;
        this.live -= 1;
      }
    };
  }

  /** Schedule work at an instant of simulated time (same heap as the engine's timers). */
  at(ms: number, fire: () => void): void {
    this.setTimer(new Date(ms), fire);
  }

  pending(): number {
    return this.live;
  }

  /** The earliest pending instant, if any. */
  peek(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /**
   * Fire every timer due by `target`, batch by batch, settling after each; then stand at
   * `target`. Timers that fire late (scheduled for an instant already past) run in the next
   * batch at the current time.
   */
  async runUntil(target: number, settle: () => Promise<void>, onBatch?: () => void): Promise<void> {
    await settle();
    for (;;) {
      const first = this.peek();
      if (first === undefined || first > target) break;
      const end = Math.min(target, Math.max(first, this.ms) + this.resolutionMs - 1);
      const batch: Timer[] = [];
      for (;;) {
        this.dropCancelled();
        const top = this.heap[0];
        if (!top || top.at > end) break;
        this.pop();
        this.live -= 1;
        batch.push(top);
      }
      const last = batch[batch.length - 1];
      if (last) this.ms = Math.max(this.ms, last.at);
      for (const t of batch) {
        this.fired += 1;
        t.fire();
      }
      this.batches += 1;
      await settle();
      onBatch?.();
    }
    this.ms = Math.max(this.ms, target);
    await settle();
  }

  // -- binary heap ordered by (at, seq) --------------------------------------------------------

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled) this.pop();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i] as Timer, h[parent] as Timer)) break;
      [h[i], h[parent]] = [h[parent] as Timer, h[i] as Timer];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l] as Timer, h[m] as Timer)) m = l;
        if (r < h.length && this.less(h[r] as Timer, h[m] as Timer)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Timer, h[i] as Timer];
        i = m;
      }
    }
    return top;
  }
}
