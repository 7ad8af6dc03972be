/**
 * The phone page in Chromium at a phone's size (390×844, touch): follow the link in a recorded
 * dispatch SMS, acknowledge in one tap, resolve with a photo, give the verdict from the feedback
 * SMS; reused, forged, other-ticket and expired links explain themselves and change nothing.
 * Needs Chromium at /usr/bin/chromium (apt-get install chromium).
 */
import { crc32, deflateSync } from 'node:zlib';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, type TicketView } from '../helpers/workflow-harness';

const NANQIAO = 'cm-nanqiao';
const LEAD = 'u-street-lailongmen';
const LINK = /http:\/\/127\.0\.0\.1:\d+\/l\/[0-9A-Za-z]{13}/;

let h: Harness;
let browser: Browser;
let phone: BrowserContext;

beforeAll(async () => {
  h = await Harness.start('2026-09-28T09:00:00+08:00');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  });
});
afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

interface Ticket extends TicketView {
  resolution?: { summary: string; evidence?: string[] };
  feedback?: { rating: string };
}

/**
 * The link in the recorded SMS, as its recipient reads it: a unit lists its own messages (the
 * live link is withheld from everyone else); the community's verdict request is the outbox's.
 */
async function smsLink(ticketId: string, kind: string, unitId?: string): Promise<string> {
  let texts: { kind: string; channel: string; unitId?: string; text: string }[];
  if (unitId) {
    const res = await h.api.call<{
      items: { kind: string; channel: string; unitId?: string; text: string }[];
    }>('GET', `/v1/notifications?ticketId=${ticketId}`, await h.unit(unitId));
    texts = res.body.items;
  } else {
    texts = (await h.notifications(ticketId))
      .filter((n) => !n.unitId)
      .flatMap((n) => n.messages.map((m) => ({ kind: n.kind, channel: m.channel, text: m.text })));
  }
  const sms = texts.find(
    (n) => n.channel === 'sms' && n.kind === kind && (unitId ? n.unitId === unitId : !n.unitId),
  );
  const link = sms?.text.match(LINK)?.[0];
  if (!link) throw new Error(`no ${kind} SMS link: ${JSON.stringify(texts)}`);
  return link;
}

const create = () =>
  h.create({
    dutyItemId: 'di-neighbor-dispute',
    communityId: NANQIAO,
    title: '楼道堆放杂物',
    description: '3栋2单元楼道堆满纸箱，影响通行',
    location: { address: '3栋2单元' },
  });
const get = (id: string) => h.get(id) as Promise<Ticket>;

/** Tap a button that submits its form, and wait for the page the POST-redirect-GET lands on. */
async function tap(page: Page, selector: string) {
  await Promise.all([page.waitForNavigation(), page.tap(selector)]);
  await h.settle();
}

/** A real photo the page can decode and downscale: a 640×480 gradient PNG. */
function photo(): Buffer {
  const [w, hgt] = [640, 480];
  const rows = Buffer.alloc((w * 3 + 1) * hgt);
  for (let y = 0; y < hgt; y += 1) {
    for (let x = 0; x < w; x += 1) rows.set([x % 256, y % 256, (x + y) % 256], y * (w * 3 + 1) + 1 + x * 3);
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(hgt, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('on a phone, from the recorded SMS', () => {
  it('acknowledges the ticket in one tap', async () => {
    const t = await create();
    const link = await smsLink(t.id, 'dispatch', LEAD);
    const page = await phone.newPage();
    const res = await page.goto(link);
    expect(res?.status()).toBe(200);
    await expect(page.textContent('h1')).resolves.toBe('楼道堆放杂物');
    expect(await page.textContent('#status')).toBe('待签收');
    // Fits the screen, and the one thing to do is a big target.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const box = await page.locator('#do-acknowledge').boundingBox();
    expect(box?.height).toBeGreaterThanOrEqual(48);
    expect(box?.width).toBeGreaterThanOrEqual(300);

    await tap(page, '#do-acknowledge');
    expect(await page.textContent('#flash')).toContain('已签收');
    expect(await page.textContent('#status')).toBe('已签收');
    expect((await get(t.id)).status).toBe('acknowledged');
    await page.close();
  });

  it('resolves with a photo taken on the phone, and the feedback link closes the ticket with 满意', async () => {
    const t = await create();
    const page = await phone.newPage();
    await page.goto(await smsLink(t.id, 'dispatch', LEAD));
    await tap(page, '#do-acknowledge');

    await page.fill('#summary', '纸箱已清理，楼道恢复通行');
    await page.setInputFiles('#photo', { name: 'site.png', mimeType: 'image/png', buffer: photo() });
    await page.waitForSelector('#thumbs img');
    expect(await page.textContent('#upload-status')).toContain('已上传 1 张照片');
    expect(await page.locator('#thumbs input[name=evidence]').count()).toBe(1);
    await tap(page, '#do-resolve');
    expect(await page.textContent('#flash')).toContain('已办结');

    const resolved = await get(t.id);
    expect(resolved.status).toBe('resolved');
    expect(resolved.resolution?.summary).toBe('纸箱已清理，楼道恢复通行');
    const [evidence] = resolved.resolution?.evidence ?? [];
    // Downscaled on the phone to a JPEG, stored by the runtime, served back as an image.
    const img = await fetch(evidence as string);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
    expect(Number((await img.arrayBuffer()).byteLength)).toBeLessThanOrEqual(350 * 1024);

    const verdict = await phone.newPage();
    await verdict.goto(await smsLink(t.id, 'feedback_request'));
    expect(await verdict.textContent('main')).toContain('纸箱已清理，楼道恢复通行');
    await verdict.fill('#comment', '处理及时');
    await tap(verdict, '#rate-satisfied');
    expect(await verdict.textContent('#flash')).toContain('工单已关闭');
    expect(await get(t.id)).toMatchObject({ status: 'closed', feedback: { rating: 'satisfied' } });
    await page.close();
    await verdict.close();
  });

  it('refuses a reused link: a second tap from a stale page says it was already done', async () => {
    const t = await create();
    const link = await smsLink(t.id, 'dispatch', LEAD);
    const first = await phone.newPage();
    const stale = await phone.newPage();
    await first.goto(link);
    await stale.goto(link);
    await tap(first, '#do-acknowledge');
    const version = (await get(t.id)) as Ticket & { version: number };

    await tap(stale, '#do-acknowledge');
    expect(await stale.textContent('h1')).toBe('已签收');
    expect(await stale.textContent('main')).toContain('无需重复操作');
    expect(((await get(t.id)) as Ticket & { version: number }).version).toBe(version.version);
    await first.close();
    await stale.close();
  });

  it('a forged code or another ticket’s id does nothing but explain', async () => {
    const a = await create();
    const b = await create();
    const link = await smsLink(a.id, 'dispatch', LEAD);
    const page = await phone.newPage();

    const forged = link.slice(0, -2) + (link.endsWith('Q1') ? 'R2' : 'Q1');
    expect((await page.goto(forged))?.status()).toBe(404);
    expect(await page.textContent('h1')).toBe('链接无效');
    expect(await page.locator('form').count()).toBe(0);

    // The page's form edited to aim at ticket B: refused, neither ticket moves.
    await page.goto(link);
    await page
      .locator('input[name=ticket]')
      .first()
      .evaluate((el, id) => {
        (el as HTMLInputElement).value = id;
      }, b.id);
    await tap(page, '#do-acknowledge');
    expect(await page.textContent('h1')).toBe('链接与工单不符');
    expect((await get(a.id)).status).toBe('dispatched');
    expect((await get(b.id)).status).toBe('dispatched');
    await page.close();
  });

  it('refuses an expired link with a page that says so', async () => {
    const t = await create();
    const link = await smsLink(t.id, 'dispatch', LEAD);
    const page = await phone.newPage();
    await page.goto(link);
    await h.advanceMinutes(61 * 24 * 60); // past any link's lifetime
    await tap(page, '#do-acknowledge');
    expect(await page.textContent('h1')).toBe('链接已过期');
    expect((await get(t.id)).assignments.find((x) => x.unitId === LEAD)?.acknowledgedAt).toBeUndefined();
    expect((await page.goto(link))?.status()).toBe(410);
    await page.close();
  });
});
