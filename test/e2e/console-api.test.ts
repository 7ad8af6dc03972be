/**
 * The API behind the console's weekly-meeting features (issue 22), over HTTP on the real ASL with
 * a ManualClock: ticket search by code and the new list filters, breach summaries over the whole
 * filtered set, "waiting for me", the streets' league table, exports that match the summaries,
 * and a signed-in unit's resolution photo. Every JSON answer is held to the OpenAPI document.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../functions/api/openapi';
import {
  LAILONGMEN,
  LAILONGMEN_OFFICE,
  NANQIAO,
  NEIGHBOR_DISPUTE,
  XISHAN,
  XISHAN_OFFICE,
} from '../helpers/fixtures';
import { DocumentedResponses } from '../helpers/openapi-responses';
import { Harness, type TicketView } from '../helpers/workflow-harness';

const MONDAY_9AM = '2026-09-28T09:00:00+08:00';
const OFFICE = LAILONGMEN_OFFICE;
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

let h: Harness;
let docs: DocumentedResponses;
let late: TicketView;
let other: TicketView;
let calm: TicketView;

async function get<T>(path: string, token: string, status = 200): Promise<T> {
  const res = await h.api.call<T>('GET', path, token);
  expect(res.status, `${path}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(status);
  const route = path.split('?')[0] as string;
  if (res.headers.get('content-type')?.includes('json')) docs.check('GET', route, status, res.body);
  return res.body;
}

beforeAll(async () => {
  h = await Harness.start(MONDAY_9AM);
  docs = new DocumentedResponses(buildOpenApi({ local: true }));
  late = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO, priority: 'urgent' });
  other = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: XISHAN, priority: 'urgent' });
  calm = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
  await h.advanceMinutes(65); // both urgent tickets: acknowledge and arrive late, level 2 reached
});
afterAll(async () => {
  await h?.stop();
});

describe('ticket search and filters', () => {
  it('finds a ticket by its code from anywhere in scope, and nothing outside it', async () => {
    const admin = await h.admin();
    const spaced = `${late.code.slice(0, 4).toLowerCase()} ${late.code.slice(4)}`;
    const found = await get<{ items: TicketView[] }>(`/v1/tickets?code=${encodeURIComponent(spaced)}`, admin);
    expect(found.items.map((t) => t.id)).toEqual([late.id]);
    const xishan = await h.token({ role: 'supervisor', streetId: 'st-xishan' });
    expect((await get<{ items: unknown[] }>(`/v1/tickets?code=${late.code}`, xishan)).items).toEqual([]);
    // The other filters still apply to a code.
    expect(
      (await get<{ items: unknown[] }>(`/v1/tickets?code=${late.code}&slaClass=general`, admin)).items,
    ).toEqual([]);
    const bad = await h.api.call<{ errors: { path: string }[] }>('GET', '/v1/tickets?code=XYZ', admin);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.path).toBe('code');
  });

  it('filters by SLA class, escalation level and creation date', async () => {
    const admin = await h.admin();
    const urgent = await get<{ items: TicketView[] }>('/v1/tickets?slaClass=urgent', admin);
    expect(urgent.items.map((t) => t.id).sort()).toEqual([late.id, other.id].sort());
    const l2 = await get<{ items: TicketView[] }>('/v1/tickets?level=2&streetId=st-lailongmen', admin);
    expect(l2.items.map((t) => t.id)).toEqual([late.id]);
    const today = await get<{ items: TicketView[] }>('/v1/tickets?from=2026-09-28&to=2026-09-28', admin);
    expect(today.items).toHaveLength(3);
    expect((await get<{ items: unknown[] }>('/v1/tickets?from=2026-09-29', admin)).items).toEqual([]);
  });
});

describe('breach summary', () => {
  it('counts late stages, tickets and units over the whole set, per street, within a supervisor’s street', async () => {
    const admin = await h.admin();
    type Summary = {
      totals: { rows: number; lateStages: number; tickets: number; units: number; open: number };
      byStreet: { streetId: string; tickets: number; lateStages: number }[];
      byUnit: { unitId: string; lateStages: number; maxLevel: number }[];
      byTicket: { ticketId: string; maxLevel: number; lateStages: number }[];
    };
    const all = await get<Summary>('/v1/breaches/summary', admin);
    const rows = await get<{ items: unknown[] }>('/v1/breaches?limit=100', admin);
    expect(all.totals.rows).toBe(rows.items.length);
    // Two urgent tickets, each late to acknowledge and to arrive (levels 1 and 2 each).
    expect(all.totals).toMatchObject({ tickets: 2, lateStages: 4, open: 4, units: 2 });
    expect(all.totals.rows).toBe(8);
    expect(all.byStreet.map((s) => [s.streetId, s.tickets, s.lateStages]).sort()).toEqual([
      [LAILONGMEN, 1, 2],
      ['st-xishan', 1, 2],
    ]);
    expect(all.byTicket.every((t) => t.maxLevel === 2 && t.lateStages === 2)).toBe(true);

    const sup = await h.token({ role: 'supervisor', streetId: LAILONGMEN });
    const mine = await get<Summary>('/v1/breaches/summary', sup);
    expect(mine.byUnit.map((u) => u.unitId)).toEqual([OFFICE]);
    expect(mine.byTicket.map((t) => t.ticketId)).toEqual([late.id]);
    await get('/v1/breaches/summary?streetId=st-xishan', sup, 403);
  });
});

describe('waiting for me', () => {
  it('lists extensions to decide and returns to rule for supervisors, and what units and reporters owe', async () => {
    const unit = await h.unit(OFFICE);
    const sup = await h.token({ role: 'supervisor', streetId: LAILONGMEN });
    type Inbox = {
      items: { kind: string; ticketId: string; workingDays?: number }[];
      counts: Record<string, number>;
    };
    const before = await get<Inbox>('/v1/inbox', unit);
    expect(
      before.items
        .filter((i) => i.kind === 'acknowledge')
        .map((i) => i.ticketId)
        .sort(),
    ).toEqual([late.id, calm.id].sort());
    expect((await h.act(calm.id, 'acknowledge', unit)).status).toBe(200);
    const asked = await h.act(calm.id, 'extension', unit, { workingDays: 3, reason: '等待物业检测报告' });
    expect(asked.status).toBe(202);
    const waiting = await get<Inbox>('/v1/inbox', sup);
    expect(waiting.items).toEqual([
      expect.objectContaining({ kind: 'extension', ticketId: calm.id, workingDays: 3 }),
    ]);
    expect(waiting.counts).toMatchObject({ extension: 1, ruling: 0, total: 1 });
    const board = await get<{ flagged: { id: string; flags: string[] }[] }>('/v1/board', sup);
    expect(board.flagged).toEqual([{ id: calm.id, code: calm.code, flags: ['extension_pending'] }]);
    // Another street's supervisor is not waited on.
    const xishan = await h.token({ role: 'supervisor', streetId: 'st-xishan' });
    expect((await get<Inbox>('/v1/inbox', xishan)).counts.total).toBe(0);
    expect((await h.act(calm.id, 'extension/decision', sup, { approve: true })).status).toBe(200);
    expect((await get<Inbox>('/v1/inbox', sup)).counts.total).toBe(0);
  });
});

describe('league table of streets', () => {
  it('has a row per street with the three rates', async () => {
    const sup = await h.token({ role: 'supervisor', streetId: LAILONGMEN });
    const res = await get<{ items: { streetId: string; received: number; responseRate: number | null }[] }>(
      '/v1/metrics/streets?from=2026-09-28&to=2026-09-28',
      sup,
    );
    expect(res.items).toHaveLength(5);
    const lailongmen = res.items.find((r) => r.streetId === LAILONGMEN);
    expect(lailongmen).toMatchObject({ received: 2 });
    // The late ticket was acknowledged late (never, so far), the calm one on time.
    expect(lailongmen?.responseRate).toBe(0.5);
  });
});

describe('exports', () => {
  it('writes the late units as Excel with per-street subtotals matching the summary, and CSV with a header', async () => {
    const admin = await h.admin();
    const res = await fetch(`${h.rt.url}/v1/exports/breaches?view=units&level=2`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="breaches-units-/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    const sheet = book.worksheets[0] as ExcelJS.Worksheet;
    const text = (r: number) => (sheet.getRow(r).values as unknown[]).slice(1).map((c) => String(c ?? ''));
    expect(text(1)[0]).toBe('超时督办 · 超时单位');
    expect(text(2)[0]).toContain('级别: 二级督办');
    const rows = Array.from({ length: sheet.rowCount }, (_, i) => text(i + 1));
    const head = rows.findIndex((r) => r[0] === '承办单位 / 街道');
    expect(head).toBeGreaterThan(0);
    const total = rows.find((r) => r[0] === '合计');
    // 2 tickets, 4 late stages reached level 2 (each stage once, at its highest level).
    expect(total?.slice(2, 5)).toEqual(['2', '4', '4']);
    expect(rows.filter((r) => r[0]?.startsWith('小计'))).toHaveLength(2);

    const csv = await fetch(`${h.rt.url}/v1/exports/tickets?format=csv&lang=en&slaClass=urgent`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect(csv.headers.get('content-type')).toContain('text/csv');
    // A byte-order mark, so Excel reads the file as UTF-8 (Chinese names).
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toBe('Tickets');
    expect(lines[1]).toContain('SLA class: Urgent');
    const header = lines.indexOf(
      'Code,Title,Status,Escalation,SLA class,Lead unit,Community,Street,Created,Acknowledge by,Resolve by,Breaches',
    );
    expect(header).toBeGreaterThan(0);
    expect(lines.slice(header + 1).filter(Boolean)).toHaveLength(2);
  });

  it('refuses roles that may not see the list', async () => {
    const unit = await h.unit(OFFICE);
    const res = await h.api.call('GET', '/v1/exports/breaches', unit);
    expect(res.status).toBe(403);
  });
});

describe('a signed-in unit resolves with a photo', () => {
  it('uploads the photo, cites it in the resolve, and the photo is served', async () => {
    const unit = await h.unit(OFFICE);
    const upload = await h.api.call<{ name: string; url: string }>(
      'POST',
      `/v1/tickets/${calm.id}/evidence`,
      unit,
      {
        contentType: 'image/png',
        size: PNG.length,
        data: PNG.toString('base64'),
      },
    );
    expect(upload.status).toBe(201);
    docs.check('POST', '/v1/tickets/{id}/evidence', 201, upload.body);
    const photo = await fetch(upload.body.url);
    expect(photo.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await photo.arrayBuffer()).equals(PNG)).toBe(true);
    const resolved = await h.act(calm.id, 'resolve', unit, {
      summary: '已调解完毕',
      evidence: [upload.body.url],
    });
    expect(resolved.status).toBe(200);

    const forged = await h.api.call('POST', `/v1/tickets/${late.id}/evidence`, unit, {
      contentType: 'image/jpeg',
      size: PNG.length,
      data: PNG.toString('base64'),
    });
    expect(forged.status).toBe(422);
    const stranger = await h.unit(XISHAN_OFFICE);
    const refused = await h.api.call('POST', `/v1/tickets/${late.id}/evidence`, stranger, {
      contentType: 'image/png',
      size: PNG.length,
      data: PNG.toString('base64'),
    });
    expect(refused.status).toBe(404);
  });

  it('shows a unit the messages it was sent about its ticket, and no one else’s', async () => {
    const unit = await h.unit(OFFICE);
    const mine = await get<{ items: { unitId?: string; kind: string }[] }>(
      `/v1/notifications?ticketId=${late.id}`,
      unit,
    );
    expect(mine.items.length).toBeGreaterThan(0);
    expect(new Set(mine.items.map((n) => n.unitId))).toEqual(new Set([OFFICE]));
    const stranger = await h.unit(XISHAN_OFFICE);
    expect(
      (await get<{ items: unknown[] }>(`/v1/notifications?ticketId=${late.id}`, stranger)).items,
    ).toEqual([]);
    // Without a filter a unit lists the messages sent to it, across its tickets: still only its own.
    const all = await get<{ items: { unitId?: string }[] }>('/v1/notifications', unit);
    expect(all.items.length).toBeGreaterThanOrEqual(mine.items.length);
    expect(new Set(all.items.map((n) => n.unitId))).toEqual(new Set([OFFICE]));
    await get(`/v1/notifications?unitId=u-street-xishan`, unit, 403);
  });
});
