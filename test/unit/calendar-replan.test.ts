/**
 * replanForCalendar (issue 15): a published year moves open clocks' instants not yet passed,
 * under the ticket's own policy, keeps passed ones, counts an approved extension again, and the
 * calendar_assumed flag follows.
 */
import { describe, expect, it } from 'vitest';
import { seedConfig } from '../../shared/config/seed';
import { createWorkCalendar } from '../../shared/domain/calendar';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { Ticket } from '../../shared/domain/model';
import type { Principal } from '../../shared/domain/principal';
import * as rules from '../../shared/domain/ticket-rules';

const T0 = new Date('2026-12-24T10:00:00+08:00'); // a Thursday
const config = seedConfig(toShanghaiIso(T0));
const unknown = createWorkCalendar([]);
const published = createWorkCalendar([
  { year: 2027, holidays: ['2027-01-01', '2027-01-02', '2027-01-03'], workdays: [] },
]);
const reporter: Principal = { sub: 'r', role: 'reporter', communityId: 'cm-nanqiao', via: 'token' };
const lead = 'u-street-lailongmen';
const unit: Principal = { sub: lead, role: 'unit', unitId: lead, via: 'token' };
const admin: Principal = { sub: 'a', role: 'admin', via: 'token' };
const at = (iso: string) => new Date(iso);

function general(now = T0): Ticket {
  return rules.createTicket(
    {
      dutyItemId: 'di-neighbor-dispute',
      communityId: 'cm-nanqiao',
      title: '邻里纠纷',
      description: '楼上楼下漏水纠纷',
      channel: 'grid',
    },
    { id: 'tgen', code: 'WDGEN0001' },
    reporter,
    { now, config, cal: unknown },
  );
}

describe('replanForCalendar', () => {
  it('flags a resolve deadline counted into an unknown year, then moves it and clears the flag', () => {
    const t = general();
    // 5 working days after Thursday 24 December: 25, 28, 29, 30, 31 → 31 December, known.
    expect(t.deadlines.resolveBy).toBe('2026-12-31T17:30:00+08:00');
    // Level 3 (5 working days later) lands in 2027: assumed.
    const resolve = t.clocks.find((c) => c.stage === 'resolve');
    expect(resolve?.calendarAssumed).toBe(true);
    expect(t.flags).toContain('calendar_assumed');

    const r = rules.replanForCalendar(t, { now: at('2026-12-28T09:00:00+08:00'), config, cal: published });
    expect(r).not.toBeNull();
    const moved = r?.ticket.clocks.find((c) => c.stage === 'resolve');
    expect(moved?.dueAt).toBe('2026-12-31T17:30:00+08:00');
    // Level 2: the next working day after 31 December is now Monday 4 January.
    expect(moved?.level2At).toBe('2027-01-04T17:30:00+08:00');
    expect(moved?.calendarAssumed).toBeUndefined();
    expect(r?.ticket.flags).not.toContain('calendar_assumed');
    expect(r?.moves.every((m) => m.field !== 'dueAt')).toBe(true);
    expect(r?.ticket.timeline.at(-1)?.type).toBe('deadline_moved');
  });

  it('keeps instants that already passed', () => {
    const t = general(at('2026-12-31T10:00:00+08:00'));
    const ack = t.clocks.find((c) => c.stage === 'acknowledge');
    expect(ack?.dueAt).toBe('2027-01-01T17:30:00+08:00');
    // Published only after the assumed deadline passed: it stays; the later ones move.
    const r = rules.replanForCalendar(t, { now: at('2027-01-01T18:00:00+08:00'), config, cal: published });
    const after = r?.ticket.clocks.find((c) => c.stage === 'acknowledge');
    expect(after?.dueAt).toBe('2027-01-01T17:30:00+08:00');
    expect(after?.level2At).toBe('2027-01-04T17:30:00+08:00');
    expect(r?.ticket.deadlines.acknowledgeBy).toBe('2027-01-01T17:30:00+08:00');
  });

  it('counts an approved extension again on top of the moved deadline', () => {
    let t = general();
    const ctx = { now: at('2026-12-24T11:00:00+08:00'), config, cal: unknown };
    t = rules.acknowledge(t, unit, ctx);
    t = rules.requestExtension(t, unit, { workingDays: 2, reason: '等待物业' }, ctx);
    t = rules.decideExtension(t, admin, true, ctx);
    // 31 December + 2 assumed working days: Friday 1 and Monday 4 January.
    expect(t.deadlines.resolveBy).toBe('2027-01-04T17:30:00+08:00');
    expect(t.flags).toContain('calendar_assumed');
    const r = rules.replanForCalendar(t, { now: at('2026-12-28T09:00:00+08:00'), config, cal: published });
    expect(r?.ticket.deadlines.resolveBy).toBe('2027-01-05T17:30:00+08:00');
    expect(r?.ticket.flags).not.toContain('calendar_assumed');
  });

  it('moves nothing on a closed ticket or when the calendar did not change', () => {
    const t = general();
    const known = rules.replanForCalendar(t, { now: T0, config, cal: published });
    expect(known).not.toBeNull();
    const again = rules.replanForCalendar(known?.ticket as Ticket, { now: T0, config, cal: published });
    expect(again).toBeNull();
    expect(
      rules.replanForCalendar({ ...t, status: 'closed' }, { now: T0, config, cal: published }),
    ).toBeNull();
  });
});
