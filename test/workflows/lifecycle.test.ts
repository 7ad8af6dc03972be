/**
 * Every path of the lifecycle on the real ASL (aws-local-stepfunctions), every Task bound to its
 * Lambda handler, timeouts forced by a ManualClock, actions taken over the HTTP API.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LAILONGMEN, LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';
import { Harness, type TicketView } from '../helpers/workflow-harness';

const MONDAY_9AM = '2026-09-28T09:00:00+08:00';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start(MONDAY_9AM);
});
afterEach(async () => {
  await h.stop();
});

async function closeHappily(t: TicketView, lead: string) {
  const unit = await h.unit(lead);
  expect((await h.act(t.id, 'acknowledge', unit)).status).toBe(200);
  expect((await h.act(t.id, 'resolve', unit, { summary: '已处理完毕' })).status).toBe(200);
  const verdict = await h.act(t.id, 'feedback', await h.reporter(NANQIAO), { rating: 'satisfied' });
  expect(verdict.status).toBe(200);
  return verdict.body;
}

describe('happy path', () => {
  it('closes a basic ticket within the transition budget (≤ 12 state transitions)', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    expect((await h.get(t.id)).status).toBe('dispatched');
    const closed = await closeHappily(t, LAILONGMEN_OFFICE);
    expect(closed.status).toBe('closed');
    await h.settle();
    expect(h.running(t.id)).toBe(false);
    const transitions = h.transitions(t.id) ?? Number.POSITIVE_INFINITY;
    expect(transitions).toBeLessThanOrEqual(12);
    const kinds = (await h.notifications(t.id)).map((n) => n.kind).sort();
    expect(kinds).toEqual(['dispatch', 'feedback_request']);
  });
});

describe('acknowledge timeout → escalation ladder', () => {
  it('warns at 75%, then breaches at levels 1, 2 and 3 at the policy instants', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO, priority: 'urgent' });
    expect(t.slaClass).toBe('urgent');
    // Urgent: acknowledge 30 min; warning at 22.5 min; level 2 +30 min; level 3 +2 h.
    await h.advanceMinutes(23);
    let now = await h.get(t.id);
    expect(now.breaches).toHaveLength(0);
    expect(now.timeline.some((e) => e.type === 'warning' && e.detail?.startsWith('acknowledge'))).toBe(true);

    await h.advanceMinutes(8); // 31 min
    now = await h.get(t.id);
    expect(now.escalationLevel).toBeGreaterThanOrEqual(1);
    expect(now.breaches.filter((b) => b.stage === 'acknowledge')).toEqual([
      expect.objectContaining({
        unitId: LAILONGMEN_OFFICE,
        level: 1,
        breachedAt: now.deadlines.acknowledgeBy,
      }),
    ]);

    await h.advanceMinutes(30); // 61 min: level 2
    expect((await h.get(t.id)).breaches.filter((b) => b.stage === 'acknowledge').map((b) => b.level)).toEqual(
      [1, 2],
    );

    await h.advanceMinutes(120); // 3 h 1 min: level 3, one record per level
    now = await h.get(t.id);
    expect(now.breaches.filter((b) => b.stage === 'acknowledge').map((b) => b.level)).toEqual([1, 2, 3]);
    expect(now.escalationLevel).toBe(3);

    const escalations = (await h.notifications(t.id)).filter(
      (n) => n.kind === 'escalation' && n.stage === 'acknowledge',
    );
    expect(escalations.map((n) => [n.level, n.unitId])).toEqual(
      expect.arrayContaining([
        [1, LAILONGMEN_OFFICE],
        [2, LAILONGMEN_OFFICE],
        [3, 'u-city-social-work'],
      ]),
    );
    const breaches = await h.api.call<{ items: { ticketId: string; stage: string; level: number }[] }>(
      'GET',
      `/v1/breaches?stage=acknowledge&unitId=${LAILONGMEN_OFFICE}`,
      await h.admin(),
    );
    expect(
      breaches.body.items
        .filter((b) => b.ticketId === t.id)
        .map((b) => b.level)
        .sort(),
    ).toEqual([1, 2, 3]);

    // A late acknowledgement is still taken; the breach stays on record and the clock closes.
    const unit = await h.unit(LAILONGMEN_OFFICE);
    expect((await h.act(t.id, 'acknowledge', unit)).status).toBe(200);
    const after = await h.get(t.id);
    expect(after.breaches.filter((b) => b.stage === 'acknowledge')).toHaveLength(3);
  });

  it('runs arrival (报到) for urgent whistles with its own clock', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO, priority: 'urgent' });
    expect(t.deadlines.arriveBy).toBeDefined();
    const unit = await h.unit(LAILONGMEN_OFFICE);
    await h.act(t.id, 'acknowledge', unit);
    await h.advanceMinutes(31);
    const late = await h.get(t.id);
    expect(late.breaches.map((b) => b.stage)).toContain('arrive');
    expect((await h.act(t.id, 'arrive', unit)).status).toBe(200);
    expect((await h.act(t.id, 'arrive', unit)).status).toBe(409);
    const resolved = await h.act(t.id, 'resolve', unit, { summary: '现场处置完毕' });
    expect(resolved.body.status).toBe('resolved');
  });
});

describe('joint dispatch (cooperative items)', () => {
  it('gives lead and co units separate clocks; co breaches count against the co unit', async () => {
    const t = await h.create({ dutyItemId: 'di-ebike-corridor-charging', communityId: NANQIAO });
    const lead = t.assignments.find((a) => a.role === 'lead');
    const co = t.assignments.filter((a) => a.role === 'co').map((a) => a.unitId);
    expect(lead?.unitId).toBe(LAILONGMEN_OFFICE);
    expect(co).toEqual(expect.arrayContaining(['u-xfjy', 'u-zjj', 'u-wyzx', 'u-police-lailongmen']));
    const dispatched = (await h.notifications(t.id))
      .filter((n) => n.kind === 'dispatch')
      .map((n) => n.unitId);
    expect(dispatched.sort()).toEqual([LAILONGMEN_OFFICE, ...co].sort());

    expect((await h.act(t.id, 'acknowledge', await h.unit(LAILONGMEN_OFFICE))).body.status).toBe(
      'acknowledged',
    );
    expect((await h.act(t.id, 'acknowledge', await h.unit('u-xfjy'))).status).toBe(200);
    // General class: acknowledge within 1 working day → Tuesday 17:30; let it pass.
    await h.advanceTo('2026-09-29T18:00:00+08:00');
    const now = await h.get(t.id);
    const ackBreaches = now.breaches
      .filter((b) => b.stage === 'acknowledge')
      .map((b) => b.unitId)
      .sort();
    expect(ackBreaches).toEqual(['u-police-lailongmen', 'u-wyzx', 'u-zjj']);
    expect(now.status).toBe('acknowledged');
  });
});

describe('return (退单)', () => {
  it('re-routes a retracted ticket to the next owner when the lead returns it in time', async () => {
    const t = await h.create({ dutyItemId: 'di-gas-leak', communityId: NANQIAO });
    expect(t.assignments.find((a) => a.role === 'lead')?.unitId).toBe('u-gas');
    // Urgent has no return window.
    const refused = await h.act(t.id, 'return', await h.unit('u-gas'), { reason: '非本单位职责' });
    expect(refused.status).toBe(409);

    const s = await h.create({ dutyItemId: 'di-streetlight', communityId: NANQIAO });
    const returned = await h.act(s.id, 'return', await h.unit('u-szwh'), { reason: '路灯属开发商自管' });
    expect(returned.status).toBe(200);
    const lead = returned.body.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
    expect(lead?.unitId).toBe(LAILONGMEN_OFFICE);
    expect(returned.body.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining(['returned', 'rerouted']),
    );
    // The new owner is dispatched by the re-planned workflow.
    const dispatches = (await h.notifications(s.id))
      .filter((n) => n.kind === 'dispatch')
      .map((n) => n.unitId);
    expect(dispatches).toEqual(expect.arrayContaining(['u-szwh', LAILONGMEN_OFFICE]));
    // The returning unit may no longer act on it.
    expect((await h.act(s.id, 'acknowledge', await h.unit('u-szwh'))).status).toBe(403);
    expect((await h.act(s.id, 'acknowledge', await h.unit(LAILONGMEN_OFFICE))).status).toBe(200);
  });

  it('holds a ticket nobody else can own as returned, until a supervisor rules', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    const held = await h.act(t.id, 'return', await h.unit(LAILONGMEN_OFFICE), { reason: '属于其他街道辖区' });
    expect(held.body.status).toBe('returned');
    const supervisor = await h.token({ role: 'supervisor', streetId: LAILONGMEN });
    const ruled = await h.act(t.id, 'ruling', supervisor, { decision: 'assign', unitId: 'u-sfj' });
    expect(ruled.status).toBe(200);
    expect(ruled.body.status).toBe('dispatched');
    const dispatches = (await h.notifications(t.id))
      .filter((n) => n.kind === 'dispatch')
      .map((n) => n.unitId);
    expect(dispatches).toContain('u-sfj');
  });

  it('refuses a return after the return window', async () => {
    const t = await h.create({ dutyItemId: 'di-streetlight', communityId: NANQIAO });
    await h.advanceTo('2026-10-09T09:00:00+08:00'); // past 2 working days (National Day skipped)
    const late = await h.act(t.id, 'return', await h.unit('u-szwh'), { reason: '太晚了' });
    expect(late.status).toBe(409);
  });
});

describe('extension (延期)', () => {
  it('moves the resolve deadline by the working days granted, once', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    const unit = await h.unit(LAILONGMEN_OFFICE);
    await h.act(t.id, 'acknowledge', unit);
    const before = (await h.get(t.id)).deadlines.resolveBy as string;
    const asked = await h.act(t.id, 'extension', unit, { workingDays: 3, reason: '需协调物业' });
    expect(asked.status).toBe(202);
    const supervisor = await h.token({ role: 'supervisor', streetId: LAILONGMEN });
    const approved = await h.act(t.id, 'extension/decision', supervisor, { approve: true });
    expect(approved.status).toBe(200);
    const after = approved.body.deadlines.resolveBy as string;
    expect(Date.parse(after)).toBeGreaterThan(Date.parse(before));
    expect(after).toMatch(/T17:30:00\+08:00$/);
    expect((await h.act(t.id, 'extension', unit, { workingDays: 1, reason: '再延' })).status).toBe(409);
    // Past the original deadline but within the extension: no resolve breach.
    await h.advanceTo(new Date(Date.parse(before) + 3_600_000).toISOString());
    expect((await h.get(t.id)).breaches.filter((b) => b.stage === 'resolve')).toHaveLength(0);
  });
});

describe('feedback, reopen, no verdict', () => {
  it('reopens an unsatisfied ticket to the lead with a later resolve deadline, then closes', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    const unit = await h.unit(LAILONGMEN_OFFICE);
    const reporter = await h.reporter(NANQIAO);
    await h.act(t.id, 'acknowledge', unit);
    const resolved = await h.act(t.id, 'resolve', unit, { summary: '已调解' });
    const firstDeadline = resolved.body.deadlines.resolveBy as string;
    await h.advanceTo('2026-09-29T10:00:00+08:00'); // the verdict comes the next day
    const reopened = await h.act(t.id, 'feedback', reporter, { rating: 'unsatisfied', comment: '问题依旧' });
    expect(reopened.body.status).toBe('reopened');
    expect(reopened.body.reopenCount).toBe(1);
    expect(Date.parse(reopened.body.deadlines.resolveBy as string)).toBeGreaterThan(
      Date.parse(firstDeadline),
    );
    expect(
      (await h.notifications(t.id)).some((n) => n.kind === 'reopen' && n.unitId === LAILONGMEN_OFFICE),
    ).toBe(true);
    expect((await h.act(t.id, 'resolve', unit, { summary: '二次处理' })).body.status).toBe('resolved');
    const closed = await h.act(t.id, 'feedback', reporter, { rating: 'basically_satisfied' });
    expect(closed.body.status).toBe('closed');
    await h.settle();
    expect(h.running(t.id)).toBe(false);
  });

  it('closes as no-verdict when the community stays silent', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    const unit = await h.unit(LAILONGMEN_OFFICE);
    await h.act(t.id, 'acknowledge', unit);
    await h.act(t.id, 'resolve', unit, { summary: '已处理' });
    await h.advanceTo('2026-10-20T09:00:00+08:00');
    const closed = await h.get(t.id);
    expect(closed.status).toBe('closed');
    expect(closed.closeReason).toBe('no_verdict');
    expect(h.running(t.id)).toBe(false);
  });

  it('asks for a ruling after two reopens', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    const unit = await h.unit(LAILONGMEN_OFFICE);
    const reporter = await h.reporter(NANQIAO);
    await h.act(t.id, 'acknowledge', unit);
    for (let i = 0; i < 2; i += 1) {
      await h.act(t.id, 'resolve', unit, { summary: `第${i + 1}次` });
      expect((await h.act(t.id, 'feedback', reporter, { rating: 'unsatisfied' })).body.status).toBe(
        'reopened',
      );
    }
    await h.act(t.id, 'resolve', unit, { summary: '第3次' });
    const third = await h.act(t.id, 'feedback', reporter, { rating: 'unsatisfied' });
    expect(third.body.flags).toContain('needs_ruling');
    const admin = await h.admin();
    const ruled = await h.act(t.id, 'ruling', admin, { decision: 'close', note: '已尽力' });
    expect(ruled.body.status).toBe('closed');
    await h.settle();
    expect(h.running(t.id)).toBe(false);
  });
});

describe('urging, cancel and late actions', () => {
  it('records and notifies an urge, cancels cleanly, and answers late actions with 409', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    const admin = await h.admin();
    const urged = await h.act(t.id, 'urge', admin, { note: '请尽快处理' });
    expect(urged.status).toBe(200);
    expect(urged.body.timeline.some((e) => e.type === 'urged')).toBe(true);
    expect((await h.notifications(t.id)).some((n) => n.kind === 'urge')).toBe(true);

    const reporter = await h.reporter(NANQIAO);
    expect((await h.act(t.id, 'feedback', reporter, { rating: 'satisfied' })).status).toBe(409);
    const unit = await h.unit(LAILONGMEN_OFFICE);
    expect((await h.act(t.id, 'resolve', unit, { summary: '未签收就办结' })).status).toBe(409);

    const cancelled = await h.act(t.id, 'cancel', admin, { reason: '重复工单' });
    expect(cancelled.body.status).toBe('cancelled');
    await h.settle();
    expect(h.running(t.id)).toBe(false);
    expect((await h.act(t.id, 'acknowledge', unit)).status).toBe(409);
  });
});
