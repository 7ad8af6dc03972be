/**
 * Time arithmetic for the workload: when a unit that needs so much working time finishes. Office
 * hours are the rules' (WORKING_PERIODS: 09:00–12:00 and 13:00–17:30) on the Chinese working-day
 * calendar (Asia/Shanghai); 24×7 work (urgent, utilities) runs on the wall clock.
 */
import { DAY_MS, SHANGHAI_OFFSET_MS, shanghaiDate, type WorkCalendar } from '../../shared/domain/calendar';
import { WORKING_PERIODS } from '../../shared/domain/deadlines';
import type { Duration } from '../../shared/domain/model';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
/** Working minutes in one working day of office hours (450: the rules' periods, not a nominal 8 h). */
export const WORKDAY_MINUTES = WORKING_PERIODS.reduce((n, [from, to]) => n + to - from, 0);

const PERIODS = WORKING_PERIODS;

export function calendarDate(ms: number): string {
  return shanghaiDate(new Date(ms));
}

/** `start` plus `minutes` of office time on working days (work begun off hours starts at the next period). */
export function addWorkingMinutes(startMs: number, minutes: number, cal: WorkCalendar): number {
  let remaining = Math.max(0, minutes) * MINUTE_MS;
  let day = Math.floor((startMs + SHANGHAI_OFFSET_MS) / DAY_MS);
  let cursor = startMs;
  for (let guard = 0; guard < 3_000; guard += 1, day += 1) {
    if (!cal.isWorkingDay(calendarDate(day * DAY_MS))) continue;
    for (const [from, to] of PERIODS) {
      const s = Math.max(cursor, day * DAY_MS + from * MINUTE_MS - SHANGHAI_OFFSET_MS);
      const e = day * DAY_MS + to * MINUTE_MS - SHANGHAI_OFFSET_MS;
      if (e <= s) continue;
      if (remaining <= e - s) return s + remaining;
      remaining -= e - s;
      cursor = e;
    }
  }
  throw new Error('no office time found within eight years');
}

/** Working days of office time between two instants (negative when `to` is earlier). */
export function workingDaysBetween(fromMs: number, toMs: number, cal: WorkCalendar): number {
  if (toMs <= fromMs) return -workingDaysBetween(toMs, fromMs, cal);
  let total = 0;
  let day = Math.floor((fromMs + SHANGHAI_OFFSET_MS) / DAY_MS);
  const last = Math.floor((toMs + SHANGHAI_OFFSET_MS) / DAY_MS);
  for (; day <= last; day += 1) {
    if (!cal.isWorkingDay(calendarDate(day * DAY_MS))) continue;
    for (const [from, to] of PERIODS) {
      const s = Math.max(fromMs, day * DAY_MS + from * MINUTE_MS - SHANGHAI_OFFSET_MS);
      const e = Math.min(toMs, day * DAY_MS + to * MINUTE_MS - SHANGHAI_OFFSET_MS);
      if (e > s) total += e - s;
    }
  }
  return total / (WORKDAY_MINUTES * MINUTE_MS);
}

/**
 * `start` plus `fraction` of a reference duration, on the duration's own clock: minutes are wall
 * clock, working days are office time. Rounded up to a whole minute, so workload events never
 * share an instant with the SLA clocks' own (17:30:00, fractions of the window).
 */
export function after(startMs: number, fraction: number, ref: Duration, cal: WorkCalendar): number {
  const raw =
    'minutes' in ref
      ? startMs + fraction * ref.minutes * MINUTE_MS
      : addWorkingMinutes(startMs, fraction * ref.workingDays * WORKDAY_MINUTES, cal);
  return Math.ceil(raw / MINUTE_MS) * MINUTE_MS + 7_000;
}
