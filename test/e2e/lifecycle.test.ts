import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import type { ApiClient } from '../helpers/api-client';
import { LAILONGMEN_OFFICE, NANQIAO } from '../helpers/fixtures';
import { bootRuntime } from '../helpers/runtime';

type Ticket = {
  id: string;
  status: string;
  assignments: { unitId: string; role: string; status: string }[];
  deadlines: Record<string, string>;
  escalationLevel: number;
  breaches: { stage: string; level: number }[];
  timeline: { type: string }[];
};

describe('embedded runtime: a ticket through its whole life over HTTP', () => {
  let rt: Runtime;
  let api: ApiClient;

  beforeAll(async () => {
    ({ rt, api } = await bootRuntime());
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('goes received → dispatched → acknowledged → resolved → closed', async () => {
    const reporter = await api.token({ role: 'reporter', communityId: NANQIAO, sub: 'grid-worker-1' });
    const items = await api.call<{ items: { id: string; kind: string; slaClass: string }[] }>(
      'GET',
      '/v1/duty-items',
      reporter,
    );
    const basic = items.body.items.find((i) => i.kind === 'basic' && i.slaClass === 'general');
    expect(basic).toBeDefined();

    const created = await api.call<Ticket>('POST', '/v1/tickets', reporter, {
      dutyItemId: basic?.id,
      communityId: NANQIAO,
      title: '楼道堆放杂物',
      description: '3栋2单元楼道堆满杂物，影响通行',
      channel: 'grid',
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const lead = created.body.assignments.find((a) => a.role === 'lead');
    expect(lead?.unitId).toBe(LAILONGMEN_OFFICE);
    expect(created.body.deadlines.acknowledgeBy).toMatch(/17:30:00\+08:00$/);

    const admin = await api.token({ role: 'admin' });
    await api.until(
      () => api.call<Ticket>('GET', `/v1/tickets/${id}`, admin),
      (r) => r.body.status === 'dispatched',
    );

    const unit = await api.token({ role: 'unit', unitId: LAILONGMEN_OFFICE });
    const acked = await api.call<Ticket>('POST', `/v1/tickets/${id}/acknowledge`, unit);
    expect(acked.status).toBe(200);
    expect(acked.body.status).toBe('acknowledged');
    const again = await api.call<{ status: number; title: string }>(
      'POST',
      `/v1/tickets/${id}/acknowledge`,
      unit,
    );
    expect(again.status).toBe(409);

    const resolved = await api.call<Ticket>('POST', `/v1/tickets/${id}/resolve`, unit, { summary: '已清理' });
    expect(resolved.status).toBe(200);
    expect(resolved.body.status).toBe('resolved');

    // The community is asked for the verdict once the workflow reaches the feedback wait.
    await api.until(
      () => api.call<{ items: { kind: string }[] }>('GET', `/v1/notifications?ticketId=${id}`, admin),
      (r) => r.body.items.some((n) => n.kind === 'feedback_request'),
    );
    const verdict = await api.call<Ticket>('POST', `/v1/tickets/${id}/feedback`, reporter, {
      rating: 'satisfied',
    });
    expect(verdict.status).toBe(200);
    expect(verdict.body.status).toBe('closed');
    await api.until(
      async () => rt.workflow.isRunning(id),
      (running) => !running,
    );
    const notes = await api.call<{ items: { kind: string; channel: string }[] }>(
      'GET',
      `/v1/notifications?ticketId=${id}`,
      admin,
    );
    expect(
      notes.body.items
        .filter((n) => n.kind === 'dispatch')
        .map((n) => n.channel)
        .sort(),
    ).toEqual(['email', 'sms']);
    const types = (await api.call<Ticket>('GET', `/v1/tickets/${id}`, admin)).body.timeline.map(
      (e) => e.type,
    );
    expect(types).toEqual(
      expect.arrayContaining(['created', 'dispatched', 'acknowledged', 'resolved', 'feedback', 'closed']),
    );
  });
});
