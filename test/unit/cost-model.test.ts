/**
 * The cost model in docs/performance.md is computed from a measured run: the writer replaces only
 * the marked block, totals are the sum of their lines, SMS stays out of the total as a volume.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CostResult } from '../bench/cost';
import { COST_BEGIN, COST_END, costLines, workloads, writeCostDocs } from '../bench/cost-model';
import { prices } from '../bench/prices';

const measured = {
  tickets: 300,
  simulatedDays: 40,
  finishedExecutions: 300,
  perTicket: {
    transitions: 11.6,
    lambda: { awaitParty: { invocations: 4.75, meanMs: 11, memoryMb: 256 } },
    writeUnits: 200,
    readUnits: 28,
    apiRequests: 4.9,
    emails: 3.6,
    snsPublishes: 7.3,
    sms: 3.6,
    smsParts: 3.6,
    storeOpsPerInvocation: 4.7,
    logKb: 49,
    storedKb: 40,
  },
  usdPer1000: {
    cloudWatchLogs: 0.02,
    stepFunctions: 0.29,
    lambda: 0.003,
    dynamodb: 0.13,
    httpApi: 0.005,
    snsEmail: 0.076,
    total: 0.52,
    lambdaAtAwsLatency: 0.005,
    totalAtAwsLatency: 0.53,
  },
  smsPer1000: { messages: 3600, parts: 3600, note: '' },
  target: { stepFunctions: 0.3, total: 1, stepFunctionsMet: true, totalMet: true },
} satisfies CostResult;

describe('the computed cost model', () => {
  it('prices a Beijing day from the measured per-ticket counts, SMS apart as a volume', () => {
    const beijing = workloads.find((w) => w.name.startsWith('Beijing'));
    if (!beijing) throw new Error('no Beijing workload');
    const { lines, total, sms, storage } = costLines(measured, beijing);
    expect(lines.find((l) => l.item.startsWith('Step Functions'))?.usd).toBeCloseTo(
      11.6 * 60_000 * prices.stepFunctionsPerTransition,
    );
    expect(total).toBeCloseTo(lines.reduce((a, l) => a + l.usd, 0));
    expect(lines.some((l) => /SMS/.test(l.item))).toBe(false);
    expect(sms).toBeCloseTo(3.6 * 60_000);
    // A month of Beijing tickets at 40 KB each: about 69 GB more stored every month.
    expect(storage.basis).toContain('68.66 GB');
    expect(storage.usd).toBeCloseTo(68.66 * prices.dynamoPerGbMonth, 1);
    expect(lines).not.toContain(storage);
  });

  it('rewrites only the block between the markers', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cost-')), 'performance.md');
    writeFileSync(file, `# Before\n\n${COST_BEGIN}\nold figures\n${COST_END}\n\n# After\n`);
    writeCostDocs(measured, '2026-12-05T16:00:00Z', file);
    const doc = readFileSync(file, 'utf8');
    expect(doc.startsWith('# Before\n')).toBe(true);
    expect(doc.endsWith(`${COST_END}\n\n# After\n`)).toBe(true);
    expect(doc).not.toContain('old figures');
    expect(doc).toContain('**Liling, a year** (10,000 tickets)');
    expect(doc).toContain('**Beijing, a day** (60,000 tickets)');
    expect(doc).toContain('volume: 216,000 messages');
  });
});
