/**
 * Use cases over tickets: the API actions, and the three workflow tasks (arm a wait, handle a
 * timer, advance). The ticket record is the truth: each use case reads it, applies a pure rule,
 * writes it back with one conditional write, then tells the workflow what changed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { toShanghaiIso } from '../domain/deadlines';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TicketGoneError,
  VersionConflictError,
} from '../domain/errors';
import type { Ticket } from '../domain/model';
import type { Principal } from '../domain/principal';
import { requireOversight, requireReporterOf, requireRole, requireVisible } from '../domain/principal';
import * as rules from '../domain/ticket-rules';
import type {
  Clock,
  NotificationQueue,
  Notifier,
  Step,
  StoredTicket,
  TicketStore,
  Wait,
  WorkflowPort,
} from '../ports';
import type { ConfigService } from './config-service';
import {
  buildNotice,
  type DeadLetters,
  type DeliveryDeps,
  enqueue,
  enqueueNotices,
  flagFailedNotice,
  type NoticeContext,
  type NoticeSpec,
  timerNoticeSpecs,
} from './notify';

export interface Metrics {
  count(name: string, value?: number, dimensions?: Record<string, string>): void;
}

export interface TicketDeps {
  store: TicketStore;
  configs: ConfigService;
  clock: Clock;
  workflow: WorkflowPort;
  notifier: Notifier;
  /** Where recorded notices go to be sent (notification-sender.ts drains it): tasks never wait on a gateway. */
  queue: NotificationQueue;
  /** Real time in ms for queue keys and retries (the simulated clock does not drive the gateways). */
  realNow?: () => number;
  publicBaseUrl: string;
  metrics?: Metrics;
  /** Delivery backoff (ms); tests and simulations pass zeros. */
  backoffMs?: readonly number[];
  /**
   * Waits between retries (lost optimistic-lock races, delivery backoff). The simulator passes
   * one that only yields: in simulated time a real wait is idle CPU and nothing else.
   */
  sleep?: (ms: number) => Promise<void>;
  /** Where undeliverable messages are parked (the delivery DLQ on AWS). */
  deadLetters?: DeadLetters;
  onDeliveryError?: (message: string, err: unknown) => void;
  /** Signed links for the notices (shared/use-cases/links.ts); without it they carry no signed link. */
  links?: NoticeLinks;
}

/** Mints and stores a signed link per notice before the notices are built. */
export interface NoticeLinks {
  forNotices(
    t: Ticket,
    specs: readonly NoticeSpec[],
    ctx: { now: Date; publicBaseUrl: string },
  ): Promise<NonNullable<NoticeContext['linkFor']>>;
}

/** What buildNotice needs, with a signed link minted for each of `specs`. */
async function noticeContext(
  deps: TicketDeps,
  t: Ticket,
  specs: readonly NoticeSpec[],
  ctx: rules.RuleContext,
): Promise<NoticeContext> {
  const base = { config: ctx.config, publicBaseUrl: deps.publicBaseUrl, now: ctx.now };
  if (!deps.links || specs.length === 0) return base;
  return { ...base, linkFor: await deps.links.forNotices(t, specs, base) };
}

/** Longest a single engine wait lasts before the timer task re-checks (and re-arms). */
export const MAX_WAIT_MS = 14 * 24 * 3600 * 1000;
const TICKET_PARTY = 'ticket';
const CONFLICT_RETRIES = 8;

// ---------------------------------------------------------------------------------------------
// Steps: what the workflow does next, derived from the ticket record alone
// ---------------------------------------------------------------------------------------------

function waitFor(t: Ticket, unitId: string | undefined, stage: Wait['stage'], clock: Clock): Wait {
  const now = clock.now().getTime();
  const next = rules.nextTimerAt(t, unitId)?.getTime() ?? now + MAX_WAIT_MS;
  const at = new Date(Math.min(next, now + MAX_WAIT_MS));
  return {
    ticketId: t.id,
    unitId: unitId ?? '',
    stage,
    timerAt: toShanghaiIso(at),
    timerSeconds: clock.engineSecondsUntil(at),
  };
}

/** One unit's branch: wait for its next action, or end. */
export function trackStep(t: Ticket, unitId: string, clock: Clock): Step {
  const stage = rules.unitStage(t, unitId);
  if (stage === 'done') return { ticketId: t.id, next: 'done' };
  return { ticketId: t.id, next: 'wait', Payload: waitFor(t, unitId, stage as Wait['stage'], clock) };
}

/** The ticket as a whole: run the units' branches, wait for a verdict or ruling, or finish. */
export function ticketStep(t: Ticket, clock: Clock): Step {
  const units = rules.activeUnits(t);
  if (units.length > 0)
    return { ticketId: t.id, next: 'tracks', tracks: units.map((u) => trackStep(t, u, clock)) };
  const stage = rules.ticketStage(t);
  if (stage === 'done') return { ticketId: t.id, next: 'done' };
  return { ticketId: t.id, next: 'wait', Payload: waitFor(t, undefined, stage as Wait['stage'], clock) };
}

/**
 * The input of a fresh execution (intake, an intake replay, a restart's re-attachment). The machine
 * starts at the units' Map: a ticket whose units are all done (waiting for the verdict or a ruling)
 * enters it with no branch and goes straight to Advance, which plans from the record.
 */
export function executionInput(t: Ticket, clock: Clock): Step {
  const step = ticketStep(t, clock);
  return step.next === 'tracks' ? step : { ticketId: t.id, next: 'tracks', tracks: [] };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

async function ruleContext(deps: TicketDeps, t: Pick<Ticket, 'configVersion'>): Promise<rules.RuleContext> {
  const [config, cal] = await Promise.all([deps.configs.version(t.configVersion), deps.configs.calendar()]);
  return { now: deps.clock.now(), config, cal };
}

async function load(deps: TicketDeps, id: string): Promise<StoredTicket> {
  const rec = await deps.store.getTicket(id);
  if (!rec) throw new NotFoundError(`ticket ${id} not found`);
  return rec;
}

/**
 * Read-modify-write with optimistic locking: on a lost race, re-read and re-apply the rule (which
 * may now refuse, e.g. a second acknowledge gets its 409 from the rule, not from the lock).
 */
async function mutate(
  deps: TicketDeps,
  id: string,
  apply: (rec: StoredTicket, ctx: rules.RuleContext) => StoredTicket | null | Promise<StoredTicket | null>,
  onMissing: () => Error = () => new NotFoundError(`ticket ${id} not found`),
): Promise<{ before: StoredTicket; after: StoredTicket }> {
  for (let attempt = 0; ; attempt += 1) {
    const before = await deps.store.getTicket(id);
    if (!before) throw onMissing();
    const ctx = await ruleContext(deps, before.ticket);
    const next = await apply(before, ctx);
    if (next === null) return { before, after: before };
    try {
      const after = await deps.store.saveTicket(next, before.ticket.version);
      return { before, after };
    } catch (err) {
      if (!(err instanceof VersionConflictError) || attempt >= CONFLICT_RETRIES) throw err;
      const wait = Math.random() * 5 * (attempt + 1);
      await (deps.sleep ? deps.sleep(wait) : new Promise((r) => setTimeout(r, wait)));
    }
  }
}

/** Tell the workflow about every party whose expected stage changed; the write already cleared their tokens. */
async function signal(
  deps: TicketDeps,
  tokens: StoredTicket['tokens'],
  steps: Map<string, Step>,
): Promise<void> {
  await Promise.all(
    [...steps].map(async ([party, step]) => {
      const held = tokens[party];
      if (held) await deps.workflow.sendTaskSuccess(held.token, step);
    }),
  );
}

/**
 * For each party holding a token: the step it should take now. Parties whose wait is unchanged
 * are left alone; when a new unit joined (re-route), every branch ends so the ticket re-plans.
 */
function stepsAfter(rec: StoredTicket, clock: Clock): Map<string, Step> {
  const t = rec.ticket;
  const steps = new Map<string, Step>();
  const active = rules.activeUnits(t);
  const waiting = Object.keys(rec.tokens).filter((p) => p !== TICKET_PARTY);
  const newcomer = active.some((u) => !waiting.includes(u));
  for (const [party, held] of Object.entries(rec.tokens)) {
    if (party === TICKET_PARTY) {
      const step = ticketStep(t, clock);
      if (step.next !== 'wait' || step.Payload?.stage !== held.stage || movedInstant(t, undefined, held))
        steps.set(party, step);
      continue;
    }
    const step = trackStep(t, party, clock);
    if (newcomer && waiting.length > 0) steps.set(party, { ticketId: t.id, next: 'done' });
    else if (step.next !== 'wait' || step.Payload?.stage !== held.stage || movedInstant(t, party, held))
      steps.set(party, step);
  }
  return steps;
}

/** The party's next SLA instant is not the one its wait was armed for (an extension, a new calendar). */
function movedInstant(t: Ticket, unitId: string | undefined, held: StoredTicket['tokens'][string]): boolean {
  if (held.nextAt === undefined) return false;
  const next = rules.nextTimerAt(t, unitId);
  return (next ? toShanghaiIso(next) : null) !== held.nextAt;
}

function withoutTokens(rec: StoredTicket, parties: Iterable<string>): StoredTicket {
  const tokens = { ...rec.tokens };
  for (const p of parties) delete tokens[p];
  return { ...rec, tokens };
}

// ---------------------------------------------------------------------------------------------
// Intake
// ---------------------------------------------------------------------------------------------

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += CROCKFORD[(bytes[i] ?? 0) % 32];
  return out;
}

export function ticketIds(seed?: string): { id: string; code: string } {
  const bytes = seed ? createHash('sha256').update(seed).digest() : randomBytes(32);
  return { id: `t${base32(bytes, 20).toLowerCase()}`, code: `WD${base32(bytes.subarray(20), 8)}` };
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('base64url');
}

export async function createTicket(
  deps: TicketDeps,
  actor: Principal,
  input: rules.NewTicketInput,
  idempotencyKey?: string,
): Promise<{ ticket: Ticket; replayed: boolean }> {
  requireRole(actor, ['reporter', 'admin'], 'raise tickets');
  if (actor.role === 'reporter' && actor.communityId !== input.communityId) {
    throw new ForbiddenError(`reporter of ${actor.communityId} may only raise tickets for that community`);
  }
  const hash = requestHash(input);
  const ids = ticketIds(idempotencyKey ? `${actor.sub}\u0000${idempotencyKey}` : undefined);
  const config = await deps.configs.current();
  const cal = await deps.configs.calendar();
  const ticket = rules.createTicket(input, ids, actor, { now: deps.clock.now(), config, cal });
  const created = await deps.store.createTicket({ ticket, tokens: {}, requestHash: hash });
  if (!created) {
    const existing = await load(deps, ids.id);
    if (existing.requestHash !== hash) {
      throw new ConflictError('this Idempotency-Key was already used with a different request', {
        ticketId: existing.ticket.id,
      });
    }
    // A replay also restarts the workflow if the first attempt died before starting it.
    await deps.workflow.start(existing.ticket.id, executionInput(existing.ticket, deps.clock));
    return { ticket: existing.ticket, replayed: true };
  }
  deps.metrics?.count('TicketsReceived', 1, { slaClass: ticket.slaClass });
  await deps.workflow.start(ticket.id, executionInput(ticket, deps.clock));
  return { ticket, replayed: false };
}

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

export type ActionName =
  | 'acknowledge'
  | 'arrive'
  | 'progress'
  | 'resolve'
  | 'return'
  | 'extension'
  | 'extension/decision'
  | 'urge'
  | 'feedback'
  | 'cancel'
  | 'ruling';

export type ActionBody = Record<string, unknown>;

function applyAction(
  t: Ticket,
  actor: Principal,
  action: ActionName,
  body: ActionBody,
  ctx: rules.RuleContext,
): Ticket {
  switch (action) {
    case 'acknowledge':
      return rules.acknowledge(t, actor, ctx);
    case 'arrive':
      return rules.arrive(t, actor, ctx);
    case 'progress':
      return rules.progress(t, actor, body.note as string, ctx);
    case 'resolve':
      return rules.resolve(
        t,
        actor,
        { summary: body.summary as string, evidence: body.evidence as string[] | undefined },
        ctx,
      );
    case 'return':
      return rules.returnTicket(t, actor, body.reason as string, ctx);
    case 'extension':
      return rules.requestExtension(
        t,
        actor,
        { workingDays: body.workingDays as number, reason: body.reason as string },
        ctx,
      );
    case 'extension/decision':
      requireOversight(actor, t, 'decide extensions');
      return rules.decideExtension(t, actor, body.approve as boolean, ctx);
    case 'urge':
      requireOversight(actor, t, 'urge');
      return rules.urge(t, actor, body.note as string, ctx);
    case 'feedback':
      requireReporterOf(actor, t, 'give the verdict');
      return rules.giveFeedback(
        t,
        actor,
        { rating: body.rating as 'satisfied', comment: body.comment as string | undefined },
        ctx,
      );
    case 'cancel':
      requireRole(actor, ['admin'], 'cancel tickets');
      return rules.cancel(t, actor, body.reason as string, ctx);
    case 'ruling':
      requireOversight(actor, t, 'rule on tickets');
      return rules.rule(
        t,
        actor,
        {
          decision: body.decision as 'close',
          unitId: body.unitId as string | undefined,
          note: body.note as string | undefined,
        },
        ctx,
      );
  }
}

export async function act(
  deps: TicketDeps,
  actor: Principal,
  id: string,
  action: ActionName,
  body: ActionBody,
): Promise<Ticket> {
  let steps = new Map<string, Step>();
  const { before, after } = await mutate(deps, id, async (rec, ctx) => {
    requireVisible(actor, rec.ticket, id);
    let ticket = applyAction(rec.ticket, actor, action, body, ctx);
    // Delivered before the write so a failure flags the ticket in that same write; a retried
    // request finds the notice recorded (keyed by the urge count) and does not send it twice.
    if (action === 'urge') ticket = await notifyUrge(deps, ticket, body.note as string, ctx);
    const next = { ...rec, ticket };
    steps = stepsAfter(next, deps.clock);
    return withoutTokens(next, steps.keys());
  });
  const t = after.ticket;
  if (action === 'cancel') {
    await deps.workflow.stop(t.id, 'cancelled');
  } else {
    await signal(deps, before.tokens, steps);
  }
  if (action === 'feedback' || action === 'resolve')
    deps.metrics?.count(action === 'resolve' ? 'TicketsResolved' : 'Verdicts');
  return t;
}

/**
 * A change the system makes to a ticket on its own (a published calendar moving deadlines, a
 * delivery failure flagging it, a dispatcher's triage): the same read-modify-write as an action,
 * and every wait whose stage or instant the change moved is re-armed. `change` returns the next
 * ticket, or null to leave it as it is. Returns the ticket as stored, undefined when it is gone.
 */
export async function applySystemChange(
  deps: TicketDeps,
  ticketId: string,
  change: (t: Ticket, ctx: rules.RuleContext) => Ticket | null | Promise<Ticket | null>,
): Promise<Ticket | undefined> {
  let steps = new Map<string, Step>();
  try {
    const { before, after } = await mutate(deps, ticketId, async (rec, ctx) => {
      const ticket = await change(rec.ticket, ctx);
      if (ticket === null) {
        steps = new Map();
        return null;
      }
      const next = { ...rec, ticket };
      steps = stepsAfter(next, deps.clock);
      return withoutTokens(next, steps.keys());
    });
    await signal(deps, before.tokens, steps);
    return after.ticket;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

function deliveryDeps(deps: TicketDeps): DeliveryDeps {
  return {
    store: deps.store,
    queue: deps.queue,
    ...(deps.realNow ? { realNow: deps.realNow } : {}),
    ...(deps.deadLetters ? { deadLetters: deps.deadLetters } : {}),
    ...(deps.onDeliveryError ? { onDeliveryError: deps.onDeliveryError } : {}),
  };
}

/** Urges (催办/督办) reach the lead unit's leader; an undelivered urge flags the ticket. */
async function notifyUrge(
  deps: TicketDeps,
  t: Ticket,
  note: string,
  ctx: rules.RuleContext,
): Promise<Ticket> {
  const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  if (!lead) return t;
  const spec: NoticeSpec = { kind: 'urge', unitId: lead.unitId, note, key: `n${t.urgeCount}` };
  const record = buildNotice(t, spec, await noticeContext(deps, t, [spec], ctx));
  const outcome = await enqueue(deliveryDeps(deps), record);
  if (outcome.delivered) return t;
  if (!outcome.duplicate) deps.metrics?.count('NotificationFailures', 1, { kind: 'urge' });
  return flagFailedNotice(t, outcome.record, ctx.now);
}

export async function getTicket(deps: TicketDeps, actor: Principal, id: string): Promise<Ticket> {
  const rec = await deps.store.getTicket(id);
  return requireVisible(actor, rec?.ticket, id);
}

// ---------------------------------------------------------------------------------------------
// Workflow tasks
// ---------------------------------------------------------------------------------------------

function noticeKindFor(t: Ticket, unitId: string | undefined): NoticeSpec['kind'] {
  if (!unitId) return 'feedback_request';
  const reopened =
    t.status === 'reopened' &&
    t.clocks.some((c) => c.unitId === unitId && c.stage === 'resolve' && !c.notifiedAt && !c.doneAt);
  return reopened ? 'reopen' : 'dispatch';
}

/**
 * Arm a wait (the callback task): if the party already moved on, complete at once with the step
 * it should take; otherwise announce the stage if nobody told the party yet, and store the token.
 */
export async function armWait(deps: TicketDeps, wait: Wait, taskToken: string): Promise<void> {
  const party = wait.unitId || TICKET_PARTY;
  const unitId = wait.unitId || undefined;
  let complete: Step | undefined;
  await mutate(
    deps,
    wait.ticketId,
    async (rec, ctx) => {
      complete = undefined;
      const t = rec.ticket;
      const step = unitId ? trackStep(t, unitId, deps.clock) : ticketStep(t, deps.clock);
      if (step.next !== 'wait' || step.Payload?.stage !== wait.stage || !rules.isOpen(t)) {
        complete = step;
        return null;
      }
      let ticket = t;
      if (rules.needsNotice(t, unitId)) {
        const kind = noticeKindFor(t, unitId);
        const clock = t.clocks.find((c) => c.unitId === unitId && !c.doneAt && !c.notifiedAt);
        const spec: NoticeSpec = {
          kind,
          ...(unitId ? { unitId } : {}),
          stage: step.Payload.stage === 'ruling' ? 'feedback' : step.Payload.stage,
          ...(clock ? { dueAt: clock.dueAt } : {}),
          key: clock?.startedAt ?? toShanghaiIso(ctx.now),
        };
        const record = buildNotice(t, spec, await noticeContext(deps, t, [spec], ctx));
        const outcome = await enqueue(deliveryDeps(deps), record);
        ticket = rules.markNotified(t, unitId, kind, ctx);
        if (!outcome.delivered) {
          ticket = flagFailedNotice(ticket, outcome.record, ctx.now);
          if (!outcome.duplicate) deps.metrics?.count('NotificationFailures', 1, { kind });
        }
      }
      const next = rules.nextTimerAt(ticket, unitId);
      const held = { token: taskToken, stage: wait.stage, nextAt: next ? toShanghaiIso(next) : null };
      return { ...rec, ticket, tokens: { ...rec.tokens, [party]: held } };
    },
    () => new TicketGoneError(`ticket ${wait.ticketId} is gone`),
  );
  if (complete) await deps.workflow.sendTaskSuccess(taskToken, complete);
}

/**
 * The wait timed out: record warnings and breaches due by now, notify, and take the next step.
 * Notices go out before the write, so an undelivered one flags the ticket in that same write and a
 * task that dies after sending finds its notices recorded when the workflow retries it.
 */
export async function onTimer(deps: TicketDeps, wait: Wait): Promise<Step> {
  const party = wait.unitId || TICKET_PARTY;
  const unitId = wait.unitId || undefined;
  let events: rules.TimerEvent[] = [];
  let newlyFailed: NoticeSpec['kind'][] = [];
  const { after } = await mutate(
    deps,
    wait.ticketId,
    async (current, ctx) => {
      const applied = rules.applyTimers(current.ticket, unitId, ctx);
      events = applied.events;
      let ticket = applied.ticket;
      const specs = timerNoticeSpecs(ticket, events, ctx.config);
      const outcome = await enqueueNotices(
        deliveryDeps(deps),
        ticket,
        specs,
        await noticeContext(deps, ticket, specs, ctx),
      );
      for (const record of outcome.failed) ticket = flagFailedNotice(ticket, record, ctx.now);
      newlyFailed = outcome.newlyFailed.map((r) => r.kind);
      // Like the notices, the breach items are written before the ticket: once the ticket records
      // the breach, a retried task (or a restarted runtime) finds no event left to write them for.
      const breaches = events.flatMap((e) => (e.kind === 'breach' ? [e.breach] : []));
      if (breaches.length) await deps.store.putBreaches(ticket, breaches);
      return withoutTokens({ ...current, ticket }, [party]);
    },
    () => new TicketGoneError(`ticket ${wait.ticketId} is gone`),
  );
  const t = after.ticket;
  const breaches = events.flatMap((e) => (e.kind === 'breach' ? [e.breach] : []));
  for (const b of breaches) {
    deps.metrics?.count('SlaBreaches', 1, { Stage: b.stage, Level: String(b.level) });
    if (b.level > 1) deps.metrics?.count('Escalations', 1, { Level: String(b.level) });
  }
  for (const kind of newlyFailed) deps.metrics?.count('NotificationFailures', 1, { kind });
  return unitId ? trackStep(t, unitId, deps.clock) : ticketStep(t, deps.clock);
}

/** After every unit's branch ended: what the ticket does next (re-plan, wait for verdict, end). */
export async function advance(deps: TicketDeps, ticketId: string): Promise<Step> {
  const rec = await deps.store.getTicket(ticketId);
  if (!rec) throw new TicketGoneError(`ticket ${ticketId} is gone`);
  return ticketStep(rec.ticket, deps.clock);
}
