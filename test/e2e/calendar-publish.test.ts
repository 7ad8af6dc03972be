/**
 * Issue 15's acceptance: deadlines counted over a year nobody published are flagged and warned
 * about, and publishing the year moves them (timeline, flag, and the armed wait itself).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, type TicketView } from '../helpers/workflow-harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

type Clock = { stage: string; dueAt: string; calendarAssumed?: boolean; doneAt?: string };
type Full = TicketView & { clocks: Clock[] };
type Health = { status: string; warnings?: { code: string; year: number; openTickets: number }[] };
type Problem = { status: number; errors?: { path: string; message: string }[] };

describe('publishing a year nobody knew', () => {
  it('flags, warns, then moves the acknowledge deadline, clears the flag and fires at the new instant', async () => {
    h = await Harness.start('2026-12-31T10:00:00+08:00');
    const admin = await h.admin();
    const created = await h.create({ dutyItemId: 'di-neighbor-dispute', communityId: 'cm-nanqiao' });
    const before = (await h.get(created.id)) as Full;
    expect(before.deadlines.acknowledgeBy).toBe('2027-01-01T17:30:00+08:00');
    expect(before.flags).toContain('calendar_assumed');
    expect(before.clocks.find((c) => c.stage === 'acknowledge')?.calendarAssumed).toBe(true);

    const health = await h.api.call<Health>('GET', '/healthz');
    expect(health.body.warnings).toEqual([{ code: 'calendar_year_unknown', year: 2027, openTickets: 1 }]);

    // A dry run says what would move and writes nothing.
    const file = { holidays: ['2027-01-01', '2027-01-02', '2027-01-03'], workdays: [] };
    const preview = await h.api.call<{
      dryRun: boolean;
      moved: { ticketId: string }[];
      configVersion?: number;
    }>('PUT', '/v1/calendar/2027?dryRun=true', admin, file);
    expect(preview.status).toBe(200);
    expect(preview.body.dryRun).toBe(true);
    expect(preview.body.configVersion).toBeUndefined();
    expect(preview.body.moved.map((m) => m.ticketId)).toEqual([created.id]);
    expect((await h.get(created.id)).deadlines.acknowledgeBy).toBe('2027-01-01T17:30:00+08:00');

    const put = await h.api.call<{ moved: { ticketId: string }[]; mode: string }>(
      'PUT',
      '/v1/calendar/2027',
      admin,
      file,
    );
    expect(put.status).toBe(200);
    expect(put.body.mode).toBe('adjust');
    expect(put.body.moved.map((m) => m.ticketId)).toEqual([created.id]);
    await h.settle();

    const after = (await h.get(created.id)) as Full;
    expect(after.deadlines.acknowledgeBy).toBe('2027-01-04T17:30:00+08:00');
    expect(after.flags).not.toContain('calendar_assumed');
    expect(after.clocks.find((c) => c.stage === 'acknowledge')?.calendarAssumed).toBeUndefined();
    const moved = after.timeline.find((e) => e.type === 'deadline_moved');
    expect(moved?.detail).toBe('acknowledge: 2027-01-01T17:30:00+08:00 → 2027-01-04T17:30:00+08:00');
    expect((await h.api.call<Health>('GET', '/healthz')).body.warnings).toBeUndefined();
    // The wait was re-armed: nothing fires at the old instant, the breach comes at the new one.
    expect((await h.audit()).stranded).toBe(0);
    await h.advanceTo('2027-01-01T18:00:00+08:00');
    expect((await h.get(created.id)).breaches).toEqual([]);
    await h.advanceTo('2027-01-04T17:29:00+08:00');
    expect((await h.get(created.id)).breaches).toEqual([]);
    // 17:30 timers are spread over 5 minutes (the wave, shared/domain/parties.ts); the breach
    // keeps the nominal instant.
    await h.advanceTo('2027-01-04T17:36:00+08:00');
    const breached = await h.get(created.id);
    expect(breached.breaches).toEqual([
      expect.objectContaining({ stage: 'acknowledge', level: 1, dueAt: '2027-01-04T17:30:00+08:00' }),
    ]);
    // Publishing the same year again moves nothing more (passed instants stay).
    const again = await h.api.call<{ moved: unknown[] }>('PUT', '/v1/calendar/2027', admin, file);
    expect(again.body.moved).toEqual([]);
  });

  it('leaves passed instants and recorded breaches as they are', async () => {
    h = await Harness.start('2026-12-29T10:00:00+08:00');
    const admin = await h.admin();
    // Acknowledge due 12-30 17:30 (known 2026); its level 3 (5 working days on) lands in 2027.
    const t = await h.create({ dutyItemId: 'di-neighbor-dispute', communityId: 'cm-nanqiao' });
    await h.advanceTo('2026-12-31T09:00:00+08:00');
    const late = (await h.get(t.id)) as Full;
    expect(late.breaches.map((b) => b.dueAt)).toEqual(['2026-12-30T17:30:00+08:00']);
    expect(late.flags).toContain('calendar_assumed');
    const put = await h.api.call('PUT', '/v1/calendar/2027', admin, {
      holidays: ['2027-01-01', '2027-01-02', '2027-01-03'],
      workdays: [],
    });
    expect(put.status).toBe(200);
    await h.settle();
    const after = (await h.get(t.id)) as Full;
    expect(after.deadlines.acknowledgeBy).toBe('2026-12-30T17:30:00+08:00');
    expect(after.breaches.map((b) => b.dueAt)).toEqual(['2026-12-30T17:30:00+08:00']);
    expect(after.timeline.filter((e) => e.type === 'deadline_moved').length).toBeGreaterThan(0);
    expect(after.flags).not.toContain('calendar_assumed');
  });
});

describe('year files', () => {
  it('adjust the bundled year by default: a 2026 file adding one holiday leaves 2026-10-01 a holiday', async () => {
    h = await Harness.start('2026-09-01T09:00:00+08:00');
    const admin = await h.admin();
    const put = await h.api.call('PUT', '/v1/calendar/2026', admin, {
      holidays: ['2026-11-02'],
      workdays: [],
    });
    expect(put.status).toBe(200);
    const cal = await h.api.call<{
      source: string;
      mode: string;
      holidays: string[];
      workdays: string[];
      days: { date: string; working: boolean; source: string }[];
    }>('GET', '/v1/calendar/2026', admin);
    expect(cal.body).toMatchObject({ source: 'file', mode: 'adjust' });
    expect(cal.body.holidays).toEqual(expect.arrayContaining(['2026-10-01', '2026-11-02']));
    expect(cal.body.workdays).toContain('2026-10-10');
    expect(cal.body.days).toEqual(
      expect.arrayContaining([
        { date: '2026-10-01', working: false, source: 'bundled' },
        { date: '2026-11-02', working: false, source: 'file' },
      ]),
    );
    const assumed = await h.api.call<{ source: string; known: boolean }>('GET', '/v1/calendar/2031', admin);
    expect(assumed.body).toMatchObject({ source: 'assumed', known: false });
  });

  it('answer 400 naming the field for a weekday make-up day, a date outside the year, a day both off and on', async () => {
    h = await Harness.start('2026-09-01T09:00:00+08:00');
    const admin = await h.admin();
    const cases: [unknown, string][] = [
      [{ holidays: [], workdays: ['2027-01-04'] }, 'workdays.0'],
      [{ holidays: ['2026-12-31'], workdays: [] }, 'holidays.0'],
      [{ holidays: ['2027-01-02'], workdays: ['2027-01-02'] }, 'workdays.0'],
      [{ mode: 'merge', holidays: [], workdays: [] }, 'mode'],
    ];
    for (const [body, path] of cases) {
      const res = await h.api.call<Problem>('PUT', '/v1/calendar/2027', admin, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors?.map((e) => e.path)).toContain(path);
    }
  });
});
