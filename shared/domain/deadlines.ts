/**
 * Deadline arithmetic on the two SLA clocks: wall-clock minutes (24×7) and Chinese working days.
 * The rules compute absolute instants once and store them on the ticket, so the workflow only ever
 * waits for timestamps (Step Functions never needs to know about holidays).
 *
 * Pure: no I/O. All wall-clock reasoning is Asia/Shanghai (fixed +08:00, see calendar.ts).
 */
import {
  DAY_MS,
  dateOfDayNumber,
  SHANGHAI_OFFSET_MS,
  shanghaiDayNumber,
  shanghaiInstantMs,
  type WorkCalendar,
} from './calendar';
import type { Duration, SlaPolicy, Stage, StageClock } from './model';

/** A working-day deadline ends at the close of office hours on its day. */
export const DEADLINE_HOUR = 17;
export const DEADLINE_MINUTE = 30;

/** Office hours used to measure working time (for the 75% warning): 09:00–12:00 and 13:00–17:30. */
export const WORKING_PERIODS: ReadonlyArray<readonly [number, number]> = [
  [9 * 60, 12 * 60],
  [13 * 60, DEADLINE_HOUR * 60 + DEADLINE_MINUTE],
];

function assertValid(d: Date, what: string): number {
  const t = d.getTime();
  if (Number.isNaN(t)) throw new RangeError(`${what} is not a valid instant`);
  return t;
}

/**
 * The day number of the n-th working day strictly after `day` (the receipt day never counts:
 * "自收到之日的次日起" counting).
 */
function nthWorkingDayAfter(day: number, n: number, cal: WorkCalendar): number {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`working days must be a positive integer, got ${n}`);
  // A sane calendar has well over 200 working days a year; this only stops a broken calendar
  // (e.g. a year file marking everything off) from looping forever.
  const limit = day + 366 + n * 7;
  let d = day;
  let count = 0;
  while (count < n) {
    d += 1;
    if (d > limit) throw new Error(`no ${n} working days found within a year after ${dateOfDayNumber(day)}`);
    if (cal.isWorkingDay(dateOfDayNumber(d))) count += 1;
  }
  return d;
}

/**
 * `start` plus a duration. Minutes are wall-clock (24×7). Working days count from the day after
 * the Asia/Shanghai day of `start` (whatever the hour) and end at 17:30 of the n-th working day.
 */
export function addDuration(start: Date, d: Duration, cal: WorkCalendar): Date {
  const t = assertValid(start, 'start');
  if ('minutes' in d) return new Date(t + d.minutes * 60_000);
  const due = nthWorkingDayAfter(shanghaiDayNumber(start), d.workingDays, cal);
  return new Date(shanghaiInstantMs(due, DEADLINE_HOUR, DEADLINE_MINUTE));
}

/**
 * An approved extension (延期): 17:30 of the n-th working day after the current due day.
 * Zero working days leaves the deadline where it is.
 */
export function extendDeadline(dueAt: Date, workingDays: number, cal: WorkCalendar): Date {
  assertValid(dueAt, 'dueAt');
  if (workingDays === 0) return new Date(dueAt.getTime());
  return addDuration(dueAt, { workingDays }, cal);
}

/** The duration of a stage under a policy; `arrive` exists only for policies that time arrival. */
export function stageDuration(policy: SlaPolicy, stage: Stage): Duration | undefined {
  switch (stage) {
    case 'acknowledge':
      return policy.acknowledge;
    case 'arrive':
      return policy.arrive;
    case 'resolve':
      return policy.resolve;
    case 'feedback':
      return policy.feedback;
  }
}

/**
 * The instant at which `fraction` of the working time between start and due has elapsed, working
 * time being office hours on working days. Work starting outside office hours effectively starts
 * at the next office period. Returns epoch ms, clamped to [start, due).
 */
function workingTimeFraction(startMs: number, dueMs: number, fraction: number, cal: WorkCalendar): number {
  const spans: number[] = [];
  let total = 0;
  const lastDay = Math.floor((dueMs + SHANGHAI_OFFSET_MS) / DAY_MS);
  for (let day = Math.floor((startMs + SHANGHAI_OFFSET_MS) / DAY_MS); day <= lastDay; day += 1) {
    if (!cal.isWorkingDay(dateOfDayNumber(day))) continue;
    for (const [from, to] of WORKING_PERIODS) {
      const s = Math.max(startMs, day * DAY_MS + from * 60_000 - SHANGHAI_OFFSET_MS);
      const e = Math.min(dueMs, day * DAY_MS + to * 60_000 - SHANGHAI_OFFSET_MS);
      if (e > s) {
        spans.push(s, e);
        total += e - s;
      }
    }
  }
  // Cannot happen for a deadline from addDuration (its day is a working day ending at 17:30), but
  // a hand-made due instant might sit outside office hours: fall back to wall-clock time.
  if (total === 0) return wallClockFraction(startMs, dueMs, fraction);
  let remaining = Math.min(Math.round(total * fraction), total - 1);
  for (let i = 0; i < spans.length; i += 2) {
    const s = spans[i] ?? 0;
    const e = spans[i + 1] ?? 0;
    // `<=` picks the earliest instant: a target on a period's end is 12:00, not 13:00.
    if (remaining <= e - s) return s + remaining;
    remaining -= e - s;
  }
  return dueMs - 1;
}

function wallClockFraction(startMs: number, dueMs: number, fraction: number): number {
  const span = dueMs - startMs;
  if (span <= 0) return startMs;
  return startMs + Math.min(Math.round(span * fraction), span - 1);
}

/** `2026-10-08T17:30:00+08:00`; milliseconds appear only when non-zero. */
export function toShanghaiIso(d: Date): string {
  const local = new Date(assertValid(d, 'instant') + SHANGHAI_OFFSET_MS).toISOString();
  const ms = local.slice(19, 23);
  return `${local.slice(0, 19)}${ms === '.000' ? '' : ms}+08:00`;
}

/** The Asia/Shanghai year of epoch milliseconds. */
function shanghaiYear(ms: number): number {
  return new Date(ms + SHANGHAI_OFFSET_MS).getUTCFullYear();
}

/** Whether any year from `fromMs` to `toMs` (Asia/Shanghai) has no bundled or loaded calendar. */
export function spansAssumedYear(fromMs: number, toMs: number, cal: WorkCalendar): boolean {
  for (let y = shanghaiYear(fromMs); y <= shanghaiYear(toMs); y += 1) if (!cal.knowsYear(y)) return true;
  return false;
}

/**
 * Whether a clock's instants were counted over days the calendar only guesses (Mon–Fri of a year
 * nobody published yet). Only working-day durations read the calendar: minutes are wall-clock.
 */
export function clockAssumesCalendar(
  clock: Pick<StageClock, 'startedAt' | 'dueAt' | 'level2At' | 'level3At'>,
  duration: Duration,
  policy: SlaPolicy,
  cal: WorkCalendar,
): boolean {
  const start = Date.parse(clock.startedAt);
  const due = Date.parse(clock.dueAt);
  return (
    ('workingDays' in duration && spansAssumedYear(start, due, cal)) ||
    ('workingDays' in policy.level2After && spansAssumedYear(due, Date.parse(clock.level2At), cal)) ||
    ('workingDays' in policy.level3After && spansAssumedYear(due, Date.parse(clock.level3At), cal))
  );
}

/**
 * All instants a stage's clock acts at: the blue warning (policy.warnAt of the stage's time, on
 * the stage's own clock), the deadline (level 1 on breach), and levels 2 and 3 measured from the
 * deadline.
 */
export function planStageClock(args: {
  stage: Stage;
  unitId?: string;
  startedAt: Date;
  duration: Duration;
  policy: SlaPolicy;
  cal: WorkCalendar;
}): StageClock {
  const { stage, unitId, startedAt, duration, policy, cal } = args;
  const startMs = assertValid(startedAt, 'startedAt');
  const dueAt = addDuration(startedAt, duration, cal);
  const dueMs = dueAt.getTime();
  const warnMs =
    'minutes' in duration
      ? wallClockFraction(startMs, dueMs, policy.warnAt)
      : workingTimeFraction(startMs, dueMs, policy.warnAt, cal);
  const clock: StageClock = {
    stage,
    startedAt: toShanghaiIso(startedAt),
    warnAt: toShanghaiIso(new Date(warnMs)),
    dueAt: toShanghaiIso(dueAt),
    level2At: toShanghaiIso(addDuration(dueAt, policy.level2After, cal)),
    level3At: toShanghaiIso(addDuration(dueAt, policy.level3After, cal)),
  };
  if (unitId !== undefined) clock.unitId = unitId;
  if (clockAssumesCalendar(clock, duration, policy, cal)) clock.calendarAssumed = true;
  return clock;
}
