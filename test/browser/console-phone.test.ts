/**
 * Issue 22's "done when", in Chromium at 390×844: a street supervisor signs in on a phone, finds
 * a ticket by its code, sees the late units of the street, reassigns a late ticket to a unit of
 * the street, decides a pending extension from "waiting for me", and downloads the street's
 * breaches as an Excel file whose rows match the screen. axe checks every view (zh at 390 px, en
 * at 1440 px) and a phone link page for serious or critical findings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import ExcelJS from 'exceljs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../console/build';
import type { Runtime } from '../../infra/local/runtime';
import { ManualClock } from '../../infra/local/sim-clock';
import type { ApiClient } from '../helpers/api-client';
import { bootRuntime } from '../helpers/runtime';

type Ticket = { id: string; code: string; assignments: { unitId: string; role: string; status: string }[] };

const XISHAN = 'cm-xishan';
const OFFICE = 'u-street-xishan';
const POLICE = 'u-police-xishan';

let dir: string;
let rt: Runtime;
let clock: ManualClock;
let api: ApiClient;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let late: Ticket;
let slow: Ticket;
const findings: string[] = [];

async function axe(p: Page, where: string) {
  const result = await new AxeBuilder({ page: p }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  for (const v of result.violations) {
    if (v.impact === 'serious' || v.impact === 'critical') {
      findings.push(
        `${where}: ${v.id} (${v.impact}) ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
      );
    }
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'whistle-phone-'));
  await buildConsole(dir);
  clock = new ManualClock(Date.parse('2026-09-28T09:00:00+08:00'));
  ({ rt, api } = await bootRuntime({ clock, consoleDir: dir }));
  const reporter = await api.token({ role: 'reporter', communityId: XISHAN });
  const raise = async (title: string, urgent: boolean) => {
    const res = await api.call<Ticket>('POST', '/v1/tickets', reporter, {
      dutyItemId: 'di-neighbor-dispute',
      communityId: XISHAN,
      title,
      description: '两户因漏水多次争吵，需要调解',
      channel: 'grid',
      ...(urgent ? { priority: 'urgent' } : {}),
    });
    expect(res.status).toBe(201);
    return res.body;
  };
  late = await raise('楼道漏水引发邻里冲突', true);
  slow = await raise('邻里漏水纠纷', false);
  await rt.workflow.settled();
  const office = await api.token({ role: 'unit', unitId: OFFICE });
  expect((await api.call('POST', `/v1/tickets/${slow.id}/acknowledge`, office)).status).toBe(200);
  expect(
    (
      await api.call('POST', `/v1/tickets/${slow.id}/extension`, office, {
        workingDays: 3,
        reason: '需等待物业出具检测报告',
      })
    ).status,
  ).toBe(202);
  // 65 minutes: the urgent ticket is late to acknowledge and to arrive (level 2).
  await clock.advanceTo(new Date(clock.now().getTime() + 65 * 60_000), () => rt.workflow.settled());
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
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
  context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: 'zh-CN',
    acceptDownloads: true,
    hasTouch: true,
  });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
});

afterAll(async () => {
  await browser?.close();
  await rt?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openMenu() {
  await page.getByRole('button', { name: /菜单/ }).click();
}

describe('a street supervisor on a phone (390 px)', () => {
  it('signs in and sees the late units of the street, without the sidebar taking the screen', async () => {
    await page.goto(`${rt.url}/`);
    await axe(page, 'sign-in 390 zh');
    await page.getByRole('radio', { name: /街道大工委/ }).check();
    await page.locator('#signin-street').selectOption('st-xishan');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '超时督办' }).waitFor();
    const units = page.getByTestId('units-table');
    await units.locator(`tr[data-unit="${OFFICE}"]`).waitFor();
    // Only this street's late units; the content uses the phone's width.
    await expect(units.locator('tr[data-unit]').count()).resolves.toBe(1);
    await expect(page.getByTestId('late-tickets').textContent()).resolves.toBe('1');
    const width = await page.locator('main').evaluate((m) => m.getBoundingClientRect().width);
    expect(width).toBeGreaterThan(360);
    await expect(page.locator('#sidebar').isVisible()).resolves.toBe(true); // present, but off-screen
    const sidebarRight = await page.locator('#sidebar').evaluate((s) => s.getBoundingClientRect().right);
    expect(sidebarRight).toBeLessThanOrEqual(0);
    await axe(page, 'breaches/units 390 zh');
  });

  it('downloads the street’s late units as Excel, the rows matching the screen', async () => {
    const onScreen = await page
      .getByTestId('units-table')
      .locator('tr[data-unit]')
      .evaluateAll((rows) =>
        rows.map((r) => [
          r.querySelector('th')?.textContent?.trim() ?? '',
          ...[...r.querySelectorAll('td.num')].map((c) => c.textContent?.trim() ?? ''),
        ]),
      );
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-export="xlsx"]').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^breaches-units-.*\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(await download.path());
    const sheet = book.worksheets[0] as ExcelJS.Worksheet;
    const rows: string[][] = [];
    sheet.eachRow((r) => rows.push((r.values as unknown[]).slice(1).map((c) => String(c ?? ''))));
    expect(rows[1]?.[0]).toContain('西山街道');
    const head = rows.findIndex((r) => r[0] === '承办单位 / 街道');
    const data = rows.slice(head + 1).filter((r) => r[0] && !r[0].startsWith('小计') && r[0] !== '合计');
    // Name, then tickets, late stages, open, L1, L2, L3: as on the screen.
    expect(data.map((r) => [r[0], ...r.slice(2, 8)])).toEqual(onScreen);
  });

  it('finds a ticket by its code from the top bar', async () => {
    await page.locator('#code-search').fill(late.code.toLowerCase());
    await page.locator('#code-search').press('Enter');
    await page.waitForURL(/#\/tickets\?code=/);
    const link = page.locator(`a.code:text("${late.code}")`).first();
    await link.waitFor();
    await axe(page, 'tickets 390 zh');
    await link.click();
    await page.getByRole('heading', { name: '楼道漏水引发邻里冲突' }).waitFor();
  });

  it('reassigns the late ticket to a unit of the street, whose clock starts now', async () => {
    const picker = page.locator('#reassign-unit');
    await picker.waitFor();
    const offered = await picker
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(offered).toContain(POLICE);
    expect(offered).not.toContain('u-police-lailongmen');
    await page.locator('#reassign-unit-q').fill('派出所');
    await picker.selectOption(POLICE);
    await page.getByLabel('改派理由').fill('街道逾期未签收，改由派出所处置');
    await axe(page, 'ticket 390 zh');
    await page.getByRole('button', { name: '确认改派' }).click();
    await page.getByText('已改派，新承办单位将收到派单短信和邮件。').waitFor();
    await page.getByTestId('timeline').locator('[data-type="reassigned"]').waitFor();
    const admin = await api.token({ role: 'admin' });
    const after = await api.call<Ticket>('GET', `/v1/tickets/${late.id}`, admin);
    expect(after.body.assignments.find((a) => a.role === 'lead' && a.status !== 'returned')?.unitId).toBe(
      POLICE,
    );
  });

  it('decides the pending extension from "waiting for me"', async () => {
    await openMenu();
    const inbox = page.getByRole('link', { name: /待我处理/ });
    await expect(inbox.getByTestId('count-inbox').textContent()).resolves.toBe('1');
    await inbox.click();
    await page.getByRole('heading', { name: '待我处理' }).waitFor();
    const item = page.locator(`[data-kind="extension"][data-ticket="${slow.id}"]`);
    await item.waitFor();
    await expect(item.textContent()).resolves.toContain('需等待物业出具检测报告');
    await axe(page, 'inbox 390 zh');
    await item.locator('a.code').click();
    await page.getByRole('button', { name: '批准延期' }).click();
    await page.getByTestId('timeline').locator('[data-type="extension_approved"]').waitFor();
  });

  it('shows the other views without serious accessibility findings', async () => {
    for (const [path, ready] of [
      ['board', '[data-testid="board-open"]'],
      ['rankings', '#definitions'],
      ['breaches?view=tickets', '[data-testid="tickets-table"]'],
      ['breaches?view=rows', 'table[data-filters]'],
      ['config/calendar?year=2026', '.cal-grid'],
      ['config/sla', '.sla-card'],
    ] as const) {
      await page.goto(`${rt.url}/#/${path}`);
      await page.locator(ready).first().waitFor();
      await axe(page, `${path} 390 zh`);
    }
  }, 180_000);

  it('keeps every view clean in English at desktop width, and the phone link pages too', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole('button', { name: 'EN' }).click();
    for (const [path, ready] of [
      ['breaches', '[data-testid="units-table"]'],
      ['inbox', 'h1'],
      [`tickets/${late.id}`, '[data-testid="timeline"]'],
      ['rankings', '#definitions'],
      ['config/units', '.table tbody tr'],
    ] as const) {
      await page.goto(`${rt.url}/#/${path}`);
      await page.locator(ready).first().waitFor();
      await axe(page, `${path} 1440 en`);
    }
    // The unit reads its own messages with their live links (oversight sees them masked).
    const office = await api.token({ role: 'unit', unitId: OFFICE });
    const notes = await api.call<{ items: { text: string; channel: string }[] }>(
      'GET',
      `/v1/notifications?ticketId=${late.id}`,
      office,
    );
    const link = notes.body.items
      .map((n) => /https?:\/\/\S+\/l\/[A-Za-z0-9]+/.exec(n.text)?.[0])
      .find(Boolean);
    expect(link).toBeDefined();
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(link as string);
    await phone.locator('main').waitFor();
    await axe(phone, 'link page 390 zh');
    await phone.close();
    expect(findings).toEqual([]);
  }, 180_000);
});
