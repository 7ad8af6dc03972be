/**
 * The single table. Keys and indexes come from shared/adapters/table-design.ts, the same module
 * the local bootstrap uses to create the dynalite table, so both stores have identical shapes.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { globalSecondaryIndexes, tableKeys } from '../../shared/adapters/table-design';
import type { StageConfig } from '../config';

export interface DataStackProps extends StackProps {
  config: StageConfig;
}

export class DataStack extends Stack {
  readonly table: dynamodb.Table;

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
    });

    for (const gsi of globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: { name: gsi.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: gsi.sortKey, type: dynamodb.AttributeType.STRING },
        // Lists render whole rows (board, breaches, notifications): ALL avoids a second read per item.
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}
