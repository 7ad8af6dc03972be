/**
 * The table holds what shared/adapters/table-design.ts says it holds. Tickets live their lives on
 * the embedded runtime (an urgent cooperative one that breaches and escalates, one filed twice
 * under the same Idempotency-Key, one waiting on an extension, one resolved with a photo, rated
 * and closed); then every item
 * in the table is matched against `itemKinds`, every index key against `indexKeys`, and every
 * kind this life writes must have been seen. An item the code writes that the design does not
 * name, or a design entry nothing writes, fails here.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLE } from '../../infra/local/store-server';
import { indexKeys, itemKinds } from '../../shared/adapters/table-design';
import { LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';
import { Harness } from '../helpers/workflow-harness';

const MONDAY_9AM = '2026-09-28T09:00:00+08:00';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** Kinds a ticket's life on the embedded runtime does not write (and why). */
const notInThisLife: Record<string, string> = {
  'SMS spend': 'written when a mainland gateway sends (channels configured), not by the printing outbox',
  'receipt index': 'written when a mainland gateway accepts a message',
};

let h: Harness;
let items: Record<string, unknown>[] = [];

beforeAll(async () => {
  h = await Harness.start(MONDAY_9AM);
  const reporter = await h.reporter(NANQIAO);
  const office = await h.unit(LAILONGMEN_OFFICE);
  // Urgent and cooperative: co-unit entries, breaches, escalation (attention marker).
  await h.create({ dutyItemId: 'di-falling-object-risk', communityId: NANQIAO, priority: 'urgent' });
  // Filed twice with one key: still one ticket.
  for (let i = 0; i < 2; i += 1) {
    const res = await h.api.call(
      'POST',
      '/v1/tickets',
      reporter,
      {
        dutyItemId: NEIGHBOR_DISPUTE,
        communityId: NANQIAO,
        title: '楼道堆放杂物',
        description: '3栋2单元楼道堆满杂物',
        channel: 'grid',
      },
      { 'idempotency-key': 'table-design-1' },
    );
    expect([200, 201]).toContain(res.status);
  }
  // Waiting for a supervisor's decision on an extension: the attention marker.
  const waiting = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
  await h.act(waiting.id, 'acknowledge', office);
  const asked = await h.act(waiting.id, 'extension', office, { workingDays: 3, reason: '等待物业检测报告' });
  expect(asked.status).toBe(202);
  // Resolved with a photo, rated and closed.
  const calm = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
  await h.act(calm.id, 'acknowledge', office);
  const upload = await h.api.call<{ url: string }>('POST', `/v1/tickets/${calm.id}/evidence`, office, {
    contentType: 'image/png',
    size: PNG.length,
    data: PNG.toString('base64'),
  });
  expect(upload.status).toBe(201);
  await h.act(calm.id, 'resolve', office, { summary: '已清理', evidence: [upload.body.url] });
  await h.act(calm.id, 'feedback', reporter, { rating: 'satisfied' });
  await h.advanceMinutes(180);
  await h.settle();
  const out = await h.rt.store.client.send(new ScanCommand({ TableName: LOCAL_TABLE }));
  items = (out.Items ?? []).map((i) => unmarshall(i));
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

describe('the table design matches what the code writes', () => {
  it('names every item in the table', () => {
    const unknown = items
      .filter((i) => !itemKinds.some((k) => k.pk.test(String(i.pk)) && k.sk.test(String(i.sk))))
      .map((i) => `${i.pk} / ${i.sk}`);
    expect(unknown).toEqual([]);
  });

  it('names every index key in the table', () => {
    const wrong: string[] = [];
    for (const i of items) {
      for (const [attr, pattern] of Object.entries(indexKeys)) {
        if (i[attr] !== undefined && !pattern.test(String(i[attr])))
          wrong.push(`${i.pk} / ${i.sk}: ${attr}=${i[attr]}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('writes every kind it names (but those a gateway writes)', () => {
    const seen = new Set<string>(
      items.flatMap((i) =>
        itemKinds.filter((k) => k.pk.test(String(i.pk)) && k.sk.test(String(i.sk))).map((k) => k.kind),
      ),
    );
    const missing = itemKinds.map((k) => k.kind as string).filter((k) => !seen.has(k) && !notInThisLife[k]);
    expect(missing).toEqual([]);
  });
});
