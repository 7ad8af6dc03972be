/**
 * Whistles from a phone (issue 20) on the embedded runtime: a description routed by a confident
 * suggestion, a description that matches nothing waiting in its street's triage queue until a
 * dispatcher confirms it, the triage deadline breaching like any stage, concurrent confirms, a
 * reporter joining a similar ticket, and a merge closing a duplicate through the workflow.
 */
import { describe, expect, it } from 'vitest';
import { LAILONGMEN, LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';
import { bootRuntime } from '../helpers/runtime';
import { Harness, type TicketView } from '../helpers/workflow-harness';

interface Triaged extends TicketView {
  dutyItemId?: string;
  triage?: { suggestions: { dutyItemId: string }[]; confirmedBy?: string };
  clocks: { stage: string; unitId?: string; dueAt: string; doneAt?: string }[];
  joinedReporters?: { by: string; phone?: string }[];
  duplicateOf?: string;
}

const NOTHING = '院子里那个东西又坏了，大家都说不清楚是谁的';
const EBIKE = '3栋楼道里有人给电瓶车充电，很危险';

describe('triage on the embedded runtime', () => {
  it('dispatches a chosen suggestion as today, and queues a description that matches nothing until a dispatcher confirms', async () => {
    // Monday 09:00 in office hours: the triage clock counts office minutes.
    const h = await Harness.start('2026-09-28T09:00:00+08:00');
    try {
      const reporter = await h.reporter(NANQIAO);
      const dispatcher = await h.token({ role: 'dispatcher', streetId: LAILONGMEN, sub: 'disp-1' });
      // The acceptance: the e-bike item is among the first three, and choosing it dispatches as today.
      const suggested = await h.api.call<{ items: { dutyItemId: string }[] }>(
        'GET',
        `/v1/duty-items?q=${encodeURIComponent(EBIKE)}`,
        reporter,
      );
      expect(suggested.body.items.slice(0, 3).map((i) => i.dutyItemId)).toContain(
        'di-ebike-corridor-charging',
      );
      const routed = await h.api.call<Triaged>('POST', '/v1/tickets', reporter, {
        communityId: NANQIAO,
        dutyItemId: 'di-ebike-corridor-charging',
        description: EBIKE,
        channel: 'grid',
      });
      expect(routed.status).toBe(201);
      expect(routed.body.status).toBe('received');
      await h.settle();
      expect((await h.get(routed.body.id)).status).toBe('dispatched');

      const raised = await h.api.call<Triaged>('POST', '/v1/tickets', reporter, {
        communityId: NANQIAO,
        description: NOTHING,
        channel: 'market_day',
      });
      expect(raised.status).toBe(201);
      expect(raised.body.status).toBe('triage');
      expect(raised.body.dutyItemId).toBeUndefined();
      expect(raised.body.assignments).toEqual([]);
      const clock = raised.body.clocks.find((c) => c.stage === 'triage');
      expect(clock).toMatchObject({ unitId: LAILONGMEN_OFFICE, dueAt: '2026-09-28T09:30:00+08:00' });
      await h.settle();

      const queue = await h.api.call<{ items: Triaged[] }>('GET', '/v1/triage', dispatcher);
      expect(queue.status).toBe(200);
      expect(queue.body.items.map((t) => t.id)).toEqual([raised.body.id]);
      // Routing starts only after the confirm: no unit heard of it.
      expect(
        (await h.notifications(raised.body.id)).filter(
          (n) => n.kind === 'dispatch' && n.unitId !== LAILONGMEN_OFFICE,
        ),
      ).toEqual([]);

      const confirmed = await h.act(raised.body.id, 'triage', dispatcher, { dutyItemId: NEIGHBOR_DISPUTE });
      expect(confirmed.status).toBe(200);
      const after = (await h.get(raised.body.id)) as Triaged;
      expect(after.status).toBe('dispatched');
      expect(after.dutyItemId).toBe(NEIGHBOR_DISPUTE);
      expect(after.assignments[0]).toMatchObject({ unitId: LAILONGMEN_OFFICE, role: 'lead' });
      expect(after.clocks.find((c) => c.stage === 'triage')?.doneAt).toBeDefined();
      expect(after.triage?.confirmedBy).toBe('dispatcher:disp-1');
      expect((await h.api.call<{ items: Triaged[] }>('GET', '/v1/triage', dispatcher)).body.items).toEqual(
        [],
      );

      // A dispatcher of another street sees none of it; a reporter may not triage.
      const other = await h.token({ role: 'dispatcher', streetId: 'st-xishan' });
      const nope = await h.api.call('POST', '/v1/tickets', reporter, {
        communityId: NANQIAO,
        description: NOTHING,
        channel: 'grid',
      });
      expect(
        (
          await h.api.call('POST', `/v1/tickets/${(nope.body as unknown as Triaged).id}/triage`, other, {
            dutyItemId: NEIGHBOR_DISPUTE,
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await h.api.call('POST', `/v1/tickets/${(nope.body as unknown as Triaged).id}/triage`, reporter, {
            dutyItemId: NEIGHBOR_DISPUTE,
          })
        ).status,
      ).toBe(403);
      await h.settle();
    } finally {
      await h.stop();
    }
  });

  it('lets one of two concurrent confirms win: one 200, one 409', async () => {
    const h = await Harness.start('2026-09-28T09:00:00+08:00');
    try {
      const raised = await h.create({
        communityId: NANQIAO,
        dutyItemId: undefined,
        title: '说不清',
        description: NOTHING,
      });
      expect(raised.status).toBe('triage');
      const a = await h.token({ role: 'dispatcher', streetId: LAILONGMEN, sub: 'a' });
      const b = await h.token({ role: 'dispatcher', streetId: LAILONGMEN, sub: 'b' });
      const [r1, r2] = await Promise.all([
        h.api.call('POST', `/v1/tickets/${raised.id}/triage`, a, { dutyItemId: NEIGHBOR_DISPUTE }),
        h.api.call('POST', `/v1/tickets/${raised.id}/triage`, b, { dutyItemId: 'di-streetlight' }),
      ]);
      expect([r1.status, r2.status].sort()).toEqual([200, 409]);
      await h.settle();
      const t = (await h.get(raised.id)) as Triaged;
      expect(t.timeline.filter((e) => e.type === 'triaged')).toHaveLength(1);
      expect(t.status).toBe('dispatched');
    } finally {
      await h.stop();
    }
  });

  it('lets a reporter join a similar open ticket, idempotently, and tells joined reporters at closure', async () => {
    const h = await Harness.start('2026-09-28T09:00:00+08:00');
    try {
      const first = await h.create({
        communityId: NANQIAO,
        dutyItemId: 'di-ebike-corridor-charging',
        title: '电瓶车充电',
        description: EBIKE,
      });
      const neighbour = await h.token({ role: 'reporter', communityId: NANQIAO, sub: 'neighbour' });
      const similar = await h.api.call<{ items: { id: string; score: number }[] }>(
        'GET',
        `/v1/tickets/similar?communityId=${NANQIAO}&q=${encodeURIComponent('楼道里电瓶车在充电')}`,
        neighbour,
      );
      expect(similar.status).toBe(200);
      expect(similar.body.items[0]?.id).toBe(first.id);
      const joined = await h.act(first.id, 'join', neighbour, { phone: '+8613800000001' });
      expect(joined.status).toBe(200);
      const again = await h.act(first.id, 'join', neighbour, { phone: '+8613800000001' });
      expect(again.status).toBe(200);
      const t = (await h.get(first.id)) as Triaged;
      expect(t.joinedReporters).toHaveLength(1);
      // Another community's reporter cannot see it to join it.
      const stranger = await h.token({ role: 'reporter', communityId: 'cm-xishan', sub: 'x' });
      expect((await h.act(first.id, 'join', stranger, {})).status).toBe(404);

      // Closed by an admin's cancel? No: closure is the verdict. Resolve and rate it.
      const office = await h.unit(first.assignments[0]?.unitId ?? LAILONGMEN_OFFICE);
      await h.act(first.id, 'acknowledge', office);
      await h.act(first.id, 'resolve', office, { summary: '已清理' });
      await h.act(first.id, 'feedback', await h.reporter(NANQIAO), { rating: 'satisfied' });
      expect((await h.get(first.id)).status).toBe('closed');
      const closure = (await h.notifications(first.id)).filter((n) => n.kind === 'closure');
      expect(closure).toHaveLength(1);
      expect(closure[0]?.messages[0]).toMatchObject({ channel: 'sms', to: '+8613800000001' });
    } finally {
      await h.stop();
    }
  });

  it('merges a duplicate: it closes through the workflow and its reporter joins the other', async () => {
    const h = await Harness.start('2026-09-28T09:00:00+08:00');
    try {
      const keep = await h.create({ communityId: NANQIAO, dutyItemId: NEIGHBOR_DISPUTE, description: EBIKE });
      const dup = await h.create({
        communityId: NANQIAO,
        dutyItemId: NEIGHBOR_DISPUTE,
        description: EBIKE,
        reporter: { name: '王阿姨', phone: '+8613800000002' },
      });
      const dispatcher = await h.token({ role: 'dispatcher', streetId: LAILONGMEN });
      const merged = await h.act(dup.id, 'merge', dispatcher, { into: keep.id });
      expect(merged.status).toBe(200);
      const closed = (await h.get(dup.id)) as Triaged;
      expect(closed).toMatchObject({ status: 'closed', closeReason: 'duplicate', duplicateOf: keep.id });
      expect(h.running(dup.id)).toBe(false);
      const kept = (await h.get(keep.id)) as Triaged;
      expect(kept.joinedReporters?.map((r) => r.by)).toEqual([`ticket:${dup.id}`]);
      expect((await h.act(dup.id, 'merge', dispatcher, { into: keep.id })).status).toBe(409);
      expect((await h.act(keep.id, 'merge', await h.reporter(NANQIAO), { into: dup.id })).status).toBe(403);
    } finally {
      await h.stop();
    }
  });
});

describe('the triage deadline at a fast simulated clock', () => {
  it('warns and breaches a whistle nobody triages, against the street office, and the audit sees its clock', async () => {
    const { rt, api } = await bootRuntime({
      timeScale: 3600,
      clockStart: '2026-09-28T10:00:00+08:00',
      backoffMs: [0],
    });
    try {
      const reporter = await api.token({ role: 'reporter', communityId: NANQIAO });
      const admin = await api.token({ role: 'admin' });
      const created = await api.call<Triaged>('POST', '/v1/tickets', reporter, {
        communityId: NANQIAO,
        description: NOTHING,
        channel: 'night_patrol',
      });
      expect(created.body.status).toBe('triage');
      const breached = await api.until(
        () => api.call<Triaged>('GET', `/v1/tickets/${created.body.id}`, admin),
        (r) => r.body.breaches.some((b) => b.stage === 'triage' && b.level === 1),
        10_000,
      );
      expect(breached.body.breaches[0]).toMatchObject({
        stage: 'triage',
        unitId: LAILONGMEN_OFFICE,
        level: 1,
      });
      expect(breached.body.timeline.some((e) => e.type === 'warning')).toBe(true);
      expect(breached.body.status).toBe('triage');
      const list = await api.call<{ items: { ticketId: string; stage: string; streetId: string }[] }>(
        'GET',
        '/v1/breaches',
        admin,
      );
      expect(list.body.items.find((b) => b.ticketId === created.body.id)).toMatchObject({
        stage: 'triage',
        streetId: LAILONGMEN,
      });
      const audit = await rt.watchdog.audit();
      expect(audit.stranded).toBe(0);
    } finally {
      await rt.stop();
    }
  });
});

describe('the phone page', () => {
  it('serves /w in Chinese and English with a hash-only script policy', async () => {
    const { rt } = await bootRuntime();
    try {
      const zh = await fetch(`${rt.url}/w`);
      expect(zh.status).toBe(200);
      const page = await zh.text();
      expect(page).toContain('吹哨上报');
      expect(zh.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
      expect(await (await fetch(`${rt.url}/w?lang=en`)).text()).toContain('Blow the whistle');
    } finally {
      await rt.stop();
    }
  });
});
