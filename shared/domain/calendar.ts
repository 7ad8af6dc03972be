/**
 * The Chinese working-day calendar (工作日 with 调休 make-up days), always in Asia/Shanghai.
 *
 * Sources, in order of authority:
 * 1. year files an admin loaded from the State Council notice (`CalendarYear`): they win, so next
 *    year's notice (or a local adjustment) applies without a redeploy;
 * 2. the bundled `chinese-days` data, for the years it has holiday data for;
 * 3. plain Monday–Friday, for years nobody knows yet (callers can ask `knowsYear` to flag this).
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
function bundledKnowsYear(year: number): boolean {
  let known = bundledYearKnown.get(year);
  if (known === undefined) {
    known = chineseDays.getHolidaysInRange(`${year}-01-01`, `${year}-12-31`, false).length > 0;
    bundledYearKnown.set(year, known);
  }
  return known;
}

function bundledIsWorkday(date: string): boolean {
  let work = bundledWorkday.get(date);
  if (work === undefined) {
    work = chineseDays.isWorkday(date);
    bundledWorkday.set(date, work);
  }
  return work;
}

interface LoadedYear {
  holidays: ReadonlySet<string>;
  workdays: ReadonlySet<string>;
}

export function createWorkCalendar(years: readonly CalendarYear[]): WorkCalendar {
  const loaded = new Map<number, LoadedYear>();
  // A later file for the same year replaces an earlier one (an admin re-loading a corrected notice).
  for (const y of years) loaded.set(y.year, { holidays: new Set(y.holidays), workdays: new Set(y.workdays) });
  const cache = new Map<string, boolean>();

  const compute = (date: string): boolean => {
    // Validates too: a malformed date must throw, not read as some rolled-over day.
    const day = dayNumber(date);
    const year = Number(date.slice(0, 4));
    const file = loaded.get(year);
    if (file) {
      if (file.holidays.has(date)) return false;
      if (file.workdays.has(date)) return true;
      return isMonToFri(day);
    }
    if (bundledKnowsYear(year)) return bundledIsWorkday(date);
    return isMonToFri(day);
  };

  return {
    isWorkingDay(date: string): boolean {
      let work = cache.get(date);
      if (work === undefined) {
        work = compute(date);
        cache.set(date, work);
      }
      return work;
    },
    knowsYear(year: number): boolean {
      return loaded.has(year) || bundledKnowsYear(year);
    },
  };
}
