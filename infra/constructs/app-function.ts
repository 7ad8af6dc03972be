/**
 * The one place that holds Lambda defaults. Stacks only say which entry file a function runs and
 * what it may touch; the bind* helpers grant access and set the matching environment variable in
 * the same call, so a function can never have a TABLE_NAME it is not allowed to read (or the other
 * way round). Variable names come from functions/lib/env.ts, the module that reads them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, Aws, Duration, type RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { envNames } from '../../functions/lib/env';
import { globalSecondaryIndexes } from '../../shared/adapters/table-design';
import { metricsNamespace, repoRoot } from '../config';
import { aliasArgs, esmRequireBanner } from './bundling';

export interface AppFunctionProps {
  /** Entry file relative to the repository root, as listed in functions/api/routes.ts. */
  entry: string;
  /** Powertools service name: the `service` key of every log line and metric. */
  serviceName: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  description?: string;
  /** API handlers get 512 MB (invoke CPU scales with memory, T3); workflow tasks need less. */
  memorySize?: number;
  timeout?: Duration;
  environment?: Record<string, string>;
  /** Concurrent executions kept for (and limited to) this function. */
  reservedConcurrency?: number;
}

export type TableAccess = 'read' | 'readWrite';

export interface StateMachineAccess {
  /** states:StartExecution (intake, re-attach after a restart). */
  start?: boolean;
  /** states:SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat (acknowledge, resolve, ...). */
  respond?: boolean;
  /** states:StopExecution on this machine's executions (cancel, a repair's old generation). */
  stop?: boolean;
  /** states:DescribeExecution and RedriveExecution on this machine's executions (the clock audit and repairs). */
  inspect?: boolean;
}

const tableReadActions = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const tableWriteActions = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

export class AppFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);

    // An explicit log group (instead of the implicit /aws/lambda/<name>) carries the retention
    // and removal policy and lets the role write to exactly this group.
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    // Our own role: the default one attaches the AWSLambdaBasicExecutionRole managed policy,
    // which allows writing to any log group in the account.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.entry}`,
    });
    this.logGroup.grantWrite(role);

    const common = {
      description: props.description ?? props.entry,
      role,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      ...(props.reservedConcurrency ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    } satisfies Partial<lambda.FunctionProps>;

    const entry = join(repoRoot, props.entry);
    if (!existsSync(entry) && !Stack.of(this).bundlingRequired) {
      // Template tests skip bundling (aws:cdk:bundling-stacks = []), and NodejsFunction would
      // still insist that the entry exists. A stub keeps the infra tests independent of the
      // handlers; a real synth or deploy bundles, so a missing entry fails there as it should.
      this.fn = new NodejsFunction(this, 'Function', {
        ...common,
        code: lambda.Code.fromInline('export const handler = async () => { throw new Error("stub"); };'),
        handler: 'index.handler',
      });
    } else {
      this.fn = new NodejsFunction(this, 'Function', {
        ...common,
        entry,
        projectRoot: repoRoot,
        depsLockFilePath: join(repoRoot, 'package-lock.json'),
        bundling: {
          minify: true,
          sourceMap: true,
          sourceMapMode: SourceMapMode.DEFAULT,
          // Source text inside the map only bloats the zip; stack traces need names and lines.
          sourcesContent: false,
          format: OutputFormat.ESM,
          banner: esmRequireBanner,
          target: 'node22',
          mainFields: ['module', 'main'],
          // Bundled, tree-shaken SDK clients cold-start faster than the runtime's full copy and
          // pin the version we test against (the bench measures this).
          bundleAwsSDK: true,
          // meta.json next to the bundle: the bench and CI read it to enforce the size budget (T2).
          metafile: true,
          // The credential chain cut to the environment link Lambda uses (./bundling.ts).
          esbuildArgs: aliasArgs(),
        },
      });
    }

    // One finding id covers every "*" statement of the role, so the reason names all of them;
    // test/infra asserts that no other action is ever granted on "*".
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only actions without resource-level permissions are on "*": X-Ray PutTraceSegments/PutTelemetryRecords (active tracing), sns:Publish to phone numbers for functions bound with directSms (an SMS has no ARN; the statement is limited to this region and a Deny forbids every topic or endpoint but the dispatch topic), and dynamodb:ListStreams for the stream consumer (CDK grant; the action has no resource ARN).',
    });
    // Lambda's newest Node runtime is 24; we pin 22 on purpose.
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x for parity with the local runtime (node_modules/.bin/node is Node 22) and the esbuild target; upgrade both together.',
    });
  }

  /**
   * Grants data access to the table and the design's four GSIs and sets TABLE_NAME. Written out
   * instead of table.grant*Data: those add stream reads and `<table>/index/*`, while the index
   * names are known (shared/adapters/table-design.ts), so no wildcard is needed.
   */
  bindTable(table: ITable, access: TableAccess): this {
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: access === 'read' ? tableReadActions : [...tableReadActions, ...tableWriteActions],
        resources: [
          table.tableArn,
          ...globalSecondaryIndexes.map((i) => `${table.tableArn}/index/${i.indexName}`),
        ],
      }),
    );
    this.fn.addEnvironment(envNames.tableName, table.tableName);
    return this;
  }

  /**
   * For the lifecycle's own task functions, which the state machine's definition names (so they
   * cannot reference the machine back without a cycle): answers the task tokens they hold, by the
   * machine's fixed name. The callback task completes its own wait when the party already moved
   * on; the catch-all re-arms what its flag moved.
   */
  bindOwnStateMachine(stateMachineName: string): this {
    const stack = Stack.of(this);
    const arn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      resourceName: stateMachineName,
    });
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: [arn],
      }),
    );
    this.fn.addEnvironment(envNames.stateMachineArn, arn);
    return this;
  }

  /**
   * Grants the chosen Step Functions actions on the machine and sets STATE_MACHINE_ARN.
   * `stop` needs a machine with a fixed name: StopExecution acts on execution ARNs, which are
   * `execution:<machine name>:<execution name>`.
   */
  bindStateMachine(stateMachine: sfn.StateMachine, access: StateMachineAccess): this {
    if (access.start) stateMachine.grantStartExecution(this.fn);
    if (access.respond) stateMachine.grantTaskResponse(this.fn);
    const executionActions = [
      ...(access.stop ? ['states:StopExecution'] : []),
      ...(access.inspect ? ['states:DescribeExecution', 'states:RedriveExecution'] : []),
    ];
    if (executionActions.length > 0) {
      const name = (stateMachine.node.defaultChild as sfn.CfnStateMachine).stateMachineName;
      if (name === undefined || Token.isUnresolved(name)) {
        throw new Error(
          `${stateMachine.node.path}: give the state machine a fixed stateMachineName to scope execution grants`,
        );
      }
      const executions = Stack.of(this).formatArn({
        service: 'states',
        resource: 'execution',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        resourceName: `${name}:*`,
      });
      this.fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: executionActions, resources: [executions] }),
      );
      Validations.of(this.fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${name}:*]`,
        reason:
          'Execution-level actions (stop on cancel or repair, describe and redrive for the clock audit) target executions of this one state machine; execution names (ticket-<id>-<generation>) are only known at run time.',
      });
    }
    this.fn.addEnvironment(envNames.stateMachineArn, stateMachine.stateMachineArn);
    return this;
  }

  /**
   * Grants sns:Publish on the dispatch topic (and use of its KMS key) and sets DISPATCH_TOPIC_ARN.
   * With `directSms`, also allows Publish to phone numbers: per-unit duty phones are not topic
   * subscribers (they would need confirmation and would receive every ticket), and an SMS
   * Publish has no resource ARN to scope.
   */
  bindTopic(topic: ITopic, options: { directSms?: { maxPrice: string } } = {}): this {
    topic.grantPublish(this.fn);
    this.fn.addEnvironment(envNames.topicArn, topic.topicArn);
    // grantPublish also grants use of the topic's KMS key, as GenerateDataKey* (CDK's shape).
    Validations.of(this.fn.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Publishing to an SSE-KMS topic needs kms:GenerateDataKey on its one key; the wildcard only covers the GenerateDataKey variants.',
    });
    if (options.directSms) {
      // An SMS Publish names a phone number, not a resource: the Allow must be on "*". It is kept
      // to this region, and the Deny takes back every ARN (another topic, a platform endpoint, a
      // topic of another account) but the dispatch topic: only requests that carry a resource
      // account are ARN publishes, so a phone-number publish is untouched by it.
      this.fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'PublishSmsToPhoneNumbers',
          actions: ['sns:Publish'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:RequestedRegion': Aws.REGION } },
        }),
      );
      this.fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'NoPublishToOtherTopics',
          effect: iam.Effect.DENY,
          actions: ['sns:Publish'],
          notResources: [topic.topicArn],
          conditions: { Null: { 'aws:ResourceAccount': 'false' } },
        }),
      );
      // The adapter passes it as the AWS.SNS.SMS.MaxPrice message attribute on every SMS.
      this.fn.addEnvironment(envNames.smsMaxPrice, options.directSms.maxPrice);
    }
    return this;
  }

  /**
   * Lets the function park undeliverable messages on the delivery DLQ (sqs:SendMessage on that one
   * queue, SQS-managed encryption: no key grant) and sets DEAD_LETTER_QUEUE_URL.
   */
  bindDeadLetters(queue: IQueue): this {
    queue.grantSendMessages(this.fn);
    this.fn.addEnvironment(envNames.deadLetterQueueUrl, queue.queueUrl);
    return this;
  }

  /**
   * Lets the function hand recorded notifications to the sender's queue (sqs:SendMessage on that
   * queue, SQS-managed encryption: no key grant) and sets NOTIFY_QUEUE_URL.
   */
  bindNotifyQueue(queue: IQueue): this {
    queue.grantSendMessages(this.fn);
    this.fn.addEnvironment(envNames.notifyQueueUrl, queue.queueUrl);
    return this;
  }

  /**
   * The channel credentials (gateway keys, robot webhooks): secretsmanager:GetSecretValue on that
   * one secret, read once per container, and CHANNELS_SECRET_ARN. Unlike the link secret it is not
   * resolved into the environment: rotating a gateway key needs no deploy.
   */
  withChannelsSecret(secret: ISecret): this {
    secret.grantRead(this.fn);
    this.fn.addEnvironment(envNames.channelsSecretArn, secret.secretArn);
    return this;
  }

  /**
   * The header value CloudFront adds to API requests (the Edge stack's secret): read access to the
   * one secret and ORIGIN_VERIFY_SECRET_ARN; the function refuses requests without it
   * (functions/lib/origin-verify.ts).
   */
  withOriginVerify(secret: ISecret): this {
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    this.fn.addEnvironment(envNames.originVerifySecretArn, secret.secretArn);
    return this;
  }

  /**
   * The HMAC key of signed links: read access to the one secret and LINK_SECRET_ARN. The function
   * reads it once at cold start (functions/lib/deps.ts); the value never enters the function's
   * configuration, where anyone who may read the function would see it.
   */
  withLinkSecret(secret: ISecret): this {
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    this.fn.addEnvironment(envNames.linkSecretArn, secret.secretArn);
    return this;
  }

  /**
   * Presigned PUT and GET of resolution photos: s3:PutObject/GetObject under `evidence/` of the
   * bucket named `bucketName` (by name, see edge-stack.ts), and EVIDENCE_BUCKET. The bucket
   * refuses a PUT without `If-None-Match: *`, so a photo once written cannot be replaced.
   */
  bindEvidence(bucketName: string): this {
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [`arn:${Aws.PARTITION}:s3:::${bucketName}/evidence/*`],
      }),
    );
    this.fn.addEnvironment(envNames.evidenceBucket, bucketName);
    return this;
  }

  /** The origin of links in the messages this function sends (the console's address). */
  withPublicBaseUrl(url: string): this {
    this.fn.addEnvironment(envNames.publicBaseUrl, url);
    return this;
  }
}
