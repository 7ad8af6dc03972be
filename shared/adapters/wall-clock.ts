import type { Clock } from '../ports';

/** Real time, as on AWS: Step Functions waits whole seconds, at least one. */
export class WallClock implements Clock {
  now(): Date {
    return new Date();
  }
  engineSecondsUntil(at: Date): number {
    return Math.max(1, Math.ceil((at.getTime() - Date.now()) / 1000));
  }
}
