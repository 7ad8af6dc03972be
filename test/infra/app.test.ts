/**
 * Template assertions for the whole CDK app, both stages, each synthesized once with bundling
 * skipped. The workflow gets a small ASL fixture that uses the contract's three placeholders, so
 * these tests do not depend on the real definition or the handler files.
 */
import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiFunctions, routes } from '../../functions/api/routes';
import { buildApp, type WhistleApp } from '../../infra/app';
import type { DeployStage } from '../../infra/config';
import { apiPathPatterns } from '../../infra/stacks/edge-stack';
import { globalSecondaryIndexes, tableKeys } from '../../shared/adapters/table-design';
import { roles } from '../../shared/domain/model';
import { substituteAsl, substitutionKeys } from '../../workflows/contract';
import {
  allTasks,
  type LifecycleTask,
  lifecycleTasks,
  serviceTasks,
  taskBySubstitution,
} from '../../workflows/tasks';

const task = (name: string, key: string, next?: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: `\${${key}}`, 'Payload.$': '$' },
  ResultPath: `$.${name}`,
  ...(next ? { Next: next } : { End: true }),
});
const fixtureAsl = JSON.stringify(
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

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}
interface Built extends WhistleApp {
  t: Record<keyof WhistleApp['stacks'], Template>;
}

const alarmEmail = 'ops@example.org';
/** The task that only plans the next step from the record: read access, nothing else. */
const advanceEntry = lifecycleTasks.advance.entry;
const lifecycleEntries = (Object.keys(lifecycleTasks) as LifecycleTask[]).map(
  (name) => lifecycleTasks[name].entry,
);
const taskEntries = Object.values(allTasks).map((t) => t.entry);
const syncEntry = serviceTasks.syncSubscriptions.entry;

function build(stage: DeployStage): Built {
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

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const resources = (template: Template, type: string) =>
  Object.entries(template.findResources(type) as Record<string, Resource>);
const fnByEntry = (template: Template, entry: string): [string, Resource] => {
  const found = resources(template, 'AWS::Lambda::Function').filter(
    ([, r]) => r.Properties.Description === entry,
  );
  expect(found, entry).toHaveLength(1);
  return found[0]!;
};
const env = (fn: Resource) =>
  ((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables ?? {}) as Record<
    string,
    unknown
  >;
const roleRef = (fn: Resource) => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
/** Every statement of every inline policy attached to the role. */
const statementsOf = (template: Template, roleLogicalId: string): Statement[] =>
  resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleLogicalId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => asArray(s.Action));

const apps: Partial<Record<DeployStage, Built>> = {};
const get = (stage: DeployStage): Built => apps[stage]!;

beforeAll(() => {
  apps.dev = build('dev');
  apps.prod = build('prod');
});

describe.each(['dev', 'prod'] as const)('%s stage', (stage) => {
  describe('DataStack', () => {
    it('creates the single table with string keys, on-demand, PITR and encryption', () => {
      get(stage).t.data.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: tableKeys.partitionKey, KeyType: 'HASH' },
          { AttributeName: tableKeys.sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    });

    it('creates the four GSIs of table-design.ts, projection ALL, all keys strings', () => {
      const [[, table]] = resources(get(stage).t.data, 'AWS::DynamoDB::Table') as [[string, Resource]];
      const gsis = table.Properties.GlobalSecondaryIndexes as Record<string, unknown>[];
      expect(gsis).toEqual(
        globalSecondaryIndexes.map((g) => ({
          IndexName: g.indexName,
          KeySchema: [
            { AttributeName: g.partitionKey, KeyType: 'HASH' },
            { AttributeName: g.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      );
      const attributes = table.Properties.AttributeDefinitions as { AttributeType: string }[];
      expect(attributes).toHaveLength(2 + 2 * globalSecondaryIndexes.length);
      expect(attributes.every((a) => a.AttributeType === 'S')).toBe(true);
    });

    it('generates the signed-link key once, in Secrets Manager', () => {
      get(stage).t.data.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      });
    });

    it('streams old and new images: the pending sender compares them, the subscription sync hears configuration', () => {
      get(stage).t.data.hasResourceProperties('AWS::DynamoDB::Table', {
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      });
    });

    it(stage === 'prod' ? 'protects and retains the table' : 'lets the table be destroyed', () => {
      const [[, table]] = resources(get(stage).t.data, 'AWS::DynamoDB::Table') as [[string, Resource]];
      if (stage === 'prod') {
        expect(table.Properties.DeletionProtectionEnabled).toBe(true);
        expect(table.DeletionPolicy).toBe('Retain');
        expect(table.UpdateReplacePolicy).toBe('Retain');
      } else {
        expect(table.Properties.DeletionProtectionEnabled).toBe(false);
        expect(table.DeletionPolicy).toBe('Delete');
      }
    });
  });

  describe('functions', () => {
    const all = () => [
      ...lifecycleEntries.map((e) => [get(stage).t.workflow, e] as const),
      [get(stage).t.workflow, serviceTasks.sendPending.entry] as const,
      [get(stage).t.workflow, serviceTasks.reconcile.entry] as const,
      [get(stage).t.notifications, syncEntry] as const,
      [get(stage).t.notifications, serviceTasks.sendNotifications.entry] as const,
      ...Object.values(apiFunctions).map((e) => [get(stage).t.api, e] as const),
    ];

    it('deploys every entry of the task registry and of apiFunctions, each exactly once', () => {
      const entries = all().map(([, e]) => e);
      expect(entries.sort()).toEqual([...taskEntries, ...Object.values(apiFunctions)].sort());
    });

    it('run nodejs22.x on arm64 with active tracing, Powertools env and their own log group', () => {
      for (const [template, entry] of all()) {
        const [, fn] = fnByEntry(template, entry);
        expect(fn.Properties, entry).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        });
        expect(env(fn)).toMatchObject({
          POWERTOOLS_SERVICE_NAME: 'whistle-dispatch',
          POWERTOOLS_METRICS_NAMESPACE: 'WhistleDispatch',
          NODE_OPTIONS: '--enable-source-maps',
        });
        const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        const logGroup = template.toJSON().Resources[logGroupId] as Resource;
        expect(logGroup.Properties.RetentionInDays).toBe(stage === 'prod' ? 400 : 14);
      }
    });

    it('grant "*" only to actions that have no resource-level permissions, and only where needed', () => {
      const smsSenders: string[] = [
        ...lifecycleEntries,
        apiFunctions.ticketActions,
        serviceTasks.sendNotifications.entry,
      ];
      for (const [template, entry] of all()) {
        const [, fn] = fnByEntry(template, entry);
        const onStar = actionsOf(statementsOf(template, roleRef(fn)).filter((s) => s.Resource === '*'));
        const allowed = [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          ...(smsSenders.includes(entry) ? ['sns:Publish'] : []),
          ...(([syncEntry, serviceTasks.sendPending.entry] as string[]).includes(entry)
            ? ['dynamodb:ListStreams']
            : []),
        ];
        expect(
          onStar.filter((a) => !allowed.includes(a)),
          entry,
        ).toEqual([]);
        expect(template.toJSON().Resources[roleRef(fn)].Properties.ManagedPolicyArns, entry).toBeUndefined();
      }
    });

    it('point the links in messages at the console (CloudFront), never at localhost', () => {
      for (const [template, entry] of all()) {
        // None renders a message: the sync manages subscriptions, the sender sends what was
        // rendered, and Advance only reads the record.
        if (entry === syncEntry || entry === serviceTasks.sendNotifications.entry || entry === advanceEntry)
          continue;
        const [, fn] = fnByEntry(template, entry);
        const url = JSON.stringify(env(fn).PUBLIC_BASE_URL);
        expect(url, entry).toMatch(/ImportValue.*Edge:ExportsOutputFnGetAttDistribution\w*DomainName/);
        expect(url, entry).toContain('https://');
        expect(url, entry).not.toContain('127.0.0.1');
      }
    });

    it('task functions read/write the table, publish dispatches and park dead letters; Advance only reads', () => {
      const t = get(stage).t.workflow;
      const [, finish] = fnByEntry(t, advanceEntry);
      expect(Object.keys(env(finish))).toEqual(expect.arrayContaining(['TABLE_NAME']));
      for (const name of [
        'DISPATCH_TOPIC_ARN',
        'DEAD_LETTER_QUEUE_URL',
        'LINK_SECRET_ARN',
        'PUBLIC_BASE_URL',
      ]) {
        expect(Object.keys(env(finish))).not.toContain(name);
      }
      const finishActions = actionsOf(statementsOf(t, roleRef(finish)));
      expect(finishActions).toContain('dynamodb:GetItem');
      expect(
        finishActions.filter((a) =>
          /^(dynamodb:(Put|Update|Delete|BatchWrite)|sns|sqs|secretsmanager):?/.test(a),
        ),
      ).toEqual([]);
      for (const entry of lifecycleEntries.filter((e) => e !== advanceEntry)) {
        const [, fn] = fnByEntry(t, entry);
        expect(Object.keys(env(fn))).toEqual(
          expect.arrayContaining([
            'TABLE_NAME',
            'DISPATCH_TOPIC_ARN',
            'SMS_MAX_PRICE',
            'DEAD_LETTER_QUEUE_URL',
            'PUBLIC_BASE_URL',
          ]),
        );
        expect(env(fn).SMS_MAX_PRICE).toBe(get(stage).config.smsMaxPrice);
        // The secret's ARN, read at cold start: never the key itself in the configuration.
        expect(env(fn).LINK_SECRET).toBeUndefined();
        expect(JSON.stringify(env(fn).LINK_SECRET_ARN)).toMatch(/Data:ExportsOutputRefLinkSecret/);
        const statements = statementsOf(t, roleRef(fn));
        const read = statements.find((st) => asArray(st.Action).includes('secretsmanager:GetSecretValue'));
        expect(JSON.stringify(read?.Resource)).toMatch(/LinkSecret/);
        const actions = actionsOf(statements);
        expect(actions).toEqual(
          expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:Query', 'sns:Publish', 'sqs:SendMessage']),
        );
        // Only their own tokens: a callback completes its wait when the party already moved on.
        expect(actions.filter((a) => a.startsWith('states:')).sort()).toEqual([
          'states:SendTaskFailure',
          'states:SendTaskHeartbeat',
          'states:SendTaskSuccess',
        ]);
        // The DLQ grant names the queue, not "*".
        const sqsStatement = statements.find((s) => asArray(s.Action).includes('sqs:SendMessage'));
        expect(JSON.stringify(sqsStatement?.Resource)).toMatch(
          /Notifications:ExportsOutputFnGetAttDeliveryDlq/,
        );
      }
    });

    it('API functions get exactly the access the brief lists', () => {
      const t = get(stage).t.api;
      const access = (entry: string) => {
        const [, fn] = fnByEntry(t, entry);
        return { env: Object.keys(env(fn)), actions: actionsOf(statementsOf(t, roleRef(fn))) };
      };
      const intake = access(apiFunctions.ticketIntake);
      expect(intake.env).toEqual(expect.arrayContaining(['TABLE_NAME', 'STATE_MACHINE_ARN']));
      expect(intake.actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'states:StartExecution']));
      expect(intake.actions).not.toContain('states:SendTaskSuccess');

      const actions = access(apiFunctions.ticketActions);
      expect(actions.actions).toEqual(
        expect.arrayContaining([
          'dynamodb:UpdateItem',
          'states:StartExecution',
          'states:SendTaskSuccess',
          'states:SendTaskFailure',
          'states:StopExecution',
          // Urges are sent from the action: SMS, e-mail, dead letters.
          'sns:Publish',
          'sqs:SendMessage',
        ]),
      );
      expect(actions.env).toEqual(
        expect.arrayContaining(['DISPATCH_TOPIC_ARN', 'SMS_MAX_PRICE', 'DEAD_LETTER_QUEUE_URL']),
      );

      const queries = access(apiFunctions.queries);
      expect(queries.env).toContain('TABLE_NAME');
      expect(queries.env).not.toContain('STATE_MACHINE_ARN');
      expect(queries.actions).toContain('dynamodb:Query');
      expect(queries.actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);

      expect(access(apiFunctions.adminConfig).actions).toEqual(
        expect.arrayContaining(['dynamodb:PutItem', 'states:SendTaskSuccess']),
      );
      const open311 = access(apiFunctions.open311);
      expect(open311.actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'states:StartExecution']));
      // It verifies the api_key token itself against the pool.
      expect(open311.env).toEqual(expect.arrayContaining(['TOKEN_ISSUER', 'TOKEN_AUDIENCE']));

      // /healthz reads the latest configuration version: read-only table access, nothing else.
      const service = access(apiFunctions.service);
      expect(service.env).toContain('TABLE_NAME');
      expect(service.actions).toContain('dynamodb:Query');
      expect(service.actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);
      expect(service.actions.filter((a) => /^(states|sns|sqs):/.test(a))).toEqual([]);

      // The link pages: the link is the credential; its actions answer task tokens, photos go to
      // the evidence bucket by presigned URLs.
      const links = access(apiFunctions.links);
      expect(links.env).toEqual(
        expect.arrayContaining(['TABLE_NAME', 'STATE_MACHINE_ARN', 'LINK_SECRET_ARN', 'EVIDENCE_BUCKET']),
      );
      expect(links.actions).toEqual(
        expect.arrayContaining([
          'dynamodb:UpdateItem',
          'states:SendTaskSuccess',
          's3:PutObject',
          's3:GetObject',
        ]),
      );
      expect(links.actions).not.toContain('states:StartExecution');
      expect(links.actions).not.toContain('states:StopExecution');
      const [, linksFn] = fnByEntry(t, apiFunctions.links);
      const s3Statement = statementsOf(t, roleRef(linksFn)).find((st) =>
        asArray(st.Action).includes('s3:PutObject'),
      );
      expect(JSON.stringify(s3Statement?.Resource)).toContain(`whistle-dispatch-${stage}-evidence-`);
      expect(JSON.stringify(s3Statement?.Resource)).toContain('/evidence/*');
      expect(access(apiFunctions.ticketActions).env).toContain('LINK_SECRET_ARN');

      // Only the functions that send messages may publish.
      for (const name of ['ticketIntake', 'queries', 'adminConfig', 'open311', 'service', 'links'] as const) {
        expect(access(apiFunctions[name]).actions, name).not.toContain('sns:Publish');
      }
    });

    it('scopes StopExecution to the lifecycle machine executions', () => {
      const t = get(stage).t.api;
      const [, fn] = fnByEntry(t, apiFunctions.ticketActions);
      const stop = statementsOf(t, roleRef(fn)).find((s) =>
        asArray(s.Action).includes('states:StopExecution'),
      );
      expect(JSON.stringify(stop?.Resource)).toContain(
        `:execution:whistle-dispatch-${stage}-ticket-lifecycle:*`,
      );
    });

    it('grants table access to the table and its four named indexes, no index wildcard', () => {
      const t = get(stage).t.api;
      const [, fn] = fnByEntry(t, apiFunctions.queries);
      const dynamo = statementsOf(t, roleRef(fn)).filter((s) =>
        asArray(s.Action).some((a) => a.startsWith('dynamodb:')),
      );
      expect(dynamo).toHaveLength(1);
      const text = JSON.stringify(dynamo[0]!.Resource);
      for (const gsi of globalSecondaryIndexes) expect(text).toContain(`/index/${gsi.indexName}`);
      expect(text).not.toContain('/index/*');
    });
  });

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
        expect(actions).not.toContain('dynamodb:PutItem');
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

  describe('ApiStack', () => {
    it('has one route per entry of routes.ts with the right key, target and authorization', () => {
      const t = get(stage).t.api;
      const routeResources = resources(t, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
      expect(routeResources).toHaveLength(routes.length);
      const authorizers = resources(t, 'AWS::ApiGatewayV2::Authorizer');
      expect(authorizers).toHaveLength(1);
      const authorizerId = authorizers[0]![0];
      const integrations = Object.fromEntries(resources(t, 'AWS::ApiGatewayV2::Integration'));
      for (const route of routes) {
        const key = `${route.method} ${route.path}`;
        const found = routeResources.filter((r) => r.RouteKey === key);
        expect(found, key).toHaveLength(1);
        const props = found[0]!;
        if (route.public) {
          expect(props.AuthorizationType, key).toBe('NONE');
          expect(props.AuthorizerId, key).toBeUndefined();
        } else {
          expect(props.AuthorizationType, key).toBe('JWT');
          expect(props.AuthorizerId, key).toEqual({ Ref: authorizerId });
        }
        const integrationId = JSON.stringify(props.Target).match(/"Ref":"(\w+)"/)?.[1] ?? '';
        const integration = integrations[integrationId]!.Properties;
        expect(integration.PayloadFormatVersion, key).toBe('2.0');
        const [fnId] = fnByEntry(t, apiFunctions[route.fn]);
        expect(integration.IntegrationUri, key).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
      }
    });

    it('uses a Cognito JWT authorizer bound to the console client', () => {
      get(stage).t.api.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Audience: [{ Ref: Match.stringLikeRegexp('ConsoleClient') }] },
      });
    });

    it('throttles and access-logs the $default stage', () => {
      const { config } = get(stage);
      get(stage).t.api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: config.apiThrottle.rateLimit,
          ThrottlingBurstLimit: config.apiThrottle.burstLimit,
        },
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      });
    });

    it('has a user pool with a strong password policy, the four role groups and scope attributes', () => {
      const t = get(stage).t.api;
      t.hasResourceProperties('AWS::Cognito::UserPool', {
        Policies: {
          PasswordPolicy: {
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          },
        },
        // Prod: a second factor for every account, admins and supervisors included.
        MfaConfiguration: stage === 'prod' ? 'ON' : 'OPTIONAL',
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        UserPoolTier: stage === 'prod' ? 'PLUS' : 'ESSENTIALS',
        Schema: Match.arrayWith(
          ['unitId', 'communityId', 'streetId'].map((name) =>
            Match.objectLike({ Name: name, AttributeDataType: 'String' }),
          ),
        ),
      });
      const groups = resources(t, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties.GroupName);
      expect(groups.sort()).toEqual([...roles].sort());
    });

    it('keeps scope attributes out of what users may write, and has no OAuth flows', () => {
      const [[, client]] = resources(get(stage).t.api, 'AWS::Cognito::UserPoolClient') as [
        [string, Resource],
      ];
      expect(client.Properties.GenerateSecret).toBe(false);
      expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
      const writable = client.Properties.WriteAttributes as string[];
      expect(writable.filter((a) => a.startsWith('custom:'))).toEqual([]);
    });
  });

  describe('NotificationsStack', () => {
    it('encrypts the dispatch topic with a rotated customer key and enforces TLS', () => {
      const t = get(stage).t.notifications;
      t.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
      });
      t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      t.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('sets the account SMS attributes: transactional, carrier receipts logged by a scoped role', () => {
      const t = get(stage).t.notifications;
      const [[, settings]] = resources(t, 'Custom::SnsSmsAttributes') as [[string, Resource]];
      // The SDK call is a JSON string with the role ARN joined in: read it as text.
      const text = JSON.stringify(settings.Properties.Update).replace(/\\"/g, '"');
      expect(text).toContain('SetSMSAttributes');
      expect(text).toContain('"DefaultSMSType":"Transactional"');
      expect(text).toContain(
        `"DeliveryStatusSuccessSamplingRate":"${get(stage).config.smsSuccessSamplingRate}"`,
      );
      expect(text).toContain('DeliveryStatusIAMRole');
      // No spend limit unless configured: more than the account's quota would fail the deploy.
      expect(text).not.toContain('MonthlySpendLimit');
      t.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'sns.amazonaws.com' } })],
        },
      });
      for (const suffix of ['DirectPublishToPhoneNumber', 'DirectPublishToPhoneNumber/Failure']) {
        t.hasResourceProperties('AWS::Logs::LogGroup', {
          LogGroupName: {
            'Fn::Join': ['', ['sns/', { Ref: 'AWS::Region' }, '/', { Ref: 'AWS::AccountId' }, `/${suffix}`]],
          },
          RetentionInDays: stage === 'prod' ? 400 : 14,
        });
      }
      const [, statusRole] = resources(t, 'AWS::IAM::Role').find(([, r]) =>
        JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('sns.amazonaws.com'),
      )!;
      expect(statusRole).toBeDefined();
      // The provider may set SMS attributes (no resource ARN) and pass exactly that role.
      t.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: 'sns:SetSMSAttributes', Resource: '*' }),
            Match.objectLike({
              Action: 'iam:PassRole',
              Resource: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
            }),
          ]),
        },
      });
    });

    it('syncs e-mail subscriptions on configuration writes (stream, filtered to CONFIG) and daily', () => {
      const t = get(stage).t.notifications;
      const [fnId, fn] = fnByEntry(t, syncEntry);
      expect(Object.keys(env(fn))).toEqual(
        expect.arrayContaining(['TABLE_NAME', 'DISPATCH_TOPIC_ARN', 'DEAD_LETTER_QUEUE_ARN']),
      );
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fnId },
        StartingPosition: 'LATEST',
        MaximumRetryAttempts: 3,
        FilterCriteria: {
          Filters: [{ Pattern: JSON.stringify({ dynamodb: { Keys: { pk: { S: ['CONFIG'] } } } }) }],
        },
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeliveryDlq'), 'Arn'] } },
        },
      });
      t.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(0 0 * * ? *)',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })],
      });
      t.hasResourceProperties('AWS::Lambda::Permission', {
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      });
      const statements = statementsOf(t, roleRef(fn));
      const actions = actionsOf(statements);
      expect(actions).toEqual(
        expect.arrayContaining([
          'sns:ListSubscriptionsByTopic',
          'sns:Subscribe',
          'sns:Unsubscribe',
          'sns:SetSubscriptionAttributes',
          'dynamodb:GetRecords',
          'dynamodb:Query',
        ]),
      );
      // It manages subscriptions; it never publishes and never writes the table.
      expect(actions).not.toContain('sns:Publish');
      expect(actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);
      const unsubscribe = statements.find((st) => asArray(st.Action).includes('sns:Unsubscribe'));
      expect(unsubscribe?.Resource).toEqual({
        'Fn::Join': ['', [{ Ref: expect.stringMatching(/^DispatchTopic/) }, ':*']],
      });
    });

    it('has an encrypted, TLS-only delivery DLQ that SNS may write to', () => {
      const t = get(stage).t.notifications;
      t.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
            }),
          ]),
        },
      });
    });
  });

  describe('ObservabilityStack', () => {
    it('alarms on failed executions, a breach spike over 15 minutes and DLQ depth', () => {
      const t = get(stage).t.observability;
      const { config } = get(stage);
      t.resourceCountIs('AWS::CloudWatch::Alarm', 9);
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      // Timed-out and aborted executions, repairs and stranded clocks page as well.
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([
          Match.objectLike({
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsTimedOut' }) }),
          }),
          Match.objectLike({
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsAborted' }) }),
          }),
        ]),
      });
      for (const metric of ['ClockRepairs', 'StrandedClocks', 'CalendarYearUnknown']) {
        t.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Metrics: [Match.objectLike({ Expression: Match.stringLikeRegexp(`\\(${metric}\\)`) })],
          Threshold: 1,
        });
      }
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: [
          Match.objectLike({ Expression: Match.stringLikeRegexp('SUM\\(SlaBreaches\\)'), Period: 900 }),
        ],
        Threshold: config.breachSpikeThreshold,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
      });
      for (const [, alarm] of resources(t, 'AWS::CloudWatch::Alarm')) {
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
      }
    });

    it('sends alarms to a KMS-encrypted topic that CloudWatch can use, e-mail when configured', () => {
      const t = get(stage).t.observability;
      t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      t.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
          ]),
        },
      });
      if (stage === 'prod')
        t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: alarmEmail });
      else t.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('has an SLA dashboard over the custom metrics', () => {
      const body = JSON.stringify(get(stage).t.observability.findResources('AWS::CloudWatch::Dashboard'));
      for (const metric of [
        'TicketsReceived',
        'SlaBreaches',
        'Escalations',
        'NotificationFailures',
        'ExecutionsFailed',
      ]) {
        expect(body).toContain(metric);
      }
    });
  });

  describe('EdgeStack', () => {
    it("holds the bare HTTP API resource: no stage, routes or integrations (those are the Api stack's)", () => {
      const t = get(stage).t.edge;
      t.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
      t.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        Name: `whistle-dispatch-${stage}`,
      });
      for (const type of [
        'AWS::ApiGatewayV2::Stage',
        'AWS::ApiGatewayV2::Route',
        'AWS::ApiGatewayV2::Integration',
        'AWS::ApiGatewayV2::Authorizer',
      ])
        t.resourceCountIs(type, 0);
      const [[, api]] = resources(t, 'AWS::ApiGatewayV2::Api') as [[string, Resource]];
      if (stage === 'dev') {
        expect(api.Properties.CorsConfiguration).toMatchObject({
          AllowOrigins: get(stage).config.corsOrigins,
          AllowHeaders: expect.arrayContaining(['authorization', 'idempotency-key']),
        });
      } else {
        // The console is same-origin behind CloudFront: prod allows no other browser origin.
        expect(api.Properties.CorsConfiguration).toBeUndefined();
      }
    });

    it('keeps the site bucket private, TLS-only, access-logged and named for the Console stack', () => {
      const t = get(stage).t.edge;
      t.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: {
          'Fn::Join': [
            '',
            [`whistle-dispatch-${stage}-console-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }],
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: Match.anyValue(),
        LoggingConfiguration: { DestinationBucketName: Match.anyValue() },
      });
      for (const [, policy] of resources(t, 'AWS::S3::BucketPolicy')) {
        expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
      }
    });

    it('serves it through CloudFront with origin access control, HTTPS and security headers', () => {
      const t = get(stage).t.edge;
      t.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
        OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
      });
      t.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: {
          DefaultRootObject: 'index.html',
          DefaultCacheBehavior: {
            ViewerProtocolPolicy: 'redirect-to-https',
            ResponseHeadersPolicyId: Match.anyValue(),
            FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })],
          },
          Origins: Match.arrayWith([
            Match.objectLike({ OriginAccessControlId: { 'Fn::GetAtt': [Match.anyValue(), 'Id'] } }),
          ]),
          Logging: Match.objectLike({ Bucket: Match.anyValue() }),
        },
      });
      t.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
        ResponseHeadersPolicyConfig: {
          SecurityHeadersConfig: Match.objectLike({
            StrictTransportSecurity: Match.objectLike({ Override: true }),
            ContentSecurityPolicy: Match.objectLike({ Override: true }),
          }),
        },
      });
      t.hasResourceProperties('AWS::CloudFront::Function', {
        FunctionCode: Match.stringLikeRegexp('index.html'),
      });
    });

    it('forwards every API path to the HTTP API, uncached', () => {
      const [[, distribution]] = resources(get(stage).t.edge, 'AWS::CloudFront::Distribution') as [
        [string, Resource],
      ];
      const behaviors = (
        distribution.Properties.DistributionConfig as { CacheBehaviors: Record<string, unknown>[] }
      ).CacheBehaviors;
      expect(behaviors.map((b) => b.PathPattern).sort()).toEqual(apiPathPatterns().sort());
      for (const route of routes) {
        const matched = apiPathPatterns().some((p) =>
          p.endsWith('/*') ? route.path.startsWith(p.slice(0, -1)) : route.path === p,
        );
        expect(matched, route.path).toBe(true);
      }
    });

    it('takes resolution photos in a private bucket the console origin may PUT to', () => {
      const t = get(stage).t.edge;
      t.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: {
          'Fn::Join': [
            '',
            [`whistle-dispatch-${stage}-evidence-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }],
          ],
        },
        PublicAccessBlockConfiguration: Match.objectLike({
          BlockPublicAcls: true,
          RestrictPublicBuckets: true,
        }),
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'evidence-bucket/' },
        CorsConfiguration: {
          CorsRules: [
            {
              AllowedMethods: ['PUT', 'GET'],
              AllowedHeaders: ['content-type', 'if-none-match'],
              AllowedOrigins: [
                {
                  'Fn::Join': [
                    '',
                    ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^Distribution'), 'DomainName'] }],
                  ],
                },
              ],
              MaxAge: 3600,
            },
          ],
        },
      });
    });

    it(stage === 'prod' ? "keeps the buckets' objects on delete" : 'empties the buckets on delete', () => {
      const t = get(stage).t.edge;
      t.resourceCountIs('Custom::S3AutoDeleteObjects', stage === 'prod' ? 0 : 3);
      // The auto-delete provider is CDK's; nothing else in this stack runs code.
      t.resourceCountIs('AWS::Lambda::Function', stage === 'prod' ? 0 : 1);
    });

    it('gives the functions the distribution address as the public base URL', () => {
      const { edge } = get(stage).stacks;
      expect(edge.resolve(edge.publicBaseUrl)).toEqual({
        'Fn::Join': [
          '',
          ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^Distribution/), 'DomainName'] }],
        ],
      });
    });
  });

  describe('ConsoleStack', () => {
    it('deploys the console build and its config.json into the Edge bucket, invalidating CloudFront', () => {
      const t = get(stage).t.console;
      t.hasResourceProperties('Custom::CDKBucketDeployment', {
        Prune: true,
        DestinationBucketName: {
          'Fn::Join': [
            '',
            [`whistle-dispatch-${stage}-console-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }],
          ],
        },
      });
      // The invalidation is its own custom resource, allowed on this one distribution only.
      const [[, invalidation]] = resources(t, 'Custom::ConsoleInvalidation') as [[string, Resource]];
      expect(JSON.stringify(invalidation.Properties)).toContain('CreateInvalidation');
      const policies = resources(t, 'AWS::IAM::Policy').flatMap(
        ([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      );
      const invalidate = policies.filter((st) =>
        asArray(st.Action).includes('cloudfront:CreateInvalidation'),
      );
      expect(invalidate).toHaveLength(1);
      expect(JSON.stringify(invalidate[0]?.Resource)).toMatch(/:distribution\//);
    });
  });

  describe('every resource', () => {
    // Each type below is asserted by a test in this file; a new type fails here until it is.
    const covered: Record<keyof WhistleApp['stacks'], string[]> = {
      data: ['AWS::DynamoDB::Table', 'AWS::SecretsManager::Secret'],
      notifications: [
        'AWS::KMS::Key',
        'AWS::SNS::Topic',
        'AWS::SNS::TopicPolicy',
        'AWS::SQS::Queue',
        'AWS::SQS::QueuePolicy',
        'AWS::Logs::LogGroup',
        'AWS::IAM::Role',
        'AWS::IAM::Policy',
        'Custom::SnsSmsAttributes',
        'AWS::Lambda::Function',
        'AWS::Lambda::EventSourceMapping',
        'AWS::Events::Rule',
        'AWS::Lambda::Permission',
        'AWS::SecretsManager::Secret',
        'AWS::CloudWatch::Alarm',
      ],
      edge: [
        'AWS::ApiGatewayV2::Api',
        'AWS::S3::Bucket',
        'AWS::S3::BucketPolicy',
        'AWS::CloudFront::Function',
        'AWS::CloudFront::ResponseHeadersPolicy',
        'AWS::CloudFront::OriginAccessControl',
        'AWS::CloudFront::Distribution',
        'Custom::S3AutoDeleteObjects',
        'AWS::Lambda::Function',
        'AWS::IAM::Role',
      ],
      workflow: [
        'AWS::Logs::LogGroup',
        'AWS::IAM::Role',
        'AWS::IAM::Policy',
        'AWS::Lambda::Function',
        'AWS::StepFunctions::StateMachine',
        'AWS::Lambda::EventSourceMapping',
        'AWS::Events::Rule',
        'AWS::Lambda::Permission',
      ],
      api: [
        'AWS::Cognito::UserPool',
        'AWS::Cognito::UserPoolClient',
        'AWS::Cognito::UserPoolGroup',
        'AWS::Logs::LogGroup',
        'AWS::IAM::Role',
        'AWS::IAM::Policy',
        'AWS::Lambda::Function',
        'AWS::ApiGatewayV2::Authorizer',
        'AWS::ApiGatewayV2::Stage',
        'AWS::ApiGatewayV2::Integration',
        'AWS::Lambda::Permission',
        'AWS::ApiGatewayV2::Route',
      ],
      observability: [
        'AWS::KMS::Key',
        'AWS::SNS::Topic',
        'AWS::SNS::TopicPolicy',
        'AWS::SNS::Subscription',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Dashboard',
      ],
      console: [
        'AWS::Lambda::LayerVersion',
        'Custom::CDKBucketDeployment',
        'Custom::ConsoleInvalidation',
        'AWS::IAM::Role',
        'AWS::IAM::Policy',
        'AWS::Lambda::Function',
      ],
    };

    it('is of a type the assertions above cover', () => {
      for (const [name, template] of Object.entries(get(stage).t)) {
        const types = new Set(
          Object.values(template.toJSON().Resources as Record<string, Resource>).map((r) => r.Type),
        );
        types.delete('AWS::CDK::Metadata');
        const allowed = covered[name as keyof WhistleApp['stacks']];
        expect(
          [...types].filter((type) => !allowed.includes(type)),
          name,
        ).toEqual([]);
      }
    });

    it('is encrypted at rest where the service allows a choice', () => {
      const all = Object.values(get(stage).t);
      for (const t of all) {
        for (const [id, q] of resources(t, 'AWS::SQS::Queue'))
          expect(q.Properties.SqsManagedSseEnabled ?? q.Properties.KmsMasterKeyId, id).toBeTruthy();
        for (const [id, topic] of resources(t, 'AWS::SNS::Topic'))
          expect(topic.Properties.KmsMasterKeyId, id).toBeTruthy();
        for (const [id, b] of resources(t, 'AWS::S3::Bucket'))
          expect(b.Properties.BucketEncryption, id).toBeTruthy();
        for (const [id, k] of resources(t, 'AWS::KMS::Key'))
          expect(k.Properties.EnableKeyRotation, id).toBe(true);
      }
    });

    it(stage === 'prod' ? 'keeps every stateful resource on delete' : 'tears stateful resources down', () => {
      const stateful = [
        'AWS::DynamoDB::Table',
        'AWS::KMS::Key',
        'AWS::SQS::Queue',
        'AWS::S3::Bucket',
        'AWS::Cognito::UserPool',
        'AWS::Logs::LogGroup',
        'AWS::SecretsManager::Secret',
      ];
      for (const [name, t] of Object.entries(get(stage).t)) {
        for (const type of stateful) {
          for (const [id, r] of resources(t, type)) {
            expect(r.DeletionPolicy, `${name} ${id}`).toBe(stage === 'prod' ? 'Retain' : 'Delete');
          }
        }
      }
    });
  });

  describe('cdk-nag AwsSolutions', () => {
    it('has no unacknowledged findings', () => {
      const report = new AwsSolutionsChecks(get(stage).app).validateScope(get(stage).app);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
        [],
      );
    });

    it('gives every acknowledgement a real reason', () => {
      const acknowledged = get(stage)
        .app.node.findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
        .flatMap((m) => Object.values(m.data as Record<string, string>));
      expect(acknowledged.length).toBeGreaterThan(0);
      for (const reason of acknowledged) expect(reason.length).toBeGreaterThan(40);
    });
  });
});

describe('stage context', () => {
  it('links to the custom console domain and caps the SMS spend when configured', () => {
    const { app, stacks } = buildApp({
      guardRules: false,
      stage: 'prod',
      definition: fixtureAsl,
      context: {
        'aws:cdk:bundling-stacks': [],
        consoleDomain: 'whistle.example.gov.cn',
        consoleCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123',
        smsMonthlySpendLimit: '300',
      },
    });
    app.synth();
    const workflow = Template.fromStack(stacks.workflow);
    // Every function that sends messages (Finish sends none and gets no address).
    const senders = resources(workflow, 'AWS::Lambda::Function').filter(
      ([, fn]) => fn.Properties.Description !== advanceEntry,
    );
    expect(senders.length).toBeGreaterThan(0);
    for (const [, fn] of senders) expect(env(fn).PUBLIC_BASE_URL).toBe('https://whistle.example.gov.cn');
    Template.fromStack(stacks.edge).hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        Aliases: ['whistle.example.gov.cn'],
        ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021' }),
      },
    });
    const [[, settings]] = resources(
      Template.fromStack(stacks.notifications),
      'Custom::SnsSmsAttributes',
    ) as [[string, Resource]];
    expect(JSON.stringify(settings.Properties.Update)).toContain('MonthlySpendLimit\\":\\"300');
  });

  it('takes an explicit public base URL over the console address', () => {
    const { app, stacks } = buildApp({
      guardRules: false,
      stage: 'dev',
      definition: fixtureAsl,
      context: { 'aws:cdk:bundling-stacks': [], publicBaseUrl: 'https://gw.example.gov.cn/whistle' },
    });
    app.synth();
    for (const stack of [stacks.workflow, stacks.api]) {
      for (const [, fn] of resources(Template.fromStack(stack), 'AWS::Lambda::Function')) {
        if (fn.Properties.Description === advanceEntry) continue;
        expect(env(fn).PUBLIC_BASE_URL).toBe('https://gw.example.gov.cn/whistle');
      }
    }
  });
});

describe('cdk-nag wiring', () => {
  it('fails the synth on an unacknowledged finding', () => {
    const { app, stacks } = buildApp({
      guardRules: false,
      stage: 'dev',
      definition: fixtureAsl,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    new sqs.Queue(stacks.notifications, 'Plaintext', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });
});
