import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Simulation } from '../../scripts/sim/driver';
import { renderComparisonHtml, renderReportHtml } from '../../scripts/sim/html';
import { compare, mergeReports, type SimReport } from '../../scripts/sim/report';
import { runSimulation } from '../../scripts/sim/run';
import { loadWhatIf, whatIfPresets } from '../../scripts/sim/what-if';
import { scenarios } from '../../scripts/sim/workload';

/** A tiny Liling workload: a fortnight of intake and a fortnight for it to finish. */
const tiny = {
  scenario: scenarios.liling,
  seed: 'test',
  tickets: 36,
  days: 14,
  tailDays: 14,
  via: 'handlers' as const,
  resolutionMs: 60_000,
};

describe('simulator: a tiny Liling workload through the real workflow, handlers and store', () => {
  let baseline: SimReport;
  let variant: SimReport;
  const dir = mkdtempSync(join(tmpdir(), 'whistle-sim-'));

  beforeAll(async () => {
    // In this process, with the partition-heat meter on (as `npm run simulate` runs).
    baseline = await runSimulation({ ...tiny, heat: true }, 1, undefined, true);
    variant = await new Simulation({ ...tiny, whatIf: whatIfPresets['general-resolve-7'] }).run();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('raises every ticket of the workload and plays it to the end', () => {
    expect(baseline.tickets.created).toBe(36);
    expect(baseline.run.failures).toEqual([]);
    // Units acted, residents gave verdicts, and the workflow finished most lifecycles.
    expect(baseline.run.actions.acknowledge).toBeGreaterThan(30);
    expect(baseline.tickets.closeReasons.verdict).toBeGreaterThan(20);
    expect(baseline.run.engine.succeeded).toBeGreaterThan(20);
    // Transitions are counted per execution; a closed ticket stays within the budget of 12.
    expect(baseline.run.engine.transitionsPerFinished.p50).toBeGreaterThan(0);
    expect(baseline.run.engine.transitionsPerFinished.p50).toBeLessThanOrEqual(12);
    expect(baseline.notifications.byKind['dispatch.sms']).toBeGreaterThan(36);
    // The run ends with the clock audit: no open party's clock stopped.
    expect(baseline.run.clockAudit.stranded).toBe(0);
    expect(baseline.run.clockAudit.sample).toEqual([]);
    // The reconciler ran on the simulated clock (not every few real seconds): at most once every
    // five minutes of it.
    const fiveMinutes = (tiny.days + tiny.tailDays) * 24 * 12;
    expect(baseline.run.clockAudit.passes).toBeGreaterThan(0);
    expect(baseline.run.clockAudit.passes).toBeLessThanOrEqual(fiveMinutes);
    expect(variant.run.clockAudit.passes).toBeGreaterThan(0);
  });

  it('measures partition heat: units per key per second for the table and its indexes, against the limits', () => {
    const heat = baseline.heat;
    expect(heat?.limits).toEqual({ rcuPerSecond: 3000, wcuPerSecond: 1000 });
    expect(Object.keys(heat?.byIndex ?? {})).toContain('table');
    const hottest = heat?.hottest[0];
    expect(hottest?.wcuPerSecond ?? 0).toBeGreaterThan(0);
    expect(hottest?.loadOfLimit).toBeCloseTo(
      Math.max((hottest?.rcuPerSecond ?? 0) / 3000, (hottest?.wcuPerSecond ?? 0) / 1000),
      3,
    );
  });

  it('reports the 三率 per unit and city-wide, with breaches by stage and level', () => {
    const office = baseline.units.find((u) => u.unitId.startsWith('u-street-'));
    expect(office?.name).toMatch(/街道办事处$/);
    for (const u of baseline.units) {
      for (const rate of [u.responseRate, u.resolutionRate, u.satisfactionRate]) {
        if (rate !== null) expect(rate).toBeGreaterThanOrEqual(0);
        if (rate !== null) expect(rate).toBeLessThanOrEqual(1);
      }
    }
    const c = baseline.sla.city;
    expect(c.received).toBe(baseline.units.reduce((n, u) => n + u.received, 0));
    expect(c.responseRate).toBeGreaterThan(0.5);
    const b = baseline.sla.breaches;
    const byStage = Object.values(b.byStage).reduce((n, l) => n + l[1] + l[2] + l[3], 0);
    expect(byStage).toBe(b.records);
    expect(b.byLevel[1]).toBe(b.deadlinesMissed);
    expect(baseline.sla.escalations.level2).toBe(b.byLevel[2]);
  });

  it('replays the same workload under a what-if and compares side by side', () => {
    expect(variant.tickets.created).toBe(baseline.tickets.created);
    expect(variant.tickets.byChannel).toEqual(baseline.tickets.byChannel);
    expect(variant.config.version).toBe(2);
    const cmp = compare(baseline, variant, whatIfPresets['general-resolve-7'] as never);
    // Two more working days to resolve can only help the same units doing the same work.
    expect(variant.sla.breaches.byStage.resolve?.[1] ?? 0).toBeLessThanOrEqual(
      baseline.sla.breaches.byStage.resolve?.[1] ?? 0,
    );
    expect(cmp.delta.deadlinesMissed).toBe(
      variant.sla.breaches.deadlinesMissed - baseline.sla.breaches.deadlinesMissed,
    );
    const html = renderComparisonHtml(cmp);
    expect(html).toContain('general-resolve-7');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3)/);
  });

  it('renders a self-contained HTML page with charts', () => {
    const html = renderReportHtml(baseline);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('响应率');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(html).not.toMatch(/<script|<link |src="http/);
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    expect(readFileSync(file, 'utf8')).toContain('u-street-');
  });

  it('merges shard reports into the same totals', () => {
    const merged = mergeReports([baseline, variant]);
    expect(merged.tickets.created).toBe(72);
    expect(merged.run.shards).toBe(2);
    expect(merged.sla.breaches.records).toBe(baseline.sla.breaches.records + variant.sla.breaches.records);
    const received = (r: SimReport) => r.units.reduce((n, u) => n + u.received, 0);
    expect(received(merged)).toBe(received(baseline) + received(variant));
  });

  it('reads a what-if file without letting schema defaults overwrite the policy', () => {
    const file = join(dir, 'what-if.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'complex-ack-2',
        slaPolicies: { complex: { acknowledge: { workingDays: 2 } } },
      }),
    );
    const w = loadWhatIf(file);
    expect(w.slaPolicies?.complex).toEqual({ acknowledge: { workingDays: 2 } });
    expect(() => loadWhatIf(join(dir, 'missing.json'))).toThrow(/preset/);
  });
});
