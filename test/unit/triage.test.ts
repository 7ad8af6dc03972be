/**
 * Triage rules (issue 20): the office-minutes clock, a whistle without a duty item waiting for a
 * dispatcher, the confirm that routes it once, joins that count each reporter once, merges.
 */
import { describe, expect, it } from 'vitest';
import { seedConfig } from '../../shared/config/seed';
import { createWorkCalendar } from '../../shared/domain/calendar';
import { ConflictError } from '../../shared/domain/errors';
import { activeParties, partyStage, TRIAGE_PARTY } from '../../shared/domain/parties';
import type { Principal } from '../../shared/domain/principal';
import * as rules from '../../shared/domain/ticket-rules';
import { addOfficeMinutes } from '../../shared/domain/triage';
import { LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';

const cal = createWorkCalendar([]);
const config = seedConfig('2026-09-01T00:00:00+08:00');
const at = (iso: string) => ({ now: new Date(iso), config, cal });
const reporter: Principal = { sub: 'r', role: 'reporter', communityId: NANQIAO, via: 'token' };
const dispatcher: Principal = { sub: 'd', role: 'dispatcher', streetId: 'st-lailongmen', via: 'token' };

function whistle(now = '2026-09-28T10:00:00+08:00') {
  return rules.createTicket(
    { communityId: NANQIAO, title: '说不清', description: '院子里那个东西又坏了', channel: 'grid' },
    { id: 'tabcdefghijklmnopqrst', code: 'WDABCDEFGH' },
    reporter,
    at(now),
  );
}

describe('the triage clock counts office minutes', () => {
  it('skips the night and the lunch break', () => {
    const iso = (d: Date) => d.toISOString();
    expect(iso(addOfficeMinutes(new Date('2026-09-28T22:00:00+08:00'), 30, cal))).toBe(
      iso(new Date('2026-09-29T09:30:00+08:00')),
    );
    expect(iso(addOfficeMinutes(new Date('2026-09-29T11:50:00+08:00'), 30, cal))).toBe(
      iso(new Date('2026-09-29T13:20:00+08:00')),
    );
  });
});

describe('a whistle without a duty item', () => {
  it('waits in triage with a clock against the street office, and only the triage party runs', () => {
    const t = whistle();
    expect(t.status).toBe('triage');
    expect(t.assignments).toEqual([]);
    expect(t.clocks).toEqual([
      expect.objectContaining({
        stage: 'triage',
        unitId: LAILONGMEN_OFFICE,
        warnAt: '2026-09-28T10:23:00+08:00',
        dueAt: '2026-09-28T10:30:00+08:00',
        level2At: '2026-09-28T11:30:00+08:00',
      }),
    ]);
    expect(activeParties(t)).toEqual([TRIAGE_PARTY]);
    expect(partyStage(t, TRIAGE_PARTY)).toBe('triage');
  });

  it('breaches at its deadline like any stage', () => {
    const { events, ticket } = rules.applyTimers(
      whistle(),
      LAILONGMEN_OFFICE,
      at('2026-09-28T10:31:00+08:00'),
    );
    expect(events.map((e) => e.kind)).toEqual(['breach']);
    expect(ticket.breaches[0]).toMatchObject({ stage: 'triage', unitId: LAILONGMEN_OFFICE, level: 1 });
  });

  it('is routed once by a confirm; a second confirm is a conflict', () => {
    const t = rules.confirmTriage(whistle(), dispatcher, NEIGHBOR_DISPUTE, at('2026-09-28T10:10:00+08:00'));
    expect(t.status).toBe('received');
    expect(t.dutyItemId).toBe(NEIGHBOR_DISPUTE);
    expect(t.clocks.find((c) => c.stage === 'triage')?.doneAt).toBe('2026-09-28T10:10:00+08:00');
    expect(partyStage(t, TRIAGE_PARTY)).toBe('done');
    expect(activeParties(t)).toEqual(['lead']);
    expect(() =>
      rules.confirmTriage(t, dispatcher, NEIGHBOR_DISPUTE, at('2026-09-28T10:11:00+08:00')),
    ).toThrow(ConflictError);
  });

  it('counts each joined reporter once and never the creator', () => {
    const t = whistle();
    const other: Principal = { ...reporter, sub: 'neighbour' };
    const joined = rules.joinTicket(t, other, { phone: '+8613800000001' }, at('2026-09-28T10:05:00+08:00'));
    expect(joined?.joinedReporters).toHaveLength(1);
    expect(rules.joinTicket(joined ?? t, other, {}, at('2026-09-28T10:06:00+08:00'))).toBeNull();
    expect(rules.joinTicket(t, reporter, {}, at('2026-09-28T10:06:00+08:00'))).toBeNull();
  });

  it('closes a duplicate and carries its reporters over', () => {
    const keep = whistle();
    const dup = { ...whistle(), id: 'tzzzzzzzzzzzzzzzzzzzz', reporter: { phone: '+8613800000002' } };
    const ctx = at('2026-09-28T10:05:00+08:00');
    const closed = rules.closeAsDuplicate(dup, dispatcher, keep, ctx);
    expect(closed).toMatchObject({ status: 'closed', closeReason: 'duplicate', duplicateOf: keep.id });
    expect(closed.clocks.every((c) => c.doneAt)).toBe(true);
    const absorbed = rules.absorbDuplicate(keep, dup, dispatcher, ctx);
    expect(absorbed?.joinedReporters?.[0]).toMatchObject({ by: `ticket:${dup.id}`, phone: '+8613800000002' });
    expect(() => rules.closeAsDuplicate(keep, dispatcher, keep, ctx)).toThrow(ConflictError);
  });
});
