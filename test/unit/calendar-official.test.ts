/**
 * The bundled calendar held against the State Council notices for 2025 and 2026, kept as a small
 * fixture (test/fixtures/state-council-holidays.json): an upgrade of the calendar package that
 * changes a single day fails here, naming the day.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createWorkCalendar, DAY_MS, dateOfDayNumber, dayNumber } from '../../shared/domain/calendar';

interface OfficialYear {
  notice: string;
  holidays: [string, string, string][];
  workdays: string[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/state-council-holidays.json', import.meta.url), 'utf8'),
) as { years: Record<string, OfficialYear> };

/** Whether the notice makes `date` a working day: make-up days on, holiday ranges off, else Mon–Fri. */
function officialWorking(y: OfficialYear, date: string): boolean {
  if (y.workdays.includes(date)) return true;
  if (y.holidays.some(([, from, to]) => date >= from && date <= to)) return false;
  const weekday = new Date(dayNumber(date) * DAY_MS).getUTCDay();
  return weekday >= 1 && weekday <= 5;
}

describe('the bundled calendar against the State Council notices', () => {
  const cal = createWorkCalendar([]);
  for (const [year, official] of Object.entries(fixture.years)) {
    it(`agrees on every day of ${year} (${official.notice})`, () => {
      expect(cal.knowsYear(Number(year))).toBe(true);
      const disagree: string[] = [];
      for (let d = dayNumber(`${year}-01-01`); d <= dayNumber(`${year}-12-31`); d += 1) {
        const date = dateOfDayNumber(d);
        const expected = officialWorking(official, date);
        if (cal.isWorkingDay(date) !== expected)
          disagree.push(`${date} should be ${expected ? 'worked' : 'off'}`);
      }
      expect(disagree).toEqual([]);
    });

    it(`has only weekend make-up days in ${year}`, () => {
      for (const d of official.workdays) {
        const weekday = new Date(dayNumber(d) * DAY_MS).getUTCDay();
        expect([0, 6], d).toContain(weekday);
      }
    });
  }
});
