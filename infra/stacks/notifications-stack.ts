/**
 * Outbound notifications: the dispatch topic (encrypted with our own key) and a dead-letter queue
 * for deliveries SNS gives up on.
 *
 * SMS settings are account attributes of SNS (SetSMSAttributes: monthly spend limit, default
 * sender, delivery-status role), not CloudFormation resources, so they cannot be deployed here.
 * The per-message cap is deployable: `smsMaxPrice` goes to the publishing functions as
 * SMS_MAX_PRICE and is sent as the AWS.SNS.SMS.MaxPrice attribute on every SMS; it is also
 * recorded in the topic's template metadata for operators.
 *
 * SMS go straight to duty phones (Publish with PhoneNumber); e-mail goes through the topic with a
 * `unitId` message attribute. Per-unit e-mail subscriptions (filter policy on `unitId`, this DLQ
 * as redrive) are not declared here: unit contacts are configuration data edited by admins, and
 * an address subscribed from a template would get a confirmation mail at every deploy and be
 * dropped by SNS 48 h later if nobody clicks it.
 */
import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';

export interface NotificationsStackProps extends StackProps {
  config: StageConfig;
}

export class NotificationsStack extends Stack {
  readonly dispatchTopic: sns.Topic;
  /**
   * Redrive target for subscriptions on the dispatch topic (pass it as `deadLetterQueue` when
   * subscribing an endpoint); alarmed at depth ≥ 1.
   */
  readonly deadLetterQueue: sqs.Queue;
  readonly smsMaxPrice: string;

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
  }
}
