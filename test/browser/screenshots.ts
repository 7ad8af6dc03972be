/**
 * Screenshots of every console view for the README: `npx tsx test/browser/screenshots.ts [outDir]`
 * (default docs/screenshots). Makes its own data through the API on a throw-away data dir:
 * six weeks of history on a fast clock, a "present" with open tickets at every escalation level,
 * then a restart at real speed (the same data dir) so the pictures hold still.
 * Needs Debian's Chromium and a CJK font (apt-get install chromium fonts-noto-cjk).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { buildConsole } from '../../console/build';
import type { Runtime } from '../../infra/local/runtime';
import { startTestRuntime } from '../helpers/runtime';
import { DemoDriver, templates } from './demo-data';

const out = resolve(process.argv[2] ?? 'docs/screenshots');
const dataDir = mkdtempSync(join(tmpdir(), 'whistle-shots-'));
const consoleDir = join(dataDir, 'console');
const HOUR = 3_600_000;
const log = (s: string) => process.stdout.write(`${s}\n`);

const boot = (timeScale: number, clockStart?: string): Promise<Runtime> =>
  startTestRuntime({ dataDir, timeScale, ...(clockStart ? { clockStart } : {}), consoleDir });

const tpl = (item: string) => {
  const found = templates.find((t) => t.item === item);
  if (!found) throw new Error(`no template for ${item}`);
  return found;
};

async function main() {
  await buildConsole(consoleDir);

  // 1. History: six weeks at half a day per second.
  const weeks = 6;
  // Start early enough that the slowest lives (extensions, reopens) end about now.
  let rt = await boot(43_200, new Date(Date.now() - (weeks * 7 + 10) * 24 * HOUR).toISOString());
  let demo = new DemoDriver(rt);
  await demo.init();
  const made = await demo.history(weeks, 20);
  log(`history: ${made} tickets, ${demo.errors.length} refused actions`);
  await rt.stop();

  // 2. The present, at ten minutes per second: fresh tickets climbing the escalation ladder.
  rt = await boot(600);
  demo = new DemoDriver(rt);
  await demo.init();
  const admin = await demo.token({ role: 'admin', sub: 'city-admin' });
  // Climbing the ladder: at the end, one ticket is at level 3 (urged), one at 2, one at 1.
  const ignored = await demo.create(tpl('di-fire-lane-blocked'), 'cm-nanqiao', 'grid', true);
  const general = [
    await demo.create(tpl('di-streetlight'), 'cm-taocicheng', 'online'),
    await demo.create(tpl('di-neighbor-noise'), 'cm-huayuan', 'walk_in'),
    await demo.create(tpl('di-catering-fumes'), 'cm-yangsanshi', 'grid'),
    await demo.create(tpl('di-group-rental'), 'cm-chengbei', 'night_patrol'),
    await demo.create(tpl('di-traffic-signal'), 'cm-cicheng', 'hotline'),
  ];
  for (const t of general.slice(2)) {
    const lead = t?.assignments.find((a) => a.role === 'lead');
    if (t && lead) await demo.act(t.id, 'acknowledge', await demo.unit(lead.unitId));
  }
  const ext = general[4];
  if (ext) {
    await demo.act(ext.id, 'extension', await demo.unit('u-jjdd'), {
      workingDays: 5,
      reason: '信号机主板需返厂维修，备件到货约需一周',
    });
  }
  const returned = await demo.create(tpl('di-corridor-clutter'), 'cm-lujiang', 'market_day');
  const returnedLead = returned?.assignments.find((a) => a.role === 'lead');
  if (returned && returnedLead) {
    await demo.act(returned.id, 'return', await demo.unit(returnedLead.unitId), {
      reason: '该楼栋属开发区管辖，非本街道辖区',
    });
  }
  await demo.after(1.4 * HOUR);
  const gas = await demo.create(tpl('di-gas-leak'), 'cm-xishan', 'hotline');
  await demo.after(0.6 * HOUR);
  const road = await demo.create(tpl('di-road-collapse'), 'cm-gongyuan', 'hotline');
  for (const a of road?.assignments ?? []) {
    if (road) await demo.act(road.id, 'acknowledge', await demo.unit(a.unitId));
  }
  await demo.after(0.3 * HOUR);
  if (gas) await demo.act(gas.id, 'urge', admin, { note: '燃气泄漏危及群众安全，请立即到场处置' });
  if (ignored)
    await demo.act(ignored.id, 'urge', admin, { note: '消防通道关系群众生命安全，请立即到场处置' });
  await demo.after(0.4 * HOUR);
  log(
    `present: ${demo.errors.length} refused actions${demo.errors.length ? `\n  ${demo.errors.slice(0, 8).join('\n  ')}` : ''}`,
  );
  await rt.stop();

  // 3. Real speed, and the browser.
  rt = await boot(1);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--font-render-hinting=none',
      '--lang=zh-CN',
    ],
  });
  try {
    const page = await browser.newPage({
      viewport: { width: 1440, height: 900 },
      deviceScaleFactor: 1,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    const shot = async (name: string, fullPage = false) => {
      await page.waitForTimeout(600); // chart animations settle
      await page.screenshot({ path: join(out, `${name}.png`), fullPage });
      log(`  ${name}.png`);
    };
    await page.goto(rt.url);
    await page.getByRole('button', { name: '登录' }).waitFor();
    await page.locator('#signin-street').waitFor({ state: 'detached' });
    await shot('sign-in');
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('table tbody tr').first().waitFor();
    await shot('breaches');

    if (gas) {
      await page.setViewportSize({ width: 1440, height: 1500 });
      await goto(page, `${rt.url}/#/tickets/${gas.id}`, '[data-type="urged"]');
      await page.locator('#notifications table').waitFor();
      await shot('ticket');
      await page.setViewportSize({ width: 1440, height: 900 });
    }
    await goto(page, `${rt.url}/#/board`, '[data-testid="board-open"]');
    await page.locator('.table tbody tr').first().waitFor();
    await shot('board');
    await goto(page, `${rt.url}/#/rankings`, '.chart svg');
    await shot('rankings', true);
    await goto(page, `${rt.url}/#/config/duty-items`, '.table tbody tr');
    await shot('config-duty-items');
    await goto(page, `${rt.url}/#/config/sla`, '.sla-card');
    await shot('config-sla');
    await goto(page, `${rt.url}/#/config/calendar?year=2026`, '.cal-grid');
    await shot('config-calendar', true);
    await goto(page, `${rt.url}/#/breaches`, '.table tbody tr');
    await page.getByRole('button', { name: 'EN' }).first().click();
    await page.getByRole('heading', { name: 'SLA breaches' }).waitFor();
    await page.locator('.table tbody tr').first().waitFor();
    await shot('breaches-en');
  } finally {
    await browser.close();
    await rt.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function goto(page: Page, url: string, ready: string) {
  await page.goto(url);
  await page.locator(ready).first().waitFor();
}

await main();
// The store's keep-alive sockets would hold the process open.
process.exit(0);
