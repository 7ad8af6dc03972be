/**
 * The embedded runtime's clock. Simulated time runs at `scale` simulated seconds per real second
 * from an anchor stored in the data directory, so it keeps running while the runtime is down and
 * a restart continues the same timeline. Every deadline, timer and calendar reads it.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../shared/ports';

/** A clock that can also call back at an instant of its own time (the engine's timers use it). */
export interface SchedulingClock extends Clock {
  setTimer(at: Date, fire: () => void): () => void;
}

/** setTimeout's ceiling (~24.8 days); longer waits are chained. */
const MAX_TIMEOUT_MS = 2_147_000_000;

interface Anchor {
  simMs: number;
  realMs: number;
  scale: number;
}

export class SimClock implements SchedulingClock {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private anchor: Anchor) {}

  /** Load the data directory's timeline, or anchor a new one at `start` (default: now). */
  static forDataDir(dir: string, scale: number, start?: string): SimClock {
    const file = join(dir, 'clock.json');
    const realNow = Date.now();
    let anchor: Anchor;
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Anchor;
      // Continue the saved timeline (as if it never stopped), re-anchored if the scale changed.
      const simNow = saved.simMs + (realNow - saved.realMs) * saved.scale;
      anchor = saved.scale === scale ? saved : { simMs: simNow, realMs: realNow, scale };
    } else {
      const simMs = start ? Date.parse(start) : realNow;
      if (Number.isNaN(simMs)) throw new Error(`WHISTLE_CLOCK_START is not an ISO 8601 instant: ${start}`);
      anchor = { simMs, realMs: realNow, scale };
    }
    // Written aside and renamed: a process killed mid-write must not leave a truncated anchor
    // that would keep the runtime from ever starting again.
    writeFileSync(`${file}.tmp`, JSON.stringify(anchor));
    renameSync(`${file}.tmp`, file);
    return new SimClock(anchor);
  }

  get scale(): number {
    return this.anchor.scale;
  }

  now(): Date {
    return new Date(this.anchor.simMs + (Date.now() - this.anchor.realMs) * this.anchor.scale);
  }

  realMsUntil(at: Date): number {
    return Math.max(0, (at.getTime() - this.now().getTime()) / this.anchor.scale);
  }

  setTimer(at: Date, fire: () => void): () => void {
    let handle: NodeJS.Timeout;
    const arm = () => {
      const ms = this.realMsUntil(at);
      handle = setTimeout(
        () => {
          this.timers.delete(handle);
          if (ms > MAX_TIMEOUT_MS) arm();
          else fire();
        },
        Math.min(ms, MAX_TIMEOUT_MS),
      );
      this.timers.add(handle);
    };
    arm();
    return () => {
      clearTimeout(handle);
      this.timers.delete(handle);
    };
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * A clock that only moves when told: workflow tests jump through days of SLA time instantly and
 * deterministically. Timers due at or before the new time fire in order.
 */
export class ManualClock implements SchedulingClock {
  private timers: { at: number; fire: () => void; id: number }[] = [];
  private seq = 0;

  constructor(private ms: number) {}

  now(): Date {
    return new Date(this.ms);
  }

  setTimer(at: Date, fire: () => void): () => void {
    const id = ++this.seq;
    this.timers.push({ at: at.getTime(), fire, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Move time forward, firing due timers one by one (each may schedule more). */
  async advanceTo(target: Date, settle: () => Promise<void>): Promise<void> {
    const end = target.getTime();
    for (;;) {
      await settle();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t.id !== due.id);
      this.ms = Math.max(this.ms, due.at);
      due.fire();
    }
    this.ms = Math.max(this.ms, end);
    await settle();
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}
