import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  calendarYearIssues,
  createWorkCalendar,
  dateOfDayNumber,
  dayNumber,
  shanghaiDate,
  shanghaiInstant,
} from '../../shared/domain/calendar';
import { type CalendarYear, calendarYearSchema } from '../../shared/domain/model';

describe('createWorkCalendar with the bundled chinese-days data', () => {
  const cal = createWorkCalendar([]);

  it('takes the 2026 National Day week off and works on the Thursday after it', () => {
    for (let d = 1; d <= 7; d += 1) {
      expect(cal.isWorkingDay(`2026-10-0${d}`), `2026-10-0${d}`).toBe(false);
    }
    expect(cal.isWorkingDay('2026-10-08')).toBe(true);
    expect(cal.isWorkingDay('2026-09-30')).toBe(true);
  });

  it('treats 2026-10-10, a Saturday, as a make-up working day (调休上班)', () => {
    expect(new Date('2026-10-10T00:00:00Z').getUTCDay()).toBe(6);
    expect(cal.isWorkingDay('2026-10-10')).toBe(true);
    // The Sunday after it stays off.
    expect(cal.isWorkingDay('2026-10-11')).toBe(false);
  });

  it('knows the years chinese-days has data for, and not 2027', () => {
    expect(cal.knowsYear(2025)).toBe(true);
    expect(cal.knowsYear(2026)).toBe(true);
    expect(cal.knowsYear(2027)).toBe(false);
    expect(cal.knowsYear(1990)).toBe(false);
  });

  it('falls back to Monday–Friday for an unknown year', () => {
    // 2027-01-01 is a Friday: without the notice it reads as a working day.
    expect(cal.isWorkingDay('2027-01-01')).toBe(true);
    expect(cal.isWorkingDay('2027-01-02')).toBe(false); // Saturday
    expect(cal.isWorkingDay('2027-01-03')).toBe(false); // Sunday
    expect(cal.isWorkingDay('2027-01-04')).toBe(true); // Monday
  });

  it('agrees with Monday–Friday on every day of a year nobody knows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 364 }), (offset) => {
        const date = dateOfDayNumber(dayNumber('2031-01-01') + offset);
        const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
        expect(cal.isWorkingDay(date)).toBe(weekday >= 1 && weekday <= 5);
      }),
    );
  });

  it('rejects malformed and impossible dates instead of guessing', () => {
    expect(() => cal.isWorkingDay('2026-13-01')).toThrow(RangeError);
    expect(() => cal.isWorkingDay('2026-02-30')).toThrow(RangeError);
    expect(() => cal.isWorkingDay('20261001')).toThrow(RangeError);
  });
});

describe('createWorkCalendar with an admin-loaded year file', () => {
  const year2027: CalendarYear = calendarYearSchema.parse({
    year: 2027,
    holidays: ['2027-01-01', '2027-02-05', '2027-02-08'],
    workdays: ['2027-02-06', '2027-02-20'],
    source: 'test notice',
  });
  const cal = createWorkCalendar([year2027]);

  it('makes a listed holiday a day off and a listed make-up Saturday a working day', () => {
    expect(cal.isWorkingDay('2027-01-01')).toBe(false);
    expect(cal.isWorkingDay('2027-02-06')).toBe(true); // Saturday, make-up working day
    expect(cal.isWorkingDay('2027-02-20')).toBe(true);
    expect(cal.isWorkingDay('2027-02-08')).toBe(false); // Monday, holiday
  });

  it('uses Monday–Friday for the days the file does not list', () => {
    expect(cal.isWorkingDay('2027-01-04')).toBe(true);
    expect(cal.isWorkingDay('2027-01-09')).toBe(false);
  });

  it('knows the loaded year and still uses the bundled data for other years', () => {
    expect(cal.knowsYear(2027)).toBe(true);
    expect(cal.isWorkingDay('2026-10-10')).toBe(true);
    expect(cal.isWorkingDay('2026-10-05')).toBe(false);
  });

  it('in replace mode is the whole year: unlisted days are plain Mon–Fri', () => {
    const local = createWorkCalendar([
      { year: 2026, mode: 'replace', holidays: ['2026-10-08'], workdays: ['2026-10-03'] },
    ]);
    expect(local.isWorkingDay('2026-10-08')).toBe(false);
    expect(local.isWorkingDay('2026-10-03')).toBe(true);
    expect(local.isWorkingDay('2026-10-01')).toBe(true);
    expect(local.isWorkingDay('2026-10-10')).toBe(false);
    expect(local.dayInfo('2026-10-01')).toEqual({ working: true, source: 'file' });
  });

  it('adjusts the bundled year by default: one local holiday leaves 2026-10-01 a holiday', () => {
    const local = createWorkCalendar([{ year: 2026, holidays: ['2026-11-02'], workdays: [] }]);
    expect(local.dayInfo('2026-11-02')).toEqual({ working: false, source: 'file' });
    expect(local.dayInfo('2026-10-01')).toEqual({ working: false, source: 'bundled' });
    expect(local.dayInfo('2026-10-10')).toEqual({ working: true, source: 'bundled' });
    expect(local.isWorkingDay('2026-11-03')).toBe(true);
  });

  it('cancels a bundled holiday or make-up day named the other way in adjust mode', () => {
    const local = createWorkCalendar([
      { year: 2026, mode: 'adjust', holidays: ['2026-10-10'], workdays: ['2026-10-07'] },
    ]);
    expect(local.isWorkingDay('2026-10-10')).toBe(false);
    expect(local.isWorkingDay('2026-10-07')).toBe(true);
    expect(local.isWorkingDay('2026-10-06')).toBe(false);
  });

  it('marks the days of an unknown year as assumed and a loaded one as file', () => {
    expect(createWorkCalendar([]).dayInfo('2027-01-04')).toEqual({ working: true, source: 'assumed' });
    expect(cal.dayInfo('2027-01-04')).toEqual({ working: true, source: 'file' });
  });

  it('does not leak one calendar’s file into another calendar', () => {
    expect(createWorkCalendar([]).isWorkingDay('2027-01-01')).toBe(true);
    expect(cal.isWorkingDay('2027-01-01')).toBe(false);
  });
});

describe('calendarYearIssues', () => {
  it('accepts weekend make-up days and a bundled holiday cancelled in adjust mode', () => {
    expect(calendarYearIssues({ year: 2027, holidays: ['2027-01-01'], workdays: ['2027-02-06'] })).toEqual(
      [],
    );
    expect(calendarYearIssues({ year: 2026, holidays: [], workdays: ['2026-10-07'] })).toEqual([]);
  });

  it('names a weekday make-up day that is not a bundled holiday', () => {
    expect(calendarYearIssues({ year: 2026, holidays: [], workdays: ['2026-10-10', '2026-11-03'] })).toEqual([
      { path: 'workdays.1', message: expect.stringContaining('2026-11-03 is a weekday') },
    ]);
    expect(
      calendarYearIssues({ year: 2026, mode: 'replace', holidays: [], workdays: ['2026-10-07'] }),
    ).toHaveLength(1);
  });

  it('leaves dates outside the year and days both off and on to the schema', () => {
    const r = calendarYearSchema.safeParse({
      year: 2027,
      holidays: ['2026-12-31', '2027-01-02'],
      workdays: ['2027-01-02'],
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['holidays.0', 'workdays.0']);
  });
});

describe('Asia/Shanghai date helpers', () => {
  it('puts late UTC evenings on the next Shanghai day', () => {
    expect(shanghaiDate(new Date('2026-09-30T15:59:59Z'))).toBe('2026-09-30');
    expect(shanghaiDate(new Date('2026-09-30T16:00:00Z'))).toBe('2026-10-01');
  });

  it('builds instants at a Shanghai wall-clock time', () => {
    expect(shanghaiInstant('2026-10-08', 17, 30).toISOString()).toBe('2026-10-08T09:30:00.000Z');
    expect(shanghaiInstant('2026-01-01', 0, 0).toISOString()).toBe('2025-12-31T16:00:00.000Z');
  });

  it('round-trips any instant through date and wall-clock time', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (d) => {
          const local = new Date(d.getTime() + 8 * 3_600_000);
          const date = shanghaiDate(d);
          expect(date).toBe(local.toISOString().slice(0, 10));
          const rebuilt = shanghaiInstant(date, local.getUTCHours(), local.getUTCMinutes());
          expect(Math.floor(d.getTime() / 60_000) * 60_000).toBe(rebuilt.getTime());
        },
      ),
    );
  });
});
