/**
 * Configuration as versioned data: admin writes create versions, are validated, and never move an
 * open ticket's deadlines (a policy is the ticket's own); a loaded year file changes the
 * working-day calendar for new deadlines and moves open tickets' instants not yet passed (the
 * calendar is a fact: test/e2e/calendar-publish.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';
import { Harness } from '../helpers/workflow-harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

type Problem = { status: number; detail: string; errors?: { path: string; message: string }[] };

describe('the seeded catalogue', () => {
  it('serves Liling: 5 streets, 23 communities, about 78 units and 60+ duty items of all kinds and classes', async () => {
    h = await Harness.start('2026-09-28T09:00:00+08:00');
    const admin = await h.admin();
    const units = (
      await h.api.call<{ items: { kind: string; streetId?: string }[] }>('GET', '/v1/units', admin)
    ).body.items;
    const communities = (await h.api.call<{ items: { streetId: string }[] }>('GET', '/v1/communities', admin))
      .body.items;
    const items = (
      await h.api.call<{ items: { kind: string; slaClass: string }[] }>('GET', '/v1/duty-items', admin)
    ).body.items;
    expect(units.length).toBeGreaterThanOrEqual(75);
    expect(units.filter((u) => u.kind === 'street')).toHaveLength(5);
    expect(communities).toHaveLength(23);
    expect(new Set(communities.map((c) => c.streetId)).size).toBe(5);
    expect(items.length).toBeGreaterThanOrEqual(60);
    const kinds = items.map((i) => i.kind);
    expect(kinds.filter((k) => k === 'retracted').length).toBeLessThan(
      kinds.filter((k) => k === 'basic').length,
    );
    expect(new Set(items.map((i) => i.slaClass))).toEqual(new Set(['urgent', 'fast', 'general', 'complex']));
  });
});

describe('SLA policy versions', () => {
  it('keeps an open ticket on its policy and gives new tickets the new one', async () => {
    h = await Harness.start('2026-09-28T09:00:00+08:00');
    const admin = await h.admin();
    const before = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    const policies = (
      await h.api.call<{ items: Record<string, unknown>[] }>('GET', '/v1/sla-policies', admin)
    ).body.items;
    const general = policies.find((p) => p.slaClass === 'general') as Record<string, unknown>;
    const { slaClass: _drop, ...rest } = general;
    const put = await h.api.call<{ configVersion: number }>('PUT', '/v1/sla-policies/general', admin, {
      ...rest,
      resolve: { workingDays: 10 },
    });
    expect(put.status).toBe(200);
    expect(put.body.configVersion).toBe(2);

    const after = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    const old = await h.get(before.id);
    expect(old.deadlines.resolveBy).toBe(before.deadlines.resolveBy);
    expect(Date.parse(after.deadlines.resolveBy as string)).toBeGreaterThan(
      Date.parse(before.deadlines.resolveBy as string),
    );
    // Reopening the old ticket still uses its own (5-working-day) policy snapshot.
    const unit = await h.unit(LAILONGMEN_OFFICE);
    await h.act(before.id, 'acknowledge', unit);
    await h.act(before.id, 'resolve', unit, { summary: '已处理' });
    const reopened = await h.act(before.id, 'feedback', await h.reporter(NANQIAO), {
      rating: 'unsatisfied',
    });
    expect(reopened.body.deadlines.resolveBy).toBe(before.deadlines.resolveBy);
  });

  it('rejects a duty item naming a unit that does not exist, with the reason', async () => {
    h = await Harness.start('2026-09-28T09:00:00+08:00');
    const res = await h.api.call<Problem>('PUT', '/v1/duty-items/di-new-thing', await h.admin(), {
      name: '新事项',
      category: '综合',
      kind: 'retracted',
      slaClass: 'general',
      leadUnitId: 'u-does-not-exist',
      coUnitIds: [],
      coFunctions: [],
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.errors)).toContain('u-does-not-exist');
    const ok = await h.api.call('PUT', '/v1/duty-items/di-new-thing', await h.admin(), {
      name: '新事项',
      category: '综合',
      kind: 'retracted',
      slaClass: 'general',
      leadUnitId: 'u-cgj',
      coUnitIds: [],
      coFunctions: [],
    });
    expect(ok.status).toBe(200);
    const t = await h.create({ dutyItemId: 'di-new-thing', communityId: NANQIAO });
    expect(t.assignments.find((a) => a.role === 'lead')?.unitId).toBe('u-cgj');
  });
});

describe('the working-day calendar', () => {
  it('honours 2026 holidays and make-up days, and a 2027 year file loaded by an admin', async () => {
    h = await Harness.start('2026-09-30T10:00:00+08:00');
    const national = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    expect(national.deadlines.acknowledgeBy).toBe('2026-10-08T17:30:00+08:00');

    await h.advanceTo('2026-12-31T10:00:00+08:00');
    const unknownYear = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    // chinese-days does not know 2027: New Year's Day reads as a plain Friday.
    expect(unknownYear.deadlines.acknowledgeBy).toBe('2027-01-01T17:30:00+08:00');

    const admin = await h.admin();
    const bad = await h.api.call<Problem>('PUT', '/v1/calendar/2027', admin, {
      holidays: ['2026-01-01'],
      workdays: [],
    });
    expect(bad.status).toBe(400);
    const year = await h.api.call('PUT', '/v1/calendar/2027', admin, {
      holidays: ['2027-01-01', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11'],
      workdays: ['2027-02-14'],
      source: '国务院办公厅关于2027年部分节假日安排的通知',
    });
    expect(year.status).toBe(200);
    const loaded = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    expect(loaded.deadlines.acknowledgeBy).toBe('2027-01-04T17:30:00+08:00');
    // The ticket raised before the notice moves with it (nothing of it had passed yet).
    expect((await h.get(unknownYear.id)).deadlines.acknowledgeBy).toBe('2027-01-04T17:30:00+08:00');
    const cal = await h.api.call<{ source: string; holidays: string[]; workdays: string[] }>(
      'GET',
      '/v1/calendar/2027',
      admin,
    );
    expect(cal.body.source).toBe('file');
    expect(cal.body.workdays).toContain('2027-02-14');
  });
});
