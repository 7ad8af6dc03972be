/**
 * The ticket lifecycle: the three task functions and the Standard state machine that runs the
 * ASL from workflows/ unchanged. The definition arrives as a string (app.ts reads the file, tests
 * pass a fixture) and CloudFormation fills its `${...}` placeholders through
 * DefinitionSubstitutions, the same keys workflows/contract.ts substitutes locally.
 */
import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { type SubstitutionKey, substitutionKeys } from '../../workflows/contract';
import { type LifecycleTask, lifecycleTasks, serviceTasks, taskBySubstitution } from '../../workflows/tasks';
import type { StageConfig } from '../config';
import { AppFunction } from '../constructs/app-function';

export interface WorkflowStackProps extends StackProps {
  config: StageConfig;
  table: ITable;
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
  /** Sends the starts and signals ticket writes leave pending (the table's stream). */
  readonly sendPending: AppFunction;
  /** The clock audit and its repairs: on a schedule and on every failed execution. */
  readonly reconcile: AppFunction;

  constructor(scope: Construct, id: string, props: WorkflowStackProps) {
    super(scope, id, props);
    const { config } = props;
    assertPlaceholders(props.definition);

    // A fixed name lets handlers be granted execution-level actions on exactly this machine, and
    // its own tasks answer their tokens without a dependency cycle.
    const stateMachineName = `whistle-dispatch-${config.stage}-ticket-lifecycle`;
    const task = (name: LifecycleTask): AppFunction =>
      new AppFunction(this, pascal(name), {
        entry: lifecycleTasks[name].entry,
        serviceName: 'whistle-dispatch',
        logRetention: config.logRetention,
        removalPolicy: config.removalPolicy,
        // Tasks do a few single-item writes and at most a handful of SMS publishes.
        memorySize: 256,
        timeout: Duration.seconds(30),
        ...(config.taskConcurrency ? { reservedConcurrency: config.taskConcurrency } : {}),
      }).bindOwnStateMachine(stateMachineName);
    // Each task only what it uses: AwaitParty, OnTimer and ClockFailed write tickets and record
    // notices with links (queued for the sender, which alone publishes); Advance only reads the
    // record to plan the next step.
    const notifying = (f: AppFunction): AppFunction =>
      f
        .withPublicBaseUrl(props.publicBaseUrl)
        .withLinkSecret(props.linkSecret)
        .bindTable(props.table, 'readWrite')
        .bindDeadLetters(props.deadLetterQueue)
        .bindNotifyQueue(props.notifyQueue);
    this.tasks = {
      awaitParty: notifying(task('awaitParty')),
      onTimer: notifying(task('onTimer')),
      advance: task('advance').bindTable(props.table, 'read'),
      clockFailed: notifying(task('clockFailed')),
    };

    const logGroup = new LogGroup(this, 'StateMachineLogs', {
      // Vended-logs prefix: Step Functions log delivery then needs no per-group resource policy
      // size budget (the account-wide CloudWatch Logs policy limit is 5120 characters).
      logGroupName: `/aws/vendedlogs/states/whistle-dispatch-${config.stage}-ticket-lifecycle`,
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });

    const substitutions = Object.fromEntries(
      substitutionKeys.map((key) => [key, this.tasks[taskBySubstitution[key]].fn.functionArn]),
    ) as Record<SubstitutionKey, string>;

    this.stateMachine = new sfn.StateMachine(this, 'TicketLifecycle', {
      stateMachineName,
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
    this.sendPending = this.pendingSender(props);
    this.reconcile = this.reconciler(props);

    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by CDK for logging and tracing: CloudWatch Logs vended log delivery (logs:*LogDelivery*) and X-Ray (xray:PutTraceSegments, GetSamplingRules) only accept Resource "*".',
    });
  }

  private serviceTask(name: 'sendPending' | 'reconcile', props: WorkflowStackProps, timeout: Duration) {
    return new AppFunction(this, pascal(name), {
      entry: serviceTasks[name].entry,
      serviceName: 'whistle-dispatch',
      logRetention: props.config.logRetention,
      removalPolicy: props.config.removalPolicy,
      memorySize: 256,
      timeout,
    }).withPublicBaseUrl(props.publicBaseUrl);
  }

  /**
   * The safety net under every start and signal: ticket writes reach it through the table's
   * stream with old and new images, and what a write left pending is sent again if the inline
   * call after the write was lost. Failed records are retried in order, then parked on the DLQ.
   * It writes too: what a writer left owing to the board counters and daily aggregates is settled
   * here (functions/tasks/send-pending.ts).
   */
  private pendingSender(props: WorkflowStackProps): AppFunction {
    const fn = this.serviceTask('sendPending', props, Duration.seconds(60))
      .bindTable(props.table, 'readWrite')
      .bindStateMachine(this.stateMachine, { start: true, respond: true });
    fn.fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 50,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 20,
        maxRecordAge: Duration.hours(6),
        onFailure: new SqsDlq(props.deadLetterQueue),
        // Ticket items only (sk = T): configuration, notices and links never owe the engine anything.
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: { Keys: { sk: { S: lambda.FilterRule.isEqual('T') } } },
          }),
        ],
      }),
    );
    return fn;
  }

  /**
   * The reconciler: every few minutes over the due index, and at once for an execution that
   * failed, timed out or was aborted. It may stop an old generation, start or redrive one, and
   * write the repair into the ticket.
   */
  private reconciler(props: WorkflowStackProps): AppFunction {
    const fn = this.serviceTask('reconcile', props, Duration.minutes(5))
      .bindTable(props.table, 'readWrite')
      .bindStateMachine(this.stateMachine, { start: true, respond: true, stop: true, inspect: true });
    new events.Rule(this, 'ReconcileSchedule', {
      description: 'Clock audit: tickets whose next SLA instant passed without an event are repaired',
      schedule: events.Schedule.rate(Duration.minutes(props.config.reconcileEveryMinutes)),
      targets: [new targets.LambdaFunction(fn.fn, { retryAttempts: 2 })],
    });
    new events.Rule(this, 'ReconcileOnExecutionEnd', {
      description: 'A lifecycle execution failed, timed out or was aborted: restart its ticket clock',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [this.stateMachine.stateMachineArn],
        },
      },
      targets: [new targets.LambdaFunction(fn.fn, { retryAttempts: 4 })],
    });
    return fn;
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
