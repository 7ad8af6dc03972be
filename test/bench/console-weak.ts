/**
 * console: the console's first rows on a weak phone connection (issue 22), in Debian Chromium.
 *
 * A signed-in administrator opens the tickets list with a cold cache, once on the local line and
 * once throttled through the DevTools protocol as the issue measured it: 1.6 Mbps down, 750 kbps
 * up, 150 ms round trip and a CPU four times slower. Reported: seconds until the page shell
 * paints, seconds until the first ticket rows show, and the bytes that crossed the wire. A figure,
 * never a test: the machine is shared and its speed varies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { buildConsole } from '../../console/build';
import { bootRuntime } from '../helpers/runtime';

export interface ConsoleLoad {
  shellSeconds: number;
  firstRowsSeconds: number;
  transferKb: number;
}

export interface ConsoleWeakResult {
  network: { downKbps: number; upKbps: number; latencyMs: number; cpuSlowdown: number };
  local: ConsoleLoad;
  weak: ConsoleLoad;
  /** The measurement before the console was split and compressed. */
  before: { firstRowsSeconds: number; uncompressedJsKb: number };
  target: { firstRowsSeconds: number; met: boolean };
}

const WEAK = { downKbps: 1600, upKbps: 750, latencyMs: 150, cpuSlowdown: 4 };

async function load(browser: Browser, url: string, session: string, throttle: boolean): Promise<ConsoleLoad> {
  // A new context is a cold HTTP cache; the session is put where the console keeps it.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  await context.addInitScript((s) => sessionStorage.setItem('whistle.console.session', s), session);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let bytes = 0;
  cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
    bytes += e.encodedDataLength;
  });
  if (throttle) {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: WEAK.latencyMs,
      downloadThroughput: (WEAK.downKbps * 1000) / 8,
      uploadThroughput: (WEAK.upKbps * 1000) / 8,
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: WEAK.cpuSlowdown });
  }
  const t0 = performance.now();
  await page.goto(`${url}/#/tickets`, { waitUntil: 'commit', timeout: 120_000 });
  await page.locator('.boot-shell, main').first().waitFor({ timeout: 120_000 });
  const shell = performance.now() - t0;
  await page.locator('main table tbody tr').first().waitFor({ timeout: 120_000 });
  const rows = performance.now() - t0;
  await context.close();
  const s = (ms: number) => Math.round(ms / 10) / 100;
  return { shellSeconds: s(shell), firstRowsSeconds: s(rows), transferKb: Math.round(bytes / 1024) };
}

export async function benchConsoleWeak(): Promise<ConsoleWeakResult> {
  const dir = mkdtempSync(join(tmpdir(), 'whistle-bench-console-'));
  await buildConsole(dir);
  const { rt, api } = await bootRuntime({ consoleDir: dir });
  let browser: Browser | undefined;
  try {
    const reporter = await api.token({ role: 'reporter', communityId: 'cm-xishan' });
    for (let i = 0; i < 20; i++) {
      const res = await api.call('POST', '/v1/tickets', reporter, {
        dutyItemId: 'di-neighbor-dispute',
        communityId: 'cm-xishan',
        title: `邻里纠纷 ${i + 1}`,
        description: '两户因漏水多次争吵，需要调解',
        channel: 'grid',
      });
      if (res.status !== 201) throw new Error(`seeding failed: ${res.status}`);
    }
    await rt.workflow.settled();
    const session = JSON.stringify({ token: await api.token({ role: 'admin' }) });
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
    const local = await load(browser, rt.url, session, false);
    const weak = await load(browser, rt.url, session, true);
    const target = 5;
    return {
      network: WEAK,
      local,
      weak,
      before: { firstRowsSeconds: 10, uncompressedJsKb: 758 },
      target: { firstRowsSeconds: target, met: weak.firstRowsSeconds <= target },
    };
  } finally {
    await browser?.close();
    await rt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
