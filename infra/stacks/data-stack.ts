/**
 * The single table. Keys and indexes come from shared/adapters/table-design.ts, the same module
 * the local bootstrap uses to create the dynalite table, so both stores have identical shapes.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { envNames } from '../../functions/lib/env';
import {
  globalSecondaryIndexes,
  projectedAttributes,
  tableKeys,
  ttlAttribute,
} from '../../shared/adapters/table-design';
import { serviceTasks } from '../../workflows/tasks';
import type { StageConfig } from '../config';
import { AppFunction } from '../constructs/app-function';

export interface DataStackProps extends StackProps {
  config: StageConfig;
}

export class DataStack extends Stack {
  readonly table: dynamodb.Table;
  /** HMAC key of the signed links in messages (shared/use-cases/links.ts), read at cold start. */
  readonly linkSecret: secretsmanager.Secret;
  /** Tickets TTL removed from the table, with their timeline, breaches and notices. */
  readonly archiveBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: tableKeys.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableKeys.sortKey, type: dynamodb.AttributeType.STRING },
      // Traffic follows office hours and incident spikes; on-demand costs nothing at night.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS-owned-by-account key (aws/dynamodb) keeps encryption at rest auditable in KMS
      // without the monthly fee and key policy of a customer key nobody else needs to use.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: config.deletionProtection,
      removalPolicy: config.removalPolicy,
      // Old and new images: the pending sender (workflow stack) sends what a ticket write added to
      // its pending starts and signals; the e-mail subscription sync only looks at configuration
      // keys. Lambda's stream polling costs nothing.
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      // Closed tickets leave after their retention; the archiver keeps them in S3 (issue 16).
      timeToLiveAttribute: ttlAttribute,
    });

    // For operators: infra/ops/load-config.ts --table <TableName>.
    new CfnOutput(this, 'TableName', { value: this.table.tableName });

    // Generated once and kept: every link already sent stays valid until it expires by itself.
    this.linkSecret = new secretsmanager.Secret(this, 'LinkSecret', {
      description: `Whistle Dispatch ${config.stage}: HMAC key of the signed links in SMS and e-mail`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: config.removalPolicy,
    });
    Validations.of(this.linkSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Not rotated automatically: rotation would void every link in messages already sent; links expire on their own and the key is rotated by hand (redeploy with a new secret value) if it leaks.',
    });

    for (const gsi of globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: { name: gsi.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: gsi.sortKey, type: dynamodb.AttributeType.STRING },
        // Only what list paths read from the index itself (table-design.ts): a ticket's record is
        // read from the table, so most ticket writes touch no index (issue 16: WRU and storage).
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...projectedAttributes],
      });
    }

    this.archiveBucket = this.archive(config);
  }

  /**
   * Closed tickets leave the table by TTL after their retention (CLOSED_RETENTION_DAYS on the
   * ticket record's `expiresAt`); the deletion reaches the archiver through the stream, which
   * writes the ticket with its timeline, breaches and notices to S3 and removes the rest of it.
   */
  private archive(config: StageConfig): s3.Bucket {
    const destroy = config.removalPolicy === RemovalPolicy.DESTROY;
    const logs = new s3.Bucket(this, 'ArchiveLogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(config.stage === 'prod' ? 400 : 30) }],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: destroy,
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the archive; logging it into itself would loop.',
    });
    const bucket = new s3.Bucket(this, 'ArchiveBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // The archive is the record of closed cases: every version kept, an overwrite never loses one.
      versioned: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'archive-bucket/',
      lifecycleRules: [
        // Rarely read after closing: infrequent access after a month, Glacier after a year.
        {
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(365) },
          ],
          noncurrentVersionExpiration: Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: destroy,
    });

    const fn = new AppFunction(this, 'ArchiveExpired', {
      entry: serviceTasks.archiveExpired.entry,
      serviceName: 'whistle-dispatch',
      logRetention: config.logRetention,
      removalPolicy: config.removalPolicy,
      memorySize: 256,
      timeout: Duration.seconds(60),
    }).bindTable(this.table, 'readWrite');
    fn.fn.addEnvironment(envNames.archiveBucket, bucket.bucketName);
    // PutObject only (grantPut would add s3:Abort*): the archiver never reads or deletes objects.
    fn.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects('tickets/*')] }),
    );
    Validations.of(fn.fn.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::<ArchiveBucket9DECBF5D.Arn>/tickets/*]',
      reason:
        'Objects are named by the expired ticket (tickets/<year>/<month>/<id>.json): Put only, under that prefix of the one archive bucket.',
    });
    fn.fn.addEventSource(
      new DynamoEventSource(this.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 25,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 20,
        maxRecordAge: Duration.hours(24),
        // TTL deletions of ticket records only: a user's delete is not an expiry.
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('REMOVE'),
            userIdentity: {
              type: lambda.FilterRule.isEqual('Service'),
              principalId: lambda.FilterRule.isEqual('dynamodb.amazonaws.com'),
            },
            dynamodb: { Keys: { sk: { S: lambda.FilterRule.isEqual('T') } } },
          }),
        ],
      }),
    );
    const guard = (id: string, reason: string) => ({ id: `cdk-validator-cfnguard::${id}`, reason });
    Validations.of(bucket).acknowledge(
      guard(
        's3_bucket_default_encryption_kms_check',
        'SSE-S3 (AES-256): the archive is read by operators with the account’s own roles; a customer key adds cost and a key policy to keep in step.',
      ),
      guard(
        's3_event_notifications_enabled_check',
        'No process reacts to archived tickets; nothing to notify.',
      ),
      guard(
        's3_bucket_object_lock_enabled_check',
        'Versioning keeps every archived object; Object Lock would stop a dev stack from being torn down and is a per-deployment retention decision (docs/operations.md).',
      ),
    );
    Validations.of(logs).acknowledge(
      guard('s3_bucket_default_encryption_kms_check', 'SSE-S3: access logs hold request metadata only.'),
      guard(
        's3_bucket_logging_enabled_check',
        'This is the access-log bucket; logging it into itself would loop.',
      ),
      guard(
        's3_bucket_versioning_enabled_check',
        'Access logs are written once and expire by lifecycle; versions would only keep deleted logs longer.',
      ),
      guard(
        's3_bucket_object_lock_enabled_check',
        'Access logs expire by lifecycle, which Object Lock would block.',
      ),
      guard(
        's3_event_notifications_enabled_check',
        'No process reacts to new access-log files; nothing to notify.',
      ),
    );
    new CfnOutput(this, 'ArchiveBucketName', { value: bucket.bucketName });
    return bucket;
  }
}
