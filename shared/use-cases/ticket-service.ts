/**
 * Use cases over tickets: the API actions, and the workflow tasks (await a party, handle a timer,
 * advance, the catch-all). The ticket record is the truth: each use case reads it, applies a pure
 * rule, writes it back with one conditional write, then tells the workflow what changed.
 *
 * Clock integrity (docs/reliability.md): the write that changes what a party waits for also
 * records the signal it owes the engine (`pending`), and the write that creates a ticket records
 * its pending start, so a call lost after the write is re-sent by the reconciler (or the table's
 * stream on AWS) instead of leaving a clock stopped. Whoever delivers clears it: a party's next
 * wait, armed by the engine, removes its own pending signal.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expectedWaits } from '../domain/clock-audit';
import { toShanghaiIso } from '../domain/deadlines';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TicketGoneError,
  VersionConflictError,
} from '../domain/errors';
import type { Ticket } from '../domain/model';
import {
  activeParties,
  isPartyName,
  partyNextInstant,
  partyStage,
  partyUnit,
  TICKET_PARTY,
  TRIAGE_PARTY,
  ticketNextInstant,
  timerInstant,
  type WaitStage,
} from '../domain/parties';
import type { Principal } from '../domain/principal';
import { requireRole, requireVisible } from '../domain/principal';
import { type ActionInput, authorize, type TicketAction } from '../domain/ticket-actions';
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
import { suggestForConfig } from './duty-suggestions';
import {
  buildNotice,
  closureSpecs,
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
  /** Starts and signals that failed after their write (they stay pending for the reconciler). */
  onDeferred?: (what: string, err: unknown) => void;
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
/** Lost optimistic-lock races retried in place: eleven parties of a joint dispatch arming at once need ten. */
const CONFLICT_RETRIES = 16;

/** A task of an older generation: a newer execution owns the ticket's clocks (the ASL ends it). */
export class ExecutionSupersededError extends Error {
  override readonly name = 'ExecutionSupersededError';
}

// ---------------------------------------------------------------------------------------------
// Steps: what the workflow does next, derived from the ticket record alone
// ---------------------------------------------------------------------------------------------

function waitFor(t: Ticket, party: string, stage: WaitStage, clock: Clock): Wait {
  const now = clock.now().getTime();
  const next = partyNextInstant(t, party);
  // No instant left (every level reached, or a ruling): re-check every MAX_WAIT, acting on nothing.
  const at =
    next && next.getTime() - now <= MAX_WAIT_MS
      ? timerInstant(next, t.id, party)
      : new Date(Math.min(next?.getTime() ?? Number.POSITIVE_INFINITY, now + MAX_WAIT_MS));
  return { ticketId: t.id, party, unitId: partyUnit(t, party) ?? '', stage, timerAt: toShanghaiIso(at) };
}

/** One party: wait for its next action or SLA instant, or end. */
export function partyStep(t: Ticket, party: string, clock: Clock): Step {
  const stage = rules.isOpen(t) ? partyStage(t, party) : 'done';
  if (stage === 'done') return { ticketId: t.id, next: 'done' };
  return { ticketId: t.id, next: 'wait', wait: waitFor(t, party, stage, clock) };
}

/** What a party's wait should turn into now (the ticket's wait turns into the units' tracks). */
function stepFor(t: Ticket, party: string, clock: Clock): Step {
  return party === TICKET_PARTY ? ticketStep(t, clock) : partyStep(t, party, clock);
}

/** The ticket as a whole: run the unit parties' branches, wait for a verdict or ruling, or finish. */
export function ticketStep(t: Ticket, clock: Clock): Step {
  const parties = rules.isOpen(t) ? activeParties(t) : [];
  if (parties.length > 0)
    return { ticketId: t.id, next: 'tracks', tracks: parties.map((p) => partyStep(t, p, clock)) };
  return partyStep(t, TICKET_PARTY, clock);
}

/**
 * The input of a fresh execution (intake, a repair, a restart's re-attachment). The machine
 * starts at the units' Map: a ticket whose units are all done (waiting for the verdict or a
 * ruling) enters it with no branch and goes straight to Advance, which plans from the record.
 */
export function executionInput(t: Ticket, clock: Clock): Step {
  const step = ticketStep(t, clock);
  return step.next === 'tracks' ? step : { ticketId: t.id, next: 'tracks', tracks: [] };
}

/** The generation the record says owns the ticket (records from before generations: 0). */
export function generationOf(rec: Pick<StoredTicket, 'run'>): number {
  return rec.run?.generation ?? 0;
}

/**
 * The instant by which the engine must next act on this record: its next SLA instant, or when a
 * start or signal it still owes was written. The store indexes it (`listDue`) for the reconciler.
 */
export function dueByOf(rec: StoredTicket): string | undefined {
  const candidates: number[] = [];
  const next = ticketNextInstant(rec.ticket);
  if (next) candidates.push(next.getTime());
  if (rules.isOpen(rec.ticket)) {
    if (rec.pending?.start) candidates.push(Date.parse(rec.pending.start.at));
    for (const s of Object.values(rec.pending?.signals ?? {})) candidates.push(Date.parse(s.at));
  }
  return candidates.length ? toShanghaiIso(new Date(Math.min(...candidates))) : undefined;
}

/** The record with its derived index fields brought up to date: call on every write. */
function indexed(rec: StoredTicket): StoredTicket {
  const { dueBy: _old, ...rest } = rec;
  const dueBy = dueByOf(rest);
  return dueBy ? { ...rest, dueBy } : rest;
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

/** Longest a write waits for this process's previous write of the same ticket (then races it). */
const TURN_WAIT_MS = 1_000;
/** Per ticket id, the end of the last write this process started on it. */
const turns = new Map<string, Promise<void>>();

/**
 * Writes of one ticket from this process take turns. A multi-unit dispatch arms every unit's wait
 * at once (parallel branches, one task each), and in one process those tasks all read the same
 * version and all but one lost the conditional write, then read and retried. Taking turns only
 * saves that work: the version condition still decides, across processes and Lambda containers,
 * and a turn never waits longer than TURN_WAIT_MS, so no write can hang on another.
 */
async function inTurn<T>(id: string, work: () => Promise<T>): Promise<T> {
  const previous = turns.get(id);
  let done!: () => void;
  const mine = new Promise<void>((resolve) => {
    done = resolve;
  });
  const end = previous ? Promise.all([previous, mine]).then(() => undefined) : mine;
  turns.set(id, end);
  try {
    if (previous) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        previous,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, TURN_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    return await work();
  } finally {
    done();
    if (turns.get(id) === end) turns.delete(id);
  }
}

/**
 * Read-modify-write with optimistic locking: on a lost race, re-read and re-apply the rule (which
 * may now refuse, e.g. a second acknowledge gets its 409 from the rule, not from the lock).
 */
function mutate(
  deps: TicketDeps,
  id: string,
  apply: (rec: StoredTicket, ctx: rules.RuleContext) => StoredTicket | null | Promise<StoredTicket | null>,
  onMissing: () => Error = () => new NotFoundError(`ticket ${id} not found`),
): Promise<{ before: StoredTicket; after: StoredTicket }> {
  return inTurn(id, () => readModifyWrite(deps, id, apply, onMissing));
}

async function readModifyWrite(
  deps: TicketDeps,
  id: string,
  apply: (rec: StoredTicket, ctx: rules.RuleContext) => StoredTicket | null | Promise<StoredTicket | null>,
  onMissing: () => Error,
): Promise<{ before: StoredTicket; after: StoredTicket }> {
  for (let attempt = 0; ; attempt += 1) {
    const before = await deps.store.getTicket(id);
    if (!before) throw onMissing();
    const ctx = await ruleContext(deps, before.ticket);
    const next = await apply(before, ctx);
    if (next === null) return { before, after: before };
    try {
      const after = await deps.store.saveTicket(indexed(next), before.ticket.version);
      return { before, after };
    } catch (err) {
      if (!(err instanceof VersionConflictError) || attempt >= CONFLICT_RETRIES) throw err;
      const wait = Math.random() * 5 * (attempt + 1);
      await (deps.sleep ? deps.sleep(wait) : new Promise((r) => setTimeout(r, wait)));
    }
  }
}

/**
 * For each party holding a token: the step it should take now, when that is not what it waits
 * for (another stage or unit, a moved SLA instant, or the end of its part).
 */
function stepsAfter(rec: StoredTicket, clock: Clock): Map<string, Step> {
  const t = rec.ticket;
  const steps = new Map<string, Step>();
  for (const [party, held] of Object.entries(rec.tokens)) {
    if (!isPartyName(party)) continue;
    const step = stepFor(t, party, clock);
    const next = partyNextInstant(t, party);
    const changed =
      step.next !== 'wait' ||
      step.wait?.stage !== held.stage ||
      (held.unitId !== undefined && step.wait.unitId !== held.unitId) ||
      (held.nextAt !== undefined && (next ? toShanghaiIso(next) : null) !== held.nextAt);
    if (changed) steps.set(party, step);
  }
  return steps;
}

/** Move the tokens of `steps` from the record's live waits to its pending signals (same write). */
function withSignals(rec: StoredTicket, steps: Map<string, Step>, now: Date): StoredTicket {
  if (steps.size === 0) return rec;
  const tokens = { ...rec.tokens };
  const signals = { ...(rec.pending?.signals ?? {}) };
  for (const [party, step] of steps) {
    const held = tokens[party];
    if (!held) continue;
    signals[party] = { token: held.token, step, at: toShanghaiIso(now) };
    delete tokens[party];
  }
  return { ...rec, tokens, pending: { ...rec.pending, signals } };
}

/**
 * Deliver the signals a write left pending. A failure is not the caller's failure: the write
 * stands, the signal stays pending, and the reconciler (or the stream on AWS) sends it again.
 */
async function sendSignals(deps: TicketDeps, rec: StoredTicket, parties: Iterable<string>): Promise<void> {
  await Promise.all(
    [...parties].map(async (party) => {
      const signal = rec.pending?.signals?.[party];
      if (!signal) return;
      try {
        await deps.workflow.resume(signal.token, signal.step);
      } catch (err) {
        deps.metrics?.count('SignalsDeferred');
        deps.onDeferred?.(`signal to ${rec.ticket.id}/${party} deferred`, err);
      }
    }),
  );
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

/**
 * Start the generation the record owns, if its start is still pending. Safe to call again: the
 * engine treats a start of the running generation as a no-op. A failure leaves the start pending.
 */
export async function sendPendingStart(deps: TicketDeps, rec: StoredTicket): Promise<boolean> {
  const start = rec.pending?.start;
  if (!start || !rules.isOpen(rec.ticket)) return false;
  try {
    await deps.workflow.start(rec.ticket.id, start.generation, executionInput(rec.ticket, deps.clock));
    return true;
  } catch (err) {
    deps.metrics?.count('StartsDeferred');
    deps.onDeferred?.(`start of ${rec.ticket.id} deferred`, err);
    return false;
  }
}

/** How many suggestions a whistle in triage carries to the dispatcher. */
export const TRIAGE_SUGGESTIONS = 3;

/**
 * What a whistle raised by description only becomes: routed to the top suggestion when it is
 * confident (and the configuration allows it), otherwise triage with the suggestions attached.
 */
export async function planIntake(
  deps: Pick<TicketDeps, 'configs'>,
  input: rules.NewTicketInput,
): Promise<rules.NewTicketInput> {
  if (input.dutyItemId !== undefined) return input;
  const config = await deps.configs.current();
  const found = suggestForConfig(config, `${input.title} ${input.description}`, TRIAGE_SUGGESTIONS);
  const top = found.items[0];
  const auto = config.triage?.autoRouteConfident ?? true;
  if (found.confident && top && auto) return { ...input, dutyItemId: top.dutyItemId };
  return {
    ...input,
    suggestions: found.items.map((s) => ({
      dutyItemId: s.dutyItemId,
      name: s.name,
      ...(s.category ? { category: s.category } : {}),
      score: Math.round(s.score * 100) / 100,
      matched: s.matched,
    })),
  };
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
  // The request as sent is what a retry repeats: suggestions may change with the configuration.
  const hash = requestHash(input);
  const ids = ticketIds(idempotencyKey ? `${actor.sub}\u0000${idempotencyKey}` : undefined);
  const config = await deps.configs.current();
  const planned = await planIntake(deps, input);
  const cal = await deps.configs.calendar();
  const now = deps.clock.now();
  const ticket = rules.createTicket(planned, ids, actor, { now, config, cal });
  const at = toShanghaiIso(now);
  // The start is written with the ticket: if the engine refuses it now, the ticket still has it.
  const record = indexed({
    ticket,
    tokens: {},
    requestHash: hash,
    run: { generation: 1, startedAt: at },
    pending: { start: { generation: 1, at } },
  });
  const created = await deps.store.createTicket(record);
  if (!created) {
    const existing = await load(deps, ids.id);
    if (existing.requestHash !== hash) {
      throw new ConflictError('this Idempotency-Key was already used with a different request', {
        ticketId: existing.ticket.id,
      });
    }
    // A replay also sends the start if the first attempt died before it.
    await sendPendingStart(deps, existing);
    return { ticket: existing.ticket, replayed: true };
  }
  deps.metrics?.count('TicketsReceived', 1, { slaClass: ticket.slaClass });
  await sendPendingStart(deps, record);
  return { ticket, replayed: false };
}

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

/** The action names (kept for callers that name an action without its body). */
export type ActionName = TicketAction;

/**
 * The rule each action runs. Who may take it was decided before (`authorize`, from the policy
 * table in domain/ticket-actions.ts); the body arrives typed and validated (`readAction`).
 */
function applyAction(t: Ticket, actor: Principal, input: ActionInput, ctx: rules.RuleContext): Ticket {
  switch (input.action) {
    case 'acknowledge':
      return rules.acknowledge(t, actor, ctx);
    case 'arrive':
      return rules.arrive(t, actor, ctx);
    case 'progress':
      return rules.progress(t, actor, input.body.note, ctx);
    case 'resolve':
      return rules.resolve(t, actor, { summary: input.body.summary, evidence: input.body.evidence }, ctx);
    case 'return':
      return rules.returnTicket(t, actor, input.body.reason, ctx);
    case 'extension':
      return rules.requestExtension(t, actor, input.body, ctx);
    case 'extension/decision':
      return rules.decideExtension(t, actor, input.body.approve, ctx);
    case 'urge':
      return rules.urge(t, actor, input.body.note, ctx);
    case 'feedback':
      return rules.giveFeedback(t, actor, input.body, ctx);
    case 'cancel':
      return rules.cancel(t, actor, input.body.reason, ctx);
    case 'ruling':
      return rules.rule(t, actor, input.body, ctx);
    case 'reassign':
      return rules.reassign(t, actor, input.body, ctx);
  }
}

export async function act(
  deps: TicketDeps,
  actor: Principal,
  id: string,
  input: ActionInput,
): Promise<Ticket> {
  const { action } = input;
  let steps = new Map<string, Step>();
  const { after } = await mutate(deps, id, async (rec, ctx) => {
    requireVisible(actor, rec.ticket, id);
    authorize(actor, action, rec.ticket);
    let ticket = applyAction(rec.ticket, actor, input, ctx);
    // Delivered before the write so a failure flags the ticket in that same write; a retried
    // request finds the notice recorded (keyed by the urge count) and does not send it twice.
    if (input.action === 'urge') ticket = await notifyUrge(deps, ticket, input.body.note, ctx);
    const next = { ...rec, ticket };
    steps = stepsAfter(next, deps.clock);
    return withSignals(next, steps, ctx.now);
  });
  const t = after.ticket;
  if (action === 'cancel') {
    try {
      await deps.workflow.stop(t.id, generationOf(after), 'cancelled');
    } catch (err) {
      // Its tasks find the ticket cancelled and end the execution themselves.
      deps.onDeferred?.(`stop of ${t.id} deferred`, err);
    }
  }
  await sendSignals(deps, after, steps.keys());
  await notifyClosure(deps, after.ticket);
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
    const { after } = await mutate(deps, ticketId, async (rec, ctx) => {
      steps = new Map();
      const ticket = await change(rec.ticket, ctx);
      if (ticket === null) return null;
      const next = { ...rec, ticket };
      steps = stepsAfter(next, deps.clock);
      return withSignals(next, steps, ctx.now);
    });
    await sendSignals(deps, after, steps.keys());
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

/**
 * Tell the reporters who joined a ticket that it closed (closure notices). After the write: a
 * notice lost to a crash here is not re-sent, which costs a courtesy SMS, never a clock.
 */
async function notifyClosure(deps: TicketDeps, t: Ticket): Promise<void> {
  const specs = closureSpecs(t);
  if (specs.length === 0) return;
  const config = await deps.configs.version(t.configVersion);
  // No signed link: a joined reporter is a person, not the community, and may act on nothing.
  const ctx = { now: deps.clock.now(), config, publicBaseUrl: deps.publicBaseUrl };
  const outcome = await enqueueNotices(deliveryDeps(deps), t, specs, ctx);
  for (const r of outcome.newlyFailed) deps.metrics?.count('NotificationFailures', 1, { kind: r.kind });
}

export async function getTicket(deps: TicketDeps, actor: Principal, id: string): Promise<Ticket> {
  const rec = await deps.store.getTicket(id);
  return requireVisible(actor, rec?.ticket, id);
}

// ---------------------------------------------------------------------------------------------
// Workflow tasks
// ---------------------------------------------------------------------------------------------

/** What every task knows about the execution that runs it. */
export interface TaskOrigin {
  /** The execution's generation (from its name, workflows/contract.ts). */
  generation: number;
}

/** Tasks of an execution the record no longer owns end it (a repair started a newer one). */
function assertCurrent(rec: StoredTicket, origin: TaskOrigin): void {
  // Records from before generations accept every execution; any repair gives them one.
  if (rec.run && rec.run.generation !== origin.generation) {
    throw new ExecutionSupersededError(
      `ticket ${rec.ticket.id} is owned by generation ${rec.run.generation}, not ${origin.generation}`,
    );
  }
}

function noticeKindFor(t: Ticket, unitId: string | undefined): NoticeSpec['kind'] {
  if (!unitId) return 'feedback_request';
  const reopened =
    t.status === 'reopened' &&
    t.clocks.some((c) => c.unitId === unitId && c.stage === 'resolve' && !c.notifiedAt && !c.doneAt);
  return reopened ? 'reopen' : 'dispatch';
}

/** The pending start and signals an armed wait proves delivered. */
function clearDelivered(rec: StoredTicket, party: string, origin: TaskOrigin): StoredTicket['pending'] {
  const start = rec.pending?.start;
  const signals = { ...(rec.pending?.signals ?? {}) };
  delete signals[party];
  // The ticket waits only once every unit party is done (their signals were taken), and a unit
  // party waits only once the ticket's signal started its branch.
  if (party === TICKET_PARTY) {
    for (const p of Object.keys(signals)) delete signals[p];
  } else delete signals[TICKET_PARTY];
  const out: NonNullable<StoredTicket['pending']> = {};
  if (start && start.generation !== origin.generation) out.start = start;
  if (Object.keys(signals).length > 0) out.signals = signals;
  return Object.keys(out).length > 0 ? out : undefined;
}

function withPending(rec: StoredTicket, pending: StoredTicket['pending']): StoredTicket {
  const { pending: _old, ...rest } = rec;
  return pending ? { ...rest, pending } : rest;
}

/**
 * Arm a party's wait (the callback task): if the party already moved on, complete at once with
 * the step it should take; otherwise announce the stage if nobody told the party yet, and store
 * the token. Its write also clears what it proves delivered (the start, the party's signal).
 */
export async function awaitParty(
  deps: TicketDeps,
  wait: Wait,
  taskToken: string,
  origin: TaskOrigin,
): Promise<void> {
  const party = wait.party;
  let complete: Step | undefined;
  await mutate(
    deps,
    wait.ticketId,
    async (rec, ctx) => {
      complete = undefined;
      assertCurrent(rec, origin);
      const t = rec.ticket;
      const step = stepFor(t, party, deps.clock);
      const pending = clearDelivered(rec, party, origin);
      const pendingChanged = JSON.stringify(pending) !== JSON.stringify(rec.pending);
      if (step.next !== 'wait' || step.wait?.stage !== wait.stage || step.wait.unitId !== wait.unitId) {
        complete = step;
        return pendingChanged ? withPending(rec, pending) : null;
      }
      const unitId = step.wait.unitId || undefined;
      let ticket = t;
      if (rules.needsNotice(t, unitId)) {
        const kind = noticeKindFor(t, unitId);
        const clock = t.clocks.find((c) => c.unitId === unitId && !c.doneAt && !c.notifiedAt);
        const spec: NoticeSpec = {
          kind,
          ...(unitId ? { unitId } : {}),
          stage: step.wait.stage === 'ruling' ? 'feedback' : step.wait.stage,
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
      const next = partyNextInstant(ticket, party);
      const tokens = Object.fromEntries(Object.entries(rec.tokens).filter(([p]) => isPartyName(p)));
      tokens[party] = {
        token: taskToken,
        stage: wait.stage,
        unitId: wait.unitId,
        nextAt: next ? toShanghaiIso(next) : null,
        generation: origin.generation,
      };
      return withPending({ ...rec, ticket, tokens }, pending);
    },
    () => new TicketGoneError(`ticket ${wait.ticketId} is gone`),
  );
  if (complete) await deps.workflow.resume(taskToken, complete);
}

/**
 * The wait timed out: record warnings and breaches due by now, notify, and return the party's
 * next wait. Notices go out before the write, so an undelivered one flags the ticket in that same
 * write and a task that dies after sending finds its notices recorded when the workflow retries.
 * A timer that finds nothing due (its instant moved later) writes nothing.
 */
export async function onTimer(deps: TicketDeps, wait: Wait, origin: TaskOrigin): Promise<Step> {
  const party = wait.party;
  let events: rules.TimerEvent[] = [];
  let newlyFailed: NoticeSpec['kind'][] = [];
  const { after } = await mutate(
    deps,
    wait.ticketId,
    async (current, ctx) => {
      assertCurrent(current, origin);
      events = [];
      newlyFailed = [];
      const unitId = party === TICKET_PARTY ? undefined : partyUnit(current.ticket, party);
      // The triage party may count against no unit (a street without an office): its clock has none.
      if (party !== TICKET_PARTY && party !== TRIAGE_PARTY && !unitId) return null;
      if (party === TRIAGE_PARTY && current.ticket.status !== 'triage') return null;
      const applied = rules.applyTimers(current.ticket, unitId, ctx);
      events = applied.events;
      if (events.length === 0) return null;
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
      return { ...current, ticket };
    },
    () => new TicketGoneError(`ticket ${wait.ticketId} is gone`),
  );
  const t = after.ticket;
  if (events.some((e) => e.kind === 'no_verdict')) await notifyClosure(deps, t);
  for (const e of events) {
    if (e.kind !== 'breach') continue;
    deps.metrics?.count('SlaBreaches', 1, { Stage: e.breach.stage, Level: String(e.breach.level) });
    if (e.breach.level > 1) deps.metrics?.count('Escalations', 1, { Level: String(e.breach.level) });
  }
  for (const kind of newlyFailed) deps.metrics?.count('NotificationFailures', 1, { kind });
  const step = partyStep(t, party, deps.clock);
  if (step.next === 'wait') return step;
  // The ASL always re-enters the wait, which ends a party that is done (PartyDone) or turns the
  // ticket's wait into new tracks: awaitParty completes it at once. Its timer must not be the
  // instant that just fired: a wait armed in the past times out while awaitParty still runs (a
  // cold start on AWS, a busy machine locally), and the party would spin between the timer and
  // the wait, never reaching PartyDone. The far timer only ever fires if nothing resumes it.
  return { ...step, wait: { ...wait, timerAt: reentryTimerAt(deps.clock) } };
}

/** When a wait that is only re-entered to be completed at once would time out. */
function reentryTimerAt(clock: Clock): string {
  return toShanghaiIso(new Date(clock.now().getTime() + MAX_WAIT_MS));
}

/** Every unit party's branch ended: what the ticket does next (tracks, a verdict wait, the end). */
export async function advance(deps: TicketDeps, ticketId: string, origin: TaskOrigin): Promise<Step> {
  const rec = await deps.store.getTicket(ticketId);
  if (!rec) throw new TicketGoneError(`ticket ${ticketId} is gone`);
  assertCurrent(rec, origin);
  return ticketStep(rec.ticket, deps.clock);
}

/** The ticket flag the catch-all sets: its clock stopped, the reconciler restarts it. */
export const CLOCK_FAILED_FLAG = 'clock_failed';

/**
 * The ASL's catch-all: something failed that no retry fixed. The ticket is flagged (supervisors
 * see it, the reconciler restarts it from the record as a new generation) and the execution ends.
 */
export async function clockFailed(
  deps: TicketDeps,
  ticketId: string,
  error: { Error?: string; Cause?: string } | undefined,
  origin: TaskOrigin,
): Promise<void> {
  const rec = await deps.store.getTicket(ticketId);
  if (!rec || generationOf(rec) !== origin.generation) return;
  deps.metrics?.count('ClockFailures', 1, { Error: error?.Error ?? 'unknown' });
  await applySystemChange(deps, ticketId, (t, ctx) => {
    if (!rules.isOpen(t)) return null;
    const next = structuredClone(t);
    if (!next.flags.includes(CLOCK_FAILED_FLAG)) next.flags.push(CLOCK_FAILED_FLAG);
    next.timeline.push({
      at: toShanghaiIso(ctx.now),
      type: 'clock_failed',
      actor: 'system',
      detail: `${error?.Error ?? 'error'}: ${(error?.Cause ?? '').slice(0, 300)}`,
    });
    return next;
  });
}

// ---------------------------------------------------------------------------------------------
// Generations: the reconciler's repairs
// ---------------------------------------------------------------------------------------------

/**
 * Hand the ticket's clocks to a new execution: the record records generation n+1 and its pending
 * start (and forgets the old waits) in one write with a `clock_repaired` timeline event, the old
 * execution is stopped, the new one started from the record. Overdue instants fire at once in the
 * new execution and are recorded at their nominal instants.
 */
export async function restartClock(
  deps: TicketDeps,
  ticketId: string,
  reason: string,
): Promise<{ generation: number } | undefined> {
  let previous = 0;
  const { after } = await mutate(deps, ticketId, (rec, ctx) => {
    if (!rules.isOpen(rec.ticket)) return null;
    previous = generationOf(rec);
    const generation = previous + 1;
    const at = toShanghaiIso(ctx.now);
    const ticket = structuredClone(rec.ticket);
    ticket.flags = ticket.flags.filter((f) => f !== CLOCK_FAILED_FLAG);
    ticket.timeline.push({ at, type: 'clock_repaired', actor: 'system', detail: reason });
    return {
      ticket,
      tokens: {},
      ...(rec.requestHash ? { requestHash: rec.requestHash } : {}),
      run: { generation, startedAt: at },
      pending: { start: { generation, at } },
    };
  });
  if (!rules.isOpen(after.ticket) || generationOf(after) === previous) return undefined;
  try {
    await deps.workflow.stop(ticketId, previous, `superseded by generation ${generationOf(after)}`);
  } catch (err) {
    // Its tasks are refused as superseded; the old execution ends on its own.
    deps.onDeferred?.(`stop of ${ticketId} generation ${previous} deferred`, err);
  }
  await sendPendingStart(deps, after);
  deps.metrics?.count('ClockRepairs');
  return { generation: generationOf(after) };
}

/**
 * Re-send what a record still owes the engine (the stream consumer's and the reconciler's job).
 * Returns the parties whose signal found no wait: their branch moved on, or is gone.
 */
export async function resendPending(deps: TicketDeps, rec: StoredTicket): Promise<{ lost: string[] }> {
  const lost: string[] = [];
  if (rec.pending?.start) await sendPendingStart(deps, rec);
  for (const [party, signal] of Object.entries(rec.pending?.signals ?? {})) {
    if (!(await deps.workflow.resume(signal.token, signal.step))) lost.push(party);
  }
  return { lost };
}

/**
 * Take off the record the signals of parties whose part has ended, once they are delivered. A
 * party's pending signal is cleared by its next wait; a unit that finished its part (a co unit
 * that acknowledged: its step is `done`) arms none, so its signal stayed until the ticket's own
 * wait, days later, and kept the ticket on the due index at the signal's instant: every
 * reconciler pass read it again (in a Beijing day, most open joint tickets). Each such signal
 * older than `before` is sent once more, which either reaches the branch still waiting for it or
 * finds its token used; either way nothing is owed any more. Returns the parties cleared.
 */
export async function settleEndedSignals(
  deps: TicketDeps,
  rec: StoredTicket,
  before: Date,
): Promise<string[]> {
  const expected = new Set(expectedWaits(rec.ticket).map((e) => e.party));
  const ended = Object.entries(rec.pending?.signals ?? {}).filter(
    ([party, s]) => !expected.has(party) && Date.parse(s.at) <= before.getTime(),
  );
  if (ended.length === 0) return [];
  for (const [, s] of ended) await deps.workflow.resume(s.token, s.step);
  const cleared: string[] = [];
  await mutate(deps, rec.ticket.id, (cur) => {
    cleared.length = 0;
    const signals = { ...(cur.pending?.signals ?? {}) };
    // Only the signals sent above: a newer one for the same party is not proven delivered.
    for (const [party, s] of ended) {
      if (signals[party]?.token !== s.token) continue;
      delete signals[party];
      cleared.push(party);
    }
    if (cleared.length === 0) return null;
    const { signals: _old, ...rest } = cur.pending ?? {};
    const pending = Object.keys(signals).length > 0 ? { ...rest, signals } : rest;
    return withPending(cur, Object.keys(pending).length > 0 ? pending : undefined);
  });
  return cleared;
}
