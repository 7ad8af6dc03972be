import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWorkCalendar, dateOfDayNumber, dayNumber, shanghaiDate } from '../../shared/domain/calendar';
import {
  addDuration,
  extendDeadline,
  planStageClock,
  stageDuration,
  toShanghaiIso,
} from '../../shared/domain/deadlines';
import {
  type Duration,
  instantSchema,
  type SlaPolicy,
  stageClockSchema,
  stages,
} from '../../shared/domain/model';
import { defaultSlaPolicies } from '../../shared/domain/sla-defaults';

const cal = createWorkCalendar([]);
const at = (iso: string): Date => new Date(iso);
const iso = (d: Date): string => toShanghaiIso(d);

function policy(slaClass: SlaPolicy['slaClass']): SlaPolicy {
  const p = defaultSlaPolicies.find((x) => x.slaClass === slaClass);
  if (!p) throw new Error(`no ${slaClass} policy`);
  return p;
}

describe('addDuration on the working-day clock', () => {
  it('skips the 2026 National Day holiday: receipt 09-30 10:00 + 1 working day → 10-08 17:30', () => {
    expect(iso(addDuration(at('2026-09-30T10:00:00+08:00'), { workingDays: 1 }, cal))).toBe(
      '2026-10-08T17:30:00+08:00',
    );
  });

  it('counts the make-up Saturday 2026-10-10 as a working day', () => {
    expect(iso(addDuration(at('2026-10-09T10:00:00+08:00'), { workingDays: 1 }, cal))).toBe(
      '2026-10-10T17:30:00+08:00',
    );
    // 5 working days from 09-30: 10-08, 10-09, 10-10 (Saturday), 10-12, 10-13.
    expect(iso(addDuration(at('2026-09-30T10:00:00+08:00'), { workingDays: 5 }, cal))).toBe(
      '2026-10-13T17:30:00+08:00',
    );
  });

  it('never counts the receipt day, whatever the hour, and reads the day in Asia/Shanghai', () => {
    expect(iso(addDuration(at('2026-09-29T00:01:00+08:00'), { workingDays: 1 }, cal))).toBe(
      '2026-09-30T17:30:00+08:00',
    );
    expect(iso(addDuration(at('2026-09-29T23:59:00+08:00'), { workingDays: 1 }, cal))).toBe(
      '2026-09-30T17:30:00+08:00',
    );
    // 16:30 UTC on 09-29 is already 00:30 on 09-30 in Shanghai: the next working day is 10-08.
    expect(iso(addDuration(at('2026-09-29T16:30:00Z'), { workingDays: 1 }, cal))).toBe(
      '2026-10-08T17:30:00+08:00',
    );
  });

  it('follows an admin-loaded year file', () => {
    const with2027 = createWorkCalendar([
      { year: 2027, holidays: ['2027-01-01', '2027-01-04'], workdays: [] },
    ]);
    // 2026-12-31 (Thu) + 1: 2027-01-01 is off in the file, 01-02/03 weekend, 01-04 off → 01-05.
    expect(iso(addDuration(at('2026-12-31T09:00:00+08:00'), { workingDays: 1 }, with2027))).toBe(
      '2027-01-05T17:30:00+08:00',
    );
    // Without the file 2027-01-01 is a plain Friday.
    expect(iso(addDuration(at('2026-12-31T09:00:00+08:00'), { workingDays: 1 }, cal))).toBe(
      '2027-01-01T17:30:00+08:00',
    );
  });

  it('rejects invalid starts and non-positive working days', () => {
    expect(() => addDuration(new Date(Number.NaN), { minutes: 5 }, cal)).toThrow(RangeError);
    expect(() => addDuration(at('2026-09-30T10:00:00+08:00'), { workingDays: 0 }, cal)).toThrow(RangeError);
  });

  it('stops on a calendar without working days instead of looping forever', () => {
    const never = {
      isWorkingDay: () => false,
      knowsYear: () => true,
      dayInfo: () => ({ working: false, source: 'file' as const }),
    };
    expect(() => addDuration(at('2026-09-30T10:00:00+08:00'), { workingDays: 1 }, never)).toThrow(
      /working days/,
    );
  });
});

describe('addDuration on the 24×7 clock', () => {
  it('adds wall-clock minutes straight through nights and holidays', () => {
    expect(iso(addDuration(at('2026-10-01T23:50:00+08:00'), { minutes: 30 }, cal))).toBe(
      '2026-10-02T00:20:00+08:00',
    );
    expect(iso(addDuration(at('2026-10-01T10:00:00+08:00'), { minutes: 1440 }, cal))).toBe(
      '2026-10-02T10:00:00+08:00',
    );
  });
});

describe('planStageClock', () => {
  it('plans a general acknowledge clock across National Day with a working-time warning', () => {
    const clock = planStageClock({
      stage: 'acknowledge',
      unitId: 'u-cgj',
      startedAt: at('2026-09-30T10:00:00+08:00'),
      duration: { workingDays: 1 },
      policy: policy('general'),
      cal,
    });
    // Working time: 6.5 h left on 09-30 + 7.5 h on 10-08 = 14 h; 75% = 10.5 h → 10-08 14:00.
    expect(clock).toEqual({
      stage: 'acknowledge',
      unitId: 'u-cgj',
      startedAt: '2026-09-30T10:00:00+08:00',
      warnAt: '2026-10-08T14:00:00+08:00',
      dueAt: '2026-10-08T17:30:00+08:00',
      level2At: '2026-10-09T17:30:00+08:00',
      // Five working days after 10-08: 10-09, 10-10 (make-up Saturday), 10-12, 10-13, 10-14.
      level3At: '2026-10-14T17:30:00+08:00',
    });
    expect(stageClockSchema.parse(clock)).toEqual(clock);
  });

  it('starts working time at the next office period when received out of hours', () => {
    for (const start of [
      '2026-10-03T10:00:00+08:00',
      '2026-09-30T20:00:00+08:00',
      '2026-10-08T07:00:00+08:00',
    ]) {
      const clock = planStageClock({
        stage: 'acknowledge',
        startedAt: at(start),
        duration: { workingDays: 1 },
        policy: policy('general'),
        cal,
      });
      if (start.startsWith('2026-10-08')) {
        // Received before office hours on 10-08: due the next working day, 10-09 (a Friday).
        expect(clock.dueAt).toBe('2026-10-09T17:30:00+08:00');
        // Working time starts at 09:00: 10-08 (7.5 h) + 10-09 (7.5 h) = 15 h; 75% = 11.25 h, i.e.
        // 3.75 h into 10-09 → 3 h to noon, 45 min after lunch.
        expect(clock.warnAt).toBe('2026-10-09T13:45:00+08:00');
      } else {
        // Only 10-08 counts (7.5 h): 75% = 5 h 37.5 min → 12:00 + 2 h 37.5 min after lunch.
        expect(clock.dueAt).toBe('2026-10-08T17:30:00+08:00');
        expect(clock.warnAt).toBe('2026-10-08T15:37:30+08:00');
      }
      expect(clock.unitId).toBeUndefined();
      expect('unitId' in clock).toBe(false);
    }
  });

  it('plans a general resolve clock with level 2 one and level 3 five working days after the deadline', () => {
    const clock = planStageClock({
      stage: 'resolve',
      startedAt: at('2026-09-30T10:00:00+08:00'),
      duration: { workingDays: 5 },
      policy: policy('general'),
      cal,
    });
    expect(clock.dueAt).toBe('2026-10-13T17:30:00+08:00');
    expect(clock.level2At).toBe('2026-10-14T17:30:00+08:00');
    expect(clock.level3At).toBe('2026-10-20T17:30:00+08:00');
  });

  it('plans urgent and fast clocks on wall-clock minutes, holidays or not', () => {
    const urgent = planStageClock({
      stage: 'acknowledge',
      startedAt: at('2026-10-01T03:00:00+08:00'),
      duration: { minutes: 30 },
      policy: policy('urgent'),
      cal,
    });
    expect(urgent).toMatchObject({
      warnAt: '2026-10-01T03:22:30+08:00',
      dueAt: '2026-10-01T03:30:00+08:00',
      level2At: '2026-10-01T04:00:00+08:00',
      level3At: '2026-10-01T05:30:00+08:00',
    });
    const fast = planStageClock({
      stage: 'resolve',
      startedAt: at('2026-10-01T10:00:00+08:00'),
      duration: { minutes: 1440 },
      policy: policy('fast'),
      cal,
    });
    expect(fast).toMatchObject({
      warnAt: '2026-10-02T04:00:00+08:00',
      dueAt: '2026-10-02T10:00:00+08:00',
      level2At: '2026-10-02T12:00:00+08:00',
      level3At: '2026-10-03T10:00:00+08:00',
    });
  });

  it('keeps startedAt ≤ warnAt < dueAt ≤ level2At ≤ level3At for every class, stage and receipt time', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...defaultSlaPolicies),
        fc.constantFrom(...stages),
        fc.date({ min: new Date('2024-01-01'), max: new Date('2027-06-30'), noInvalidDate: true }),
        (p, stage, startedAt) => {
          const duration = stageDuration(p, stage);
          if (!duration) return;
          const c = planStageClock({ stage, startedAt, duration, policy: p, cal });
          const [s, w, d, l2, l3] = [c.startedAt, c.warnAt, c.dueAt, c.level2At, c.level3At].map((x) =>
            Date.parse(x),
          ) as [number, number, number, number, number];
          expect(w).toBeGreaterThanOrEqual(s);
          expect(w).toBeLessThan(d);
          expect(l2).toBeGreaterThan(d);
          expect(l3).toBeGreaterThanOrEqual(l2);
          expect(s).toBe(startedAt.getTime());
        },
      ),
    );
  });
});

describe('extendDeadline', () => {
  it('moves a deadline n working days past its due day, to 17:30', () => {
    const due = at('2026-10-13T17:30:00+08:00');
    // 10-14 … 10-27 skipping two weekends: the 10th working day is Tuesday 10-27.
    expect(iso(extendDeadline(due, 10, cal))).toBe('2026-10-27T17:30:00+08:00');
    expect(iso(extendDeadline(due, 1, cal))).toBe('2026-10-14T17:30:00+08:00');
    expect(iso(extendDeadline(at('2026-09-30T17:30:00+08:00'), 1, cal))).toBe('2026-10-08T17:30:00+08:00');
  });

  it('leaves the deadline alone for zero days', () => {
    expect(iso(extendDeadline(at('2026-10-13T17:30:00+08:00'), 0, cal))).toBe('2026-10-13T17:30:00+08:00');
  });
});

describe('stageDuration', () => {
  it('times arrival only for policies that have it', () => {
    expect(stageDuration(policy('urgent'), 'arrive')).toEqual({ minutes: 30 });
    expect(stageDuration(policy('general'), 'arrive')).toBeUndefined();
    expect(stageDuration(policy('complex'), 'resolve')).toEqual({ workingDays: 15 });
    expect(stageDuration(policy('fast'), 'acknowledge')).toEqual({ minutes: 120 });
    expect(stageDuration(policy('general'), 'feedback')).toEqual({ workingDays: 3 });
  });
});

describe('toShanghaiIso', () => {
  it('writes +08:00 wall-clock time that parses back to the same instant', () => {
    expect(toShanghaiIso(at('2026-10-08T09:30:00Z'))).toBe('2026-10-08T17:30:00+08:00');
    expect(toShanghaiIso(at('2026-10-08T09:30:00.250Z'))).toBe('2026-10-08T17:30:00.250+08:00');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (d) => {
          const s = toShanghaiIso(d);
          expect(instantSchema.safeParse(s).success).toBe(true);
          expect(Date.parse(s)).toBe(d.getTime());
        },
      ),
    );
  });
});

describe('deadline properties', () => {
  // An admin file for 2027 so the property also covers a loaded year next to the bundled ones.
  const mixed = createWorkCalendar([
    {
      year: 2027,
      holidays: ['2027-01-01', '2027-02-05', '2027-02-08', '2027-10-01'],
      workdays: ['2027-02-20'],
    },
  ]);
  const receipt = fc.date({ min: new Date('2023-01-01'), max: new Date('2027-12-01'), noInvalidDate: true });
  const workingDays = fc.integer({ min: 1, max: 30 });

  it('lands a working-day deadline at 17:30 +08:00 of a working day, exactly n working days after receipt', () => {
    fc.assert(
      fc.property(receipt, workingDays, (start, n) => {
        const due = addDuration(start, { workingDays: n }, mixed);
        expect(toShanghaiIso(due).slice(10)).toBe('T17:30:00+08:00');
        const dueDay = shanghaiDate(due);
        expect(mixed.isWorkingDay(dueDay)).toBe(true);
        let count = 0;
        for (let d = dayNumber(shanghaiDate(start)) + 1; d <= dayNumber(dueDay); d += 1) {
          if (mixed.isWorkingDay(dateOfDayNumber(d))) count += 1;
        }
        expect(count).toBe(n);
      }),
    );
  });

  it('never moves a deadline earlier when the receipt comes later', () => {
    const duration: fc.Arbitrary<Duration> = fc.oneof(
      workingDays.map((n) => ({ workingDays: n })),
      fc.integer({ min: 1, max: 5000 }).map((m) => ({ minutes: m })),
    );
    fc.assert(
      fc.property(receipt, fc.integer({ min: 0, max: 20 * 86_400_000 }), duration, (t1, delta, d) => {
        const t2 = new Date(t1.getTime() + delta);
        expect(addDuration(t2, d, mixed).getTime()).toBeGreaterThanOrEqual(
          addDuration(t1, d, mixed).getTime(),
        );
        expect(extendDeadline(t2, 3, mixed).getTime()).toBeGreaterThanOrEqual(
          extendDeadline(t1, 3, mixed).getTime(),
        );
      }),
    );
  });
});
