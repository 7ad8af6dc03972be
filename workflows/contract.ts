/**
 * The typed contract between the ASL files in this folder and the task handlers: substitution
 * keys, the error names the ASL catches, execution names and the wire form of a step. Both sides
 * import from here; the task registry (which file serves which key) is tasks.ts beside it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EngineStep, Step } from '../shared/ports';

export const lifecycleAslPath = fileURLToPath(new URL('./ticket-lifecycle.asl.json', import.meta.url));

/** `${Key}` placeholders in the ASL, replaced by CDK's definitionSubstitutions (and locally). */
export const substitutionKeys = [
  'AwaitPartyFunctionArn',
  'OnTimerFunctionArn',
  'AdvanceFunctionArn',
  'ClockFailedFunctionArn',
] as const;
export type SubstitutionKey = (typeof substitutionKeys)[number];

/** Error names thrown by task handlers (or sent as task failures) and listed in the ASL. */
export const taskErrors = {
  /** The store was busy or throttled: safe to retry the task. */
  storeBusy: 'StoreBusyError',
  /** The ticket changed under the task (optimistic lock): re-read and retry. */
  versionConflict: 'VersionConflictError',
  /** The ticket no longer exists or was cancelled: stop the execution cleanly. */
  ticketGone: 'TicketGoneError',
  /** A task of an older generation: a newer execution owns the ticket's clocks now. */
  superseded: 'ExecutionSupersededError',
  /** Sent as the task failure that ends a party's wait (its part is over): no Choice state needed. */
  partyDone: 'PartyDone',
} as const;

/** The failure the state machine ends with after its catch-all flagged the ticket `clock_failed`. */
export const CLOCK_FAILED_ERROR = 'ClockFailed';

export function readLifecycleAsl(): string {
  return readFileSync(lifecycleAslPath, 'utf8');
}

/** Replace `${Key}` placeholders exactly as CloudFormation's DefinitionSubstitutions does. */
export function substituteAsl(asl: string, values: Record<SubstitutionKey, string>): string {
  return asl.replace(/\$\{(\w+)\}/g, (whole, key: string) => {
    const value = (values as Record<string, string>)[key];
    if (value === undefined) throw new Error(`no substitution for ${whole}`);
    return value;
  });
}

// ---------------------------------------------------------------------------------------------
// Executions: one name per ticket and generation
// ---------------------------------------------------------------------------------------------

/**
 * `ticket-<id>-<generation>`. A failed or stopped name is blocked on Step Functions for 90 days,
 * so a repair starts the next generation instead of the same name; generation 0 is the name
 * executions had before generations existed.
 */
export function executionName(ticketId: string, generation: number): string {
  return generation > 0 ? `ticket-${ticketId}-${generation}` : `ticket-${ticketId}`;
}

export function parseExecutionName(name: string): { ticketId: string; generation: number } | undefined {
  const m = /^ticket-([a-z0-9]+)(?:-(\d+))?$/.exec(name);
  if (!m?.[1]) return undefined;
  return { ticketId: m[1], generation: m[2] ? Number(m[2]) : 0 };
}

// ---------------------------------------------------------------------------------------------
// Steps on the wire
// ---------------------------------------------------------------------------------------------

/** The engine's form of a step: every wait also says its timeout in seconds (`TimeoutSecondsPath`). */
export function encodeStep(step: Step, secondsUntil: (at: Date) => number): EngineStep {
  const out: EngineStep = { ticketId: step.ticketId, next: step.next };
  if (step.wait) out.Payload = { ...step.wait, timerSeconds: secondsUntil(new Date(step.wait.timerAt)) };
  if (step.tracks) out.tracks = step.tracks.map((s) => encodeStep(s, secondsUntil));
  return out;
}

/** Whole seconds from `now` to `at`, at least 1 (ASL timeouts are positive integers). */
export function wholeSecondsUntil(at: Date, now: Date): number {
  return Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000));
}
