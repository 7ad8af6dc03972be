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
import { apiFunctions, routes, taskFunctions } from '../../functions/api/routes';
import { buildApp, type WhistleApp } from '../../infra/app';
import type { DeployStage } from '../../infra/config';
import { apiPathPatterns } from '../../infra/stacks/console-stack';
import { globalSecondaryIndexes, tableKeys } from '../../shared/adapters/table-design';
import { roles } from '../../shared/domain/model';
import { substituteAsl, substitutionKeys, taskFunctionBySubstitution } from '../../workflows/contract';

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
    StartAt: 'StartStage',
    States: {
      StartStage: task('start', 'StartStageFunctionArn', 'OnTimer'),
      OnTimer: task('timer', 'OnTimerFunctionArn', 'Finish'),
      Finish: task('finish', 'FinishFunctionArn'),
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

function build(stage: DeployStage): Built {
  const built = buildApp({
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
      ...Object.values(taskFunctions).map((e) => [get(stage).t.workflow, e] as const),
      ...Object.values(apiFunctions).map((e) => [get(stage).t.api, e] as const),
    ];

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

    it('grant "*" only to actions that have no resource-level permissions', () => {
      for (const [template, entry] of all()) {
        const [, fn] = fnByEntry(template, entry);
        const onStar = statementsOf(template, roleRef(fn)).filter((s) => s.Resource === '*');
        for (const action of actionsOf(onStar)) {
          expect(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'sns:Publish'], entry).toContain(
            action,
          );
        }
        expect(template.toJSON().Resources[roleRef(fn)].Properties.ManagedPolicyArns, entry).toBeUndefined();
      }
    });

    it('task functions read/write the table and publish dispatches', () => {
      const t = get(stage).t.workflow;
      for (const entry of Object.values(taskFunctions)) {
        const [, fn] = fnByEntry(t, entry);
        expect(Object.keys(env(fn))).toEqual(
          expect.arrayContaining(['TABLE_NAME', 'DISPATCH_TOPIC_ARN', 'SMS_MAX_PRICE']),
        );
        const actions = actionsOf(statementsOf(t, roleRef(fn)));
        expect(actions).toEqual(
          expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:Query', 'sns:Publish']),
        );
        expect(actions.some((a) => a.startsWith('states:'))).toBe(false);
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
        ]),
      );

      const queries = access(apiFunctions.queries);
      expect(queries.env).toContain('TABLE_NAME');
      expect(queries.env).not.toContain('STATE_MACHINE_ARN');
      expect(queries.actions).toContain('dynamodb:Query');
      expect(queries.actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);

      expect(access(apiFunctions.adminConfig).actions).toContain('dynamodb:PutItem');
      const open311 = access(apiFunctions.open311);
      expect(open311.actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'states:StartExecution']));
      // It verifies the api_key token itself against the pool.
      expect(open311.env).toEqual(expect.arrayContaining(['TOKEN_ISSUER', 'TOKEN_AUDIENCE']));

      const service = access(apiFunctions.service);
      expect(service.env).not.toContain('TABLE_NAME');
      expect(service.actions.filter((a) => /^(dynamodb|states|sns):/.test(a))).toEqual([]);
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

    it('deploys the input definition unchanged, substituted with the three task function ARNs', () => {
      const { workflow } = get(stage).stacks;
      const props = stateMachine().Properties;
      expect(props.DefinitionString).toBe(fixtureAsl);
      const substitutions = props.DefinitionSubstitutions as Record<
        string,
        { 'Fn::GetAtt': [string, string] }
      >;
      expect(Object.keys(substitutions).sort()).toEqual([...substitutionKeys].sort());
      for (const key of substitutionKeys) {
        const fn = workflow.tasks[taskFunctionBySubstitution[key]].fn;
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

    it('lets the state machine invoke exactly the three task functions and nothing else', () => {
      const t = get(stage).t.workflow;
      const roleId = (stateMachine().Properties.RoleArn as { 'Fn::GetAtt': [string, string] })[
        'Fn::GetAtt'
      ][0];
      const statements = statementsOf(t, roleId);
      const lambdaStatements = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('lambda:')));
      expect(lambdaStatements).toHaveLength(1);
      expect(lambdaStatements[0]!.Action).toBe('lambda:InvokeFunction');
      const taskFnIds = Object.values(taskFunctions).map((entry) => fnByEntry(t, entry)[0]);
      expect(asArray(lambdaStatements[0]!.Resource)).toEqual(
        expect.arrayContaining(taskFnIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }))),
      );
      expect(asArray(lambdaStatements[0]!.Resource)).toHaveLength(3);
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
        MfaConfiguration: 'OPTIONAL',
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
      t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
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

  describe('ConsoleStack', () => {
    it('keeps the site bucket private, TLS-only and access-logged', () => {
      get(stage).t.console.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue() },
      });
    });

    it('serves it through CloudFront with origin access control, HTTPS and security headers', () => {
      const t = get(stage).t.console;
      t.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
        OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
      });
      t.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: {
          DefaultRootObject: 'index.html',
          DefaultCacheBehavior: {
            ViewerProtocolPolicy: 'redirect-to-https',
            ResponseHeadersPolicyId: Match.anyValue(),
          },
          Origins: Match.arrayWith([
            Match.objectLike({ OriginAccessControlId: { 'Fn::GetAtt': [Match.anyValue(), 'Id'] } }),
          ]),
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
    });

    it('forwards every API path to the HTTP API, uncached', () => {
      const [[, distribution]] = resources(get(stage).t.console, 'AWS::CloudFront::Distribution') as [
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

    it('deploys the console build and its config.json', () => {
      get(stage).t.console.hasResourceProperties('Custom::CDKBucketDeployment', {
        Prune: true,
        DistributionPaths: ['/*'],
      });
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

describe('cdk-nag wiring', () => {
  it('fails the synth on an unacknowledged finding', () => {
    const { app, stacks } = buildApp({
      stage: 'dev',
      definition: fixtureAsl,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    new sqs.Queue(stacks.notifications, 'Plaintext', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });
});
