/**
 * The Chinese working-day calendar (工作日 with 调休 make-up days), always in Asia/Shanghai.
 *
 * Sources, in order of authority:
 * 1. year files an admin loaded from the State Council notice (`CalendarYear`): the days they name
 *    win, so next year's notice (or a local adjustment) applies without a redeploy. A file in
 *    `adjust` mode (the default) changes only the days it names over the bundled year; a file in
 *    `replace` mode is the whole year (unnamed days are plain Mon–Fri);
 * 2. the bundled `chinese-days` data, for the years it has holiday data for;
 * 3. plain Monday–Friday, for years nobody knows yet: "assumed" (`knowsYear` is false, and clocks
 *    computed over such days are marked `calendarAssumed`).
 *
 * Pure: no I/O. Asia/Shanghai has had no DST since 1991, so a fixed +08:00 offset is exact and
 * much cheaper than Intl for the hot paths (deadlines for tens of thousands of tickets).
 */
import chineseDays from 'chinese-days';
import type { CalendarYear } from './model';

export interface WorkCalendar {
  /** `date` is `YYYY-MM-DD` in Asia/Shanghai. */
  isWorkingDay(date: string): boolean;
  /** True when the holidays of `year` are known (admin-loaded or bundled), not guessed as Mon–Fri. */
  knowsYear(year: number): boolean;
  /** Whether `date` is a working day and which source said so. */
  dayInfo(date: string): DayInfo;
}

/** Where a day's status came from: a loaded year file, the bundled data, or the Mon–Fri guess. */
export type DaySource = 'file' | 'bundled' | 'assumed';
export interface DayInfo {
  working: boolean;
  source: DaySource;
}

export const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a `YYYY-MM-DD` date (a calendar day number, no time zone involved). */
export function dayNumber(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  // Reject 2026-02-30 and friends instead of silently rolling them over.
  const check = new Date(ms);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1)
    throw new RangeError(`not a calendar date: ${date}`);
  return ms / DAY_MS;
}

// Deadline loops format the same few hundred days over and over; memoising beats toISOString.
const dateStrings = new Map<number, string>();

/** Inverse of `dayNumber`. */
export function dateOfDayNumber(day: number): string {
  let date = dateStrings.get(day);
  if (date === undefined) {
    date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    // Bounded: real callers touch a few years at most; a runaway caller just stops being cached.
    if (dateStrings.size < 100_000) dateStrings.set(day, date);
  }
  return date;
}

/** The Asia/Shanghai calendar day number an instant falls on. */
export function shanghaiDayNumber(instant: Date): number {
  return Math.floor((instant.getTime() + SHANGHAI_OFFSET_MS) / DAY_MS);
}

/** `YYYY-MM-DD` of an instant in Asia/Shanghai. */
export function shanghaiDate(instant: Date): string {
  return dateOfDayNumber(shanghaiDayNumber(instant));
}

/** The instant of wall-clock `hh:mm` on `date` in Asia/Shanghai. */
export function shanghaiInstant(date: string, hh: number, mm: number): Date {
  return new Date(shanghaiInstantMs(dayNumber(date), hh, mm));
}

/** Epoch milliseconds of `hh:mm` Asia/Shanghai on a day number (the fast path for deadlines). */
export function shanghaiInstantMs(day: number, hh: number, mm: number): number {
  return day * DAY_MS + (hh * 60 + mm) * 60_000 - SHANGHAI_OFFSET_MS;
}

/** Whether a `YYYY-MM-DD` date is a Saturday or Sunday. */
export function isWeekend(date: string): boolean {
  return !isMonToFri(dayNumber(date));
}

function isMonToFri(day: number): boolean {
  // 1970-01-01 was a Thursday: day number 0 → weekday 4 (0 = Sunday).
  const weekday = (((day + 4) % 7) + 7) % 7;
  return weekday >= 1 && weekday <= 5;
}

// The bundled data never changes at run time, so what it says is shared by every calendar.
const bundledYearKnown = new Map<number, boolean>();
const bundledWorkday = new Map<string, boolean>();

/**
 * Whether `chinese-days` has holiday data for `year`. Detected from its data, not a hard-coded
 * range: every real year has weekday statutory holidays (元旦, 春节, 国庆 ...), while a year it does
 * not know has none and would silently read as plain Mon–Fri.
 */
export function bundledKnowsYear(year: number): boolean {
  let known = bundledYearKnown.get(year);
  if (known === undefined) {
    known = chineseDays.getHolidaysInRange(`${year}-01-01`, `${year}-12-31`, false).length > 0;
    bundledYearKnown.set(year, known);
  }
  return known;
}

export function bundledIsWorkday(date: string): boolean {
  let work = bundledWorkday.get(date);
  if (work === undefined) {
    work = chineseDays.isWorkday(date);
    bundledWorkday.set(date, work);
  }
  return work;
}

interface LoadedYear {
  replace: boolean;
  holidays: ReadonlySet<string>;
  workdays: ReadonlySet<string>;
}

export function createWorkCalendar(years: readonly CalendarYear[]): WorkCalendar {
  const loaded = new Map<number, LoadedYear>();
  // A later file for the same year replaces an earlier one (an admin re-loading a corrected notice).
  for (const y of years)
    loaded.set(y.year, {
      replace: y.mode === 'replace',
      holidays: new Set(y.holidays),
      workdays: new Set(y.workdays),
    });
  const cache = new Map<string, DayInfo>();

  const compute = (date: string): DayInfo => {
    // Validates too: a malformed date must throw, not read as some rolled-over day.
    const day = dayNumber(date);
    const year = Number(date.slice(0, 4));
    const file = loaded.get(year);
    if (file) {
      if (file.holidays.has(date)) return { working: false, source: 'file' };
      if (file.workdays.has(date)) return { working: true, source: 'file' };
      // A replacing file is the whole year; an adjusting one falls through to what is bundled.
      if (file.replace) return { working: isMonToFri(day), source: 'file' };
    }
    if (bundledKnowsYear(year)) return { working: bundledIsWorkday(date), source: 'bundled' };
    // A year with an adjusting file but no bundled data: the file's days are known, the rest
    // are Mon–Fri as the notice implies (a loaded year is a known year).
    return { working: isMonToFri(day), source: file ? 'file' : 'assumed' };
  };

  const dayInfo = (date: string): DayInfo => {
    let info = cache.get(date);
    if (info === undefined) {
      info = compute(date);
      cache.set(date, info);
    }
    return info;
  };

  return {
    isWorkingDay: (date: string) => dayInfo(date).working,
    dayInfo,
    knowsYear(year: number): boolean {
      return loaded.has(year) || bundledKnowsYear(year);
    },
  };
}

/**
 * What is wrong with a year file beyond its shape (the schema checks dates are inside the year
 * and no day is both off and on): make-up working days must be weekend days, except that an
 * adjusting file may also cancel a bundled holiday by naming it as worked. Returns field issues.
 */
export function calendarYearIssues(y: CalendarYear): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const adjust = y.mode !== 'replace';
  y.workdays.forEach((d, i) => {
    if (isWeekend(d)) return;
    if (adjust && bundledKnowsYear(y.year) && !bundledIsWorkday(d)) return;
    issues.push({
      path: `workdays.${i}`,
      message: adjust
        ? `${d} is a weekday and not a bundled holiday: only weekend days can be make-up working days`
        : `${d} is a weekday: only weekend days can be make-up working days`,
    });
  });
  return issues;
}
