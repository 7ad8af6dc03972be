/**
 * The cost model, computed: the per-ticket counts a cost run measured (test/bench/cost.ts) times
 * a workload's volume, priced by test/bench/prices.ts, written into docs/performance.md between
 * `<!-- cost:begin -->` and `<!-- cost:end -->` by `npm run bench -- --only cost --write-docs`.
 * Nothing in that block is typed by hand: rerun to refresh it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CostResult } from './cost';
import { prices } from './prices';

export const COST_BEGIN = '<!-- cost:begin -->';
export const COST_END = '<!-- cost:end -->';
const performanceDoc = fileURLToPath(new URL('../../docs/performance.md', import.meta.url));

export interface Workload {
  name: string;
  tickets: number;
  /** Tickets a month at that volume (storage grows by this many tickets' bytes a month). */
  ticketsPerMonth: number;
}

/** Liling's year (the seed's 10,000 tickets) and a Beijing day (60,000: 21.43 M a year ÷ 365). */
export const workloads: Workload[] = [
  { name: 'Liling, a year', tickets: 10_000, ticketsPerMonth: 10_000 / 12 },
  { name: 'Beijing, a day', tickets: 60_000, ticketsPerMonth: 60_000 * 30 },
];

export interface CostLine {
  item: string;
  basis: string;
  usd: number;
}

export function costLines(
  c: CostResult,
  w: Workload,
): { lines: CostLine[]; total: number; sms: number; storage: CostLine } {
  const p = c.perTicket;
  const n = w.tickets;
  const lambdaUsd = (c.usdPer1000.lambdaAtAwsLatency / 1000) * n;
  const invocations = Object.values(p.lambda).reduce((a, f) => a + f.invocations, 0);
  const storedGbMonth = (p.storedKb * w.ticketsPerMonth) / 1024 / 1024;
  const logGb = (p.logKb * n) / 1024 / 1024;
  const lines: CostLine[] = [
    {
      item: 'Step Functions Standard',
      basis: `${p.transitions} transitions a ticket × ${n.toLocaleString('en')}`,
      usd: p.transitions * n * prices.stepFunctionsPerTransition,
    },
    {
      item: 'Lambda (arm64)',
      basis: `${round(invocations, 2)} invocations a ticket, measured durations + 5 ms a store call, 15 ms an SNS/Step Functions call`,
      usd: lambdaUsd,
    },
    {
      item: 'DynamoDB writes',
      basis: `${p.writeUnits} WRU a ticket (index copies included)`,
      usd: p.writeUnits * n * prices.dynamoPerWriteUnit,
    },
    {
      item: 'DynamoDB reads',
      basis: `${p.readUnits} RRU a ticket`,
      usd: p.readUnits * n * prices.dynamoPerReadUnit,
    },
    {
      item: 'HTTP API',
      basis: `${p.apiRequests} requests a ticket`,
      usd: p.apiRequests * n * prices.httpApiPerRequest,
    },
    {
      item: 'SNS (e-mail, publishes)',
      basis: `${p.emails} e-mails, ${p.snsPublishes} publishes a ticket`,
      usd: p.emails * n * prices.snsEmailPerMessage + p.snsPublishes * n * prices.snsPerPublish,
    },
    {
      item: 'CloudWatch Logs ingestion (estimated)',
      basis: `${p.logKb} KB a ticket = ${round(logGb, 2)} GB`,
      usd: logGb * prices.cloudWatchLogsPerGb,
    },
  ];
  // Storage is a monthly bill that grows: priced apart, per month of tickets added, not in the total.
  const storage: CostLine = {
    item: 'DynamoDB storage, each month of tickets adds',
    basis: `${p.storedKb} KB a ticket (table + index copies) × ${Math.round(w.ticketsPerMonth).toLocaleString('en')} tickets a month = ${round(storedGbMonth, 2)} GB, billed every month after`,
    usd: storedGbMonth * prices.dynamoPerGbMonth,
  };
  return { lines, total: lines.reduce((a, l) => a + l.usd, 0), sms: p.sms * n, storage };
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const usd = (x: number) => `$${x < 10 ? x.toFixed(3) : x.toFixed(2)}`;

export function costMarkdown(c: CostResult, at: string): string {
  const out: string[] = [
    `Computed by \`npm run bench -- --only cost --write-docs\` on ${at.slice(0, 10)} from a ${c.tickets}-ticket Liling run (${c.finishedExecutions} executions finished, ${c.simulatedDays} simulated days); prices in \`test/bench/prices.ts\` with their sources. Per 1,000 tickets: Step Functions **${usd(c.usdPer1000.stepFunctions)}** (target ≤ $0.30), all-in without SMS **${usd(c.usdPer1000.totalAtAwsLatency)}**. The Beijing day scales the same per-ticket counts to its volume.`,
    '',
  ];
  for (const w of workloads) {
    const { lines, total, sms, storage } = costLines(c, w);
    out.push(
      `**${w.name}** (${w.tickets.toLocaleString('en')} tickets)`,
      '',
      '| item | USD | basis |',
      '|---|---|---|',
      ...lines.map((l) => `| ${l.item} | ${usd(l.usd)} | ${l.basis} |`),
      `| **total without SMS** | **${usd(total)}** | |`,
      `| ${storage.item} | ${usd(storage.usd)} a month | ${storage.basis} |`,
      `| SMS | volume: ${Math.round(sms).toLocaleString('en')} messages (${c.perTicket.smsParts} parts a ticket) | × the gateway's or country's price per part, apart |`,
      '',
    );
  }
  return out.join('\n');
}

/** Replace the block between the markers in docs/performance.md. */
export function writeCostDocs(c: CostResult, at: string, file = performanceDoc): void {
  const doc = readFileSync(file, 'utf8');
  const begin = doc.indexOf(COST_BEGIN);
  const end = doc.indexOf(COST_END);
  if (begin < 0 || end < begin) throw new Error(`${file} has no ${COST_BEGIN} … ${COST_END} block`);
  const next = `${doc.slice(0, begin + COST_BEGIN.length)}\n${costMarkdown(c, at)}\n${doc.slice(end)}`;
  writeFileSync(file, next);
}
