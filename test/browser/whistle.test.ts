/**
 * The whistle page (/w) in Chromium at 360 px, touch: raise with a suggested item, raise into
 * triage, join a similar ticket, and lose the network then recover (the report kept on the phone
 * is sent again with its key). Needs Chromium at /usr/bin/chromium (apt-get install chromium).
 */
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, type TicketView } from '../helpers/workflow-harness';

const NANQIAO = 'cm-nanqiao';
const EBIKE = '3栋楼道里有人给电瓶车充电，很危险';

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
    ],
  });
  phone = await browser.newContext({
    viewport: { width: 360, height: 740 },
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  });
});
afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

async function signedIn(): Promise<Page> {
  const page = await phone.newPage();
  await page.goto(`${h.rt.url}/w`);
  if (await page.locator('#signin').isVisible()) {
    await page.selectOption('#cm', NANQIAO);
    await page.getByRole('button', { name: '登录' }).tap();
  }
  await page.locator('#what').waitFor();
  return page;
}

async function codeFromStatus(page: Page): Promise<string> {
  await expect.poll(() => page.locator('#status').textContent(), { timeout: 5000 }).toMatch(/WD[0-9A-Z]{8}/);
  return ((await page.locator('#status').textContent()) ?? '').match(/WD[0-9A-Z]{8}/)?.[0] ?? '';
}

async function ticketByCode(code: string): Promise<TicketView & { dutyItemId?: string }> {
  await h.settle();
  const res = await h.api.call<{ items: (TicketView & { dutyItemId?: string })[] }>(
    'GET',
    `/v1/tickets?code=${code}`,
    await h.admin(),
  );
  return res.body.items[0] as TicketView & { dutyItemId?: string };
}

describe('the whistle page at 360 px', () => {
  it('shows the e-bike item among three choices; tapping it dispatches as today', async () => {
    const page = await signedIn();
    await page.fill('#what', EBIKE);
    const item = page.locator('#sugg button[data-item="di-ebike-corridor-charging"]');
    await item.waitFor();
    expect(await page.locator('#sugg button').count()).toBeLessThanOrEqual(3);
    await item.tap();
    await page.getByRole('button', { name: '提交' }).tap();
    const t = await ticketByCode(await codeFromStatus(page));
    expect(t.dutyItemId).toBe('di-ebike-corridor-charging');
    expect(t.status).toBe('dispatched');
    // No horizontal scrolling at 360 px.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.close();
  });

  it('sends a description that matches nothing to triage', async () => {
    const page = await signedIn();
    await page.fill('#what', '院子里那个东西又坏了，大家都说不清楚是谁的');
    await page.getByRole('button', { name: '提交' }).tap();
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 5000 }).toContain('分拨');
    const t = await ticketByCode(await codeFromStatus(page));
    expect(t.status).toBe('triage');
    await page.close();
  });

  it('lets a second reporter join a similar open ticket', async () => {
    const neighbour = await h.token({ role: 'reporter', communityId: NANQIAO, sub: 'neighbour' });
    const page = await phone.newPage();
    await page.goto(`${h.rt.url}/w`);
    await page.evaluate((t) => localStorage.setItem('wd.token', t), neighbour);
    await page.reload();
    await page.locator('#what').waitFor();
    await page.fill('#what', '楼道里电瓶车在充电');
    const join = page.locator('#sim button').first();
    await join.waitFor();
    await join.tap();
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 5000 }).toContain('已加入');
    const joined = await h.api.call<{ items: { joinedReporters?: { by: string }[] }[] }>(
      'GET',
      '/v1/tickets?limit=100',
      await h.admin(),
    );
    expect(joined.body.items.some((t) => t.joinedReporters?.some((r) => r.by === 'reporter:neighbour'))).toBe(
      true,
    );
    await page.evaluate(() => localStorage.removeItem('wd.token'));
    await page.close();
  });

  it('keeps a report made offline and sends it when the network returns', async () => {
    const page = await signedIn();
    await page.fill('#what', '西门路灯不亮了，晚上很黑');
    await phone.setOffline(true);
    await page.getByRole('button', { name: '提交' }).tap();
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 5000 }).toContain('网络不通');
    expect(await page.evaluate(() => localStorage.getItem('wd.outbox'))).toContain('西门路灯');
    await phone.setOffline(false);
    const code = await codeFromStatus(page);
    expect(await page.evaluate(() => localStorage.getItem('wd.outbox'))).toBeNull();
    expect((await ticketByCode(code)).code).toBe(code);
    await page.close();
  });
});
