/**
 * CDK entry: `npx cdk synth -c stage=dev|prod`. Builds the stacks, wires them and adds tags and
 * the cdk-nag AwsSolutions checks; it creates no resources itself. `buildApp` is shared with the
 * infra tests, which pass a small ASL fixture and skip bundling.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readLifecycleAsl } from '../workflows/contract';
import { type DeployStage, loadStageConfig, type StageConfig } from './config';
import { ApiStack } from './stacks/api-stack';
import { ConsoleStack } from './stacks/console-stack';
import { DataStack } from './stacks/data-stack';
import { EdgeStack, evidenceBucketName } from './stacks/edge-stack';
import { NotificationsStack } from './stacks/notifications-stack';
import { ObservabilityStack } from './stacks/observability-stack';
import { CLOUDFRONT_WAF_REGION, WafStack } from './stacks/waf-stack';
import { WorkflowStack } from './stacks/workflow-stack';

export interface BuildAppOptions {
  /** Deploy stage; defaults to the `stage` context (`-c stage=...`, cdk.json says dev). */
  stage?: DeployStage;
  /** Extra context, e.g. `{ 'aws:cdk:bundling-stacks': [] }` in tests. */
  context?: Record<string, unknown>;
  /** The lifecycle ASL; defaults to workflows/ticket-lifecycle.asl.json. */
  definition?: string;
  /**
   * Run the Control Tower guard rules at synth (default true). Template tests that assert other
   * things turn it off: cfn-guard over every template takes most of a minute on a small machine.
   */
  guardRules?: boolean;
}

export interface WhistleApp {
  app: App;
  config: StageConfig;
  stacks: {
    data: DataStack;
    notifications: NotificationsStack;
    edge: EdgeStack;
    workflow: WorkflowStack;
    api: ApiStack;
    observability: ObservabilityStack;
    console: ConsoleStack;
    waf: WafStack;
  };
}

/**
 * Deploy order (each arrow a CloudFormation export/import): Waf (us-east-1, its ARN passed on as
 * context); Data → Notifications;
 * Edge (API endpoint + CloudFront); Data, Notifications, Edge → Workflow → Api → Console;
 * Observability last. Edge comes before the functions so every link they send carries the
 * console's address (see edge-stack.ts for the cycle this avoids).
 */
export function buildApp(options: BuildAppOptions = {}): WhistleApp {
  const app = new App({
    context: {
      // Strong (Export/ImportValue) references, stated explicitly: CloudFormation then refuses to
      // delete the table or the topic while a consumer stack still uses it. Constructor context is
      // the lowest layer, so cdk.json or -c can still override it.
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
      ...options.context,
      ...(options.stage ? { stage: options.stage } : {}),
    },
  });
  const config = loadStageConfig((key) => app.node.tryGetContext(key));
  const prefix = `WhistleDispatch-${config.stage}`;
  // Env-agnostic stacks: synth needs no credentials and no lookups (offline CI).
  const base = { config };

  const data = new DataStack(app, `${prefix}-Data`, {
    ...base,
    description: 'Whistle Dispatch: ticket table',
  });
  const notifications = new NotificationsStack(app, `${prefix}-Notifications`, {
    ...base,
    description: 'Whistle Dispatch: dispatch topic, delivery DLQ, SMS settings, e-mail subscription sync',
    table: data.table,
  });
  notifications.addStackDependency(data, 'the subscription sync reads configuration and its stream');

  // CloudFront's web ACL must live in us-east-1: its own stack there, attached to the
  // distribution by the ARN passed as context (-c webAclArn=…), so the synth stays offline.
  const waf = new WafStack(app, `${prefix}-Waf`, {
    ...base,
    env: { region: CLOUDFRONT_WAF_REGION },
    description: 'Whistle Dispatch: WAF web ACL for CloudFront (managed rules, per-client rate limits)',
  });

  const edge = new EdgeStack(app, `${prefix}-Edge`, {
    ...base,
    description: 'Whistle Dispatch: HTTP API endpoint, console bucket and CloudFront distribution',
  });

  const workflow = new WorkflowStack(app, `${prefix}-Workflow`, {
    ...base,
    description: 'Whistle Dispatch: ticket lifecycle state machine and task functions',
    table: data.table,
    deadLetterQueue: notifications.deadLetterQueue,
    definition: options.definition ?? readLifecycleAsl(),
    publicBaseUrl: edge.publicBaseUrl,
    linkSecret: data.linkSecret,
    notifyQueue: notifications.notifyQueue,
  });
  workflow.addStackDependency(data, 'task functions read and write tickets');
  workflow.addStackDependency(notifications, 'task functions queue notices and park dead letters');
  workflow.addStackDependency(edge, 'links in dispatches point at the console');

  const api = new ApiStack(app, `${prefix}-Api`, {
    ...base,
    description: 'Whistle Dispatch: HTTP API routes, handlers and Cognito user pool',
    table: data.table,
    stateMachine: workflow.stateMachine,
    httpApi: edge.httpApi,
    deadLetterQueue: notifications.deadLetterQueue,
    publicBaseUrl: edge.publicBaseUrl,
    linkSecret: data.linkSecret,
    evidenceBucketName: evidenceBucketName(config.stage),
    notifyQueue: notifications.notifyQueue,
    originVerifySecret: edge.originVerifySecret,
  });
  api.addStackDependency(data, 'handlers read and write tickets and configuration');
  api.addStackDependency(workflow, 'handlers start executions and answer task tokens');
  api.addStackDependency(edge, 'routes attach to the API resource');
  api.addStackDependency(notifications, 'the urge action publishes and parks dead letters');

  const observability = new ObservabilityStack(app, `${prefix}-Observability`, {
    ...base,
    description: 'Whistle Dispatch: SLA dashboard and alarms',
    stateMachine: workflow.stateMachine,
    deadLetterQueue: notifications.deadLetterQueue,
    notifyQueue: notifications.notifyQueue,
    sender: notifications.sender.fn,
    httpApi: edge.httpApi,
  });
  observability.addStackDependency(workflow, 'alarms on lifecycle executions');
  observability.addStackDependency(notifications, 'alarm on the delivery DLQ');
  observability.addStackDependency(api, 'dashboard shows API errors');

  const consoleStack = new ConsoleStack(app, `${prefix}-Console`, {
    ...base,
    description: 'Whistle Dispatch: admin console build and sign-in configuration',
    distribution: edge.distribution,
    userPool: api.userPool,
    userPoolClient: api.userPoolClient,
  });
  consoleStack.addStackDependency(edge, 'the console goes into the Edge bucket');
  consoleStack.addStackDependency(api, 'config.json names the user pool');

  Tags.of(app).add('project', 'whistle-dispatch');
  Tags.of(app).add('stage', config.stage);
  // cdk-nag 3 is a policy-validation plugin: findings fail the synth and land in the cloud
  // assembly's validation report; acknowledgements sit next to the resources they concern.
  // The AWS Control Tower proactive controls (cfn-guard rules, run offline by the validator's own
  // binary) join it: an unacknowledged finding of either fails the synth.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  if (options.guardRules ?? true) {
    // The validator implements the beta1 plugin interface, which addPlugins runs as well.
    Validations.of(app).addPlugins(new CfnGuardValidator() as never);
    acknowledgeAppWideGuardFindings(app, config, notifications);
  }

  return {
    app,
    config,
    stacks: { data, notifications, edge, workflow, api, observability, console: consoleStack, waf },
  };
}

/**
 * Control Tower rules that no resource of this app is meant to meet, with why; the rest are
 * acknowledged next to their resources (edge-stack.ts, api-stack.ts) or fixed.
 */
function acknowledgeAppWideGuardFindings(
  app: App,
  config: StageConfig,
  notifications: NotificationsStack,
): void {
  const guard = (id: string, reason: string) => ({ id: `cdk-validator-cfnguard::${id}`, reason });
  if (config.stage !== 'prod') {
    Validations.of(app).acknowledge(
      guard(
        'cloudwatch_log_group_retention_period_check',
        'Dev keeps logs two weeks (test traffic only); prod keeps them thirteen months, past one yearly assessment.',
      ),
    );
  }
  Validations.of(app).acknowledge(
    guard(
      'lambda_inside_vpc_check',
      'No VPC: the functions call only AWS APIs (DynamoDB, Step Functions, SNS, S3, Secrets Manager) over TLS with IAM; a VPC would add NAT or interface endpoints (cost, cold starts) and protect nothing they reach.',
    ),
    guard(
      'cloudwatch_log_group_encrypted_check',
      'Log groups are encrypted at rest by CloudWatch Logs with service keys; they hold ids and statuses, never phone numbers (masked) or link codes (ids only), so a customer key would add cost and a key policy, not protection.',
    ),
    guard(
      'lambda_function_public_access_prohibited_check',
      'The only resource policies are API Gateway invoke permissions, each limited by SourceArn to this HTTP API; nothing else may invoke the functions.',
    ),
    guard(
      'kms_create_grant_aws_service_check',
      'The key policies are CDK’s default (the account administers its key) plus the service grants SNS and CloudWatch need; no principal outside the account may create grants.',
    ),
  );
  Validations.of(notifications.deadLetterQueue).acknowledge(
    guard(
      'sqs_dlq_check',
      'This queue is itself the dead-letter queue of the dispatch topic; a DLQ of a DLQ would only hide failures.',
    ),
  );
}

/** True when this file is the process entry (`tsx infra/app.ts`), not imported by a test. */
function isEntry(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  buildApp({ definition: readLifecycleAsl() }).app.synth();
}
