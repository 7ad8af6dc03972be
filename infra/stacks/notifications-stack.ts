/**
 * Outbound notifications: the dispatch topic (encrypted with our own key), the delivery DLQ, the
 * account's SMS settings, and the function that keeps e-mail subscriptions in step with the unit
 * contacts in the configuration.
 *
 * Recipients, on one topic:
 * - SMS go straight to the recipient's phone (Publish with PhoneNumber, transactional, capped by
 *   SMS_MAX_PRICE): phones are not topic subscribers, so nothing waits for a confirmation and no
 *   phone receives another unit's tickets.
 * - E-mail goes to the topic with an `email` attribute; every mailbox of the configuration has one
 *   subscription whose filter policy matches its own address, created by SyncSubscriptions (see
 *   shared/adapters/sns-subscriptions.ts) when an admin writes the configuration and once a day.
 *   Contacts are configuration data, not template data: an address subscribed from a template
 *   would get a confirmation mail at every deploy and be dropped by SNS if nobody clicks it.
 *
 * The DLQ receives what SNS cannot deliver to a mailbox (subscription redrive), what the functions
 * gave up on after their retries (SqsDeadLetters), and configuration events the sync could not
 * apply; its depth is alarmed by the observability stack.
 *
 * The notification queue (issue 14/21): tasks and actions record a notice and enqueue it; the
 * sender function drains the queue (event source mapping, MaximumConcurrency, batch item failures)
 * at the channels' rates, with the channel credentials (Alibaba/Tencent SMS keys, robot webhooks)
 * from one Secrets Manager secret. A schedule sweeps records whose queue message was lost. Alarms:
 * the oldest queued message's age (a stuck sender) and sender errors.
 */
import { CfnOutput, Duration, SecretValue, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { envNames } from '../../functions/lib/env';
import { CONFIG_PK, CONFIG_VERSION_PREFIX } from '../../shared/adapters/table-keys';
import { serviceTasks } from '../../workflows/tasks';
import type { StageConfig } from '../config';
import { AppFunction } from '../constructs/app-function';

export interface NotificationsStackProps extends StackProps {
  config: StageConfig;
  /** The configuration lives in the ticket table; its stream triggers the subscription sync. */
  table: ITable;
}

/** Account-level SMS attributes (SNS SetSMSAttributes), as the custom resource sends them. */
export function smsAttributes(config: StageConfig, deliveryStatusRoleArn: string): Record<string, string> {
  return {
    DefaultSMSType: 'Transactional',
    DeliveryStatusIAMRole: deliveryStatusRoleArn,
    DeliveryStatusSuccessSamplingRate: String(config.smsSuccessSamplingRate),
    ...(config.smsMonthlySpendLimit ? { MonthlySpendLimit: String(config.smsMonthlySpendLimit) } : {}),
  };
}

export class NotificationsStack extends Stack {
  readonly dispatchTopic: sns.Topic;
  /** Undeliverable messages and failed subscription syncs; alarmed at depth ≥ 1. */
  readonly deadLetterQueue: sqs.Queue;
  readonly smsMaxPrice: string;
  readonly syncSubscriptions: AppFunction;
  /** Recorded notifications waiting for the sender. */
  readonly notifyQueue: sqs.Queue;
  /** Gateway keys and robot webhooks (shared/adapters/channel-router.ts channelCredentialsSchema). */
  readonly channelsSecret: secretsmanager.Secret;
  readonly sender: AppFunction;

  constructor(scope: Construct, id: string, props: NotificationsStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.smsMaxPrice = config.smsMaxPrice;

    // A customer key (not alias/aws/sns) so that subscribers such as SQS or other accounts can
    // be granted decrypt, which the AWS managed SNS key never allows.
    const key = new kms.Key(this, 'DispatchKey', {
      description: `Whistle Dispatch ${config.stage}: dispatch topic encryption`,
      enableKeyRotation: true,
      removalPolicy: config.removalPolicy,
    });

    this.dispatchTopic = new sns.Topic(this, 'DispatchTopic', {
      displayName: 'Whistle Dispatch',
      masterKey: key,
      enforceSSL: true,
    });
    this.dispatchTopic.node.defaultChild?.node.addMetadata('SmsMaxPriceUsd', config.smsMaxPrice);

    this.deadLetterQueue = new sqs.Queue(this, 'DeliveryDlq', {
      // SQS-managed SSE works with SNS redrive without granting SNS a key; messages hold phone
      // numbers and ticket ids, not secrets.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: config.removalPolicy,
    });
    // SNS itself writes undeliverable messages here (subscription RedrivePolicy).
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.dispatchTopic.topicArn } },
      }),
    );
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the dispatch topic; a DLQ of a DLQ would only hide failures.',
    });

    this.smsSettings(config);
    this.syncSubscriptions = this.subscriptionSync(config, props.table);

    this.notifyQueue = new sqs.Queue(this, 'NotifyQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the sender's timeout (AWS's advice for event source mappings).
      visibilityTimeout: Duration.minutes(6),
      retentionPeriod: Duration.days(4),
      // A message that keeps failing (a record always held by a dead sender) is parked and alarmed.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 10 },
      removalPolicy: config.removalPolicy,
    });
    this.channelsSecret = new secretsmanager.Secret(this, 'ChannelCredentials', {
      description: `Whistle Dispatch ${config.stage}: SMS gateway keys and robot webhooks (JSON, see docs/notifications.md)`,
      // Empty until an operator puts the credentials (aws secretsmanager put-secret-value): SNS only.
      secretStringValue: SecretValue.unsafePlainText('{}'),
      removalPolicy: config.removalPolicy,
    });
    Validations.of(this.channelsSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Gateway access keys and robot webhook keys are issued by Alibaba/Tencent/WeCom/DingTalk consoles; no Lambda can rotate them. Operators replace the value when a key is rotated there.',
    });
    this.sender = this.notificationSender(config, props.table);

    // For operators: `aws lambda invoke --function-name <SyncSubscriptionsFunction>` re-syncs by
    // hand; the DLQ is where undelivered messages wait.
    new CfnOutput(this, 'SyncSubscriptionsFunction', { value: this.syncSubscriptions.fn.functionName });
    new CfnOutput(this, 'DispatchTopicArn', { value: this.dispatchTopic.topicArn });
    new CfnOutput(this, 'DeliveryDlqUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'ChannelCredentialsSecret', { value: this.channelsSecret.secretName });
  }

  /** The sender: drains the queue at the channels' rates; a schedule sweeps what lost its message. */
  private notificationSender(config: StageConfig, table: ITable): AppFunction {
    const fn = new AppFunction(this, 'SendNotifications', {
      entry: serviceTasks.sendNotifications.entry,
      serviceName: 'whistle-dispatch',
      logRetention: config.logRetention,
      removalPolicy: config.removalPolicy,
      memorySize: 256,
      // A batch of ten waits at most for its channels' buckets and one gateway timeout each.
      timeout: Duration.minutes(1),
      description: serviceTasks.sendNotifications.entry,
      ...(config.senderReservedConcurrency ? { reservedConcurrency: config.senderReservedConcurrency } : {}),
      environment: { [envNames.senderConcurrency]: String(config.senderConcurrency) },
    })
      .bindTable(table, 'readWrite')
      .bindTopic(this.dispatchTopic, { directSms: { maxPrice: config.smsMaxPrice } })
      .bindDeadLetters(this.deadLetterQueue)
      .bindNotifyQueue(this.notifyQueue)
      .withChannelsSecret(this.channelsSecret);
    fn.fn.addEventSource(
      new SqsEventSource(this.notifyQueue, {
        batchSize: 10,
        maxConcurrency: config.senderConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    new events.Rule(this, 'NotificationSweep', {
      description: 'Requeues recorded notifications whose queue message was lost',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(fn.fn, { retryAttempts: 2 })],
    });
    // Its alarms (queue age, errors) live with the others in the observability stack, which
    // holds the alarm topic.
    return fn;
  }

  /**
   * SMS settings are account attributes of SNS, not CloudFormation resources: a custom resource
   * calls SetSMSAttributes on every deploy. Transactional by default (the per-message attribute
   * says so too), carrier receipts logged to two log groups we create with our retention (SNS
   * would otherwise create them with none), and the monthly spend cap when one is configured.
   * One account and region hold one set: deploy dev and prod to separate accounts.
   */
  private smsSettings(config: StageConfig): void {
    const { region, account } = Stack.of(this);
    const groupName = `sns/${region}/${account}/DirectPublishToPhoneNumber`;
    const groups = [
      new LogGroup(this, 'SmsDeliveredLogs', {
        logGroupName: groupName,
        retention: config.logRetention,
        removalPolicy: config.removalPolicy,
      }),
      new LogGroup(this, 'SmsFailedLogs', {
        logGroupName: `${groupName}/Failure`,
        retention: config.logRetention,
        removalPolicy: config.removalPolicy,
      }),
    ];
    const deliveryStatusRole = new iam.Role(this, 'SmsDeliveryStatusRole', {
      assumedBy: new iam.ServicePrincipal('sns.amazonaws.com'),
      description: 'Lets SNS write SMS carrier receipts to the two delivery-status log groups',
    });
    deliveryStatusRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: groups.map((g) => g.logGroupArn),
      }),
    );

    const settings = new cr.AwsCustomResource(this, 'SmsSettings', {
      resourceType: 'Custom::SnsSmsAttributes',
      installLatestAwsSdk: false,
      onUpdate: {
        service: 'SNS',
        action: 'SetSMSAttributes',
        parameters: { attributes: smsAttributes(config, deliveryStatusRole.roleArn) },
        physicalResourceId: cr.PhysicalResourceId.of(`sms-attributes-${config.stage}`),
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        // SetSMSAttributes has no resource-level permissions.
        new iam.PolicyStatement({ actions: ['sns:SetSMSAttributes'], resources: ['*'] }),
        new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [deliveryStatusRole.roleArn] }),
      ]),
    });
    settings.node.addDependency(...groups);
    this.acknowledgeCustomResourceProvider();
  }

  private acknowledgeCustomResourceProvider(): void {
    const findings: Record<string, string> = {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        'CDK-managed AwsCustomResource provider role; the managed policy only lets it write its own logs.',
    };
    for (const child of this.node.children) {
      if (!child.node.id.startsWith('AWS679f53fac002430cb0da5b7982bd2287')) continue;
      for (const [id, reason] of Object.entries(findings)) Validations.of(child).acknowledge({ id, reason });
    }
    const policy = this.node.tryFindChild('SmsSettings')?.node.tryFindChild('CustomResourcePolicy');
    if (policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'sns:SetSMSAttributes (account-level SMS settings) has no resource-level permissions.',
      });
    }
  }

  /** The e-mail subscription sync: on configuration writes (table stream) and daily. */
  private subscriptionSync(config: StageConfig, table: ITable): AppFunction {
    const fn = new AppFunction(this, 'SyncSubscriptions', {
      entry: serviceTasks.syncSubscriptions.entry,
      serviceName: 'whistle-dispatch',
      logRetention: config.logRetention,
      removalPolicy: config.removalPolicy,
      memorySize: 256,
      // ~100 mailboxes: one list page, one attribute read each, a few changes.
      timeout: Duration.minutes(2),
      description: serviceTasks.syncSubscriptions.entry,
    }).bindTable(table, 'read');
    fn.fn.addEnvironment(envNames.topicArn, this.dispatchTopic.topicArn);
    fn.fn.addEnvironment(envNames.deadLetterQueueArn, this.deadLetterQueue.queueArn);
    fn.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sns:ListSubscriptionsByTopic', 'sns:Subscribe'],
        resources: [this.dispatchTopic.topicArn],
      }),
    );
    // Subscription ARNs are <topic ARN>:<uuid>, known only once SNS creates them.
    fn.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sns:GetSubscriptionAttributes', 'sns:SetSubscriptionAttributes', 'sns:Unsubscribe'],
        resources: [`${this.dispatchTopic.topicArn}:*`],
      }),
    );
    Validations.of(fn.fn.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.dispatchTopic.node.defaultChild as never)}>:*]`,
      reason:
        'Subscriptions of the dispatch topic only: their ARNs are <topic ARN>:<uuid>, assigned by SNS when a mailbox subscribes.',
    });

    fn.fn.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 10,
        // A sync reads the latest version whatever the batch: a few attempts, then the DLQ (alarmed).
        retryAttempts: 3,
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: [
          lambda.FilterCriteria.filter({
            // Version items only (V#…), not the latest-version pointer moved beside each of them.
            dynamodb: {
              Keys: {
                pk: { S: lambda.FilterRule.isEqual(CONFIG_PK) },
                sk: { S: lambda.FilterRule.beginsWith(CONFIG_VERSION_PREFIX) },
              },
            },
          }),
        ],
      }),
    );
    new events.Rule(this, 'DailySubscriptionSync', {
      description: 'Re-invites mailboxes whose unconfirmed subscription SNS expired, and repairs drift',
      schedule: events.Schedule.cron({ minute: '0', hour: '0' }),
      targets: [new targets.LambdaFunction(fn.fn, { retryAttempts: 2 })],
    });
    return fn;
  }
}
