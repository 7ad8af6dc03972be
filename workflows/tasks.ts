/**
 * The task registry: every function that is not an HTTP route, by one name used from the ASL
 * state to the substitution key, the entry file and the use case (`awaitParty` is served by
 * functions/tasks/await-party.ts and shared/use-cases' `awaitParty`, and so on). CDK deploys
 * exactly these; the embedded runtime binds the lifecycle ones in-process.
 */
import type { SubstitutionKey } from './contract';

/** The tasks the lifecycle ASL calls, with the placeholder each one fills. */
export const lifecycleTasks = {
  /** `AwaitUnit` / `AwaitTicket`: arms a party's wait (a callback with a task token). */
  awaitParty: { entry: 'functions/tasks/await-party.ts', substitution: 'AwaitPartyFunctionArn' },
  /** `UnitTimer` / `TicketTimer`: records the warnings and breaches due, returns the next wait. */
  onTimer: { entry: 'functions/tasks/on-timer.ts', substitution: 'OnTimerFunctionArn' },
  /** `Advance`: every unit party is done; what the ticket does next. */
  advance: { entry: 'functions/tasks/advance.ts', substitution: 'AdvanceFunctionArn' },
  /** `ClockFailed`: the catch-all; flags the ticket so the reconciler starts a new generation. */
  clockFailed: { entry: 'functions/tasks/clock-failed.ts', substitution: 'ClockFailedFunctionArn' },
} as const satisfies Record<string, { entry: string; substitution: SubstitutionKey }>;
export type LifecycleTask = keyof typeof lifecycleTasks;

/** Tasks outside the state machine. */
export const serviceTasks = {
  /** Keeps e-mail subscriptions in step with the configuration (AWS only). */
  syncSubscriptions: { entry: 'functions/tasks/sync-subscriptions.ts' },
  /** Sends the starts and signals a ticket write left pending (the table's stream, AWS). */
  sendPending: { entry: 'functions/tasks/send-pending.ts' },
  /** Audits and repairs stranded clocks (every few minutes, and on failed executions). */
  reconcile: { entry: 'functions/tasks/reconcile.ts' },
  /** Drains the notification queue (SQS) at the channels' rates. */
  sendNotifications: { entry: 'functions/tasks/send-notifications.ts' },
  /** Archives tickets the table's TTL removed, with their timeline, to S3 (the stream, AWS). */
  archiveExpired: { entry: 'functions/tasks/archive-expired.ts' },
} as const;
export type ServiceTask = keyof typeof serviceTasks;

export const allTasks = { ...lifecycleTasks, ...serviceTasks };
export type TaskName = keyof typeof allTasks;

/** The lifecycle task behind each placeholder. */
export const taskBySubstitution = Object.fromEntries(
  Object.entries(lifecycleTasks).map(([name, t]) => [t.substitution, name]),
) as Record<SubstitutionKey, LifecycleTask>;
