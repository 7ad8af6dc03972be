/**
 * No clock ever silently stops: joint dispatches where the lead acknowledges and the co units do
 * not, races with the arming and the timers, lost starts and signals, a lost branch, a task that
 * fails in a way no retry fixes. The real ASL on the local engine with a ManualClock; every
 * scenario ends with the clock audit at zero (Harness.stop).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { StoredTicket, WorkflowPort } from '../../shared/ports';
import { awaitParty, ExecutionSupersededError, partyStep } from '../../shared/use-cases/ticket-service';
import { LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';
import { Harness, type TicketView } from '../helpers/workflow-harness';

const MONDAY = '2026-11-02T09:00:00+08:00'; // no holiday within two weeks
const LEAD = LAILONGMEN_OFFICE;
const CO_UNITS = [
  'u-xfjy',
  'u-zjj',
  'u-wyzx',
  'u-scjgj',
  'u-cgj',
  'u-sthj',
  'u-gaj',
  'u-jtysj',
  'u-zrzyj',
  'u-sw',
];
const JOINT_ITEM = 'di-joint-ten';
/** General class: acknowledge within 1 working day, level 2 a working day later, level 3 five. */
const ACK_DUE = '2026-11-03T17:30:00+08:00';
const LEVEL2 = '2026-11-04T17:30:00+08:00';
const LEVEL3 = '2026-11-10T17:30:00+08:00';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start(MONDAY);
  const admin = await h.admin();
  const put = await h.api.call('PUT', `/v1/duty-items/${JOINT_ITEM}`, admin, {
    name: '老旧小区消防通道综合整治',
    category: '消防安全',
    kind: 'cooperative',
    slaClass: 'general',
    coUnitIds: CO_UNITS,
  });
  expect(put.status).toBe(200);
});
afterEach(async () => {
  await h.stop();
});

async function raiseJoint(): Promise<TicketView> {
  const res = await h.api.call<TicketView>('POST', '/v1/tickets', await h.reporter(NANQIAO), {
    dutyItemId: JOINT_ITEM,
    communityId: NANQIAO,
    title: '消防通道被占',
    description: '5栋消防通道长期堆放杂物，需多部门联合整治',
    channel: 'grid',
  });
  expect(res.status).toBe(201);
  return res.body;
}

/** Every level of the co units' acknowledge clocks, once each, at the clocks' own instants. */
function expectFullLadder(t: TicketView, units: string[], levels = [1, 2, 3]) {
  const at = [ACK_DUE, LEVEL2, LEVEL3];
  for (const u of units) {
    const mine = t.breaches.filter((b) => b.unitId === u && b.stage === 'acknowledge');
    expect(
      mine.map((b) => [b.level, b.breachedAt]),
      u,
    ).toEqual(levels.map((l) => [l, at[l - 1]]));
    expect(
      t.timeline.filter((e) => e.type === 'warning' && e.unitId === u),
      u,
    ).toHaveLength(1);
  }
}

describe('joint dispatch: the lead acknowledges, the co units do not', () => {
  it('breaches every one of ten co units at levels 1, 2 and 3 at its own instants, each once', async () => {
    const t = await raiseJoint();
    // The lead acknowledges while the co units' waits are still being armed.
    const ack = await h.api.call('POST', `/v1/tickets/${t.id}/acknowledge`, await h.unit(LEAD));
    expect(ack.status).toBe(200);
    await h.settle();
    await h.advanceTo('2026-11-11T09:00:00+08:00');
    const now = await h.get(t.id);
    expectFullLadder(now, CO_UNITS);
    expect(now.breaches.filter((b) => b.unitId === LEAD && b.stage === 'acknowledge')).toEqual([]);
    expect(now.escalationLevel).toBe(3);
    // Level 3 of every co unit reached the city (通报), once each.
    const cityNotices = (await h.notifications(t.id)).filter((n) => n.kind === 'escalation' && n.level === 3);
    expect(cityNotices).toHaveLength(CO_UNITS.length);
  });

  it('stops each co unit’s ladder where it acknowledged, and keeps the others going', async () => {
    const t = await raiseJoint();
    await h.act(t.id, 'acknowledge', await h.unit(LEAD));
    // Two co units sign before the deadline, one between levels 1 and 2.
    await h.advanceTo('2026-11-03T16:00:00+08:00');
    await h.act(t.id, 'acknowledge', await h.unit('u-xfjy'));
    await h.act(t.id, 'acknowledge', await h.unit('u-zjj'));
    await h.advanceTo('2026-11-04T09:00:00+08:00');
    await h.act(t.id, 'acknowledge', await h.unit('u-wyzx'));
    await h.advanceTo('2026-11-11T09:00:00+08:00');
    const now = await h.get(t.id);
    expect(now.breaches.filter((b) => ['u-xfjy', 'u-zjj'].includes(b.unitId))).toEqual([]);
    expectFullLadder(now, ['u-wyzx'], [1]);
    expectFullLadder(
      now,
      CO_UNITS.filter((u) => !['u-xfjy', 'u-zjj', 'u-wyzx'].includes(u)),
    );
  });

  it('loses no co unit when the lead acknowledges while some co units hold no wait (arming, or mid-timer)', async () => {
    const t = await raiseJoint();
    // What the engine looks like while three co units' tasks run: their tokens not in the record.
    const store = h.rt.deps.store;
    const rec = (await store.getTicket(t.id)) as StoredTicket;
    const tokens = { ...rec.tokens };
    for (const u of CO_UNITS.slice(0, 3)) delete tokens[`co:${u}`];
    await store.saveTicket({ ...rec, tokens }, rec.ticket.version);
    expect((await h.act(t.id, 'acknowledge', await h.unit(LEAD))).status).toBe(200);
    await h.advanceTo('2026-11-11T09:00:00+08:00');
    expectFullLadder(await h.get(t.id), CO_UNITS);
  });

  it('records each level once when every co unit’s timer fires in the instant the lead acts', async () => {
    const t = await raiseJoint();
    await h.advanceTo('2026-11-03T17:29:00+08:00');
    // The conflict storm: eleven parties' writes against one ticket at one instant.
    const [, ack] = await Promise.all([
      h.advanceTo('2026-11-03T17:40:00+08:00'),
      h.api.call('POST', `/v1/tickets/${t.id}/acknowledge`, await h.unit(LEAD)),
    ]);
    expect(ack.status).toBe(200);
    await h.advanceTo('2026-11-11T09:00:00+08:00');
    const now = await h.get(t.id);
    expectFullLadder(now, CO_UNITS);
    // The lead's own clock: a level-1 breach at the deadline exactly when its acknowledgement
    // landed after its (spread) timer fired, never two.
    const lead = now.assignments.find((a) => a.unitId === LEAD);
    const leadBreaches = now.breaches.filter((b) => b.unitId === LEAD && b.stage === 'acknowledge');
    expect(leadBreaches.length).toBeLessThanOrEqual(1);
    for (const b of leadBreaches) expect([b.level, b.breachedAt]).toEqual([1, ACK_DUE]);
    expect(Date.parse(lead?.acknowledgedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse('2026-11-03T17:29:00+08:00'),
    );
  });

  it('arms the eleven units’ waits without a refused write of the ticket', async () => {
    // Every unit's branch arms its wait at once; in one process the writes take turns instead of
    // all reading one version and all but one losing the conditional write.
    let refused = 0;
    h.rt.store.client.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (err) {
          // The ticket item (sk T), as the document client or the marshalled command carries it.
          const sk = (args.input as { Item?: { sk?: unknown } }).Item?.sk;
          const ticketItem = sk === 'T' || (sk as { S?: unknown } | undefined)?.S === 'T';
          if (ticketItem && (err as Error).name === 'ConditionalCheckFailedException') refused += 1;
          throw err;
        }
      },
      { step: 'initialize', name: 'countRefusedTicketWrites' },
    );
    const t = await raiseJoint();
    await h.settle();
    const now = await h.get(t.id);
    expect(now.status).toBe('dispatched');
    expect(now.timeline.filter((e) => e.type === 'dispatched')).toHaveLength(1);
    expect(refused).toBe(0);
  });
});

describe('the reconciler repairs what the audit finds', () => {
  /** Replace one method of the runtime's workflow port; the original comes back after `times` calls. */
  function failing<K extends 'start' | 'resume'>(method: K, times = 1): { calls: number } {
    const workflow = h.rt.deps.workflow as WorkflowPort;
    const original = workflow[method].bind(workflow);
    const state = { calls: 0 };
    (workflow as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      state.calls += 1;
      if (state.calls <= times)
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return (original as (...a: unknown[]) => Promise<unknown>)(...args);
    };
    return state;
  }

  it('starts a ticket whose start was refused after its write (the API answered 201)', async () => {
    failing('start');
    const res = await h.api.call<TicketView>('POST', '/v1/tickets', await h.reporter(NANQIAO), {
      dutyItemId: NEIGHBOR_DISPUTE,
      communityId: NANQIAO,
      title: '楼上噪音',
      description: '深夜装修',
      channel: 'hotline',
    });
    expect(res.status).toBe(201);
    await h.settle();
    expect((await h.get(res.body.id)).status).toBe('received');
    // Within its grace the start is simply pending; after it, the audit names it.
    expect((await h.audit()).stranded).toBe(0);
    await h.advanceMinutes(5);
    expect((await h.audit()).items).toEqual([
      expect.objectContaining({ ticketId: res.body.id, kind: 'pending_start' }),
    ]);
    const { repairs } = await h.reconcile();
    expect(repairs.map((r) => [r.ticketId, r.action])).toEqual([[res.body.id, 'resent']]);
    const now = await h.get(res.body.id);
    expect(now.status).toBe('dispatched');
    expect(now.timeline.some((e) => e.type === 'clock_repaired')).toBe(true);
  });

  it('re-sends a signal lost after its write; the action answered 200 and the clock moves on', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    failing('resume');
    expect((await h.act(t.id, 'acknowledge', await h.unit(LEAD))).status).toBe(200);
    // The engine still waits for the acknowledgement it will never get on its own.
    expect((await h.rt.workflow.describe(t.id, 1)).waits?.map((w) => w.stage)).toEqual(['acknowledge']);
    await h.advanceMinutes(5);
    expect((await h.audit()).items.map((f) => [f.party, f.kind])).toEqual([['lead', 'pending_signal']]);
    await h.reconcile();
    expect((await h.rt.workflow.describe(t.id, 1)).waits?.map((w) => w.stage)).toEqual(['resolve']);
    // The resolve clock runs: its deadline (5 working days) breaches on time.
    await h.advanceTo('2026-11-10T09:00:00+08:00');
    const now = await h.get(t.id);
    expect(now.breaches.filter((b) => b.stage === 'resolve').map((b) => b.breachedAt)).toEqual([
      now.deadlines.resolveBy,
    ]);
  });

  /** Ticket ids the reconciler's due index lists now. */
  async function dueNow(): Promise<string[]> {
    return (await h.rt.deps.store.listDue(toShanghaiIso(h.clock.now()), 100)).items;
  }

  it('takes a co unit’s delivered signal off the record, so the ticket leaves the due index', async () => {
    const t = await raiseJoint();
    await h.act(t.id, 'acknowledge', await h.unit(LEAD));
    await h.act(t.id, 'acknowledge', await h.unit('u-xfjy'));
    await h.settle();
    // Its part ended with the acknowledgement: no later wait of its own clears its signal.
    expect(Object.keys((await h.rt.deps.store.getTicket(t.id))?.pending?.signals ?? {})).toEqual([
      'co:u-xfjy',
    ]);
    await h.advanceMinutes(5);
    expect(await dueNow()).toContain(t.id);
    const { audit, repairs } = await h.reconcile();
    expect([audit.stranded, repairs]).toEqual([0, []]);
    const rec = (await h.rt.deps.store.getTicket(t.id)) as StoredTicket;
    expect(rec.pending?.signals).toBeUndefined();
    expect(await dueNow()).not.toContain(t.id);
    // Listed again at its next instant: the nine silent co units' warning before their deadline.
    expect(rec.dueBy).toBe('2026-11-03T13:45:00+08:00');
    const after = await h.get(t.id);
    expect(after.timeline.filter((e) => e.type === 'clock_repaired')).toEqual([]);
  });

  it('delivers a co unit’s lost closing signal before taking it off the record', async () => {
    const t = await raiseJoint();
    await h.act(t.id, 'acknowledge', await h.unit(LEAD));
    failing('resume');
    expect((await h.act(t.id, 'acknowledge', await h.unit('u-xfjy'))).status).toBe(200);
    const waits = async () => (await h.rt.workflow.describe(t.id, 1)).waits?.map((w) => w.party) ?? [];
    expect(await waits()).toContain('co:u-xfjy');
    await h.advanceMinutes(5);
    await h.reconcile();
    expect(await waits()).not.toContain('co:u-xfjy');
    expect((await h.rt.deps.store.getTicket(t.id))?.pending?.signals).toBeUndefined();
    expect(await dueNow()).not.toContain(t.id);
  });

  it('restarts a ticket whose branch the engine lost, as a new generation that breaches on time', async () => {
    const t = await raiseJoint();
    await h.settle();
    // A branch ends without the record knowing (what a lost co-unit clock looked like).
    const lost = (await h.rt.deps.store.getTicket(t.id))?.tokens['co:u-sw']?.token as string;
    expect(await h.rt.workflow.resume(lost, { ticketId: t.id, next: 'done' })).toBe(true);
    await h.settle();
    expect((await h.audit()).items).toEqual([
      expect.objectContaining({ ticketId: t.id, party: 'co:u-sw', kind: 'no_wait' }),
    ]);
    const { repairs } = await h.reconcile();
    expect(repairs.map((r) => r.action)).toEqual(['restarted']);
    expect(h.rt.workflow.isRunning(t.id)).toBe(true);
    expect((await h.rt.deps.store.getTicket(t.id))?.run?.generation).toBe(2);
    await h.act(t.id, 'acknowledge', await h.unit(LEAD));
    await h.advanceTo('2026-11-11T09:00:00+08:00');
    const now = await h.get(t.id);
    expectFullLadder(now, CO_UNITS);
    // One dispatch per unit across both generations: the restart told nobody twice.
    const dispatches = (await h.notifications(t.id)).filter((n) => n.kind === 'dispatch');
    expect(dispatches).toHaveLength(CO_UNITS.length + 1);
    // Tasks of the old generation are refused from now on.
    const rec = (await h.rt.deps.store.getTicket(t.id)) as StoredTicket;
    const wait = partyStep(rec.ticket, 'co:u-sw', h.clock).wait;
    await expect(awaitParty(h.rt.deps, wait!, 'old-token', { generation: 1 })).rejects.toBeInstanceOf(
      ExecutionSupersededError,
    );
  });

  it('flags a ticket whose task failed beyond any retry, then restarts it and records what fell due', async () => {
    const t = await h.create({ dutyItemId: NEIGHBOR_DISPUTE, communityId: NANQIAO });
    const store = h.rt.deps.store;
    const putBreaches = store.putBreaches.bind(store);
    let broken = true;
    store.putBreaches = async (...args) => {
      if (broken) throw new TypeError('a bug in the breach writer');
      return putBreaches(...args);
    };
    await h.advanceTo('2026-11-03T18:00:00+08:00');
    const failed = await h.get(t.id);
    expect(failed.flags).toContain('clock_failed');
    expect(failed.breaches).toEqual([]);
    expect(h.rt.workflow.isRunning(t.id)).toBe(false);
    expect((await h.audit()).items.map((f) => f.kind)).toEqual(['no_execution']);
    broken = false;
    await h.reconcile();
    // The new generation's overdue timers fire at once (a manual clock fires them when asked).
    await h.advanceMinutes(0);
    const repaired = await h.get(t.id);
    expect(repaired.flags).not.toContain('clock_failed');
    expect(repaired.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining(['clock_failed', 'clock_repaired']),
    );
    // The breach that could not be written is recorded at its nominal instant by generation 2.
    expect(repaired.breaches.map((b) => [b.stage, b.level, b.breachedAt])).toEqual([
      ['acknowledge', 1, ACK_DUE],
    ]);
  });
});
