/**
 * The clock audit over real records, and the reconciler that repairs what it finds. Both engines
 * run it: the embedded runtime's watchdog on an interval, AWS from a schedule and from every
 * failed, timed-out or aborted execution. Repairs, in order of cost:
 * - a start or signal still pending: send it again;
 * - an execution that ended while the ticket is open: redrive it where the engine can (a failure
 *   no catch handled, within the engine's window), else start the next generation;
 * - anything else (a party without a wait, a wait for the wrong stage or too late, an instant long
 *   past with nothing recorded): start the next generation from the record.
 * Every repair leaves a `clock_repaired` timeline event and counts in the `ClockRepairs` metric.
 */

import { type AuditedRecord, auditTicket, expectedWaits, type Finding } from '../domain/clock-audit';
import { toShanghaiIso } from '../domain/deadlines';
import { isOpen } from '../domain/ticket-rules';
import type { StoredTicket } from '../ports';
import {
  CLOCK_FAILED_FLAG,
  executionInput,
  generationOf,
  resendPending,
  restartClock,
  settleEndedSignals,
  type TicketDeps,
} from './ticket-service';

export interface AuditReport {
  /** Findings (open parties whose clock is not running as the record says). */
  stranded: number;
  /** Tickets with at least one finding. */
  tickets: number;
  checked: number;
  items: Finding[];
}

export interface AuditOptions {
  /** How long work in flight may take before it counts (simulated ms). */
  graceMs: number;
  now?: Date;
}

/** The record as the audit reads it: only the waits armed by the generation it owns. */
function audited(rec: StoredTicket): AuditedRecord {
  const generation = generationOf(rec);
  const tokens = Object.fromEntries(
    Object.entries(rec.tokens).filter(([, t]) => (t.generation ?? 0) === generation),
  );
  return { ...rec, tokens };
}

export async function auditRecord(
  deps: TicketDeps,
  rec: StoredTicket,
  opts: AuditOptions,
): Promise<Finding[]> {
  if (!isOpen(rec.ticket) || expectedWaits(rec.ticket).length === 0) return [];
  const report = await deps.workflow.describe(rec.ticket.id, generationOf(rec));
  return auditTicket(audited(rec), report, opts.now ?? deps.clock.now(), opts.graceMs);
}

/**
 * What the record alone shows, with no engine to ask (a stopped runtime's data): an instant long
 * past with nothing recorded, a start or a signal written and never delivered.
 */
export function auditRecordAlone(rec: StoredTicket, now: Date, graceMs: number): Finding[] {
  if (!isOpen(rec.ticket)) return [];
  return auditTicket(audited(rec), { execution: 'unknown' }, now, graceMs);
}

/** Audit the given tickets (missing ones are skipped). */
export async function auditTickets(
  deps: TicketDeps,
  ids: Iterable<string>,
  opts: AuditOptions,
): Promise<AuditReport> {
  const items: Finding[] = [];
  let checked = 0;
  for (const id of ids) {
    const rec = await deps.store.getTicket(id);
    if (!rec) continue;
    checked += 1;
    items.push(...(await auditRecord(deps, rec, opts)));
  }
  return summarise(items, checked);
}

/** Audit every open ticket (the embedded runtime: its engine answers from memory). */
export async function auditOpenTickets(deps: TicketDeps, opts: AuditOptions): Promise<AuditReport> {
  const items: Finding[] = [];
  let checked = 0;
  for await (const page of deps.store.openTickets()) {
    for (const t of page) {
      const rec = await deps.store.getTicket(t.id);
      if (!rec) continue;
      checked += 1;
      items.push(...(await auditRecord(deps, rec, opts)));
    }
  }
  return summarise(items, checked);
}

/**
 * The tickets whose `dueBy` passed the grace period ago: every stranded clock shows up here as
 * soon as an instant it should have acted at is missed (the store's sparse due index).
 */
export async function dueTicketIds(deps: TicketDeps, opts: AuditOptions, max = 10_000): Promise<string[]> {
  const before = toShanghaiIso(new Date((opts.now ?? deps.clock.now()).getTime() - opts.graceMs));
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listDue(before, 500, cursor);
    ids.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && ids.length < max);
  return ids;
}

function summarise(items: Finding[], checked: number): AuditReport {
  return { stranded: items.length, tickets: new Set(items.map((f) => f.ticketId)).size, checked, items };
}

// ---------------------------------------------------------------------------------------------
// Repairs
// ---------------------------------------------------------------------------------------------

export interface Repair {
  ticketId: string;
  action: 'resent' | 'redriven' | 'restarted';
  findings: Finding[];
}

function describeFindings(findings: Finding[]): string {
  return findings
    .map((f) => `${f.kind}${f.party === '*' ? '' : ` (${f.party})`}`)
    .filter((v, i, all) => all.indexOf(v) === i)
    .join(', ');
}

async function recordRepair(deps: TicketDeps, rec: StoredTicket, detail: string): Promise<void> {
  const ticket = structuredClone(rec.ticket);
  ticket.timeline.push({
    at: toShanghaiIso(deps.clock.now()),
    type: 'clock_repaired',
    actor: 'system',
    detail,
  });
  try {
    await deps.store.saveTicket({ ...rec, ticket }, rec.ticket.version);
  } catch {
    // The ticket moved on meanwhile; the metric still counts the repair.
  }
  deps.metrics?.count('ClockRepairs');
}

/** Repair one ticket from its findings; undefined when nothing needed doing. */
export async function repairTicket(
  deps: TicketDeps,
  rec: StoredTicket,
  findings: Finding[],
): Promise<Repair | undefined> {
  if (findings.length === 0 || !isOpen(rec.ticket)) return undefined;
  const kinds = new Set(findings.map((f) => f.kind));
  const what = describeFindings(findings);
  const onlyPending = [...kinds].every((k) => k === 'pending_signal' || k === 'pending_start');
  if (onlyPending) {
    const { lost } = await resendPending(deps, rec);
    // A signal whose wait is gone while its party still waits: the branch itself is lost.
    const stillOwed = findings.filter((f) => f.kind === 'pending_signal' && lost.includes(f.party));
    if (stillOwed.length === 0) {
      await recordRepair(deps, rec, `re-sent: ${what}`);
      return { ticketId: rec.ticket.id, action: 'resent', findings };
    }
  }
  if (kinds.has('no_execution') && !rec.ticket.flags.includes(CLOCK_FAILED_FLAG)) {
    const report = await deps.workflow.describe(rec.ticket.id, generationOf(rec));
    if (report.redrivable && (await deps.workflow.redrive(rec.ticket.id, generationOf(rec)))) {
      await recordRepair(deps, rec, `redriven: ${what}`);
      return { ticketId: rec.ticket.id, action: 'redriven', findings };
    }
  }
  const restarted = await restartClock(deps, rec.ticket.id, `restarted: ${what}`);
  return restarted ? { ticketId: rec.ticket.id, action: 'restarted', findings } : undefined;
}

/**
 * A ticket whose clocks are right may still sit on the due index for a signal delivered to a
 * party whose part ended (settleEndedSignals). A failure leaves it for the next pass.
 */
async function tidyEndedSignals(deps: TicketDeps, rec: StoredTicket, opts: AuditOptions): Promise<void> {
  if (!isOpen(rec.ticket) || !rec.pending?.signals) return;
  const now = opts.now ?? deps.clock.now();
  try {
    await settleEndedSignals(deps, rec, new Date(now.getTime() - opts.graceMs));
  } catch (err) {
    deps.onDeferred?.(`ended signals of ${rec.ticket.id} kept`, err);
  }
}

export interface ReconcileResult {
  audit: AuditReport;
  repairs: Repair[];
}

/**
 * One reconciler pass over the given tickets. `confirm` (the embedded watchdog) repairs only what
 * the previous pass found too, so work that was merely in flight at one instant is never "fixed".
 */
export async function reconcile(
  deps: TicketDeps,
  ids: Iterable<string>,
  opts: AuditOptions & { confirm?: Set<string> },
): Promise<ReconcileResult> {
  const items: Finding[] = [];
  const repairs: Repair[] = [];
  let checked = 0;
  const seen = new Set<string>();
  for (const id of new Set(ids)) {
    const rec = await deps.store.getTicket(id);
    if (!rec) continue;
    checked += 1;
    const findings = await auditRecord(deps, rec, opts);
    items.push(...findings);
    if (findings.length === 0) {
      await tidyEndedSignals(deps, rec, opts);
      continue;
    }
    const keys = findings.map((f) => `${f.ticketId}|${f.party}|${f.kind}`);
    for (const k of keys) seen.add(k);
    const certain = findings.every((f) => f.kind === 'no_execution' || f.kind === 'pending_start');
    if (opts.confirm && !certain && !keys.some((k) => opts.confirm?.has(k))) continue;
    const repair = await repairTicket(deps, rec, findings);
    if (repair) repairs.push(repair);
  }
  if (opts.confirm) {
    opts.confirm.clear();
    for (const k of seen) opts.confirm.add(k);
  }
  return { audit: summarise(items, checked), repairs };
}

// ---------------------------------------------------------------------------------------------
// The table's stream (AWS): send what a write left pending
// ---------------------------------------------------------------------------------------------

/** The starts and signals `after` owes the engine that `before` did not (one stream record). */
export function newlyPending(
  before: StoredTicket | undefined,
  after: StoredTicket,
): { start: boolean; signals: string[] } {
  const startAfter = after.pending?.start;
  const startBefore = before?.pending?.start;
  const start = Boolean(startAfter && startAfter.generation !== startBefore?.generation);
  const signals = Object.entries(after.pending?.signals ?? {})
    .filter(([party, s]) => before?.pending?.signals?.[party]?.token !== s.token)
    .map(([party]) => party);
  return { start, signals };
}

/**
 * Send the starts and signals a write added. Throws when the engine refused one (throttled):
 * the stream retries the record, so a call lost after its write is retried without a client.
 * A signal whose wait has ended is not a failure: the branch moved on, the record is the truth.
 */
export async function sendNewlyPending(
  deps: TicketDeps,
  before: StoredTicket | undefined,
  after: StoredTicket,
): Promise<{ started: boolean; signalled: number }> {
  if (!isOpen(after.ticket)) return { started: false, signalled: 0 };
  const { start, signals } = newlyPending(before, after);
  if (start && after.pending?.start) {
    await deps.workflow.start(
      after.ticket.id,
      after.pending.start.generation,
      executionInput(after.ticket, deps.clock),
    );
  }
  for (const party of signals) {
    const signal = after.pending?.signals?.[party];
    if (signal) await deps.workflow.resume(signal.token, signal.step);
  }
  return { started: start, signalled: signals.length };
}
