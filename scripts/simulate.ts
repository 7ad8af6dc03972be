/**
 * npm run simulate -- [--scenario liling|beijing] [--tickets N] [--days D] [--tail-days T]
 *                     [--seed S] [--what-if <preset|file.json>] [--out DIR] [--via handlers|use-cases]
 *                     [--resolution SECONDS]
 *
 * Drives the real workflow, handlers and store in simulated time with a workload modelled on the
 * seed (see scripts/sim/workload.ts) and writes the SLA report as JSON and as a self-contained
 * HTML page. With --what-if, replays the same workload (same seed) under the changed policy and
 * writes the side-by-side comparison too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Via } from './sim/api';
import type { RunOptions } from './sim/driver';
import type { HeatReport } from './sim/heat';
import { renderComparisonHtml, renderReportHtml } from './sim/html';
import { progressBar } from './sim/progress';
import { type Comparison, compare, type SimReport } from './sim/report';
import { runSimulation } from './sim/run';
import { loadWhatIf, whatIfPresets } from './sim/what-if';
import { scenarios } from './sim/workload';

const usage = `usage: npm run simulate -- [options]
  --scenario liling|beijing   workload (default liling: a year of ~10,000 tickets; beijing: a city day of 60,000)
  --tickets N                 tickets to raise (default: the scenario's)
  --days D                    intake days (default: the scenario's: 365 / 1)
  --tail-days T               simulated days after intake so open tickets can finish (default 0)
  --seed S                    RNG seed (default 1): the same seed raises the same workload
  --what-if X                 replay under a changed policy: a preset (${Object.keys(whatIfPresets).join(', ')}) or a JSON file
  --out DIR                   where the reports go (default simulation-out/)
  --via handlers|use-cases    act through the Lambda handlers (default) or the use cases behind them
  --resolution SECONDS        event batching of the simulated clock (default: liling 60, beijing 1)
  --shards N                  processes to split the workload over (default: one per core)
  --no-heat                   do not measure capacity units per partition key (partition heat)
  --quiet                     no progress bar`;

interface Cli {
  run: Omit<RunOptions, 'whatIf' | 'onProgress' | 'shard'>;
  shards: number;
  whatIf: string | undefined;
  out: string;
  quiet: boolean;
}

export function parseCli(argv: string[]): Cli {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', default: 'liling' },
      tickets: { type: 'string' },
      days: { type: 'string' },
      'tail-days': { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' },
      'what-if': { type: 'string' },
      out: { type: 'string', default: 'simulation-out' },
      via: { type: 'string', default: 'handlers' },
      resolution: { type: 'string' },
      shards: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      heat: { type: 'boolean', default: true },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowNegative: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const name = values.scenario;
  if (name !== 'liling' && name !== 'beijing')
    throw new Error(`--scenario must be liling or beijing\n${usage}`);
  const scenario = scenarios[name];
  const num = (v: string | undefined, what: string, fallback: number, min = 0) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`${what} must be a number ≥ ${min}`);
    return n;
  };
  const via = values.via as Via;
  if (via !== 'handlers' && via !== 'use-cases') throw new Error('--via must be handlers or use-cases');
  return {
    run: {
      scenario,
      seed: values.seed,
      tickets: Math.round(num(values.tickets, '--tickets', scenario.tickets, 1)),
      days: num(values.days, '--days', scenario.days, 1 / 24),
      tailDays: num(values['tail-days'], '--tail-days', 0),
      via,
      resolutionMs: num(values.resolution, '--resolution', scenario.resolutionSeconds, 0.001) * 1000,
      heat: values.heat,
    },
    shards: Math.round(num(values.shards, '--shards', availableParallelism(), 1)),
    whatIf: values['what-if'],
    out: values.out,
    quiet: values.quiet,
  };
}

export interface SimulationOutput {
  baseline: SimReport;
  comparison?: Comparison;
  files: string[];
}

/** Run the baseline (and the what-if), write the reports, return them. */
export async function simulate(cli: Cli, log: (line: string) => void = () => {}): Promise<SimulationOutput> {
  const whatIf = cli.whatIf ? loadWhatIf(cli.whatIf) : undefined;
  const bar = cli.quiet ? undefined : progressBar();
  const runOnce = async (w: typeof whatIf) => {
    const report = await runSimulation({ ...cli.run, ...(w ? { whatIf: w } : {}) }, cli.shards, (p) =>
      bar?.update(p),
    );
    bar?.done();
    return report;
  };
  const out = resolve(cli.out);
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  const write = (name: string, body: string) => {
    const file = join(out, name);
    writeFileSync(file, body);
    files.push(file);
  };
  const base = `${cli.run.scenario.name}-seed${cli.run.seed}`;

  const baseline = await runOnce(undefined);
  log(summary(baseline));
  write(`${base}.json`, JSON.stringify(baseline, null, 2));
  write(`${base}.html`, renderReportHtml(baseline));
  if (!whatIf) return { baseline, files };

  const variant = await runOnce(whatIf);
  log(summary(variant));
  const comparison = compare(baseline, variant, whatIf);
  write(`${base}-${whatIf.name}.json`, JSON.stringify(variant, null, 2));
  write(`${base}-${whatIf.name}.html`, renderReportHtml(variant));
  write(`${base}-vs-${whatIf.name}.json`, JSON.stringify(comparison, null, 2));
  write(`${base}-vs-${whatIf.name}.html`, renderComparisonHtml(comparison));
  log(
    `what-if ${whatIf.name}: deadlines missed ${signed(comparison.delta.deadlinesMissed)}, level 2 ${signed(comparison.delta.level2)}, level 3 ${signed(comparison.delta.level3)}, resolution rate ${pct(comparison.delta.resolutionRate, true)}`,
  );
  return { baseline, comparison, files };
}

const pct = (x: number | null, sign = false) =>
  x === null ? 'n/a' : `${sign && x > 0 ? '+' : ''}${(x * 100).toFixed(1)}${sign ? ' pt' : '%'}`;
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

function summary(r: SimReport): string {
  const c = r.sla.city;
  return [
    `${r.label}: ${r.tickets.created} tickets over ${r.window.simulatedDays} simulated days in ${r.run.wallSeconds} s (${r.run.ticketsPerWallSecond} tickets/s, ${r.run.store.writesPerTicket} writes/ticket)`,
    `  三率 response ${pct(c.responseRate)} · resolution ${pct(c.resolutionRate)} · satisfaction ${pct(c.satisfactionRate)}`,
    `  deadlines missed ${r.sla.breaches.deadlinesMissed} · level 2 ${r.sla.escalations.level2} · level 3 ${r.sla.escalations.level3} · closed ${r.tickets.byStatus.closed ?? 0}`,
    `  clock audit: ${r.run.clockAudit.checked} open tickets checked, ${r.run.clockAudit.stranded} stranded, ${r.run.clockAudit.repairs} repaired by the watchdog in ${r.run.clockAudit.passes} passes`,
    ...r.run.clockAudit.sample.map((line) => `    ${line}`),
    ...(r.heat ? heatLines(r.heat) : []),
  ].join('\n');
}

/** The partition-heat table: the hottest keys' peak units per second against the partition limits. */
export function heatLines(h: HeatReport): string[] {
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const num = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1 });
  const rows = h.hottest
    .slice(0, 12)
    .map((k) =>
      [
        cut(k.index, 11).padEnd(11),
        cut(k.partition, 34).padEnd(34),
        num(k.rcuPerSecond).padStart(9),
        num(k.wcuPerSecond).padStart(9),
        `${(k.loadOfLimit * 100).toFixed(1)}%`.padStart(8),
        (k.headroom === null ? '∞' : `${num(k.headroom)}×`).padStart(9),
        ...(h.scale === 1
          ? []
          : [`${num(k.measured.rcuPerSecond)} / ${num(k.measured.wcuPerSecond)}`.padStart(15)]),
      ].join(' '),
    );
  return [
    `  partition heat (${h.keys} keys; peak units per ${h.bucketSeconds === 1 ? 'second' : `${h.bucketSeconds} s, per second`}${h.scale === 1 ? '' : `; ${h.note}`}):`,
    `    ${'index'.padEnd(11)} ${'partition key'.padEnd(34)} ${'RCU/s'.padStart(9)} ${'WCU/s'.padStart(9)} ${'of limit'.padStart(8)} ${'headroom'.padStart(9)}${h.scale === 1 ? '' : ` ${'measured R / W'.padStart(15)}`}`,
    ...rows.map((line) => `    ${line}`),
    `    after the simulated day (the end-of-run drain and audit, in no peak): ${num(h.afterEnd.rcu)} RCU, ${num(h.afterEnd.wcu)} WCU measured`,
    `    limits ${num(h.limits.rcuPerSecond)} RCU/s, ${num(h.limits.wcuPerSecond)} WCU/s per partition key: ${h.allUnderLimit ? `every key under, the hottest with ${h.headroom === null ? '∞' : `${num(h.headroom)}×`} headroom` : 'OVER THE LIMIT'}`,
  ];
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const { files } = await simulate(cli, (line) => process.stdout.write(`${line}\n`));
  for (const f of files) process.stdout.write(`wrote ${f}\n`);
  // The engine leaves its (cleared-on-completion) task timeouts armed for aborted executions.
  process.exit(0);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('simulate.ts')) {
  main().catch((err: Error) => {
    process.stderr.write(`\n${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
