/**
 * 改派 on the real ASL: a late ticket handed to another unit of the street. The old lead's clocks
 * stop, the new lead is dispatched by the workflow, and its own clocks run and breach at its own
 * deadline, counted from the reassignment.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LAILONGMEN, LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';
import { Harness } from '../helpers/workflow-harness';

const MONDAY_9AM = '2026-09-28T09:00:00+08:00';
const OFFICE = LAILONGMEN_OFFICE;
const POLICE = 'u-police-lailongmen';
const MINUTE = 60_000;

let h: Harness;
beforeEach(async () => {
  h = await Harness.start(MONDAY_9AM);
});
afterEach(async () => {
  await h.stop();
});

describe('reassign (改派)', () => {
  it('hands a late ticket to a unit of the street, which is dispatched and runs its own clocks', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO, priority: 'urgent' });
    await h.advanceMinutes(31); // the office missed its 30-minute acknowledge deadline
    const ack = (b: { stage: string }) => b.stage === 'acknowledge';
    expect((await h.get(t.id)).breaches.filter(ack)).toEqual([
      expect.objectContaining({ unitId: OFFICE, level: 1 }),
    ]);

    const supervisor = await h.token({ role: 'supervisor', streetId: LAILONGMEN });
    const res = await h.act(t.id, 'reassign', supervisor, {
      unitId: POLICE,
      reason: '街道未签收，改由派出所处置',
    });
    expect(res.status).toBe(200);
    const reassignedAt = h.clock.now().getTime();
    const after = await h.get(t.id);
    const lead = after.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
    expect(lead?.unitId).toBe(POLICE);
    expect(after.escalationLevel).toBe(0);
    expect(after.timeline.some((e) => e.type === 'reassigned' && e.unitId === POLICE)).toBe(true);
    // The new lead's acknowledge deadline runs from the reassignment, not from the ticket's creation.
    expect(Date.parse(after.deadlines.acknowledgeBy ?? '')).toBe(reassignedAt + 30 * MINUTE);

    const dispatches = (await h.notifications(t.id)).filter((n) => n.kind === 'dispatch');
    expect(dispatches.map((n) => n.unitId)).toEqual(expect.arrayContaining([OFFICE, POLICE]));

    await h.advanceMinutes(29);
    expect((await h.get(t.id)).breaches.filter((b) => b.unitId === POLICE)).toEqual([]);
    await h.advanceMinutes(2);
    const late = await h.get(t.id);
    expect(late.breaches.filter((b) => ack(b) && b.unitId === POLICE)).toEqual([
      expect.objectContaining({
        stage: 'acknowledge',
        level: 1,
        breachedAt: after.deadlines.acknowledgeBy,
      }),
    ]);
    // The old lead's clock stopped at the reassignment: it never reached level 2.
    expect(late.breaches.filter((b) => ack(b) && b.unitId === OFFICE).map((b) => b.level)).toEqual([1]);

    // The new lead works it to the end through the same actions.
    const police = await h.unit(POLICE);
    expect((await h.act(t.id, 'acknowledge', police)).status).toBe(200);
    expect((await h.act(t.id, 'acknowledge', await h.unit(OFFICE))).status).toBe(403);
  });

  it('keeps supervisors within their street and to units that serve it', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    const other = await h.token({ role: 'supervisor', streetId: 'st-xishan' });
    // Another street's supervisor does not see the ticket at all.
    expect((await h.act(t.id, 'reassign', other, { unitId: POLICE, reason: '改派' })).status).toBe(404);
    const own = await h.token({ role: 'supervisor', streetId: LAILONGMEN });
    const foreign = await h.act(t.id, 'reassign', own, { unitId: 'u-police-xishan', reason: '改派' });
    expect(foreign.status).toBe(400);
    expect(JSON.stringify(foreign.body)).toContain('unitId');
    const same = await h.act(t.id, 'reassign', own, { unitId: OFFICE, reason: '改派' });
    expect(same.status).toBe(409);
    const unit = await h.unit(OFFICE);
    expect((await h.act(t.id, 'reassign', unit, { unitId: POLICE, reason: '改派' })).status).toBe(403);
  });
});
