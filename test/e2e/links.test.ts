/**
 * Signed links over HTTP on the embedded runtime (real ASL, manual clock): the link in a recorded
 * message opens the ticket's page and takes exactly its actions, as the same domain actions the
 * API takes; forged, other-ticket, used and expired links do nothing but explain themselves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConfig } from '../../shared/config/seed';
import { type LinkAction, linkIdOf } from '../../shared/domain/links';
import { LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';
import { Harness, type TicketView } from '../helpers/workflow-harness';

const MONDAY_9AM = '2026-09-28T09:00:00+08:00';
const LEAD = LAILONGMEN_OFFICE;
const LINK = /http:\/\/127\.0\.0\.1:\d+\/l\/[0-9A-Za-z]{13}/;

interface NoticeRow {
  kind: string;
  channel: string;
  unitId?: string;
  communityId?: string;
  text: string;
}
interface Ticket extends TicketView {
  timeline: { type: string; actor?: string; unitId?: string; detail?: string; at: string }[];
  resolution?: { summary: string; evidence?: string[] };
  feedback?: { rating: string; comment?: string };
  version: number;
}

let h: Harness;
beforeAll(async () => {
  h = await Harness.start(MONDAY_9AM);
});
afterAll(async () => {
  await h?.stop();
});

/**
 * The messages of a ticket as their recipients read them: a unit lists those sent to it (with
 * the live link); the community's verdict requests come from the outbox record.
 */
async function notices(ticketId: string): Promise<NoticeRow[]> {
  const t = await get(ticketId);
  const units = [
    ...new Set([...t.assignments.map((a) => a.unitId), LAILONGMEN_OFFICE, 'u-city-social-work']),
  ];
  const rows: NoticeRow[] = [];
  for (const unitId of units) {
    const res = await h.api.call<{ items: NoticeRow[] }>(
      'GET',
      `/v1/notifications?ticketId=${ticketId}&limit=100`,
      await h.unit(unitId),
    );
    rows.push(...res.body.items);
  }
  for (const n of await h.notifications(ticketId)) {
    if (n.unitId) continue;
    for (const m of n.messages) {
      rows.push({
        kind: n.kind,
        channel: m.channel,
        ...(n.communityId ? { communityId: n.communityId } : {}),
        text: m.text,
      });
    }
  }
  return rows;
}

/** The link in the latest recorded SMS of that kind (to that unit, or to the community). */
async function smsLink(ticketId: string, kind: string, unitId?: string): Promise<string> {
  const rows = (await notices(ticketId)).filter(
    (n) => n.channel === 'sms' && n.kind === kind && (unitId ? n.unitId === unitId : !n.unitId),
  );
  const link = rows.at(-1)?.text.match(LINK)?.[0];
  if (!link) throw new Error(`no ${kind} SMS link for ${ticketId}: ${JSON.stringify(rows)}`);
  return link;
}

async function open(url: string) {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function post(
  link: string,
  action: LinkAction | string,
  fields: Record<string, string | string[]> = {},
) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
  const res = await fetch(`${link}/${action}`, { method: 'POST', body, redirect: 'manual' });
  const out = { status: res.status, location: res.headers.get('location'), text: await res.text() };
  await h.settle();
  return out;
}

const headline = (html: string) => html.match(/<h1>(.*?)<\/h1>/)?.[1];
const get = (id: string) => h.get(id) as Promise<Ticket>;
const create = (body: Record<string, unknown> = {}) =>
  h.create({
    dutyItemId: NEIGHBOR_DISPUTE,
    communityId: NANQIAO,
    location: { address: '3栋2单元' },
    ...body,
  });
const pathOf = (link: string) => new URL(link).pathname;
const codeOf = (link: string) => link.slice(link.lastIndexOf('/') + 1);

describe('the dispatch link', () => {
  it('opens a small phone page with the ticket’s place, problem and deadlines, safe to share nowhere', async () => {
    const t = await create({ title: '楼道堆放杂物', description: '3栋2单元楼道堆满纸箱' });
    const link = await smsLink(t.id, 'dispatch', LEAD);
    expect(link.length).toBeLessThanOrEqual(40);
    const page = await open(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    for (const text of [
      t.code,
      '楼道堆放杂物',
      '3栋2单元楼道堆满纸箱',
      '南桥',
      '3栋2单元',
      '待签收',
      '签收 ·',
      '剩余',
    ]) {
      expect(page.text).toContain(text);
    }
    expect(page.text).toContain(`action="${pathOf(link)}/acknowledge"`);
    // No external resources: one round trip on a slow connection.
    expect(page.text).not.toMatch(/(src|href)="https?:/);
    expect(Buffer.byteLength(page.text)).toBeLessThan(16 * 1024);
    expect((await open(`${link}?lang=en`)).text).toContain('Acknowledge');
  });

  it('puts the reporter and the street command centre one tap away', async () => {
    const t = await create({ reporter: { name: '王阿姨', phone: '+8613800001234' } });
    const page = await open(await smsLink(t.id, 'dispatch', LEAD));
    expect(page.text).toContain('王阿姨 <a href="tel:+8613800001234">+8613800001234</a>');
    const office = seedConfig(MONDAY_9AM).units.find((u) => u.id === LEAD)?.contacts.dutyPhone;
    expect(page.text).toMatch(new RegExp(`来龙门街道指挥中心：<a href="tel:\\${office}">`));
  });

  it('acknowledges in one POST as the link’s unit, the same event the API records; a replay is refused', async () => {
    const t = await create();
    const link = await smsLink(t.id, 'dispatch', LEAD);
    const res = await post(link, 'acknowledge', { ticket: t.id });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`${pathOf(link)}?done=acknowledge`);
    const after = await get(t.id);
    expect(after.status).toBe('acknowledged');
    const event = after.timeline.find((e) => e.type === 'acknowledged');
    expect(event).toMatchObject({ unitId: LEAD, actor: `unit:link:${linkIdOf(codeOf(link))}` });
    // No part of the code reaches the record: the timeline cannot be turned into a link.
    expect(JSON.stringify(after)).not.toContain(codeOf(link).slice(0, 5));

    const done = await open(`${link}?done=acknowledge`);
    expect(done.text).toContain('✓ 已签收');
    expect(done.text).not.toContain('id="do-acknowledge"');

    const replay = await post(link, 'acknowledge', { ticket: t.id });
    expect(replay.status).toBe(409);
    expect(headline(replay.text)).toBe('已签收');
    expect(replay.text).toContain('通过此链接签收，无需重复操作');
    expect((await get(t.id)).version).toBe(after.version);
    // The API sees the same state: a second acknowledge is its usual 409.
    expect((await h.act(t.id, 'acknowledge', await h.unit(LEAD))).status).toBe(409);
  });

  it('takes a double tap once: two concurrent posts, one acknowledgement', async () => {
    const t = await create();
    const link = await smsLink(t.id, 'dispatch', LEAD);
    const both = await Promise.all([
      post(link, 'acknowledge', { ticket: t.id }),
      post(link, 'acknowledge', { ticket: t.id }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([303, 409]);
    const after = await get(t.id);
    expect(after.timeline.filter((e) => e.type === 'acknowledged')).toHaveLength(1);
  });

  it('meets the same rules as the API: 409s explained, and the link kept for when the ticket allows it', async () => {
    const t = await create();
    const link = await smsLink(t.id, 'dispatch', LEAD);
    const early = await post(link, 'resolve', { ticket: t.id, summary: '已清理' });
    expect(early.status).toBe(409);
    expect(early.text).toContain('请先签收，再办结');

    expect((await h.act(t.id, 'acknowledge', await h.unit(LEAD))).status).toBe(200);
    const again = await post(link, 'acknowledge', { ticket: t.id });
    expect(again.status).toBe(409);
    expect(again.text).toMatch(/本单位已于 .+ 签收，无需重复签收/);

    // Neither refusal used the link up: it still resolves.
    expect((await post(link, 'resolve', { ticket: t.id, summary: '已清理' })).status).toBe(303);
    expect((await get(t.id)).status).toBe('resolved');
  });

  it('asks for what is missing instead of acting on an empty form', async () => {
    const t = await create();
    const link = await smsLink(t.id, 'dispatch', LEAD);
    await post(link, 'acknowledge');
    for (const [action, text] of [
      ['resolve', '请填写办结情况'],
      ['progress', '请填写进展说明'],
      ['return', '请填写退单理由'],
    ] as const) {
      const res = await post(link, action, { ticket: t.id, summary: ' ', note: '', reason: '' });
      expect(res.status, action).toBe(400);
      expect(res.text, action).toContain(text);
    }
    expect((await get(t.id)).status).toBe('acknowledged');
  });
});

describe('resolve with photos, then the resident’s verdict', () => {
  const jpeg = Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
    Buffer.alloc(2048, 7),
    Buffer.from([0xff, 0xd9]),
  ]);
  const upload = async (link: string, body: Record<string, unknown>) => {
    const res = await fetch(`${link}/evidence`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };

  it('stores the photo, cites it in the resolution, and the feedback link closes the ticket', async () => {
    const t = await create();
    const link = await smsLink(t.id, 'dispatch', LEAD);
    await post(link, 'acknowledge', { ticket: t.id });
    const photo = await upload(link, {
      contentType: 'image/jpeg',
      size: jpeg.length,
      data: jpeg.toString('base64'),
    });
    expect(photo.status).toBe(201);
    expect(photo.body.url).toMatch(/\/l\/evidence\/[A-Za-z0-9_-]{22}\.jpg$/);
    const served = await fetch(photo.body.url as string);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await served.arrayBuffer()).equals(jpeg)).toBe(true);

    // Not an image of the declared type, or bigger than the limit: refused, nothing stored.
    const png = await upload(link, {
      contentType: 'image/jpeg',
      size: 8,
      data: Buffer.from('\x89PNGabcd').toString('base64'),
    });
    expect(png.status).toBe(422);
    expect((await upload(link, { contentType: 'image/jpeg', size: 400 * 1024 })).status).toBe(422);
    expect((await upload(link, { contentType: 'text/html', size: 10, data: 'PGgxPg==' })).status).toBe(400);

    // Only photos uploaded through this link may be cited.
    const foreign = await post(link, 'resolve', {
      ticket: t.id,
      summary: '已清理',
      evidence: 'AAAAAAAAAAAAAAAAAAAAAA.jpg',
    });
    expect(foreign.status).toBe(422);
    const resolved = await post(link, 'resolve', {
      ticket: t.id,
      summary: '杂物已清理',
      evidence: photo.body.name as string,
    });
    expect(resolved.status).toBe(303);
    const after = await get(t.id);
    expect(after.status).toBe('resolved');
    expect(after.resolution).toEqual(
      expect.objectContaining({ summary: '杂物已清理', evidence: [photo.body.url] }),
    );
    // Resolved: no more uploads through the link.
    expect(
      (await upload(link, { contentType: 'image/jpeg', size: jpeg.length, data: jpeg.toString('base64') }))
        .status,
    ).toBe(409);

    const verdictLink = await smsLink(t.id, 'feedback_request');
    const page = await open(verdictLink);
    expect(page.text).toContain('杂物已清理');
    expect(page.text).toContain(`src="${photo.body.url}"`);
    expect(page.text).toContain('id="rate-satisfied"');
    const verdict = await post(verdictLink, 'feedback', {
      ticket: t.id,
      rating: 'satisfied',
      comment: '很及时',
    });
    expect(verdict.status).toBe(303);
    const closed = await get(t.id);
    expect(closed).toMatchObject({ status: 'closed', feedback: { rating: 'satisfied', comment: '很及时' } });
    expect(closed.timeline.find((e) => e.type === 'feedback')?.actor).toBe(
      `reporter:link:${linkIdOf(codeOf(verdictLink))}`,
    );
    expect((await open(`${verdictLink}?done=feedback`)).text).toContain('工单已关闭');
    const twice = await post(verdictLink, 'feedback', { ticket: t.id, rating: 'unsatisfied' });
    expect(twice.status).toBe(409);
    expect(headline(twice.text)).toBe('已评价');
  });

  it('takes at most ten photos per link, and an unknown photo name is a plain 404 page', async () => {
    const t = await create();
    const link = await smsLink(t.id, 'dispatch', LEAD);
    await post(link, 'acknowledge', { ticket: t.id });
    const one = { contentType: 'image/jpeg', size: jpeg.length, data: jpeg.toString('base64') };
    const statuses = [];
    for (let i = 0; i < 11; i += 1) statuses.push((await upload(link, one)).status);
    expect(statuses).toEqual([...Array(10).fill(201), 409]);
    const missing = await open(`${link.slice(0, link.indexOf('/l/'))}/l/evidence/AAAAAAAAAAAAAAAAAAAAAA.jpg`);
    expect(missing.status).toBe(404);
    expect(headline(missing.text)).toBe('照片不存在');
  });

  it('unsatisfied reopens; the reopen notice brings a fresh link, the used one cannot resolve again', async () => {
    const t = await create();
    const link = await smsLink(t.id, 'dispatch', LEAD);
    await post(link, 'acknowledge', { ticket: t.id });
    await post(link, 'resolve', { ticket: t.id, summary: '已清理' });
    const verdict = await post(await smsLink(t.id, 'feedback_request'), 'feedback', {
      rating: 'unsatisfied',
      comment: '还没清干净',
    });
    expect(verdict.status).toBe(303);
    expect((await get(t.id)).status).toBe('reopened');

    const replay = await post(link, 'resolve', { ticket: t.id, summary: '再次清理' });
    expect(replay.status).toBe(409);
    expect(headline(replay.text)).toBe('已办结');
    const reopenLink = await smsLink(t.id, 'reopen', LEAD);
    expect(reopenLink).not.toBe(link);
    expect((await post(reopenLink, 'resolve', { ticket: t.id, summary: '再次清理' })).status).toBe(303);
    expect((await get(t.id)).status).toBe('resolved');
  });
});

describe('links that do nothing but explain', () => {
  it('a forged or malformed code: a clear page, never a lookup or an error dump', async () => {
    const t = await create();
    const link = await smsLink(t.id, 'dispatch', LEAD);
    const forged = link.slice(0, -1) + (link.endsWith('x') ? 'y' : 'x');
    const base = link.slice(0, link.indexOf('/l/'));
    for (const url of [
      forged,
      `${base}/l/${t.code}`,
      `${base}/l/%E9%93%BE%E6%8E%A5`,
      `${base}/l/${'a'.repeat(300)}`,
      `${base}/l/%00`,
    ]) {
      const res = await open(url);
      expect(res.status, url).toBe(404);
      expect(res.headers.get('content-type'), url).toBe('text/html; charset=utf-8');
      expect(headline(res.text), url).toBe('链接无效');
    }
    const act = await post(forged, 'acknowledge', { ticket: t.id });
    expect(act.status).toBe(404);
    expect(headline(act.text)).toBe('链接无效');
    const up = await fetch(`${forged}/evidence`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(up.status).toBe(404);
    expect((await get(t.id)).status).toBe('dispatched');
  });

  it('a link used for another ticket, or for an action it does not grant, changes nothing', async () => {
    const a = await create();
    const b = await create();
    const link = await smsLink(a.id, 'dispatch', LEAD);
    const other = await post(link, 'acknowledge', { ticket: b.id });
    expect(other.status).toBe(403);
    expect(headline(other.text)).toBe('链接与工单不符');
    expect((await open(`${link}?ticket=${b.id}`)).status).toBe(403);
    expect((await get(a.id)).status).toBe('dispatched');
    expect((await get(b.id)).status).toBe('dispatched');

    const notGranted = await post(link, 'feedback', { ticket: a.id, rating: 'satisfied' });
    expect(notGranted.status).toBe(403);
    expect(headline(notGranted.text)).toBe('此链接不能执行该操作');
    expect((await post(link, 'cancel', { reason: 'x' })).status).toBe(404);
    // An action path opened in the address bar goes back to the page, not to a 405.
    const typed = await open(`${link}/acknowledge`);
    expect(typed.status).toBe(303);
    expect((await get(a.id)).status).toBe('dispatched');
  });

  it('a co-handling unit acts on its own part only; the lead’s resolve is refused with the reason', async () => {
    const t = await h.create({ dutyItemId: 'di-ebike-charging-points', communityId: NANQIAO });
    const co = t.assignments.find((x) => x.role === 'co')!.unitId;
    const link = await smsLink(t.id, 'dispatch', co);
    expect((await post(link, 'acknowledge', { ticket: t.id })).status).toBe(303);
    expect((await get(t.id)).assignments.find((x) => x.unitId === co)?.acknowledgedAt).toBeDefined();
    expect((await open(link)).text).not.toContain('id="do-resolve"');
    const res = await post(link, 'resolve', { ticket: t.id, summary: '已配合' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('只有牵头单位可以办结此工单');
  });

  it('returns the ticket with a reason, recorded as the link’s unit', async () => {
    const t = await create();
    const link = await smsLink(t.id, 'dispatch', LEAD);
    expect((await post(link, 'return', { ticket: t.id, reason: '不属于本街道职责' })).status).toBe(303);
    const after = await get(t.id);
    expect(after.timeline.find((e) => e.type === 'returned')).toMatchObject({
      unitId: LEAD,
      detail: '不属于本街道职责',
      actor: `unit:link:${linkIdOf(codeOf(link))}`,
    });
  });
});

describe('the return window', () => {
  it('offers 退单 while the window is open, then explains that it closed', async () => {
    const t = await h.create({ dutyItemId: 'di-water-outage', communityId: NANQIAO }); // fast: 2 h to return
    const link = await smsLink(t.id, 'dispatch', 'u-water');
    expect((await open(link)).text).toContain('id="do-return"');
    await h.advanceMinutes(121);
    expect((await open(link)).text).not.toContain('id="do-return"');
    const late = await post(link, 'return', { ticket: t.id, reason: '非本单位管网' });
    expect(late.status).toBe(409);
    expect(late.text).toMatch(/退单期限已于 .+ 截止/);
    expect((await get(t.id)).assignments.find((x) => x.unitId === 'u-water')?.status).not.toBe('returned');
  });
});

describe('every notice carries its own link, until it expires', () => {
  it('warnings, escalations and urges link to the page; a unit only told can look, not act; then they expire', async () => {
    const t = await create({ priority: 'urgent' });
    await h.advanceMinutes(3 * 60 + 5); // urgent acknowledge: warning, then levels 1, 2, 3
    const urged = await h.act(t.id, 'urge', await h.token({ role: 'supervisor' }), { note: '请立即处理' });
    expect(urged.status).toBe(200);
    const rows = (await notices(t.id)).filter((n) => n.channel === 'sms');
    expect(rows.map((n) => n.kind).sort()).toEqual(
      expect.arrayContaining(['dispatch', 'warning', 'escalation', 'escalation', 'escalation', 'urge']),
    );
    const links = rows.map((n) => n.text.match(LINK)?.[0]);
    expect(links.every(Boolean)).toBe(true);
    expect(new Set(links).size).toBe(links.length);
    for (const link of links) expect((await open(link as string)).status).toBe(200);

    const cityLink = rows
      .find((n) => n.kind === 'escalation' && n.unitId === 'u-city-social-work')
      ?.text.match(LINK)?.[0];
    const city = await open(cityLink as string);
    expect(city.text).toContain('此链接仅供查看');
    expect((await post(cityLink as string, 'acknowledge', { ticket: t.id })).status).toBe(403);

    // Urgent tickets cannot be returned: not offered, and a forced post is explained.
    const dispatchLink = rows.find((n) => n.kind === 'dispatch')?.text.match(LINK)?.[0] as string;
    expect((await open(dispatchLink)).text).not.toContain('id="do-return"');
    const refused = await post(dispatchLink, 'return', { ticket: t.id, reason: '不属于本街道职责' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('此类工单不能退单');

    const link = dispatchLink;
    await h.advanceMinutes(7 * 24 * 60);
    const expired = await open(link);
    expect(expired.status).toBe(410);
    expect(headline(expired.text)).toBe('链接已过期');
    const late = await post(link, 'acknowledge', { ticket: t.id });
    expect(late.status).toBe(410);
    expect((await get(t.id)).assignments.find((x) => x.unitId === LEAD)?.acknowledgedAt).toBeUndefined();
  });
});

describe('after a restart on the same data directory', () => {
  it('opens the links sent before it: the signing key and the grants are kept', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'whistle-links-'));
    try {
      const first = await Harness.start(MONDAY_9AM, { dataDir });
      let code = '';
      let path = '';
      try {
        const t = await first.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
        code = t.code;
        const sms = (await first.notifications(t.id))
          .flatMap((n) => n.messages)
          .find((m) => m.channel === 'sms');
        path = pathOf(sms?.text.match(LINK)?.[0] ?? '');
      } finally {
        await first.stop();
      }
      const again = await Harness.start(MONDAY_9AM, { dataDir });
      try {
        const res = await fetch(`${again.rt.url}${path}`);
        expect(res.status).toBe(200);
        expect(await res.text()).toContain(code);
      } finally {
        await again.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
