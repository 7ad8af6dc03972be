/**
 * The skeleton's acceptance: an unacknowledged urgent ticket escalates within seconds at
 * WHISTLE_TIME_SCALE=3600, and a restart on the same data directory keeps every ticket and clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';
import { bootRuntime } from '../helpers/runtime';
import { Harness, type TicketView } from '../helpers/workflow-harness';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('escalation at a fast simulated clock', () => {
  it('breaches an unacknowledged urgent ticket within 5 real seconds and lists the breach', async () => {
    const { rt, api } = await bootRuntime({ timeScale: 3600, backoffMs: [0] });
    try {
      const reporter = await api.token({ role: 'reporter', communityId: NANQIAO });
      const admin = await api.token({ role: 'admin' });
      const created = await api.call<TicketView>('POST', '/v1/tickets', reporter, {
        dutyItemId: NEIGHBOR_DISPUTE,
        communityId: NANQIAO,
        title: '楼道起火隐患',
        description: '楼道电线老化冒烟',
        channel: 'hotline',
        priority: 'urgent',
      });
      expect(created.status).toBe(201);
      const started = Date.now();
      const breached = await api.until(
        () => api.call<TicketView>('GET', `/v1/tickets/${created.body.id}`, admin),
        (r) => r.body.escalationLevel >= 1 && r.body.breaches.some((b) => b.stage === 'acknowledge'),
        5_000,
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(breached.body.breaches[0]).toMatchObject({
        stage: 'acknowledge',
        level: 1,
        unitId: LAILONGMEN_OFFICE,
      });
      const list = await api.call<{ items: { ticketId: string; stage: string }[] }>(
        'GET',
        '/v1/breaches',
        admin,
      );
      expect(list.body.items.some((b) => b.ticketId === created.body.id && b.stage === 'acknowledge')).toBe(
        true,
      );
    } finally {
      await rt.stop();
    }
  });
});

describe('restart on the same data directory', () => {
  it('keeps every ticket, re-attaches open clocks and breaches what fell due while down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whistle-restart-'));
    dirs.push(dir);
    const first = await Harness.start('2026-09-28T09:00:00+08:00', { dataDir: dir });
    const urgent = await first.create({
      dutyItemId: NEIGHBOR_DISPUTE,
      communityId: NANQIAO,
      priority: 'urgent',
    });
    const general = await first.create({ dutyItemId: 'di-streetlight', communityId: NANQIAO });
    const done = await first.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    await first.act(done.id, 'cancel', await first.admin(), { reason: '重复' });
    await first.stop();

    // 40 simulated minutes later: the urgent ticket's 30-minute acknowledge deadline passed while down.
    const second = await Harness.start('2026-09-28T09:40:00+08:00', { dataDir: dir });
    try {
      expect(second.rt.resumed).toBe(2);
      const list = await second.api.call<{ items: TicketView[] }>(
        'GET',
        '/v1/tickets?limit=100',
        await second.admin(),
      );
      expect(list.body.items.map((t) => t.id).sort()).toEqual([urgent.id, general.id, done.id].sort());
      const u = await second.get(urgent.id);
      // Both 30-minute clocks of the urgent whistle (acknowledge and arrive) fell due while down.
      expect(u.breaches.map((b) => [b.stage, b.level]).sort()).toEqual([
        ['acknowledge', 1],
        ['arrive', 1],
      ]);
      expect(second.running(urgent.id)).toBe(true);
      expect((await second.get(general.id)).breaches).toHaveLength(0);
      // The re-attached workflow still takes actions: acknowledge and resolve the general ticket.
      const unit = await second.unit('u-szwh');
      expect((await second.act(general.id, 'acknowledge', unit)).status).toBe(200);
      // Notifications are not sent twice on resume.
      const dispatches = (await second.notifications(general.id)).filter((n) => n.kind === 'dispatch');
      expect(dispatches).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
