/**
 * The admin console in headless Chromium against the embedded runtime: an urgent ticket nobody
 * acknowledges breaches within a second on a fast clock (an hour per second); an admin signs in,
 * sees it in the breach list, filters, opens its timeline and urges the unit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../console/build';
import type { Runtime } from '../../infra/local/runtime';
import type { ApiClient } from '../helpers/api-client';
import { bootRuntime } from '../helpers/runtime';

type Ticket = { id: string; code: string; timeline: { type: string; detail?: string }[] };

describe('admin console in the browser', () => {
  let dir: string;
  let rt: Runtime;
  let api: ApiClient;
  let browser: Browser;
  let page: Page;
  let ticket: Ticket;
  let admin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'whistle-console-'));
    await buildConsole(dir);
    ({ rt, api } = await bootRuntime({ timeScale: 3600, consoleDir: dir }));
    admin = await api.token({ role: 'admin' });
    const reporter = await api.token({ role: 'reporter', communityId: 'cm-nanqiao', sub: 'grid-worker-7' });
    const created = await api.call<Ticket>('POST', '/v1/tickets', reporter, {
      dutyItemId: 'di-corridor-clutter',
      communityId: 'cm-nanqiao',
      title: '消防通道被杂物堵塞',
      description: '3栋楼下消防通道堆满杂物，消防车无法通行',
      channel: 'grid',
      priority: 'urgent',
    });
    expect(created.status).toBe(201);
    ticket = created.body;
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
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await rt?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is served at / and signs an admin in with a demo principal', async () => {
    await page.goto(`${rt.url}/`);
    await expect(page.getByRole('heading', { name: '登录管理台' }).isVisible()).resolves.toBe(true);
    await page.getByRole('radio', { name: /系统管理员/ }).check();
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '超时督办' }).waitFor();
    const stored = await page.evaluate(() => sessionStorage.getItem('whistle.console.session'));
    expect(stored).toContain('token');
    // Every breach row (the default view groups them by unit).
    await page.getByRole('tab', { name: '明细' }).click();
    await page.waitForURL(/view=rows/);
  });

  it('shows the unacknowledged urgent ticket in the breach list once it breaches', async () => {
    // Thirty simulated minutes pass in half a second; the list is refreshed until the row appears.
    const row = page.locator(`tr[data-ticket="${ticket.id}"]`).first();
    for (let i = 0; i < 40 && !(await row.isVisible()); i += 1) {
      await page.getByRole('button', { name: '刷新' }).click();
      await page.waitForTimeout(250);
    }
    await expect(row.isVisible()).resolves.toBe(true);
    await expect(row.textContent()).resolves.toContain(ticket.code);
    await expect(row.textContent()).resolves.toContain('醴陵市来龙门街道办事处');
  });

  it('filters by stage and level', async () => {
    await page.getByLabel('环节').selectOption('acknowledge');
    await page.getByLabel('级别').selectOption('1');
    await page.getByRole('button', { name: '查询' }).click();
    // The rows on screen answer these filters (the previous rows stay while the next load).
    await page.locator('table[data-filters*="stage=acknowledge"][data-filters*="level=1"]').waitFor();
    await page.locator(`tr[data-ticket="${ticket.id}"]`).first().waitFor();
    const rows = page.locator('tbody tr[data-ticket]');
    const stages = await rows.locator('td:nth-child(4)').allTextContents();
    expect(stages.length).toBeGreaterThan(0);
    expect(new Set(stages)).toEqual(new Set(['签收']));
    const levels = await rows
      .locator('[data-level]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-level')));
    expect(new Set(levels)).toEqual(new Set(['1']));

    // A filter nothing matches says so rather than showing an empty table.
    await page.getByLabel('环节').selectOption('feedback');
    await page.getByRole('button', { name: '查询' }).click();
    await page.locator('[data-filters*="stage=feedback"]', { hasText: '所选条件下没有超时记录。' }).waitFor();
  });

  it('opens the ticket from the list with the keyboard and shows its timeline', async () => {
    await page.getByRole('button', { name: '重置' }).click();
    await page.locator('table[data-filters=""]').waitFor();
    const link = page.locator(`tr[data-ticket="${ticket.id}"] a.code`).first();
    await link.waitFor();
    await link.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/tickets/${ticket.id}`));
    await page.getByRole('heading', { name: '消防通道被杂物堵塞' }).waitFor();
    const timeline = page.getByTestId('timeline');
    await timeline.locator('[data-type="created"]').waitFor();
    await timeline.locator('[data-type="breach_level_1"]').first().waitFor();
    await expect(timeline.locator('[data-type="breach_level_1"]').first().textContent()).resolves.toContain(
      '超时 · 一级催办',
    );
    // Notifications sent for the ticket: the dispatch SMS at least.
    await page.locator('#notifications table').waitFor();
    await expect(page.locator('#notifications').textContent()).resolves.toContain('派单');
  });

  it('urges the unit: the timeline shows the urge and the API has it', async () => {
    const note = '请立即清理消防通道并回复处置情况';
    await page.getByLabel('催办意见').fill(note);
    await page.getByRole('button', { name: '发送催办' }).click();
    await page.getByText('已催办，承办单位将收到短信和邮件。').waitFor();
    const urged = page.getByTestId('timeline').locator('[data-type="urged"]');
    await urged.waitFor();
    await expect(urged.textContent()).resolves.toContain(note);
    const after = await api.call<Ticket>('GET', `/v1/tickets/${ticket.id}`, admin);
    expect(after.body.timeline.filter((e) => e.type === 'urged').map((e) => e.detail)).toEqual([note]);
  });

  it('shows problem+json errors readably', async () => {
    await page.getByLabel('催办意见').fill('   ');
    await page.getByRole('button', { name: '发送催办' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toMatch(/HTTP 400[\s\S]*note/);
  });

  it('decides a pending extension and rules on a returned ticket', async () => {
    const reporter = await api.token({ role: 'reporter', communityId: 'cm-nanqiao', sub: 'grid-worker-7' });
    const street = await api.token({ role: 'unit', unitId: 'u-street-lailongmen' });
    const raise = (title: string) =>
      api.call<Ticket>('POST', '/v1/tickets', reporter, {
        dutyItemId: 'di-neighbor-dispute',
        communityId: 'cm-nanqiao',
        title,
        description: '两户因漏水多次争吵',
        channel: 'walk_in',
      });
    const slow = (await raise('邻里漏水纠纷')).body;
    expect((await api.call('POST', `/v1/tickets/${slow.id}/acknowledge`, street)).status).toBe(200);
    const asked = await api.call('POST', `/v1/tickets/${slow.id}/extension`, street, {
      workingDays: 3,
      reason: '需等待物业出具检测报告',
    });
    expect(asked.status).toBe(202);
    await page.goto(`${rt.url}/#/tickets/${slow.id}`);
    await page.locator('#actions').getByText('需等待物业出具检测报告').waitFor();
    await page.getByRole('button', { name: '批准延期' }).click();
    await page.getByTestId('timeline').locator('[data-type="extension_approved"]').waitFor();

    const held = (await raise('楼道漏水无人处理')).body;
    const returned = await api.call<{ status: string }>('POST', `/v1/tickets/${held.id}/return`, street, {
      reason: '该楼栋不属本街道管辖',
    });
    expect(returned.body.status).toBe('returned');
    await page.goto(`${rt.url}/#/tickets/${held.id}`);
    await page.getByLabel('裁定结果').selectOption('assign');
    await page.locator('#ruling-unit').selectOption('u-street-xishan');
    await page.getByLabel('裁定说明').fill('由西山街道承办');
    await page.getByRole('button', { name: '提交裁定' }).click();
    await page.getByTestId('timeline').locator('[data-type="ruling"]').waitFor();
    const after = await api.call<{ assignments: { unitId: string; role: string; status: string }[] }>(
      'GET',
      `/v1/tickets/${held.id}`,
      admin,
    );
    const lead = after.body.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
    expect(lead?.unitId).toBe('u-street-xishan');
  });

  it('switches to English', async () => {
    await page.getByRole('button', { name: 'EN' }).click();
    await page.getByRole('heading', { name: 'Supervisor actions' }).waitFor();
    await page.getByRole('link', { name: 'Breaches' }).click();
    await page.getByRole('heading', { name: 'SLA breaches' }).waitFor();
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '超时督办' }).waitFor();
  });

  it('shows the live board and the rankings from live data', async () => {
    await page.getByRole('link', { name: '实时看板' }).click();
    const open = page.getByTestId('board-open');
    await open.waitFor();
    expect(Number(await open.textContent())).toBeGreaterThanOrEqual(1);
    await page.locator(`a.code:text("${ticket.code}")`).first().waitFor();

    await page.getByRole('link', { name: '三率排名' }).click();
    await page.getByRole('heading', { name: '单位排名', exact: true }).waitFor();
    const table = page.getByRole('table', { name: '单位排名', exact: true });
    await expect(table.textContent()).resolves.toContain('醴陵市来龙门街道办事处');
    await page.locator('.chart svg').first().waitFor();
  });

  it('gives a unit only its own tickets, without the oversight pages', async () => {
    await page.getByRole('button', { name: '退出' }).click();
    await page.getByRole('radio', { name: /承办单位/ }).check();
    await page.locator('#signin-unit').selectOption('u-street-lailongmen');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '待我处理' }).waitFor();
    // The unit is waited on to acknowledge the ticket; its list has it too.
    await page.locator(`[data-kind="acknowledge"][data-ticket="${ticket.id}"]`).waitFor();
    await page.getByRole('link', { name: '工单查询' }).click();
    await page.locator(`a.code:text("${ticket.code}")`).first().waitFor();
    await expect(page.getByRole('link', { name: '超时督办' }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: '三率排名' }).count()).resolves.toBe(0);
  });
});
