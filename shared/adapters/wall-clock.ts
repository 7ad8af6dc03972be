import type { Clock } from '../ports';

/** Real time, as on AWS. */
export class WallClock implements Clock {
  now(): Date {
    return new Date();
  }
}
