/**
 * The ticket lifecycle as pure functions: every action takes a ticket and returns the next one (or
 * throws a ConflictError / ForbiddenError naming why), appending its timeline event. The store
 * persists the result with one conditional write guarded by `version`; the workflow only waits.
 */
import type { WorkCalendar } from './calendar';
import {
  addDuration,
  clockAssumesCalendar,
  extendDeadline,
  planStageClock,
  stageDuration,
  toShanghaiIso,
} from './deadlines';
import { ConflictError, ForbiddenError, ValidationError } from './errors';
import type {
  Assignment,
  Breach,
  ConfigSnapshot,
  DutyItem,
  Rating,
  SlaPolicy,
  Stage,
  StageClock,
  Ticket,
  TriageSuggestion,
} from './model';
import type { Principal } from './principal';
import { NoOwnerError, routeTicket } from './routing';
import { openStatuses, workingStatuses } from './statuses';
import { planTriageClock, streetOfficeOf, triagePolicy } from './triage';

export interface RuleContext {
  now: Date;
  /** The configuration version the ticket was routed under (its policy snapshot). */
  config: ConfigSnapshot;
  /** The working-day calendar as currently known (holiday notices are facts, not policy). */
  cal: WorkCalendar;
}

export { openStatuses };

export function isOpen(t: Ticket): boolean {
  return openStatuses.includes(t.status);
}

export function policyFor(config: ConfigSnapshot, slaClass: Ticket['slaClass']): SlaPolicy {
  const policy = config.slaPolicies.find((p) => p.slaClass === slaClass);
  if (!policy) throw new Error(`config v${config.version} has no SLA policy for ${slaClass}`);
  return policy;
}

function iso(d: Date): string {
  return toShanghaiIso(d);
}

function event(
  ctx: RuleContext,
  type: string,
  actor: Principal | string,
  extra: { unitId?: string; detail?: string } = {},
) {
  return {
    at: iso(ctx.now),
    type,
    actor: typeof actor === 'string' ? actor : `${actor.role}:${actor.sub}`,
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Creation
// ---------------------------------------------------------------------------------------------

export interface NewTicketInput {
  /** Absent: the whistle goes to its street's triage queue with `suggestions` attached. */
  dutyItemId?: string | undefined;
  suggestions?: TriageSuggestion[] | undefined;
  communityId: string;
  title: string;
  description: string;
  channel: Ticket['channel'];
  priority?: 'urgent' | 'normal' | undefined;
  location?: Ticket['location'];
  reporter?: Ticket['reporter'];
  attachments?: string[] | undefined;
}

function clocksForAssignment(
  unitId: string,
  role: 'lead' | 'co',
  policy: SlaPolicy,
  startedAt: Date,
  cal: WorkCalendar,
): StageClock[] {
  const stagesForRole: Stage[] = role === 'lead' ? ['acknowledge', 'arrive', 'resolve'] : ['acknowledge'];
  const clocks: StageClock[] = [];
  for (const stage of stagesForRole) {
    const duration = stageDuration(policy, stage);
    if (!duration) continue;
    clocks.push({ ...planStageClock({ stage, unitId, startedAt, duration, policy, cal }), level: 0 });
  }
  return clocks;
}

function assignmentFor(unitId: string, role: 'lead' | 'co', clocks: StageClock[], now: Date): Assignment {
  const ack = clocks.find((c) => c.stage === 'acknowledge' && c.unitId === unitId);
  return {
    unitId,
    role,
    status: 'dispatched',
    dispatchedAt: iso(now),
    ...(ack ? { acknowledgeBy: ack.dueAt } : {}),
  };
}

/** Derive the public deadlines from the lead's open clocks (the contract's `deadlines`). */
export function deriveDeadlines(
  t: Pick<Ticket, 'assignments' | 'clocks' | 'deadlines'>,
): Ticket['deadlines'] {
  const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  const pick = (stage: Stage, unitId?: string) =>
    [...t.clocks].reverse().find((c) => c.stage === stage && (unitId === undefined || c.unitId === unitId))
      ?.dueAt;
  const out: Ticket['deadlines'] = {};
  const ack = lead ? pick('acknowledge', lead.unitId) : undefined;
  const arrive = lead ? pick('arrive', lead.unitId) : undefined;
  const resolve = lead ? pick('resolve', lead.unitId) : undefined;
  const feedback = pick('feedback');
  if (ack) out.acknowledgeBy = ack;
  if (arrive) out.arriveBy = arrive;
  if (resolve) out.resolveBy = resolve;
  if (feedback) out.feedbackBy = feedback;
  return out;
}

export function createTicket(
  input: NewTicketInput,
  ids: { id: string; code: string },
  actor: Principal,
  ctx: RuleContext,
): Ticket {
  const { config, now } = ctx;
  const dutyItem = config.dutyItems.find((d) => d.id === input.dutyItemId);
  const community = config.communities.find((c) => c.id === input.communityId);
  const errors = [];
  const triage = input.dutyItemId === undefined;
  if (!dutyItem && !triage)
    errors.push({ path: 'dutyItemId', message: `unknown duty item ${input.dutyItemId}` });
  if (!community) errors.push({ path: 'communityId', message: `unknown community ${input.communityId}` });
  const gridId = input.location?.gridId;
  if (gridId && community) {
    const grid = config.grids.find((g) => g.id === gridId);
    if (!grid) errors.push({ path: 'location.gridId', message: `unknown grid ${gridId}` });
    else if (grid.communityId !== community.id)
      errors.push({ path: 'location.gridId', message: `grid ${gridId} is not in community ${community.id}` });
  }
  if (!community || (!dutyItem && !triage) || errors.length > 0)
    throw new ValidationError('the ticket does not fit the catalogue', errors);

  const ticket: Ticket = {
    id: ids.id,
    code: ids.code,
    status: 'triage',
    // Until a dispatcher names the item, the class is the default one (urgent when asked): it
    // times nothing, the triage clock does, and routing replaces it.
    dutyKind: 'basic',
    slaClass: input.priority === 'urgent' ? 'urgent' : 'general',
    priority: input.priority ?? 'normal',
    channel: input.channel,
    communityId: community.id,
    streetId: community.streetId,
    title: input.title,
    description: input.description,
    ...(input.location ? { location: input.location } : {}),
    ...(input.reporter ? { reporter: input.reporter } : {}),
    ...(input.attachments ? { attachments: input.attachments } : {}),
    createdAt: iso(now),
    updatedAt: iso(now),
    createdBy: `${actor.role}:${actor.sub}`,
    version: 0,
    configVersion: config.version,
    assignments: [],
    deadlines: {},
    clocks: [],
    escalationLevel: 0,
    breaches: [],
    timeline: [],
    reopenCount: 0,
    excludedUnitIds: [],
    flags: [],
    urgeCount: 0,
  };
  if (dutyItem) {
    routeNew(ticket, dutyItem, ctx, event(ctx, 'created', actor));
    return ticket;
  }
  ticket.triage = { suggestions: input.suggestions ?? [] };
  ticket.clocks.push(
    planTriageClock({
      startedAt: now,
      unitId: streetOfficeOf(config, community.streetId),
      policy: triagePolicy(config),
      cal: ctx.cal,
    }),
  );
  const top = ticket.triage.suggestions.map((s) => s.dutyItemId).join(', ');
  ticket.timeline.push(
    event(ctx, 'created', actor, { detail: `awaiting triage${top ? ` (suggested ${top})` : ''}` }),
  );
  return ticket;
}

/**
 * Route a ticket to the units of its duty item from now: its item fields, lead and co
 * assignments and their clocks, status `received`. `created` is the timeline event that says
 * so (creation, or a dispatcher's triage); its detail names where the ticket went.
 */
function routeNew(
  t: Ticket,
  dutyItem: DutyItem,
  ctx: RuleContext,
  created: { at: string; type: string; actor: string; detail?: string },
): void {
  const { config, now, cal } = ctx;
  const slaClass = t.priority === 'urgent' ? 'urgent' : dutyItem.slaClass;
  const policy = policyFor(config, slaClass);
  const route = routeTicket({ dutyItem, communityId: t.communityId, config, excludedUnitIds: [] });
  const clocks = [
    ...clocksForAssignment(route.leadUnitId, 'lead', policy, now, cal),
    ...route.coUnitIds.flatMap((u) => clocksForAssignment(u, 'co', policy, now, cal)),
  ];
  t.status = 'received';
  t.dutyItemId = dutyItem.id;
  t.dutyItemName = dutyItem.name;
  t.dutyKind = dutyItem.kind;
  t.slaClass = slaClass;
  t.clocks.push(...clocks);
  t.assignments = [
    assignmentFor(route.leadUnitId, 'lead', clocks, now),
    ...route.coUnitIds.map((u) => assignmentFor(u, 'co', clocks, now)),
  ];
  t.timeline.push({
    ...created,
    detail: route.fallback
      ? `routed to ${route.leadUnitId} as fallback owner (兜底)`
      : `routed to ${[route.leadUnitId, ...route.coUnitIds].join(', ')}`,
  });
  if (route.fallback && !t.flags.includes('fallback_owner')) t.flags.push('fallback_owner');
  t.deadlines = deriveDeadlines(t);
  t.updatedAt = iso(now);
  syncCalendarFlag(t);
}

// ---------------------------------------------------------------------------------------------
// Triage, joins and merges (issue 20)
// ---------------------------------------------------------------------------------------------

/**
 * A dispatcher names the duty item of a whistle in triage (confirming a suggestion or choosing
 * another): the triage clock closes and the ticket is routed and dispatched as if raised with it.
 * A second confirm finds the ticket no longer in triage: 409.
 */
export function confirmTriage(t0: Ticket, actor: Principal, dutyItemId: string, ctx: RuleContext): Ticket {
  const t = clone(t0);
  if (t.status !== 'triage')
    throw new ConflictError(`the ticket is ${t.status}, not in triage`, {
      status: t.status,
      ...(t.dutyItemId ? { dutyItemId: t.dutyItemId } : {}),
    });
  const dutyItem = ctx.config.dutyItems.find((d) => d.id === dutyItemId);
  if (!dutyItem)
    throw new ValidationError('unknown duty item', [
      { path: 'dutyItemId', message: `unknown duty item ${dutyItemId}` },
    ]);
  closeClock(t, 'triage', t.clocks.find((c) => c.stage === 'triage')?.unitId, ctx);
  const suggested = t.triage?.suggestions.some((s) => s.dutyItemId === dutyItemId) ?? false;
  t.triage = {
    suggestions: t.triage?.suggestions ?? [],
    confirmedAt: iso(ctx.now),
    confirmedBy: `${actor.role}:${actor.sub}`,
  };
  routeNew(t, dutyItem, ctx, event(ctx, 'triaged', actor));
  const last = t.timeline[t.timeline.length - 1];
  if (last) last.detail = `${dutyItemId}${suggested ? ' (suggested)' : ' (chosen)'}: ${last.detail ?? ''}`;
  return finish(t, ctx);
}

/** Who a joined reporter is, so a second join by the same person changes nothing. */
export function reporterKey(actor: Principal): string {
  return `${actor.role}:${actor.sub}`;
}

/**
 * A reporter saw the same thing and joins this open ticket instead of filing another: one more
 * reporter, told at closure. Idempotent: the creator or someone who already joined changes
 * nothing (null).
 */
export function joinTicket(
  t0: Ticket,
  actor: Principal,
  input: { name?: string | undefined; phone?: string | undefined },
  ctx: RuleContext,
): Ticket | null {
  if (!isOpen(t0))
    throw new ConflictError(`cannot join a ticket that is ${t0.status}`, { status: t0.status });
  const by = reporterKey(actor);
  if (t0.createdBy === by || t0.joinedReporters?.some((r) => r.by === by)) return null;
  const t = clone(t0);
  t.joinedReporters = [
    ...(t.joinedReporters ?? []),
    {
      by,
      ...(input.name ? { name: input.name } : {}),
      ...(input.phone ? { phone: input.phone } : {}),
      at: iso(ctx.now),
    },
  ];
  t.timeline.push(event(ctx, 'joined', actor, { detail: `${t.joinedReporters.length} joined` }));
  return finish(t, ctx);
}

/**
 * The duplicate side of a merge: the ticket closes as a duplicate of `into` (its clocks stop, its
 * workflow ends). Its reporters are carried over by `absorbDuplicate` on the other ticket.
 */
export function closeAsDuplicate(t0: Ticket, actor: Principal, into: Ticket, ctx: RuleContext): Ticket {
  const t = clone(t0);
  if (!isOpen(t)) throw new ConflictError(`cannot merge a ticket that is ${t.status}`, { status: t.status });
  if (!isOpen(into))
    throw new ConflictError(`cannot merge into a ticket that is ${into.status}`, { status: into.status });
  if (into.id === t.id)
    throw new ConflictError('a ticket cannot be merged into itself', { status: t.status });
  if (into.streetId !== t.streetId)
    throw new ValidationError('tickets of two streets are not merged', [
      { path: 'into', message: `${into.code} is in another street` },
    ]);
  for (const c of t.clocks) if (!c.doneAt) c.doneAt = iso(ctx.now);
  t.status = 'closed';
  t.closedAt = iso(ctx.now);
  t.closeReason = 'duplicate';
  t.duplicateOf = into.id;
  t.timeline.push(event(ctx, 'merged', actor, { detail: `duplicate of ${into.code}` }));
  return finish(t, ctx);
}

/** The reporters of a merged duplicate (its own and those who joined it) join `t`; idempotent. */
export function absorbDuplicate(t0: Ticket, dup: Ticket, actor: Principal, ctx: RuleContext): Ticket | null {
  const by = `ticket:${dup.id}`;
  if (t0.joinedReporters?.some((r) => r.by === by)) return null;
  const t = clone(t0);
  t.joinedReporters = [
    ...(t.joinedReporters ?? []),
    {
      by,
      ...(dup.reporter?.name ? { name: dup.reporter.name } : {}),
      ...(dup.reporter?.phone ? { phone: dup.reporter.phone } : {}),
      at: iso(ctx.now),
    },
    ...(dup.joinedReporters ?? []).filter((r) => !t.joinedReporters?.some((x) => x.by === r.by)),
  ];
  t.timeline.push(event(ctx, 'merged_in', actor, { detail: `${dup.code} merged in` }));
  return finish(t, ctx);
}

// ---------------------------------------------------------------------------------------------
// What each party is waiting for
// ---------------------------------------------------------------------------------------------

export type TrackStage = Stage | 'ruling' | 'done';

function clockOf(t: Ticket, stage: Stage, unitId?: string): StageClock | undefined {
  return [...t.clocks].reverse().find((c) => c.stage === stage && c.unitId === unitId);
}

/** The next thing a unit is expected to do, or `done` when its part is over. */
export function unitStage(t: Ticket, unitId: string): TrackStage {
  const a = t.assignments.find((x) => x.unitId === unitId && x.status !== 'returned');
  if (!a || !workingStatuses.includes(t.status)) return 'done';
  if (!a.acknowledgedAt) return 'acknowledge';
  if (a.role === 'co') return 'done';
  const arrive = clockOf(t, 'arrive', unitId);
  if (arrive && !arrive.doneAt && !a.arrivedAt) return 'arrive';
  return a.resolvedAt && t.status !== 'reopened' ? 'done' : 'resolve';
}

/** What the ticket as a whole waits for once every unit's part is over. */
export function ticketStage(t: Ticket): TrackStage {
  if (t.status === 'resolved') return t.flags.includes('needs_ruling') ? 'ruling' : 'feedback';
  if (t.status === 'returned') return 'ruling';
  return 'done';
}

/** Units whose track is still running: one workflow branch each. */
export function activeUnits(t: Ticket): string[] {
  return t.assignments.filter((a) => unitStage(t, a.unitId) !== 'done').map((a) => a.unitId);
}

function openClocksOf(t: Ticket, unitId: string | undefined): StageClock[] {
  return t.clocks.filter((c) => !c.doneAt && c.unitId === unitId);
}

/** Pending instants of a clock, in order: warning, breach (level 1), level 2, level 3. */
export function pendingInstants(c: StageClock): number[] {
  const level = c.level ?? 0;
  const out: number[] = [];
  if (!c.warnedAt && level === 0) out.push(Date.parse(c.warnAt));
  if (level < 1) out.push(Date.parse(c.dueAt));
  if (c.stage !== 'feedback') {
    if (level < 2) out.push(Date.parse(c.level2At));
    if (level < 3) out.push(Date.parse(c.level3At));
  }
  return out;
}

/** The next instant the workflow must look at this unit's (or the ticket's) clocks, if any. */
export function nextTimerAt(t: Ticket, unitId: string | undefined): Date | undefined {
  let min = Number.POSITIVE_INFINITY;
  for (const c of openClocksOf(t, unitId)) for (const at of pendingInstants(c)) if (at < min) min = at;
  return Number.isFinite(min) ? new Date(min) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Timers: warnings, breaches and escalation levels
// ---------------------------------------------------------------------------------------------

export type TimerEvent =
  | { kind: 'warning'; clock: StageClock }
  | { kind: 'breach'; clock: StageClock; breach: Breach }
  | { kind: 'no_verdict'; clock: StageClock };

const levelInstant = (c: StageClock, level: number) => [c.dueAt, c.level2At, c.level3At][level - 1] as string;

/**
 * Everything due by `now` on the open clocks of one unit (or of the ticket, for `undefined`):
 * a blue warning once, then one breach record per level reached. A level's breach is stamped
 * with the instant it fell due, so a late timer (or a restart) records the same history.
 */
export function applyTimers(
  t: Ticket,
  unitId: string | undefined,
  ctx: RuleContext,
): { ticket: Ticket; events: TimerEvent[] } {
  const now = ctx.now.getTime();
  const events: TimerEvent[] = [];
  const next: Ticket = structuredClone(t);
  for (const c of openClocksOf(next, unitId)) {
    const level = c.level ?? 0;
    if (c.stage === 'feedback') {
      if (now >= Date.parse(c.dueAt)) {
        c.doneAt = iso(ctx.now);
        c.level = 1;
        events.push({ kind: 'no_verdict', clock: c });
      } else if (!c.warnedAt && now >= Date.parse(c.warnAt)) {
        c.warnedAt = iso(ctx.now);
        events.push({ kind: 'warning', clock: c });
      }
      continue;
    }
    if (!c.warnedAt && level === 0 && now >= Date.parse(c.warnAt)) {
      c.warnedAt = iso(ctx.now);
      if (now < Date.parse(c.dueAt)) events.push({ kind: 'warning', clock: c });
    }
    for (let l = level + 1; l <= 3; l += 1) {
      const at = levelInstant(c, l);
      if (now < Date.parse(at)) break;
      c.level = l;
      const breach: Breach = {
        stage: c.stage,
        unitId: c.unitId ?? '',
        dueAt: c.dueAt,
        breachedAt: at,
        level: l,
      };
      next.breaches.push(breach);
      next.timeline.push({
        at: iso(ctx.now),
        type: `breach_level_${l}`,
        actor: 'system',
        ...(c.unitId ? { unitId: c.unitId } : {}),
        detail: `${c.stage} due ${c.dueAt}`,
      });
      events.push({ kind: 'breach', clock: c, breach });
    }
  }
  for (const e of events) {
    if (e.kind === 'warning') {
      next.timeline.push({
        at: iso(ctx.now),
        type: 'warning',
        actor: 'system',
        ...(e.clock.unitId ? { unitId: e.clock.unitId } : {}),
        detail: `${e.clock.stage} due ${e.clock.dueAt}`,
      });
    }
    if (e.kind === 'no_verdict') {
      next.status = 'closed';
      next.closeReason = 'no_verdict';
      next.closedAt = iso(ctx.now);
      next.timeline.push({ at: iso(ctx.now), type: 'closed', actor: 'system', detail: 'no verdict in time' });
    }
  }
  return { ticket: finish(next, ctx), events };
}

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

/** Flag set while an open clock counts over a year nobody published yet (Mon–Fri assumed). */
export const CALENDAR_ASSUMED_FLAG = 'calendar_assumed';

/** The `calendar_assumed` flag follows the open clocks: set while one is assumed, gone after. */
function syncCalendarFlag(t: Ticket): void {
  const assumed = isOpen(t) && t.clocks.some((c) => !c.doneAt && c.calendarAssumed);
  const has = t.flags.includes(CALENDAR_ASSUMED_FLAG);
  if (assumed && !has) t.flags.push(CALENDAR_ASSUMED_FLAG);
  if (!assumed && has) t.flags = t.flags.filter((f) => f !== CALENDAR_ASSUMED_FLAG);
}

function finish(t: Ticket, ctx: RuleContext): Ticket {
  t.updatedAt = iso(ctx.now);
  t.deadlines = deriveDeadlines(t);
  t.escalationLevel = t.clocks.filter((c) => !c.doneAt).reduce((m, c) => Math.max(m, c.level ?? 0), 0);
  syncCalendarFlag(t);
  return t;
}

function closeClock(t: Ticket, stage: Stage, unitId: string | undefined, ctx: RuleContext) {
  for (const c of t.clocks)
    if (c.stage === stage && c.unitId === unitId && !c.doneAt) c.doneAt = iso(ctx.now);
}

function requireWorking(t: Ticket, action: string) {
  if (!workingStatuses.includes(t.status)) {
    throw new ConflictError(`cannot ${action} a ticket that is ${t.status}`, { status: t.status });
  }
}

function assignmentOf(t: Ticket, actor: Principal, action: string): Assignment {
  if (actor.role !== 'unit' || !actor.unitId) throw new ForbiddenError(`only an assigned unit may ${action}`);
  const a = t.assignments.find((x) => x.unitId === actor.unitId && x.status !== 'returned');
  if (!a) throw new ForbiddenError(`unit ${actor.unitId} is not assigned to this ticket`);
  return a;
}

function clone(t: Ticket): Ticket {
  return structuredClone(t);
}

export function acknowledge(t0: Ticket, actor: Principal, ctx: RuleContext): Ticket {
  const t = clone(t0);
  requireWorking(t, 'acknowledge');
  const a = assignmentOf(t, actor, 'acknowledge');
  if (a.acknowledgedAt) {
    throw new ConflictError('already acknowledged', { status: t.status, acknowledgedAt: a.acknowledgedAt });
  }
  a.acknowledgedAt = iso(ctx.now);
  a.status = 'acknowledged';
  closeClock(t, 'acknowledge', a.unitId, ctx);
  if (a.role === 'lead' && (t.status === 'received' || t.status === 'dispatched')) t.status = 'acknowledged';
  t.timeline.push(event(ctx, 'acknowledged', actor, { unitId: a.unitId }));
  return finish(t, ctx);
}

export function arrive(t0: Ticket, actor: Principal, ctx: RuleContext): Ticket {
  const t = clone(t0);
  requireWorking(t, 'report arrival on');
  const a = assignmentOf(t, actor, 'report arrival');
  if (!a.acknowledgedAt)
    throw new ConflictError('acknowledge the ticket before reporting arrival', { status: t.status });
  if (a.arrivedAt) throw new ConflictError('arrival already reported', { arrivedAt: a.arrivedAt });
  a.arrivedAt = iso(ctx.now);
  a.status = 'arrived';
  closeClock(t, 'arrive', a.unitId, ctx);
  t.timeline.push(event(ctx, 'arrived', actor, { unitId: a.unitId }));
  return finish(t, ctx);
}

export function progress(t0: Ticket, actor: Principal, note: string, ctx: RuleContext): Ticket {
  const t = clone(t0);
  requireWorking(t, 'report progress on');
  const a = assignmentOf(t, actor, 'report progress');
  if (!a.acknowledgedAt)
    throw new ConflictError('acknowledge the ticket before reporting progress', { status: t.status });
  a.status = 'in_progress';
  if (a.role === 'lead' && t.status === 'acknowledged') t.status = 'in_progress';
  t.timeline.push(event(ctx, 'progress', actor, { unitId: a.unitId, detail: note }));
  return finish(t, ctx);
}

export function resolve(
  t0: Ticket,
  actor: Principal,
  input: { summary: string; evidence?: string[] | undefined },
  ctx: RuleContext,
): Ticket {
  const t = clone(t0);
  if (t.status === 'resolved') throw new ConflictError('already resolved', { status: t.status });
  requireWorking(t, 'resolve');
  const a = assignmentOf(t, actor, 'resolve');
  if (a.role !== 'lead') throw new ForbiddenError('only the lead unit resolves the ticket');
  if (!a.acknowledgedAt)
    throw new ConflictError('acknowledge the ticket before resolving it', { status: t.status });
  a.resolvedAt = iso(ctx.now);
  a.status = 'resolved';
  // Resolution stops every clock still running on the units (co units' acknowledge included).
  for (const c of t.clocks) if (!c.doneAt && c.stage !== 'feedback') c.doneAt = iso(ctx.now);
  t.status = 'resolved';
  t.resolution = {
    summary: input.summary,
    at: iso(ctx.now),
    ...(input.evidence ? { evidence: input.evidence } : {}),
  };
  const policy = policyFor(ctx.config, t.slaClass);
  t.clocks.push({
    ...planStageClock({
      stage: 'feedback',
      startedAt: ctx.now,
      duration: policy.feedback,
      policy,
      cal: ctx.cal,
    }),
    level: 0,
  });
  t.timeline.push(event(ctx, 'resolved', actor, { unitId: a.unitId, detail: input.summary }));
  return finish(t, ctx);
}

export function giveFeedback(
  t0: Ticket,
  actor: Principal,
  input: { rating: Rating; comment?: string | undefined },
  ctx: RuleContext,
): Ticket {
  const t = clone(t0);
  if (t.status !== 'resolved' || t.flags.includes('needs_ruling')) {
    throw new ConflictError(
      t.status === 'closed'
        ? 'the verdict was already given'
        : `no verdict is expected while the ticket is ${t.status}`,
      { status: t.status },
    );
  }
  const at = iso(ctx.now);
  t.feedback = { rating: input.rating, at, ...(input.comment ? { comment: input.comment } : {}) };
  closeClock(t, 'feedback', undefined, ctx);
  t.timeline.push(event(ctx, 'feedback', actor, { detail: input.rating }));
  if (input.rating !== 'unsatisfied') {
    t.status = 'closed';
    t.closedAt = at;
    t.closeReason = 'verdict';
    t.timeline.push(event(ctx, 'closed', 'system', { detail: input.rating }));
    return finish(t, ctx);
  }
  const policy = policyFor(ctx.config, t.slaClass);
  if (t.reopenCount >= policy.maxReopens) {
    t.flags.push('needs_ruling');
    t.timeline.push(
      event(ctx, 'ruling_required', 'system', { detail: `unsatisfied after ${t.reopenCount} reopens` }),
    );
    return finish(t, ctx);
  }
  return reopenToLead(t, ctx, 'reopened', `unsatisfied: ${input.comment ?? ''}`.trim());
}

function reopenToLead(t: Ticket, ctx: RuleContext, type: string, detail: string): Ticket {
  const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  if (!lead) throw new ConflictError('the ticket has no lead unit to reopen to', { status: t.status });
  const policy = policyFor(ctx.config, t.slaClass);
  t.reopenCount += 1;
  t.status = 'reopened';
  lead.status = 'in_progress';
  delete lead.resolvedAt;
  delete t.resolution;
  t.clocks.push({
    ...planStageClock({
      stage: 'resolve',
      unitId: lead.unitId,
      startedAt: ctx.now,
      duration: policy.resolve,
      policy,
      cal: ctx.cal,
    }),
    level: 0,
  });
  t.timeline.push(event(ctx, type, 'system', { unitId: lead.unitId, detail }));
  return finish(t, ctx);
}

export function returnTicket(t0: Ticket, actor: Principal, reason: string, ctx: RuleContext): Ticket {
  const t = clone(t0);
  requireWorking(t, 'return');
  const a = assignmentOf(t, actor, 'return the ticket');
  if (a.resolvedAt) throw new ConflictError('a resolved ticket cannot be returned', { status: t.status });
  const policy = policyFor(ctx.config, t.slaClass);
  if (!policy.returnWindow) {
    throw new ConflictError(`${t.slaClass} tickets cannot be returned`, { status: t.status });
  }
  const windowEnd = addDuration(new Date(a.dispatchedAt ?? t.createdAt), policy.returnWindow, ctx.cal);
  if (ctx.now.getTime() > windowEnd.getTime()) {
    throw new ConflictError(`the return window closed at ${iso(windowEnd)}`, { returnBy: iso(windowEnd) });
  }
  a.status = 'returned';
  a.returnedAt = iso(ctx.now);
  for (const c of t.clocks) if (c.unitId === a.unitId && !c.doneAt) c.doneAt = iso(ctx.now);
  t.excludedUnitIds.push(a.unitId);
  t.timeline.push(event(ctx, 'returned', actor, { unitId: a.unitId, detail: reason }));
  if (a.role === 'co') return finish(t, ctx);
  return reroute(t, ctx);
}

/** After the lead returned the ticket: the next owner by the duty list, or a supervisor's ruling. */
function reroute(t: Ticket, ctx: RuleContext): Ticket {
  const dutyItem = ctx.config.dutyItems.find((d) => d.id === t.dutyItemId) as DutyItem;
  try {
    const route = routeTicket({
      dutyItem,
      communityId: t.communityId,
      config: ctx.config,
      excludedUnitIds: t.excludedUnitIds,
    });
    assignNewLead(t, route.leadUnitId, ctx, route.fallback ? 'fallback owner (兜底)' : 're-routed');
  } catch (err) {
    if (!(err instanceof NoOwnerError)) throw err;
    t.status = 'returned';
    t.timeline.push(event(ctx, 'held', 'system', { detail: 'no other owner: awaiting a supervisor ruling' }));
  }
  return finish(t, ctx);
}

/** `detail` names why in a `rerouted` event; without it the caller has written its own event. */
function assignNewLead(t: Ticket, unitId: string, ctx: RuleContext, detail?: string) {
  const policy = policyFor(ctx.config, t.slaClass);
  // A co unit promoted to lead keeps its acknowledgement; its assignment becomes the lead one.
  const existing = t.assignments.find((a) => a.unitId === unitId && a.status !== 'returned');
  const clocks = clocksForAssignment(unitId, 'lead', policy, ctx.now, ctx.cal).filter(
    (c) => !(existing?.acknowledgedAt && c.stage === 'acknowledge'),
  );
  t.clocks.push(...clocks);
  if (existing) {
    existing.role = 'lead';
  } else {
    t.assignments.push(assignmentFor(unitId, 'lead', clocks, ctx.now));
  }
  if (t.status !== 'reopened') t.status = existing?.acknowledgedAt ? 'acknowledged' : 'dispatched';
  if (detail) t.timeline.push(event(ctx, 'rerouted', 'system', { unitId, detail }));
}

export function requestExtension(
  t0: Ticket,
  actor: Principal,
  input: { workingDays: number; reason: string },
  ctx: RuleContext,
): Ticket {
  const t = clone(t0);
  requireWorking(t, 'extend');
  const a = assignmentOf(t, actor, 'ask for an extension');
  if (a.role !== 'lead') throw new ForbiddenError('only the lead unit may ask for an extension');
  const policy = policyFor(ctx.config, t.slaClass);
  if (!policy.extension.allowed)
    throw new ConflictError(`${t.slaClass} tickets cannot be extended`, { status: t.status });
  if (input.workingDays > policy.extension.maxWorkingDays) {
    throw new ValidationError('extension too long', [
      { path: 'workingDays', message: `at most ${policy.extension.maxWorkingDays} working days` },
    ]);
  }
  if (t.extension)
    throw new ConflictError(`an extension was already ${t.extension.status}`, {
      extension: t.extension.status,
    });
  const resolveClock = clockOf(t, 'resolve', a.unitId);
  if (!resolveClock || resolveClock.doneAt || ctx.now.getTime() >= Date.parse(resolveClock.dueAt)) {
    throw new ConflictError('extensions must be asked for before the resolve deadline', {
      resolveBy: resolveClock?.dueAt,
    });
  }
  t.extension = {
    workingDays: input.workingDays,
    reason: input.reason,
    requestedAt: iso(ctx.now),
    status: 'pending',
  };
  t.timeline.push(
    event(ctx, 'extension_requested', actor, {
      unitId: a.unitId,
      detail: `${input.workingDays}: ${input.reason}`,
    }),
  );
  return finish(t, ctx);
}

export function decideExtension(t0: Ticket, actor: Principal, approve: boolean, ctx: RuleContext): Ticket {
  const t = clone(t0);
  if (t.extension?.status !== 'pending') {
    throw new ConflictError('there is no pending extension request', {
      extension: t.extension?.status ?? 'none',
    });
  }
  t.extension.status = approve ? 'approved' : 'rejected';
  t.extension.decidedAt = iso(ctx.now);
  if (approve) {
    const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
    const c = lead
      ? t.clocks.find((x) => x.stage === 'resolve' && x.unitId === lead.unitId && !x.doneAt)
      : undefined;
    if (c) {
      const policy = policyFor(ctx.config, t.slaClass);
      const due = extendDeadline(new Date(c.dueAt), t.extension.workingDays, ctx.cal);
      c.dueAt = iso(due);
      c.level2At = iso(addDuration(due, policy.level2After, ctx.cal));
      c.level3At = iso(addDuration(due, policy.level3After, ctx.cal));
      // The extension counts working days too: over an unknown year they are assumed as well.
      if (clockAssumesCalendar(c, { workingDays: t.extension.workingDays }, policy, ctx.cal))
        c.calendarAssumed = true;
    }
  }
  t.timeline.push(event(ctx, approve ? 'extension_approved' : 'extension_rejected', actor));
  return finish(t, ctx);
}

export function urge(t0: Ticket, actor: Principal, note: string, ctx: RuleContext): Ticket {
  const t = clone(t0);
  if (!isOpen(t)) throw new ConflictError(`cannot urge a ticket that is ${t.status}`, { status: t.status });
  t.urgeCount += 1;
  const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  t.timeline.push(event(ctx, 'urged', actor, { ...(lead ? { unitId: lead.unitId } : {}), detail: note }));
  return finish(t, ctx);
}

export function cancel(t0: Ticket, actor: Principal, reason: string, ctx: RuleContext): Ticket {
  const t = clone(t0);
  if (!isOpen(t)) throw new ConflictError(`cannot cancel a ticket that is ${t.status}`, { status: t.status });
  for (const c of t.clocks) if (!c.doneAt) c.doneAt = iso(ctx.now);
  t.status = 'cancelled';
  t.closedAt = iso(ctx.now);
  t.closeReason = 'cancelled';
  t.timeline.push(event(ctx, 'cancelled', actor, { detail: reason }));
  return finish(t, ctx);
}

/** A supervisor's ruling on a held ticket: close it, or hand it to a unit they name. */
export function rule(
  t0: Ticket,
  actor: Principal,
  input: { decision: 'close' | 'assign' | 'reopen'; unitId?: string | undefined; note?: string | undefined },
  ctx: RuleContext,
): Ticket {
  const t = clone(t0);
  const held = t.status === 'returned' || (t.status === 'resolved' && t.flags.includes('needs_ruling'));
  if (!held) throw new ConflictError('the ticket is not awaiting a ruling', { status: t.status });
  t.flags = t.flags.filter((f) => f !== 'needs_ruling');
  t.timeline.push(
    event(ctx, 'ruling', actor, { detail: `${input.decision}${input.note ? `: ${input.note}` : ''}` }),
  );
  if (input.decision === 'close') {
    for (const c of t.clocks) if (!c.doneAt) c.doneAt = iso(ctx.now);
    t.status = 'closed';
    t.closedAt = iso(ctx.now);
    t.closeReason = 'ruling';
    return finish(t, ctx);
  }
  if (input.decision === 'reopen') {
    if (t.status !== 'resolved')
      throw new ConflictError('only a resolved ticket can be reopened', { status: t.status });
    closeClock(t, 'feedback', undefined, ctx);
    return reopenToLead(t, ctx, 'reopened', 'by ruling');
  }
  if (!input.unitId || !ctx.config.units.some((u) => u.id === input.unitId)) {
    throw new ValidationError('a ruling that assigns must name an existing unit', [
      { path: 'unitId', message: 'unknown or missing unit' },
    ]);
  }
  if (t.status === 'resolved')
    throw new ConflictError('a resolved ticket is reopened, not reassigned', { status: t.status });
  t.excludedUnitIds = t.excludedUnitIds.filter((u) => u !== input.unitId);
  assignNewLead(t, input.unitId, ctx, 'assigned by ruling');
  return finish(t, ctx);
}

/**
 * Units a supervisor may hand a ticket of `streetId` to: that street's own units (its office,
 * police station, squads) and the city-wide departments; never another street's units.
 */
export function unitServesStreet(unit: { streetId?: string | undefined }, streetId: string): boolean {
  return unit.streetId === undefined || unit.streetId === streetId;
}

/**
 * 改派: a supervisor replaces the lead of any open ticket they oversee (a late one, typically).
 * The old lead's clocks close and its part ends (counted as no 退单, and it is not routed to
 * again); the new lead gets fresh clocks from now under the ticket's policy, and the workflow
 * dispatches it. A co unit named as the new lead is promoted and keeps its acknowledgement.
 */
export function reassign(
  t0: Ticket,
  actor: Principal,
  input: { unitId: string; reason: string },
  ctx: RuleContext,
): Ticket {
  const t = clone(t0);
  if (!isOpen(t) || t.status === 'resolved') {
    throw new ConflictError(
      t.status === 'resolved'
        ? 'a resolved ticket awaits its verdict: reopen it by ruling instead'
        : `cannot reassign a ticket that is ${t.status}`,
      { status: t.status },
    );
  }
  const unit = ctx.config.units.find((u) => u.id === input.unitId);
  if (!unit) {
    throw new ValidationError('unknown unit', [{ path: 'unitId', message: `unknown unit ${input.unitId}` }]);
  }
  if (!unitServesStreet(unit, t.streetId)) {
    throw new ValidationError('the unit does not serve this street', [
      { path: 'unitId', message: `${unit.id} belongs to another street` },
    ]);
  }
  const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  if (lead?.unitId === input.unitId) {
    throw new ConflictError('the unit already leads this ticket', { leadUnitId: lead.unitId });
  }
  if (lead) {
    lead.status = 'returned';
    lead.reassignedAt = iso(ctx.now);
    for (const c of t.clocks) if (c.unitId === lead.unitId && !c.doneAt) c.doneAt = iso(ctx.now);
    if (!t.excludedUnitIds.includes(lead.unitId)) t.excludedUnitIds.push(lead.unitId);
  }
  t.excludedUnitIds = t.excludedUnitIds.filter((u) => u !== input.unitId);
  // An extension (asked, granted or refused) was the old lead's: the new lead's clocks start
  // afresh and it may ask for its own. The timeline keeps the old request.
  delete t.extension;
  t.timeline.push(
    event(ctx, 'reassigned', actor, {
      unitId: input.unitId,
      detail: `${lead ? `${lead.unitId} → ` : ''}${input.unitId}: ${input.reason}`,
    }),
  );
  assignNewLead(t, input.unitId, ctx);
  return finish(t, ctx);
}

/** A unit (or, for `undefined`, the community) was told: first dispatch makes the ticket `dispatched`. */
export function markNotified(t0: Ticket, unitId: string | undefined, kind: string, ctx: RuleContext): Ticket {
  const t = clone(t0);
  for (const c of t.clocks)
    if (c.unitId === unitId && !c.doneAt && !c.notifiedAt) c.notifiedAt = iso(ctx.now);
  const a = unitId ? t.assignments.find((x) => x.unitId === unitId) : undefined;
  if (t.status === 'received' && a?.role === 'lead') {
    t.status = 'dispatched';
    t.timeline.push(event(ctx, 'dispatched', 'system', { unitId: a.unitId }));
  } else {
    t.timeline.push(event(ctx, 'notified', 'system', { ...(unitId ? { unitId } : {}), detail: kind }));
  }
  return finish(t, ctx);
}

/** Whether arming this party's wait should notify it (some open clock was never announced). */
export function needsNotice(t: Ticket, unitId: string | undefined): boolean {
  return t.clocks.some((c) => c.unitId === unitId && !c.doneAt && !c.notifiedAt);
}

export { NoOwnerError };

/** One clock instant a calendar change moved (the detail of a `deadline_moved` event). */
export interface DeadlineMove {
  stage: Stage;
  unitId?: string;
  field: 'warnAt' | 'dueAt' | 'level2At' | 'level3At';
  before: string;
  after: string;
}

const CLOCK_INSTANTS = ['warnAt', 'dueAt', 'level2At', 'level3At'] as const;

/**
 * The ticket under the calendar of `ctx.cal` (a year just published or changed): every open clock's
 * instants that have not yet passed are counted again from the clock's start under the ticket's
 * own SLA policy version (`ctx.config`; the calendar is a fact, not a policy). Instants already
 * passed, and the breaches and notices they caused, stay as they are. Each moved clock leaves a
 * `deadline_moved` event; the `calendar_assumed` flag follows. Null when nothing moves.
 */
export function replanForCalendar(
  t0: Ticket,
  ctx: RuleContext,
): { ticket: Ticket; moves: DeadlineMove[] } | null {
  if (!isOpen(t0)) return null;
  const t = clone(t0);
  const policy = policyFor(ctx.config, t.slaClass);
  const nowMs = ctx.now.getTime();
  const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  const moves: DeadlineMove[] = [];
  let assumedChanged = false;
  for (const c of t.clocks) {
    if (c.doneAt) continue;
    const duration = stageDuration(policy, c.stage);
    if (!duration) continue;
    const plan = planStageClock({
      stage: c.stage,
      ...(c.unitId !== undefined ? { unitId: c.unitId } : {}),
      startedAt: new Date(c.startedAt),
      duration,
      policy,
      cal: ctx.cal,
    });
    let assumed = plan.calendarAssumed === true;
    // An approved extension moved the lead's resolve deadline: count it again on top.
    const ext = t.extension;
    if (
      ext?.status === 'approved' &&
      c.stage === 'resolve' &&
      c.unitId === lead?.unitId &&
      ext.decidedAt !== undefined &&
      Date.parse(ext.decidedAt) >= Date.parse(c.startedAt)
    ) {
      const due = extendDeadline(new Date(plan.dueAt), ext.workingDays, ctx.cal);
      plan.dueAt = iso(due);
      plan.level2At = iso(addDuration(due, policy.level2After, ctx.cal));
      plan.level3At = iso(addDuration(due, policy.level3After, ctx.cal));
      assumed = assumed || clockAssumesCalendar(plan, { workingDays: ext.workingDays }, policy, ctx.cal);
    }
    // A deadline that already passed stays (its breach is recorded): the escalation levels still
    // ahead are counted from it, not from where the new calendar would have put it.
    if (Date.parse(c.dueAt) <= nowMs && c.dueAt !== plan.dueAt) {
      const due = new Date(c.dueAt);
      plan.dueAt = c.dueAt;
      plan.level2At = iso(addDuration(due, policy.level2After, ctx.cal));
      plan.level3At = iso(addDuration(due, policy.level3After, ctx.cal));
      assumed = clockAssumesCalendar(plan, duration, policy, ctx.cal);
    }
    const clockMoves: DeadlineMove[] = [];
    for (const field of CLOCK_INSTANTS) {
      const before = c[field];
      const after = plan[field];
      // A passed instant already happened (its notice went out, its breach is recorded).
      if (Date.parse(before) <= nowMs || Date.parse(before) === Date.parse(after)) continue;
      c[field] = after;
      clockMoves.push({ stage: c.stage, ...(c.unitId ? { unitId: c.unitId } : {}), field, before, after });
    }
    if (assumed !== (c.calendarAssumed === true)) {
      assumedChanged = true;
      if (assumed) c.calendarAssumed = true;
      else delete c.calendarAssumed;
    }
    if (clockMoves.length === 0) continue;
    moves.push(...clockMoves);
    const due = clockMoves.find((m) => m.field === 'dueAt');
    t.timeline.push(
      event(ctx, 'deadline_moved', 'system', {
        ...(c.unitId ? { unitId: c.unitId } : {}),
        detail: due
          ? `${c.stage}: ${due.before} → ${due.after}`
          : `${c.stage}: ${clockMoves.map((m) => `${m.field} ${m.before} → ${m.after}`).join('; ')}`,
      }),
    );
    if (c.stage === 'acknowledge' && due) {
      const a = t.assignments.find((x) => x.unitId === c.unitId && x.status !== 'returned');
      if (a) a.acknowledgeBy = c.dueAt;
    }
  }
  if (moves.length === 0 && !assumedChanged) return null;
  return { ticket: finish(t, ctx), moves };
}
