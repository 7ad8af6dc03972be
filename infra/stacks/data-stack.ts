/**
 * The single table. Keys and indexes come from shared/adapters/table-design.ts, the same module
 * the local bootstrap uses to create the dynalite table, so both stores have identical shapes.
 */
import { CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  globalSecondaryIndexes,
  projectedAttributes,
  tableKeys,
  ttlAttribute,
} from '../../shared/adapters/table-design';
import type { StageConfig } from '../config';

export interface DataStackProps extends StackProps {
  config: StageConfig;
}

export class DataStack extends Stack {
  readonly table: dynamodb.Table;
  /** HMAC key of the signed links in messages (shared/use-cases/links.ts), read at cold start. */
  readonly linkSecret: secretsmanager.Secret;

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
  }
}
