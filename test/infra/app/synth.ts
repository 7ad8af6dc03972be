/**
 * The one synth of the CDK app that the per-stack specs read (test/infra/app.test.ts runs them):
 * the ASL fixture, the build of both stages, and helpers over templates.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { buildApp, type WhistleApp } from '../../../infra/app';
import type { DeployStage } from '../../../infra/config';
import { allTasks, type LifecycleTask, lifecycleTasks, serviceTasks } from '../../../workflows/tasks';

export const task = (name: string, key: string, next?: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: `\${${key}}`, 'Payload.$': '$' },
  ResultPath: `$.${name}`,
  ...(next ? { Next: next } : { End: true }),
});
export const fixtureAsl = JSON.stringify(
  {
    Comment: 'infra test fixture',
    StartAt: 'AwaitParty',
    States: {
      AwaitParty: task('await', 'AwaitPartyFunctionArn', 'OnTimer'),
      OnTimer: task('timer', 'OnTimerFunctionArn', 'Advance'),
      Advance: task('advance', 'AdvanceFunctionArn', 'ClockFailed'),
      ClockFailed: task('failed', 'ClockFailedFunctionArn'),
    },
  },
  null,
  2,
);

export interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
export interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}
export interface Built extends WhistleApp {
  t: Record<keyof WhistleApp['stacks'], Template>;
}

export const alarmEmail = 'ops@example.org';
/** The task that only plans the next step from the record: read access, nothing else. */
export const advanceEntry = lifecycleTasks.advance.entry;
export const lifecycleEntries = (Object.keys(lifecycleTasks) as LifecycleTask[]).map(
  (name) => lifecycleTasks[name].entry,
);
export const taskEntries = Object.values(allTasks).map((t) => t.entry);
export const syncEntry = serviceTasks.syncSubscriptions.entry;

export function build(stage: DeployStage): Built {
  const built = buildApp({
    guardRules: false,
    stage,
    definition: fixtureAsl,
    context: { 'aws:cdk:bundling-stacks': [], ...(stage === 'prod' ? { alarmEmail } : {}) },
  });
  // cdk-nag runs as a validation plugin here: any unacknowledged finding throws.
  built.app.synth();
  const t = Object.fromEntries(
    Object.entries(built.stacks).map(([name, stack]) => [name, Template.fromStack(stack)]),
  ) as Built['t'];
  return { ...built, t };
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
export const resources = (template: Template, type: string) =>
  Object.entries(template.findResources(type) as Record<string, Resource>);
export const fnByEntry = (template: Template, entry: string): [string, Resource] => {
  const found = resources(template, 'AWS::Lambda::Function').filter(
    ([, r]) => r.Properties.Description === entry,
  );
  expect(found, entry).toHaveLength(1);
  return found[0]!;
};
export const env = (fn: Resource) =>
  ((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables ?? {}) as Record<
    string,
    unknown
  >;
export const roleRef = (fn: Resource) =>
  (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
/** Every statement of every inline policy attached to the role. */
export const statementsOf = (template: Template, roleLogicalId: string): Statement[] =>
  resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleLogicalId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
export const actionsOf = (statements: Statement[]) => statements.flatMap((s) => asArray(s.Action));

const apps: Partial<Record<DeployStage, Built>> = {};
export const get = (stage: DeployStage): Built => apps[stage]!;

/** Synthesize both stages once (cdk-nag runs as a validation plugin: a finding throws). */
export function synthBothStages(): void {
  apps.dev = build('dev');
  apps.prod = build('prod');
}
