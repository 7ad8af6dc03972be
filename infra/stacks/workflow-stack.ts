/**
 * The ticket lifecycle: the three task functions and the Standard state machine that runs the
 * ASL from workflows/ unchanged. The definition arrives as a string (app.ts reads the file, tests
 * pass a fixture) and CloudFormation fills its `${...}` placeholders through
 * DefinitionSubstitutions, the same keys workflows/contract.ts substitutes locally.
 */
import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { taskFunctions } from '../../functions/api/routes';
import {
  type LifecycleTask,
  type SubstitutionKey,
  substitutionKeys,
  taskFunctionBySubstitution,
} from '../../workflows/contract';
import type { StageConfig } from '../config';
import { AppFunction } from '../constructs/app-function';

export interface WorkflowStackProps extends StackProps {
  config: StageConfig;
  table: ITable;
  dispatchTopic: ITopic;
  smsMaxPrice: string;
  /** Where the tasks park messages that failed for good. */
  deadLetterQueue: IQueue;
  /** The ASL JSON with `${StartStageFunctionArn}`-style placeholders (workflows/contract.ts). */
  definition: string;
  /** Origin of the links in SMS and e-mail: the console's address (Edge stack). */
  publicBaseUrl: string;
  /** Signs the links minted with every notice. */
  linkSecret: ISecret;
  /** Notices are recorded and queued for the sender: a timer task never waits on a gateway. */
  notifyQueue: IQueue;
}

export class WorkflowStack extends Stack {
  readonly stateMachine: sfn.StateMachine;
  readonly tasks: Record<LifecycleTask, AppFunction>;

  constructor(scope: Construct, id: string, props: WorkflowStackProps) {
    super(scope, id, props);
    const { config } = props;
    assertPlaceholders(props.definition);

    const task = (name: LifecycleTask): AppFunction =>
      new AppFunction(this, pascal(name), {
        entry: taskFunctions[name],
        serviceName: 'whistle-dispatch',
        logRetention: config.logRetention,
        removalPolicy: config.removalPolicy,
        // Tasks do a few single-item writes and at most a handful of SMS publishes.
        memorySize: 256,
        timeout: Duration.seconds(30),
        ...(config.reservedConcurrency ? { reservedConcurrency: config.reservedConcurrency.tasks } : {}),
      })
        .withPublicBaseUrl(props.publicBaseUrl)
        .withLinkSecret(props.linkSecret)
        .bindTable(props.table, 'readWrite')
        .bindTopic(props.dispatchTopic, { directSms: { maxPrice: props.smsMaxPrice } })
        .bindDeadLetters(props.deadLetterQueue)
        .bindNotifyQueue(props.notifyQueue);
    this.tasks = { startStage: task('startStage'), onTimer: task('onTimer'), finish: task('finish') };

    const logGroup = new LogGroup(this, 'StateMachineLogs', {
      // Vended-logs prefix: Step Functions log delivery then needs no per-group resource policy
      // size budget (the account-wide CloudWatch Logs policy limit is 5120 characters).
      logGroupName: `/aws/vendedlogs/states/whistle-dispatch-${config.stage}-ticket-lifecycle`,
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });

    const substitutions = Object.fromEntries(
      substitutionKeys.map((key) => [key, this.tasks[taskFunctionBySubstitution[key]].fn.functionArn]),
    ) as Record<SubstitutionKey, string>;

    this.stateMachine = new sfn.StateMachine(this, 'TicketLifecycle', {
      // A fixed name lets handlers be granted StopExecution on exactly this machine's executions.
      stateMachineName: `whistle-dispatch-${config.stage}-ticket-lifecycle`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      // Inline string, not fromFile: the definition stays visible to template assertions and
      // needs no S3 asset.
      definitionBody: sfn.DefinitionBody.fromString(props.definition),
      definitionSubstitutions: substitutions,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    // A string definition gets no automatic grants. One statement naming the three unqualified
    // ARNs the ASL calls; grantInvoke would also add <arn>:* (versions, aliases) we never invoke.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: Object.values(this.tasks).map((t) => t.fn.functionArn),
      }),
    );
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by CDK for logging and tracing: CloudWatch Logs vended log delivery (logs:*LogDelivery*) and X-Ray (xray:PutTraceSegments, GetSamplingRules) only accept Resource "*".',
    });
  }
}

/** Fails the synth when the ASL and the contract disagree on placeholders. */
function assertPlaceholders(definition: string): void {
  JSON.parse(definition);
  const used = new Set([...definition.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
  const known = new Set<string>(substitutionKeys);
  const unknown = [...used].filter((k) => k !== undefined && !known.has(k));
  const unused = substitutionKeys.filter((k) => !used.has(k));
  if (unknown.length > 0 || unused.length > 0) {
    throw new Error(
      `ASL placeholders do not match workflows/contract.ts: unknown [${unknown.join(', ')}], unused [${unused.join(', ')}]`,
    );
  }
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
