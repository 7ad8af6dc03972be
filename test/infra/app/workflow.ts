/** The WorkflowStack assertions of one stage (run by test/infra/app.test.ts over its one synth). */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { DeployStage } from '../../../infra/config';
import { substituteAsl, substitutionKeys } from '../../../workflows/contract';
import { serviceTasks, taskBySubstitution } from '../../../workflows/tasks';
import {
  actionsOf,
  asArray,
  fixtureAsl,
  fnByEntry,
  get,
  lifecycleEntries,
  resources,
  roleRef,
  statementsOf,
} from './synth';

export function workflowStack(stage: DeployStage): void {
  describe('WorkflowStack', () => {
    const stateMachine = () => {
      const found = resources(get(stage).t.workflow, 'AWS::StepFunctions::StateMachine');
      expect(found).toHaveLength(1);
      return found[0]![1];
    };

    it('is a Standard machine logging ALL with execution data to a vended log group, traced', () => {
      expect(stateMachine().Properties).toMatchObject({
        StateMachineType: 'STANDARD',
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
        TracingConfiguration: { Enabled: true },
      });
      get(stage).t.workflow.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'),
      });
    });

    it('deploys the input definition unchanged, substituted with the four task function ARNs', () => {
      const { workflow } = get(stage).stacks;
      const props = stateMachine().Properties;
      expect(props.DefinitionString).toBe(fixtureAsl);
      const substitutions = props.DefinitionSubstitutions as Record<
        string,
        { 'Fn::GetAtt': [string, string] }
      >;
      expect(Object.keys(substitutions).sort()).toEqual([...substitutionKeys].sort());
      for (const key of substitutionKeys) {
        const fn = workflow.tasks[taskBySubstitution[key]].fn;
        expect(substitutions[key]).toEqual({
          'Fn::GetAtt': [workflow.getLogicalId(fn.node.defaultChild as never), 'Arn'],
        });
      }
      // Resolve the placeholders as CloudFormation would and compare with the input, substituted.
      const values = Object.fromEntries(
        substitutionKeys.map((k) => [k, `arn:aws:lambda:::function:${substitutions[k]!['Fn::GetAtt'][0]}`]),
      ) as Record<(typeof substitutionKeys)[number], string>;
      const deployed = JSON.parse(substituteAsl(props.DefinitionString as string, values));
      expect(deployed).toEqual(JSON.parse(substituteAsl(fixtureAsl, values)));
      expect(JSON.stringify(deployed)).not.toContain('${');
    });

    describe('clock integrity (no clock silently stops)', () => {
      const sendPending = () => fnByEntry(get(stage).t.workflow, serviceTasks.sendPending.entry);
      const reconcile = () => fnByEntry(get(stage).t.workflow, serviceTasks.reconcile.entry);

      it('sends what ticket writes leave pending from the stream, retrying only the records that failed', () => {
        const t = get(stage).t.workflow;
        const [fnId] = sendPending();
        t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          FunctionName: { Ref: fnId },
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          BisectBatchOnFunctionError: true,
          DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
          FilterCriteria: {
            Filters: [{ Pattern: Match.stringLikeRegexp('"sk":\\{"S":\\["T"\\]') }],
          },
        });
        const actions = actionsOf(statementsOf(t, roleRef(sendPending()[1])));
        expect(actions).toEqual(
          expect.arrayContaining([
            'states:StartExecution',
            'states:SendTaskSuccess',
            'states:SendTaskFailure',
          ]),
        );
        // It settles what a stopped writer left owing to the counters (updates, attention markers).
        expect(actions).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:PutItem']));
      });

      it('runs the reconciler on a schedule and on every failed, timed-out or aborted execution', () => {
        const t = get(stage).t.workflow;
        const [fnId, fn] = reconcile();
        const rules = resources(t, 'AWS::Events::Rule').map(([, r]) => r.Properties);
        const targetsFn = (r: Record<string, unknown>) => JSON.stringify(r.Targets).includes(`"${fnId}"`);
        expect(rules.filter(targetsFn).map((r) => r.ScheduleExpression ?? 'event')).toEqual(
          expect.arrayContaining([`rate(${get(stage).config.reconcileEveryMinutes} minutes)`, 'event']),
        );
        const onEnd = rules.find((r) => r.EventPattern !== undefined) as {
          EventPattern: Record<string, unknown>;
        };
        expect(onEnd.EventPattern).toMatchObject({
          source: ['aws.states'],
          'detail-type': ['Step Functions Execution Status Change'],
          detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
        });
        const actions = actionsOf(statementsOf(t, roleRef(fn)));
        expect(actions).toEqual(
          expect.arrayContaining([
            'states:StartExecution',
            'states:StopExecution',
            'states:DescribeExecution',
            'states:RedriveExecution',
            'dynamodb:PutItem',
          ]),
        );
      });

      it(
        stage === 'prod' ? 'reserves concurrency for the lifecycle tasks' : 'reserves no concurrency in dev',
        () => {
          const t = get(stage).t.workflow;
          for (const entry of lifecycleEntries) {
            const [, fn] = fnByEntry(t, entry);
            expect(fn.Properties.ReservedConcurrentExecutions, entry).toBe(get(stage).config.taskConcurrency);
          }
        },
      );
    });

    it('lets the state machine invoke exactly the four task functions and nothing else', () => {
      const t = get(stage).t.workflow;
      const roleId = (stateMachine().Properties.RoleArn as { 'Fn::GetAtt': [string, string] })[
        'Fn::GetAtt'
      ][0];
      const statements = statementsOf(t, roleId);
      const lambdaStatements = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('lambda:')));
      expect(lambdaStatements).toHaveLength(1);
      expect(lambdaStatements[0]!.Action).toBe('lambda:InvokeFunction');
      const taskFnIds = lifecycleEntries.map((entry) => fnByEntry(t, entry)[0]);
      expect(asArray(lambdaStatements[0]!.Resource)).toEqual(
        expect.arrayContaining(taskFnIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }))),
      );
      expect(asArray(lambdaStatements[0]!.Resource)).toHaveLength(4);
      // The rest is what CDK adds for logging and tracing.
      const others = actionsOf(statements.filter((s) => !lambdaStatements.includes(s)));
      expect(others.every((a) => a.startsWith('logs:') || a.startsWith('xray:'))).toBe(true);
      expect(t.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
    });
  });
}
