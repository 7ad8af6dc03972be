/**
 * The task registry: every function that is not an HTTP route, by one name used from the ASL
 * state to the substitution key, the entry file and the use case (`awaitParty` is deployed from
 * functions/entries/await-party.ts, which makes functions/tasks/await-party.ts' handler, over
 * shared/use-cases' `awaitParty`, and so on). CDK deploys exactly these entries; the embedded
 * runtime makes the lifecycle handlers with its own dependencies and binds them in-process.
 */
import type { SubstitutionKey } from './contract';

/** The tasks the lifecycle ASL calls, with the placeholder each one fills. */
export const lifecycleTasks = {
  /** `AwaitUnit` / `AwaitTicket`: arms a party's wait (a callback with a task token). */
  awaitParty: { entry: 'functions/entries/await-party.ts', substitution: 'AwaitPartyFunctionArn' },
  /** `UnitTimer` / `TicketTimer`: records the warnings and breaches due, returns the next wait. */
  onTimer: { entry: 'functions/entries/on-timer.ts', substitution: 'OnTimerFunctionArn' },
  /** `Advance`: every unit party is done; what the ticket does next. */
  advance: { entry: 'functions/entries/advance.ts', substitution: 'AdvanceFunctionArn' },
  /** `ClockFailed`: the catch-all; flags the ticket so the reconciler starts a new generation. */
  clockFailed: { entry: 'functions/entries/clock-failed.ts', substitution: 'ClockFailedFunctionArn' },
} as const satisfies Record<string, { entry: string; substitution: SubstitutionKey }>;
export type LifecycleTask = keyof typeof lifecycleTasks;

/** Tasks outside the state machine. */
export const serviceTasks = {
  /** Keeps e-mail subscriptions in step with the configuration (AWS only). */
  syncSubscriptions: { entry: 'functions/entries/sync-subscriptions.ts' },
  /** Sends the starts and signals a ticket write left pending (the table's stream, AWS). */
  sendPending: { entry: 'functions/entries/send-pending.ts' },
  /** Audits and repairs stranded clocks (every few minutes, and on failed executions). */
  reconcile: { entry: 'functions/entries/reconcile.ts' },
  /** Drains the notification queue (SQS) at the channels' rates. */
  sendNotifications: { entry: 'functions/entries/send-notifications.ts' },
  /** Archives tickets the table's TTL removed, with their timeline, to S3 (the stream, AWS). */
  archiveExpired: { entry: 'functions/entries/archive-expired.ts' },
} as const;
export type ServiceTask = keyof typeof serviceTasks;

export const allTasks = { ...lifecycleTasks, ...serviceTasks };
export type TaskName = keyof typeof allTasks;

/** The lifecycle task behind each placeholder. */
export const taskBySubstitution = Object.fromEntries(
  Object.entries(lifecycleTasks).map(([name, t]) => [t.substitution, name]),
) as Record<SubstitutionKey, LifecycleTask>;
