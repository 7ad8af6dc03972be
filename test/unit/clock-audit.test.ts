/**
 * The clock audit and the party model as pure functions: what each open party must be waiting
 * for, every kind of finding, and the 17:30 spread.
 */
import { describe, expect, it } from 'vitest';
import { seedConfig } from '../../shared/config/seed';
import { createWorkCalendar } from '../../shared/domain/calendar';
import {
  type ArmedWait,
  type AuditedRecord,
  auditTicket,
  type EngineReport,
  expectedWaits,
} from '../../shared/domain/clock-audit';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { Ticket } from '../../shared/domain/model';
import { activeParties, partyUnit, timerInstant, WAVE_SPREAD_MS } from '../../shared/domain/parties';
import type { Principal } from '../../shared/domain/principal';
import * as rules from '../../shared/domain/ticket-rules';
import { LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';

const T0 = new Date('2026-11-02T10:00:00+08:00'); // a Monday, no holiday near
const config = seedConfig(toShanghaiIso(T0));
const cal = createWorkCalendar([]);
const ctx = (at: Date = T0) => ({ now: at, config, cal });
const reporter: Principal = { sub: 'r', role: 'reporter', communityId: NANQIAO, via: 'token' };
const unit = (unitId: string): Principal => ({ sub: unitId, role: 'unit', unitId, via: 'token' });
const GRACE = 2 * 60_000;
const minutes = (m: number) => new Date(T0.getTime() + m * 60_000);

function joint(): Ticket {
  return rules.createTicket(
    {
      dutyItemId: 'di-ebike-corridor-charging',
      communityId: NANQIAO,
      title: '楼道充电',
      description: '3栋楼道有人给电瓶车充电',
      channel: 'grid',
    },
    { id: 'tjoint', code: 'WDJOINT01' },
    reporter,
    ctx(),
  );
}

/** What an engine holding exactly the expected waits would report. */
function healthyEngine(t: Ticket): EngineReport {
  return {
    execution: 'running',
    waits: expectedWaits(t).map((e) => ({
      party: e.party,
      unitId: e.unitId,
      stage: e.stage,
      ...(e.nextAt ? { timerAt: timerInstant(e.nextAt, t.id, e.party).toISOString() } : {}),
    })),
  };
}

const record = (t: Ticket, extra: Partial<AuditedRecord> = {}): AuditedRecord => ({
  ticket: t,
  tokens: {},
  run: { generation: 1, startedAt: toShanghaiIso(T0) },
  ...extra,
});

describe('parties: who waits for what', () => {
  it('gives the lead slot and one slot per co unit a branch; a co unit that acknowledged is done', () => {
    const t = joint();
    expect(activeParties(t)).toEqual([
      'lead',
      'co:u-xfjy',
      'co:u-zjj',
      'co:u-wyzx',
      'co:u-police-lailongmen',
    ]);
    const acked = rules.acknowledge(t, unit('u-zjj'), ctx(minutes(5)));
    expect(activeParties(acked)).not.toContain('co:u-zjj');
    expect(expectedWaits(acked).map((e) => [e.party, e.stage])).toContainEqual(['co:u-xfjy', 'acknowledge']);
  });

  it('hands the lead slot to the next owner when the lead returns the ticket', () => {
    const t = rules.createTicket(
      {
        dutyItemId: 'di-streetlight',
        communityId: NANQIAO,
        title: '路灯不亮',
        description: '南桥路口路灯',
        channel: 'grid',
      },
      { id: 'tlight', code: 'WDLIGHT01' },
      reporter,
      ctx(),
    );
    expect(partyUnit(t, 'lead')).toBe('u-szwh');
    const returned = rules.returnTicket(t, unit('u-szwh'), '路灯属街道管理', ctx(minutes(10)));
    expect(partyUnit(returned, 'lead')).toBe(LAILONGMEN_OFFICE);
    expect(activeParties(returned)).toEqual(['lead']);
  });

  it('expects the ticket itself to wait once every unit is done (the verdict)', () => {
    const lead = LAILONGMEN_OFFICE;
    let t = rules.createTicket(
      {
        dutyItemId: NEIGHBOR_DISPUTE,
        communityId: NANQIAO,
        title: '邻里纠纷',
        description: '噪音',
        channel: 'grid',
      },
      { id: 'tverdict', code: 'WDVERD01' },
      reporter,
      ctx(),
    );
    t = rules.acknowledge(t, unit(lead), ctx(minutes(1)));
    t = rules.resolve(t, unit(lead), { summary: '调解完毕' }, ctx(minutes(2)));
    expect(expectedWaits(t).map((e) => [e.party, e.stage])).toEqual([['ticket', 'feedback']]);
  });
});

describe('the 17:30 wave', () => {
  it('spreads working-day deadlines over five minutes, the same way every time, and leaves other instants alone', () => {
    const due = new Date('2026-11-03T17:30:00+08:00');
    const fired = Array.from({ length: 200 }, (_, i) => timerInstant(due, `t${i}`, 'lead').getTime());
    for (const at of fired) {
      expect(at).toBeGreaterThanOrEqual(due.getTime());
      expect(at).toBeLessThan(due.getTime() + WAVE_SPREAD_MS);
    }
    // Spread, not bunched: 200 tickets land on many different seconds.
    expect(new Set(fired.map((ms) => Math.floor(ms / 1000))).size).toBeGreaterThan(100);
    expect(timerInstant(due, 't1', 'co:u-zjj')).toEqual(timerInstant(due, 't1', 'co:u-zjj'));
    const urgent = new Date('2026-11-03T10:30:00+08:00');
    expect(timerInstant(urgent, 't1', 'lead')).toEqual(urgent);
  });
});

describe('auditTicket', () => {
  it('finds nothing when every open party holds the wait its record says', () => {
    const t = joint();
    expect(auditTicket(record(t), healthyEngine(t), minutes(1), GRACE)).toEqual([]);
  });

  it('finds nothing for a closed ticket, whatever the engine says', () => {
    const t = rules.cancel(joint(), { sub: 'a', role: 'admin', via: 'token' }, '重复', ctx(minutes(1)));
    expect(auditTicket(record(t), { execution: 'missing' }, minutes(60), GRACE)).toEqual([]);
  });

  it('finds a party the engine holds no wait for: the co unit whose branch ended', () => {
    const t = joint();
    const engine = healthyEngine(t);
    engine.waits = (engine.waits as ArmedWait[]).filter((w) => w.party !== 'co:u-wyzx');
    expect(auditTicket(record(t), engine, minutes(1), GRACE)).toEqual([
      expect.objectContaining({ party: 'co:u-wyzx', kind: 'no_wait' }),
    ]);
  });

  it('finds a wait for the wrong stage or unit, and a wait whose timer is later than the instant', () => {
    const t = rules.acknowledge(joint(), unit(LAILONGMEN_OFFICE), ctx(minutes(1)));
    const engine = healthyEngine(t);
    const waits = engine.waits as ArmedWait[];
    const lead = waits.find((w) => w.party === 'lead') as ArmedWait;
    lead.stage = 'acknowledge';
    const co = waits.find((w) => w.party === 'co:u-zjj') as ArmedWait;
    co.timerAt = new Date(Date.parse(co.timerAt as string) + 3_600_000).toISOString();
    const kinds = auditTicket(record(t), engine, minutes(2), GRACE).map((f) => [f.party, f.kind]);
    expect(kinds).toEqual([
      ['lead', 'wrong_wait'],
      ['co:u-zjj', 'late_timer'],
    ]);
  });

  it('finds an execution that ended while the ticket is open, once a pending start has had its grace', () => {
    const t = joint();
    const pending = { start: { generation: 1, at: toShanghaiIso(T0) } };
    expect(auditTicket(record(t, { pending }), { execution: 'missing' }, minutes(1), GRACE)).toEqual([]);
    expect(auditTicket(record(t, { pending }), { execution: 'missing' }, minutes(5), GRACE)).toEqual([
      expect.objectContaining({ party: '*', kind: 'pending_start' }),
    ]);
    expect(auditTicket(record(t), { execution: 'ended' }, minutes(1), GRACE)).toEqual([
      expect.objectContaining({ party: '*', kind: 'no_execution', found: 'execution ended' }),
    ]);
  });

  it('finds a signal that never arrived once its grace passed, and a long-past instant with nothing recorded', () => {
    const t = rules.acknowledge(joint(), unit(LAILONGMEN_OFFICE), ctx(minutes(1)));
    const engine = healthyEngine(t);
    engine.waits = (engine.waits as ArmedWait[]).filter((w) => w.party !== 'lead');
    const pending = { signals: { lead: { at: toShanghaiIso(minutes(1)) } } };
    expect(auditTicket(record(t, { pending }), engine, minutes(2), GRACE)).toEqual([]);
    expect(auditTicket(record(t, { pending }), engine, minutes(10), GRACE)).toEqual([
      expect.objectContaining({ party: 'lead', kind: 'pending_signal' }),
    ]);

    // Two days on, the co units' acknowledge deadline (Tuesday 17:30) passed with no breach.
    const late = new Date('2026-11-04T12:00:00+08:00');
    const overdue = auditTicket(record(t), { execution: 'running', waits: [] }, late, GRACE).filter(
      (f) => f.kind === 'overdue',
    );
    expect(overdue.map((f) => f.party).sort()).toEqual([
      'co:u-police-lailongmen',
      'co:u-wyzx',
      'co:u-xfjy',
      'co:u-zjj',
    ]);
  });

  it('does not call an engine that is merely behind stranded: its wait still fires for the instant', () => {
    const t = joint();
    const late = new Date('2026-11-03T18:00:00+08:00');
    expect(auditTicket(record(t), healthyEngine(t), late, GRACE).filter((f) => f.kind === 'overdue')).toEqual(
      [],
    );
  });

  it('judges by the record’s tokens where the engine cannot list its waits (Step Functions)', () => {
    const t = joint();
    const tokens = Object.fromEntries(
      expectedWaits(t).map((e) => [
        e.party,
        { stage: e.stage, unitId: e.unitId, nextAt: e.nextAt ? toShanghaiIso(e.nextAt) : null },
      ]),
    );
    expect(auditTicket(record(t, { tokens }), { execution: 'running' }, minutes(30), GRACE)).toEqual([]);
    const { 'co:u-xfjy': _gone, ...rest } = tokens;
    // Right after a write the arming task may still be on its way; after the grace it counts.
    expect(auditTicket(record(t, { tokens: rest }), { execution: 'running' }, minutes(1), GRACE)).toEqual([]);
    expect(auditTicket(record(t, { tokens: rest }), { execution: 'running' }, minutes(30), GRACE)).toEqual([
      expect.objectContaining({ party: 'co:u-xfjy', kind: 'no_wait' }),
    ]);
  });
});
