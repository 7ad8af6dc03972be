/**
 * The typed contract between the ASL files in this folder and the task handlers: state names,
 * substitution keys and the error names the ASL catches. Both sides import from here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const lifecycleAslPath = fileURLToPath(new URL('./ticket-lifecycle.asl.json', import.meta.url));

/** `${Key}` placeholders in the ASL, replaced by CDK's definitionSubstitutions (and locally). */
export const substitutionKeys = ['StartStageFunctionArn', 'OnTimerFunctionArn', 'FinishFunctionArn'] as const;
export type SubstitutionKey = (typeof substitutionKeys)[number];

/** The task functions the lifecycle ASL calls (functions/api/routes.ts taskFunctions lists them all). */
export type LifecycleTask = 'startStage' | 'onTimer' | 'finish';

/** Which task handler each substitution stands for (the local engine binds them in-process). */
export const taskFunctionBySubstitution: Record<SubstitutionKey, LifecycleTask> = {
  StartStageFunctionArn: 'startStage',
  OnTimerFunctionArn: 'onTimer',
  FinishFunctionArn: 'finish',
};

/** Error names thrown by task handlers and listed in the ASL's Retry/Catch. */
export const taskErrors = {
  /** The store was busy or throttled: safe to retry the task. */
  storeBusy: 'StoreBusyError',
  /** The ticket changed under the task (optimistic lock): re-read and retry. */
  versionConflict: 'VersionConflictError',
  /** The ticket no longer exists or was cancelled: stop the execution cleanly. */
  ticketGone: 'TicketGoneError',
} as const;

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
