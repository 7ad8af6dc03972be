/**
 * npm run bench -- [--json FILE] [--only intake,lifecycle,transitions,cost,bundles,console,wave,reliability] [--quick] [--write-docs]
 *
 * Measures the embedded runtime and the Lambda bundles and prints each figure against its target
 * (issue 10; docs/performance.md explains every figure and how it is measured). Never part of
 * `npm test`: the numbers depend on the machine, and the machine is shared.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type CrashReport, crashRecoveryBench } from '../reliability/crash-run';
import { type BundlesResult, benchBundles } from './bundles';
import { benchConsoleWeak, type ConsoleWeakResult } from './console-weak';
import { benchCost, type CostResult } from './cost';
import { writeCostDocs } from './cost-model';
import { benchIntake, type IntakeResult } from './intake';
import { benchLifecycle, benchTransitions, type LifecycleResult, type TransitionsResult } from './lifecycle';
import { benchWave, type WaveReport } from './wave';

const sections = [
  'bundles',
  'transitions',
  'lifecycle',
  'intake',
  'cost',
  'console',
  'wave',
  'reliability',
] as const;
type Section = (typeof sections)[number];

interface BenchReport {
  kind: 'whistle-bench';
  at: string;
  machine: { node: string; cpus: number; cpuModel: string; loadAverageAtStart: number[] };
  quick: boolean;
  intake?: IntakeResult & { lifecycleTarget?: never };
  lifecycle?: LifecycleResult & { target: { lifecyclesPerSec: number; met: boolean } };
  transitions?: TransitionsResult;
  cost?: CostResult;
  bundles?: BundlesResult;
  /** The console's first rows on a throttled phone connection, in Chromium. */
  console?: ConsoleWeakResult;
  /** The SIGKILL crash-recovery run at full count (docs/reliability.md). */
  reliability?: Omit<CrashReport, 'dataDir'>;
  /** The 17:30 wave: tickets all due at one instant, played in simulated time. */
  wave?: WaveReport;
  seconds: Record<string, number>;
}

type Row = [figure: string, value: string, target: string, met: boolean | undefined];

function table(rows: Row[]): string {
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => String(r[i]).length), 6));
  const line = (r: Row) =>
    `${r[0].padEnd(widths[0] as number)}  ${r[1].padStart(widths[1] as number)}  ${r[2].padEnd(widths[2] as number)}  ${r[3] === undefined ? '' : r[3] ? 'ok' : 'MISSED'}`;
  return [line(['figure', 'value', 'target', undefined]), ...rows.map(line)].join('\n');
}

function rowsOf(r: BenchReport): Row[] {
  const rows: Row[] = [];
  if (r.intake) {
    const i = r.intake;
    rows.push(
      [
        'intake tickets/s (32 clients, dispatched)',
        String(i.ticketsPerSec),
        `≥ ${i.target.ticketsPerSec}`,
        i.target.met,
      ],
      ['  responses/s while the clients ran', String(i.responsesPerSec), '', undefined],
      ['  storeWritesPerSec (raw PutItem, 32)', String(i.storeWritesPerSec), '', undefined],
      [
        'intake ratio: tickets/s ÷ (storeItemWritesPerSec ÷ itemWritesPerTicket)',
        `${i.ratio.value} (${i.storeItemWritesPerSec} ÷ ${i.itemWritesPerTicket})`,
        `≥ ${i.ratio.target}`,
        i.ratio.met,
      ],
      [
        '  store-only ceiling of that ratio (requests a ticket)',
        `${i.requestCeiling.ratio} (${i.requestCeiling.requestsPerTicket})`,
        '',
        undefined,
      ],
      ['  store writes/s, ticket item with 4 GSIs', String(i.storeIndexedWritesPerSec), '', undefined],
      ['  writesPerTicket (up to dispatch)', String(i.writesPerTicket), '', undefined],
      [
        `intake p50 latency at half capacity, ${i.latency.offeredPerSec} req/s (ms)`,
        String(i.latency.p50Ms),
        '',
        undefined,
      ],
      ['intake p99AtHalfCapacityMs', String(i.p99AtHalfCapacityMs), '≤ 50', i.target.p99Met],
    );
  }
  if (r.lifecycle) {
    const l = r.lifecycle;
    rows.push(
      [
        'lifecycles/s (happy path, simulated time)',
        String(l.lifecyclesPerSec),
        `≥ ${l.target.lifecyclesPerSec}`,
        l.target.met,
      ],
      ['  writesPerLifecycle (notifications incl.)', String(l.writesPerLifecycle), '', undefined],
      [
        'lifecycle ratio: lifecycles/s ÷ (storeItemWritesPerSec ÷ itemWritesPerLifecycle)',
        `${l.ratio.value} (${l.storeItemWritesPerSec} ÷ ${l.itemWritesPerLifecycle})`,
        `≥ ${l.ratio.target}`,
        l.ratio.met,
      ],
      [
        '  store-only ceiling of that ratio (requests a lifecycle)',
        `${l.requestCeiling.ratio} (${l.requestCeiling.requestsPerTicket})`,
        '',
        undefined,
      ],
    );
  }
  if (r.transitions) {
    const t = r.transitions;
    rows.push(
      ['transitions: happy path', String(t.happyPath), '≤ 12', t.target.met],
      ['transitions: one escalation', String(t.oneEscalation), '', undefined],
      ['transitions: a reopen', String(t.reopen), '', undefined],
    );
  }
  if (r.cost) {
    const c = r.cost;
    rows.push(
      [
        'cost USD/1k tickets: Step Functions',
        c.usdPer1000.stepFunctions.toFixed(3),
        '≤ 0.30',
        c.target.stepFunctionsMet,
      ],
      [
        'cost USD/1k tickets: all-in without SMS',
        c.usdPer1000.totalAtAwsLatency.toFixed(3),
        '≤ 1.00',
        c.target.totalMet,
      ],
      ['  (Lambda at measured local durations)', c.usdPer1000.total.toFixed(3), '', undefined],
      ['  of which CloudWatch Logs (estimated)', c.usdPer1000.cloudWatchLogs.toFixed(3), '', undefined],
      [
        '  SMS per 1k tickets (parts)',
        `${c.smsPer1000.messages} (${c.smsPer1000.parts})`,
        'country price',
        undefined,
      ],
    );
  }
  if (r.console) {
    const c = r.console;
    const n = c.network;
    rows.push(
      [
        `console first rows, ${n.downKbps / 1000} Mbps ${n.latencyMs} ms CPU ×${n.cpuSlowdown} (s)`,
        String(c.weak.firstRowsSeconds),
        `≤ ${c.target.firstRowsSeconds} (was ~${c.before.firstRowsSeconds})`,
        c.target.met,
      ],
      ['  shell painted on that line (s)', String(c.weak.shellSeconds), '', undefined],
      ['  bytes over the wire, cold cache (KB)', String(c.weak.transferKb), '', undefined],
      ['  first rows on the local line (s)', String(c.local.firstRowsSeconds), '', undefined],
    );
  }
  if (r.wave) {
    const w = r.wave;
    rows.push(
      [
        `waveDrainSeconds: ${w.tickets} tickets (${w.parties} parties) due at ${w.nominalAt.slice(11, 16)}`,
        String(w.waveDrainSeconds),
        '',
        undefined,
      ],
      [
        '  parties breached once at the nominal instant',
        `${w.breachedOnce}/${w.parties}`,
        'all',
        w.breachedOnce === w.parties,
      ],
      ['  strandedAfterWave', String(w.strandedAfterWave), '0', w.strandedAfterWave === 0],
    );
  }
  if (r.reliability) {
    const c = r.reliability;
    rows.push(
      [
        `crash recovery: ${c.tickets} tickets, ${c.kills} SIGKILLs (seed ${c.seed})`,
        `${c.violations.length} lost/doubled`,
        '0',
        c.violations.length === 0,
      ],
      ['  strandedAfterChaos (clock audit)', String(c.strandedAfterChaos), '0', c.strandedAfterChaos === 0],
      ['  repairs (clock_repaired events)', String(c.repairs), '', undefined],
    );
  }
  if (r.bundles) {
    const b = r.bundles;
    rows.push([
      `bundle baseline (DynamoDB + lib-dynamodb)`,
      `${b.baseline.kb} KB ${b.baseline.initMs} ms (${b.baseline.leanCredentialsKb} KB with the functions' aliases)`,
      '',
      undefined,
    ]);
    for (const f of b.functions) {
      rows.push([
        `bundle ${f.name}`,
        `${f.kb} KB ${f.initMs} ms ×${f.initVsBaseline}`,
        '≤ 450 KB, ×1.5',
        f.sizeMet && f.initMet,
      ]);
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      json: { type: 'string' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'write-docs': { type: 'boolean', default: false },
    },
  });
  const only = new Set((values.only ?? sections.join(',')).split(',').map((s) => s.trim()) as Section[]);
  for (const s of only)
    if (!sections.includes(s)) throw new Error(`unknown section ${s} (${sections.join(', ')})`);
  const quick = values.quick;
  const report: BenchReport = {
    kind: 'whistle-bench',
    at: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    },
    quick,
    seconds: {},
  };
  const timed = async <T>(name: Section, fn: () => Promise<T>): Promise<T | undefined> => {
    if (!only.has(name)) return undefined;
    process.stderr.write(`bench: ${name}…\n`);
    const t0 = performance.now();
    const out = await fn();
    report.seconds[name] = Math.round((performance.now() - t0) / 100) / 10;
    return out;
  };

  const bundles = await timed('bundles', () => benchBundles({ runs: quick ? 3 : 5 }));
  if (bundles) report.bundles = bundles;
  const transitions = await timed('transitions', () => benchTransitions());
  if (transitions) report.transitions = transitions;
  const intake = await timed('intake', () => benchIntake({ seconds: quick ? 4 : 10, clients: 32, quick }));
  if (intake) report.intake = intake;
  const lifecycle = await timed('lifecycle', () =>
    benchLifecycle({ count: quick ? 300 : 1000, concurrency: 32 }),
  );
  if (lifecycle) {
    // Judged against the store's own write rate, measured in the intake section (or here).
    const storeRate = intake?.storeWritesPerSec ?? lifecycle.storeWritesPerSec;
    const target = storeRate ? 0.5 * (storeRate / lifecycle.writesPerLifecycle) : Number.NaN;
    report.lifecycle = {
      ...lifecycle,
      target: { lifecyclesPerSec: Math.round(target * 10) / 10, met: lifecycle.lifecyclesPerSec >= target },
    };
  }
  // Last: it adds timing middleware to the handler modules of this process.
  const cost = await timed('cost', () =>
    benchCost({ tickets: quick ? 300 : 1000, days: quick ? 20 : 60, tailDays: quick ? 20 : 30 }),
  );
  if (cost) report.cost = cost;
  // The cost model in docs/performance.md is computed from this run, never typed.
  if (cost && values['write-docs']) writeCostDocs(cost, report.at);
  const consoleWeak = await timed('console', () => benchConsoleWeak());
  if (consoleWeak) report.console = consoleWeak;
  const wave = await timed('wave', () =>
    benchWave({ tickets: Number(process.env.BENCH_WAVE_TICKETS ?? (quick ? 300 : 5_000)) }),
  );
  if (wave) report.wave = wave;
  // Spawns and kills runtimes of its own (quick: the reduced count `npm test` runs).
  const crash = await timed('reliability', () =>
    crashRecoveryBench(
      quick ? { RELIABILITY_TICKETS: '60', RELIABILITY_KILLS: '3', ...process.env } : process.env,
      (line) => process.stderr.write(`  ${line}\n`),
    ),
  );
  if (crash) {
    const { dataDir: _dir, ...rest } = crash;
    report.reliability = rest;
  }

  process.stdout.write(`${table(rowsOf(report))}\n`);
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`wrote ${values.json}\n`);
  }
}

main()
  .then(() => process.exit(0))
  .catch((err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  });
