/**
 * The embedded runtime's outbox: the real lifecycle (ASL on the local engine, a manual clock) sends
 * a ticket's dispatch, warning and escalations; the outbox prints exactly the messages recorded in
 * GET /v1/notifications, one line each, all `sent`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrintingOutbox } from '../../infra/local/outbox';
import type { Runtime } from '../../infra/local/runtime';
import { ManualClock } from '../../infra/local/sim-clock';
import type { ApiClient } from '../helpers/api-client';
import { NANQIAO } from '../helpers/fixtures';
import { bootRuntime } from '../helpers/runtime';

interface Row {
  ticketId: string;
  unitId?: string;
  channel: 'sms' | 'email';
  to: string;
  subject?: string;
  text: string;
  kind: string;
  status: string;
}

describe('embedded runtime outbox', () => {
  const lines: string[] = [];
  const clock = new ManualClock(Date.parse('2026-05-11T09:00:00+08:00'));
  let rt: Runtime;
  let api: ApiClient;

  beforeAll(async () => {
    ({ rt, api } = await bootRuntime({
      clock,
      notifier: new PrintingOutbox((line) => lines.push(line)),
    }));
  });
  afterAll(async () => {
    await rt?.stop();
  });

  const settle = async () => {
    await rt.workflow.settled();
    await rt.outbox.drained();
  };

  it('prints every recorded message once, as it would have been sent', async () => {
    const reporter = await api.token({ role: 'reporter', communityId: NANQIAO });
    const admin = await api.token({ role: 'admin' });
    const created = await api.call<{ id: string; deadlines: { acknowledgeBy: string } }>(
      'POST',
      '/v1/tickets',
      reporter,
      {
        dutyItemId: 'di-streetlight',
        communityId: NANQIAO,
        title: '路灯不亮',
        description: '建设路12号门口路灯连续三晚不亮',
        channel: 'grid',
      },
    );
    expect(created.status).toBe(201);
    await settle();
    // Past the acknowledge deadline by two working days: warning, level 1, level 2 fire on the way.
    await clock.advanceTo(
      new Date(Date.parse(created.body.deadlines.acknowledgeBy) + 3 * 86_400_000),
      settle,
    );

    const res = await api.call<{ items: Row[] }>(
      'GET',
      `/v1/notifications?ticketId=${created.body.id}`,
      admin,
    );
    expect(res.status).toBe(200);
    const rows = res.body.items;
    const kinds = new Set(rows.map((r) => r.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['dispatch', 'warning', 'escalation']));
    expect(rows.every((r) => r.status === 'sent')).toBe(true);

    const ours = lines.filter((l) => rows.some((r) => l.includes(r.to)));
    expect(ours).toHaveLength(rows.length);
    // Two rows may read alike (the acknowledge and resolve clocks both warn): count per message.
    const key = (channel: string, kind: string, to: string, shown: string) =>
      `${channel}|${kind}|${to}|${shown}`;
    // An admin reads that a link was sent, never the live link (only its recipient does):
    // compare both sides with every link reduced to the same marker.
    const unlinked = (text: string) =>
      text
        .replace(/\[链接 [^\]]+\]/g, '<link>')
        .replace(/(?:https?:\/\/)?[^\s/]+\/l\/[0-9A-Za-z]+/g, '<link>');
    const expected = new Map<string, number>();
    for (const r of rows) {
      const shown = unlinked((r.channel === 'email' ? (r.subject ?? '') : r.text).replace(/\s+/g, ' '));
      const k = key(r.channel, r.kind, r.to, shown);
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    for (const [k, count] of expected) {
      const [channel, kind, to, shown] = k.split('|') as [string, string, string, string];
      const printed = ours.filter(
        (l) =>
          l.startsWith(`[outbox] ${channel}`) &&
          l.includes(` ${kind} `) &&
          l.includes(`→ ${to}`) &&
          unlinked(l).includes(shown),
      );
      expect(printed, k).toHaveLength(count);
    }
  });
});
