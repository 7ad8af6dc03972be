/**
 * `npm run audit -- --data DIR`: the clock audit of a stopped runtime's data directory. What fell
 * due while it was down shows in the records; booting over the directory re-attaches and catches
 * it up, so the engine's audit is clean and the command exits 0.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Harness } from '../helpers/workflow-harness';

const dir = mkdtempSync(join(tmpdir(), 'whistle-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const audit = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/audit.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('npm run audit', () => {
  it('shows what fell due while a runtime was stopped, and that start-up catches it up', async () => {
    // A ticket raised weeks ago (the harness's clock), audited now: its acknowledge window passed.
    const first = await Harness.start('2026-09-28T09:00:00+08:00', { dataDir: dir });
    const t = await first.create({ dutyItemId: 'di-neighbor-dispute', communityId: 'cm-nanqiao' });
    await first.stop();

    const run = audit('--data', dir, '--json');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as {
      checked: number;
      stranded: number;
      beforeRestart: { stranded: number; items: { ticketId: string; kind: string; party: string }[] };
    };
    expect(report.beforeRestart.items).toContainEqual(
      expect.objectContaining({ ticketId: t.id, kind: 'overdue', party: 'lead' }),
    );
    expect(report.checked).toBe(1);
    expect(report.stranded).toBe(0);
  });

  it('refuses --repair against a running runtime and names the fix', () => {
    const run = audit('--repair');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--repair needs --data');
  });
});
