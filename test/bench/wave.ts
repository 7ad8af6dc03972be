/**
 * wave: N general tickets raised at one instant all fall due at one 17:30 (every working-day
 * instant is 17:30:00). In simulated time, through the real workflow, handlers and store:
 * - `waveDrainSeconds`: wall seconds this machine takes to play the level-1 wave, from just before
 *   the nominal instant until every timer (spread over WAVE_SPREAD_MS per ticket) has fired and
 *   every task has settled;
 * - every acknowledging party (leads and co units) has exactly one level-1 breach stamped with
 *   the nominal instant, and the clock audit finds nothing stranded after it.
 */
import type { Ticket } from '../../shared/domain/model';
import { WAVE_SPREAD_MS } from '../../shared/domain/parties';
import type { Principal } from '../../shared/domain/principal';
import { pool, round } from './common';
import { simRuntime } from './lifecycle';

export interface WaveReport {
  tickets: number;
  /** Acknowledging parties (a lead, and the co units of joint dispatches). */
  parties: number;
  nominalAt: string;
  createSeconds: number;
  /** Wall seconds to play the warning wave (its own single instant before the deadline). */
  warningWaveSeconds: number;
  waveDrainSeconds: number;
  /** Parties with exactly one level-1 acknowledge breach at the nominal instant. */
  breachedOnce: number;
  /** Parties missing their breach, or with more than one, or stamped off the nominal instant. */
  wrong: string[];
  strandedAfterWave: number;
}

export async function benchWave(opts: { tickets: number; concurrency?: number }): Promise<WaveReport> {
  const sim = await simRuntime();
  const { rt } = sim;
  try {
    const config = await rt.deps.configs.current();
    const items = config.dutyItems.filter((d) => d.slaClass === 'general' && d.kind !== 'retracted');
    const communities = config.communities;
    const created: Ticket[] = [];
    const t0 = performance.now();
    await pool(
      Array.from({ length: opts.tickets }, (_, i) => i),
      opts.concurrency ?? 32,
      async (i) => {
        const item = items[i % items.length];
        const community = communities[(i * 7) % communities.length];
        if (!item || !community) throw new Error('the seed has no general items or communities');
        const reporter: Principal = {
          sub: `wave-${community.id}`,
          role: 'reporter',
          communityId: community.id,
          via: 'token',
        };
        const out = await sim.api.create(reporter, {
          dutyItemId: item.id,
          communityId: community.id,
          title: item.name,
          description: `${item.name}（17:30 波峰基准 #${i + 1}）`,
          channel: 'grid',
        });
        if (!out.ok) throw new Error(`wave create refused: ${out.status} ${out.detail}`);
        created.push(out.ticket);
      },
    );
    await sim.settle();
    const createSeconds = (performance.now() - t0) / 1000;

    // Raised at one frozen instant: every lead and co unit's acknowledge deadline is the same 17:30.
    const dues = new Set<string>();
    for (const t of await rt.deps.store.getTickets(created.map((t) => t.id))) {
      for (const c of t.clocks) if (c.stage === 'acknowledge') dues.add(c.dueAt);
    }
    if (dues.size !== 1) throw new Error(`the wave is not one instant: ${[...dues].join(', ')}`);
    const nominalAt = [...dues][0] as string;
    const nominalMs = Date.parse(nominalAt);

    const w0 = performance.now();
    await sim.clock.runUntil(nominalMs - 60_000, sim.settle);
    const warningWaveSeconds = (performance.now() - w0) / 1000;
    const d0 = performance.now();
    await sim.clock.runUntil(nominalMs + WAVE_SPREAD_MS + 60_000, sim.settle);
    const waveDrainSeconds = (performance.now() - d0) / 1000;

    const wrong: string[] = [];
    let parties = 0;
    let breachedOnce = 0;
    for (const t of await rt.deps.store.getTickets(created.map((t) => t.id))) {
      for (const c of t.clocks.filter((x) => x.stage === 'acknowledge')) {
        parties += 1;
        const level1 = t.breaches.filter(
          (b) => b.stage === 'acknowledge' && b.unitId === c.unitId && b.level === 1,
        );
        if (level1.length === 1 && Date.parse(level1[0]?.dueAt ?? '') === nominalMs) breachedOnce += 1;
        else if (wrong.length < 20)
          wrong.push(`${t.id} ${c.unitId}: ${level1.length} level-1 breaches ${level1.map((b) => b.dueAt)}`);
      }
    }
    const audit = await rt.watchdog.audit();
    return {
      tickets: created.length,
      parties,
      nominalAt,
      createSeconds: round(createSeconds, 2),
      warningWaveSeconds: round(warningWaveSeconds, 2),
      waveDrainSeconds: round(waveDrainSeconds, 2),
      breachedOnce,
      wrong,
      strandedAfterWave: audit.stranded,
    };
  } finally {
    await rt.stop();
  }
}
