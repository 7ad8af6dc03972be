/**
 * One simulation run: boots the embedded runtime in this process with the simulator's event
 * clock, raises the workload's tickets through the API's own handlers, plays every unit, resident
 * and supervisor by their behaviour models, and lets the real lifecycle workflow (the ASL on the
 * local engine, bound to the task Lambdas) time, warn, breach and escalate in simulated time.
 * The ticket records in the store are the outcome; the report reads them back.
 */

import { createWriteStream } from 'node:fs';
import type { Runtime } from '../../infra/local/runtime';
import { startRuntime } from '../../infra/local/runtime';
import { LOCAL_TABLE } from '../../infra/local/store-server';
import type { WorkCalendar } from '../../shared/domain/calendar';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { ConfigSnapshot, SlaPolicy, Ticket } from '../../shared/domain/model';
import type { Principal } from '../../shared/domain/principal';
import { defaultSlaPolicies } from '../../shared/domain/sla-defaults';
import type { Notifier, OutboundMessage } from '../../shared/ports';
import type { ActionName } from '../../shared/use-cases/ticket-service';
import { type Outcome, type SimApi, simApi, type Via } from './api';
import { beijingConfig } from './beijing-config';
import { EventClock } from './event-clock';
import { PartitionHeat } from './heat';
import { attachHeatMeter } from './heat-meter';
import { ReportBuilder, type SimReport } from './report';
import { Rng } from './rng';
import { after, HOUR_MS, MINUTE_MS, workingDaysBetween } from './time';
import { applyWhatIf, type WhatIf } from './what-if';
import { type Arrival, arrivals, type ScenarioSpec, type UnitProfile, unitProfiles } from './workload';

export interface RunOptions {
  scenario: ScenarioSpec;
  seed: string;
  tickets: number;
  days: number;
  /** Simulated days after the last intake day, so late tickets can finish. */
  tailDays: number;
  via: Via;
  /** Batch width of the event clock (see event-clock.ts). */
  resolutionMs: number;
  whatIf?: WhatIf;
  /** Called with the runtime once it is up (the bench turns on capacity accounting). */
  onRuntime?: (rt: Runtime) => void;
  /** Write every ticket as it ended, one JSON per line, to this file. */
  dumpTickets?: string;
  /** Run only this part of the workload (the other shards run in other processes). */
  shard?: { index: number; count: number };
  /** Called now and then with how far the run got. */
  onProgress?: (p: Progress) => void;
  /** Measure capacity units per partition key per simulated second (heat.ts); read `Simulation.heat`. */
  heat?: boolean;
}

export interface Progress {
  label: string;
  simMs: number;
  startMs: number;
  endMs: number;
  created: number;
  total: number;
  wallMs: number;
  writes: number;
}

/** Counts what would have gone out on SNS (the report's notification figures). */
class CountingNotifier implements Notifier {
  readonly sent = { sms: 0, email: 0, smsParts: 0, byKind: {} as Record<string, number> };

  async send(m: OutboundMessage, meta: { kind: string }): Promise<void> {
    if (m.channel === 'sms' || m.channel === 'email') this.sent[m.channel] += 1;
    // UCS-2 (Chinese) SMS: 70 characters in one part, 67 per part when concatenated.
    if (m.channel === 'sms') this.sent.smsParts += m.text.length <= 70 ? 1 : Math.ceil(m.text.length / 67);
    const key = `${meta.kind}.${m.channel}`;
    this.sent.byKind[key] = (this.sent.byKind[key] ?? 0) + 1;
  }
}

interface Track {
  index: number;
  id: string;
  slaClass: Ticket['slaClass'];
  streetId: string;
  communityId: string;
  /** `role:unit` pairs already given a plan (each unit acts once per assignment). */
  planned: Set<string>;
  /** When each unit acknowledges (or did), so a promoted co-handler does not sign twice. */
  acksPlanned: Map<string, number>;
  /** When the current lead plans to resolve (co units do not acknowledge after it). */
  leadResolveAt: number;
  /** Verdict rounds so far (a reopen starts the next). */
  round: number;
}

const principal = {
  reporter: (communityId: string): Principal => ({
    sub: `grid-${communityId}`,
    role: 'reporter',
    communityId,
    via: 'token',
  }),
  unit: (unitId: string): Principal => ({ sub: `duty-${unitId}`, role: 'unit', unitId, via: 'token' }),
  supervisor: (streetId: string): Principal => ({
    sub: `dgw-${streetId}`,
    role: 'supervisor',
    streetId,
    via: 'token',
  }),
  admin: (): Principal => ({ sub: 'admin-simulator', role: 'admin', via: 'token' }),
};

const channelText: Record<Arrival['channel'], string> = {
  grid: '网格员巡查发现',
  hotline: '12345热线来电反映',
  market_day: '赶集日接访登记',
  night_patrol: '夜巡夜访发现',
  walk_in: '群众来访反映',
  online: '网上留言反映',
};

/** How often the reconciler runs, in simulated time: the deployed schedule (`reconcileEveryMinutes`). */
const RECONCILE_MS = 5 * MINUTE_MS;

const refPolicy = (slaClass: Ticket['slaClass']): SlaPolicy =>
  defaultSlaPolicies.find((p) => p.slaClass === slaClass) as SlaPolicy;

export class Simulation {
  private rt!: Runtime;
  private api!: SimApi;
  private clock: EventClock;
  private config!: ConfigSnapshot;
  private cal!: WorkCalendar;
  private profiles = new Map<string, UnitProfile>();
  private readonly notifier = new CountingNotifier();
  private inFlight = 0;
  private created = 0;
  /** The simulated instant of the last reconciler pass. */
  private lastPass: number;
  private readonly startMs: number;
  private readonly endMs: number;
  readonly actions: Record<string, number> = {};
  readonly refused: Record<string, number> = {};
  readonly failures: string[] = [];
  /** Partition heat of the run (with `heat`), per simulated second. */
  heat: PartitionHeat | undefined;

  constructor(private readonly o: RunOptions) {
    this.startMs = Date.parse(o.scenario.start);
    this.endMs = this.startMs + (o.days + o.tailDays) * 24 * HOUR_MS;
    this.clock = new EventClock(this.startMs, o.resolutionMs);
    this.lastPass = this.startMs;
  }

  private get label(): string {
    return this.o.whatIf ? `${this.o.scenario.name} · ${this.o.whatIf.name}` : this.o.scenario.name;
  }

  // -- running ---------------------------------------------------------------------------------

  async run(): Promise<SimReport> {
    const wallStart = Date.now();
    const engineLog: string[] = [];
    this.rt = await startRuntime({
      port: 0,
      timeScale: 1,
      localTokens: false,
      quiet: true,
      log: (line) => {
        if (engineLog.length < 50) engineLog.push(line);
      },
      backoffMs: [0],
      clock: this.clock,
      notifier: this.notifier,
      // The reconciler runs on the simulated clock instead (settle), not every 5 real seconds.
      watchdogMs: 0,
      // Channel rate limits hold in simulated time, as they would in the day being simulated.
      sendPacing: {
        now: () => this.clock.nowMs(),
        sleep: (ms) => new Promise<void>((r) => this.clock.at(this.clock.nowMs() + ms, r)),
      },
    });
    // Lost optimistic-lock races retry after a short random wait; in simulated time, yield only.
    this.rt.deps.sleep = () => new Promise<void>((r) => setImmediate(r));
    this.o.onRuntime?.(this.rt);
    try {
      if (this.o.heat) {
        this.heat = new PartitionHeat(1000);
        await attachHeatMeter(this.rt.store.client, LOCAL_TABLE, () => this.clock.nowMs(), this.heat);
      }
      await this.configure();
      this.api = simApi(this.o.via, this.rt);
      const workload = arrivals({
        spec: this.o.scenario,
        config: this.config,
        cal: this.cal,
        seed: this.o.seed,
        tickets: this.o.tickets,
        days: this.o.days,
        startMs: this.startMs,
      });
      const { index: shard, count: shards } = this.o.shard ?? { index: 0, count: 1 };
      for (const a of workload) {
        // Tickets are independent: a shard takes every n-th one (its draws depend on the index only).
        if (a.index % shards === shard) this.clock.at(a.at, () => this.spawn(this.arrive(a)));
      }

      let lastReport = 0;
      const progress = () => {
        const now = Date.now();
        if (now - lastReport < 200) return;
        lastReport = now;
        this.o.onProgress?.(this.progress(wallStart));
      };
      await this.clock.runUntil(this.endMs, () => this.settle(), progress);
      // The day is over: the drain and the audit below happen at its last instant, which no
      // deployment compresses a day into; the heat meter totals them apart.
      this.heat?.close();
      // The sender paces itself in wall time (channel rate limits): count what it still holds.
      await this.rt.outbox.drained();
      // The promise the run is held to: no open party's clock stopped.
      const audit = await this.rt.watchdog.audit();
      this.o.onProgress?.(this.progress(wallStart));
      const simWallMs = Date.now() - wallStart;

      const builder = new ReportBuilder({
        scenario: this.o.scenario,
        label: this.label,
        seed: this.o.seed,
        config: this.config,
        profiles: this.profiles,
        startMs: this.startMs,
        endMs: this.endMs,
        days: this.o.days,
        whatIf: this.o.whatIf,
      });
      const dump = this.o.dumpTickets ? createWriteStream(this.o.dumpTickets) : undefined;
      for await (const page of this.rt.deps.store.scanPeriod(
        toShanghaiIso(new Date(this.startMs)),
        toShanghaiIso(new Date(this.endMs)),
      )) {
        for (const t of page) {
          builder.add(t);
          dump?.write(`${JSON.stringify(t)}\n`);
        }
      }
      if (dump) await new Promise((r) => dump.end(r));
      return builder.finish({
        wallSeconds: simWallMs / 1000,
        reportSeconds: (Date.now() - wallStart - simWallMs) / 1000,
        via: this.o.via,
        resolutionMs: this.o.resolutionMs,
        batches: this.clock.batches,
        timersFired: this.clock.fired,
        store: { ...this.rt.store.stats, transport: this.rt.store.transport },
        engine: {
          ...this.rt.workflow.stats,
          transitionsHistogram: histogram(this.rt.workflow.transitionsByTicket.values()),
        },
        notifications: this.notifier.sent,
        actions: this.actions,
        refused: this.refused,
        failures: this.failures,
        engineLog,
        clockAudit: {
          checked: audit.checked,
          stranded: audit.stranded,
          passes: this.rt.watchdog.totals.passes,
          repairs: this.rt.watchdog.totals.repairs,
          sample: audit.items.slice(0, 20).map((f) => `${f.ticketId} ${f.party} ${f.kind}: ${f.found}`),
        },
      });
    } finally {
      await this.rt.stop();
    }
  }

  /** The scenario's configuration as a new version (Beijing), then the what-if on top of it. */
  private async configure(): Promise<void> {
    const configs = this.rt.deps.configs;
    if (this.o.scenario.name === 'beijing') {
      await configs.update(
        () => beijingConfig(toShanghaiIso(this.clock.now())),
        'simulator',
        'Beijing synthetic',
      );
    }
    const whatIf = this.o.whatIf;
    if (whatIf) await configs.update((c) => applyWhatIf(c, whatIf), 'simulator', `what-if: ${whatIf.name}`);
    this.config = await configs.current();
    this.cal = await configs.calendar();
    this.profiles = unitProfiles(this.o.scenario, this.config, this.o.seed);
  }

  private progress(wallStart: number): Progress {
    return {
      label: this.label,
      simMs: this.clock.nowMs(),
      startMs: this.startMs,
      endMs: this.endMs,
      created: this.created,
      total: Math.ceil(this.o.tickets / (this.o.shard?.count ?? 1)),
      wallMs: Date.now() - wallStart,
      writes: this.rt.store.stats.writes,
    };
  }

  /**
   * After each batch: wait until it is quiet, then run the clock watchdog's pass if the last one
   * is `RECONCILE_MS` of simulated time ago, as the deployed reconciler runs on its schedule. On
   * the wall clock (every 5 real seconds) its cadence in simulated time followed this machine's
   * speed, so its reads, and when it repaired what, differed between runs of the same seed. A
   * quiet stretch the clock jumps over gets one pass, not one per five minutes it skipped.
   */
  private async settle(): Promise<void> {
    await this.quiet();
    if (this.clock.nowMs() - this.lastPass < RECONCILE_MS) return;
    this.lastPass = this.clock.nowMs();
    try {
      await this.rt.watchdog.pass();
    } catch (err) {
      if (this.failures.length < 20) this.failures.push(`reconciler: ${(err as Error).message}`);
    }
    // What it repaired sets work off in turn.
    await this.quiet();
  }

  /** Quiet once nothing the last batch set off still runs: no task, no store request, no actor. */
  private async quiet(): Promise<void> {
    let quiet = 0;
    while (quiet < 2) {
      await new Promise<void>((r) => setImmediate(r));
      const busy = this.inFlight + this.rt.workflow.busy + this.rt.store.stats.inFlight;
      quiet = busy === 0 ? quiet + 1 : 0;
    }
  }

  private spawn(work: Promise<unknown>): void {
    this.inFlight += 1;
    work
      .catch((err: Error) => {
        if (this.failures.length < 20) this.failures.push(`${err.name}: ${err.message}`);
      })
      .finally(() => {
        this.inFlight -= 1;
      });
  }

  private later(at: number, work: () => Promise<unknown>): void {
    this.clock.at(Math.max(at, this.clock.nowMs()), () => this.spawn(work()));
  }

  // -- the actors ------------------------------------------------------------------------------

  /** A draw in [0, 1) that depends only on the seed, the ticket and what it is for. */
  private draw(t: Track, key: string): Rng {
    return new Rng(this.o.seed, `t${t.index}:${key}`);
  }

  private async call(kind: string, action: () => Promise<Outcome>): Promise<Ticket | undefined> {
    this.actions[kind] = (this.actions[kind] ?? 0) + 1;
    const out = await action();
    if (out.ok) return out.ticket;
    const key = `${kind} ${out.status} ${out.title}`;
    this.refused[key] = (this.refused[key] ?? 0) + 1;
    if (out.status >= 500 && this.failures.length < 20) this.failures.push(`${key}: ${out.detail}`);
    return undefined;
  }

  private async arrive(a: Arrival): Promise<void> {
    const item = this.config.dutyItems.find((d) => d.id === a.dutyItemId);
    const ticket = await this.call('create', () =>
      this.api.create(principal.reporter(a.communityId), {
        dutyItemId: a.dutyItemId,
        communityId: a.communityId,
        title: item?.name ?? a.dutyItemId,
        description: `${channelText[a.channel]}：${item?.name ?? a.dutyItemId}（模拟工单 #${a.index + 1}）`,
        channel: a.channel,
        ...(a.urgent ? { priority: 'urgent' as const } : {}),
        ...(a.gridId ? { location: { gridId: a.gridId } } : {}),
      }),
    );
    if (!ticket) return;
    this.created += 1;
    const track: Track = {
      index: a.index,
      id: ticket.id,
      slaClass: ticket.slaClass,
      streetId: ticket.streetId,
      communityId: ticket.communityId,
      planned: new Set(),
      acksPlanned: new Map(),
      leadResolveAt: Number.POSITIVE_INFINITY,
      round: 0,
    };
    // A few reports are duplicates an admin cancels within the hour.
    const dup = this.draw(track, 'duplicate');
    if (dup.chance(0.003)) {
      this.later(this.clock.nowMs() + dup.int(20, 60) * MINUTE_MS, () =>
        this.call('cancel', () =>
          this.api.act(principal.admin(), track.id, 'cancel', { reason: '重复工单（模拟）' }),
        ),
      );
      return;
    }
    this.plan(track, ticket, true);
  }

  /** Give every working assignment without a plan its unit's next moves. */
  private plan(track: Track, t: Ticket, firstRoute: boolean): void {
    const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
    // Keyed by role too: a co-handler promoted to lead (the lead returned it) gets a lead's plan.
    if (lead && !track.planned.has(`lead:${lead.unitId}`)) this.planLead(track, t, lead.unitId, firstRoute);
    for (const a of t.assignments) {
      if (
        a.role !== 'co' ||
        a.status === 'returned' ||
        a.acknowledgedAt ||
        track.planned.has(`co:${a.unitId}`)
      )
        continue;
      track.planned.add(`co:${a.unitId}`);
      const p = this.profile(a.unitId);
      const ackAt = after(
        Date.parse(a.dispatchedAt ?? t.createdAt),
        this.draw(track, `ack:${a.unitId}`).lognormal(p.ack, p.sigma),
        refPolicy(t.slaClass).acknowledge,
        this.cal,
      );
      // Once the lead resolved, the co-handlers' clocks stop and there is nothing to sign for.
      if (ackAt < track.leadResolveAt) {
        track.acksPlanned.set(a.unitId, ackAt);
        this.actAs(track, a.unitId, ackAt, 'acknowledge', {});
      }
    }
  }

  private profile(unitId: string): UnitProfile {
    return (
      this.profiles.get(unitId) ?? {
        unitId,
        chronic: false,
        ack: 0.3,
        resolve: 0.42,
        sigma: 0.6,
        unsatisfied: 0.06,
        returns: 0,
        asksExtension: 0.3,
      }
    );
  }

  private planLead(track: Track, t: Ticket, unitId: string, firstRoute: boolean): void {
    track.planned.add(`lead:${unitId}`);
    const p = this.profile(unitId);
    const ref = refPolicy(t.slaClass);
    const policy = this.config.slaPolicies.find((x) => x.slaClass === t.slaClass) ?? ref;
    const a = t.assignments.find((x) => x.unitId === unitId && x.status !== 'returned');
    const dispatched = Date.parse(a?.dispatchedAt ?? t.updatedAt);

    // 退单: a department that is not the right owner sends it back early, once per ticket.
    const ret = this.draw(track, `return:${unitId}`);
    if (firstRoute && policy.returnWindow && ref.returnWindow && ret.chance(p.returns)) {
      const at = after(dispatched, ret.uniform(0.05, 0.4), ref.returnWindow, this.cal);
      this.later(at, async () => {
        const next = await this.call('return', () =>
          this.api.act(principal.unit(unitId), track.id, 'return', { reason: '非本单位职责（模拟）' }),
        );
        if (next) this.afterReturn(track, next);
      });
      return;
    }

    // A co-handler promoted to lead keeps the acknowledgement it gave (or is about to give).
    const known = a?.acknowledgedAt ? Date.parse(a.acknowledgedAt) : track.acksPlanned.get(unitId);
    const ackAt =
      known ??
      after(
        dispatched,
        this.draw(track, `ack:${unitId}`).lognormal(p.ack, p.sigma),
        ref.acknowledge,
        this.cal,
      );
    if (known === undefined) {
      track.acksPlanned.set(unitId, ackAt);
      this.actAs(track, unitId, ackAt, 'acknowledge', {});
    }
    // Work on the fix starts once the unit holds the ticket (a promoted co-handler: from now).
    let workFrom = Math.max(ackAt, this.clock.nowMs());
    if (ref.arrive && t.clocks.some((c) => c.stage === 'arrive' && c.unitId === unitId && !c.doneAt)) {
      const arriveAt = after(
        ackAt,
        this.draw(track, `arrive:${unitId}`).lognormal(0.35, 0.5),
        ref.arrive,
        this.cal,
      );
      this.actAs(track, unitId, arriveAt, 'arrive', {});
      workFrom = arriveAt;
    }
    const effort = this.draw(track, `resolve:${unitId}`).lognormal(p.resolve, p.sigma);
    const resolveAt = after(workFrom, effort, ref.resolve, this.cal);
    track.leadResolveAt = resolveAt;
    this.maybeExtend(track, t, unitId, p, policy, ackAt, resolveAt);
    this.resolveAt(track, unitId, resolveAt);
  }

  /** A unit that sees it will miss the resolve deadline may ask for more time (延期). */
  private maybeExtend(
    track: Track,
    t: Ticket,
    unitId: string,
    p: UnitProfile,
    policy: SlaPolicy,
    ackAt: number,
    resolveAt: number,
  ): void {
    if (!policy.extension.allowed) return;
    const clock = [...t.clocks].reverse().find((c) => c.stage === 'resolve' && c.unitId === unitId);
    if (!clock) return;
    const due = Date.parse(clock.dueAt);
    const r = this.draw(track, `extension:${unitId}`);
    if (resolveAt <= due || !r.chance(p.asksExtension)) return;
    const askAt = Math.min(due - HOUR_MS, ackAt + (due - ackAt) * r.uniform(0.4, 0.8));
    if (askAt <= ackAt) return;
    const days = Math.min(
      policy.extension.maxWorkingDays,
      Math.max(1, Math.ceil(workingDaysBetween(due, resolveAt, this.cal)) + 1),
    );
    const approve = r.chance(0.85);
    this.later(askAt, async () => {
      const asked = await this.call('extension', () =>
        this.api.act(principal.unit(unitId), track.id, 'extension', {
          workingDays: days,
          reason: '需协调多部门，申请延期（模拟）',
        }),
      );
      if (!asked) return;
      this.later(after(this.clock.nowMs(), 0.5, { workingDays: 1 }, this.cal), () =>
        this.call('extension/decision', () =>
          this.api.act(principal.supervisor(track.streetId), track.id, 'extension/decision', { approve }),
        ),
      );
    });
  }

  private actAs(track: Track, unitId: string, at: number, action: ActionName, body: Record<string, unknown>) {
    this.later(at, () =>
      this.call(action, () => this.api.act(principal.unit(unitId), track.id, action, body)),
    );
  }

  private resolveAt(track: Track, unitId: string, at: number): void {
    this.later(at, async () => {
      const t = await this.call('resolve', () =>
        this.api.act(principal.unit(unitId), track.id, 'resolve', { summary: '已处置完毕（模拟）' }),
      );
      if (t?.status === 'resolved') this.planVerdict(track, unitId);
    });
  }

  /** The community answers (or stays silent and the ticket closes as no-verdict). */
  private planVerdict(track: Track, leadId: string): void {
    track.round += 1;
    const r = this.draw(track, `verdict:${track.round}`);
    // Silence: nobody answers within the feedback window.
    if (r.chance(0.08)) return;
    const at = after(this.clock.nowMs(), Math.min(2.4, r.lognormal(0.4, 0.8)), { workingDays: 1 }, this.cal);
    const p = this.profile(leadId);
    const unsatisfied = p.unsatisfied / track.round;
    const u = r.next();
    const rating =
      u < unsatisfied ? 'unsatisfied' : u < unsatisfied + 0.12 ? 'basically_satisfied' : 'satisfied';
    this.later(at, async () => {
      const next = await this.call(`feedback`, () =>
        this.api.act(principal.reporter(track.communityId), track.id, 'feedback', {
          rating,
          ...(rating === 'unsatisfied' ? { comment: '问题仍未解决（模拟）' } : {}),
        }),
      );
      if (!next) return;
      if (next.status === 'reopened') this.planRework(track, next, leadId);
      else if (next.flags.includes('needs_ruling'))
        this.rule(track, { decision: 'close', note: '经核实已处置（模拟）' });
    });
  }

  private planRework(track: Track, t: Ticket, leadId: string): void {
    const p = this.profile(leadId);
    const effort = this.draw(track, `rework:${track.round}`).lognormal(p.resolve * 0.5, p.sigma);
    const at = after(this.clock.nowMs(), effort, refPolicy(t.slaClass).resolve, this.cal);
    track.leadResolveAt = at;
    this.resolveAt(track, leadId, at);
  }

  private afterReturn(track: Track, t: Ticket): void {
    if (t.status === 'returned') {
      // Nobody else owns it: the street's supervisor assigns it to the street office (兜底).
      const office = this.config.units.find((u) => u.kind === 'street' && u.streetId === t.streetId);
      const assignable = office && !t.excludedUnitIds.includes(office.id);
      this.rule(
        track,
        assignable
          ? { decision: 'assign', unitId: office.id, note: '街道兜底（模拟）' }
          : { decision: 'close' },
      );
      return;
    }
    this.plan(track, t, false);
  }

  private rule(track: Track, body: { decision: string; unitId?: string; note?: string }): void {
    this.later(after(this.clock.nowMs(), 0.5, { workingDays: 1 }, this.cal), async () => {
      const t = await this.call('ruling', () =>
        this.api.act(principal.supervisor(track.streetId), track.id, 'ruling', body),
      );
      if (t && body.decision === 'assign') this.plan(track, t, false);
    });
  }
}

function histogram(values: Iterable<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
