/** The DataStack assertions of one stage (run by test/infra/app.test.ts over its one synth). */
import { describe, expect, it } from 'vitest';
import type { DeployStage } from '../../../infra/config';
import {
  globalSecondaryIndexes,
  projectedAttributes,
  tableKeys,
  ttlAttribute,
} from '../../../shared/adapters/table-design';
import { get, type Resource, resources } from './synth';

export function dataStack(stage: DeployStage): void {
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

    it('creates the four GSIs of table-design.ts, projecting only what lists read, all keys strings', () => {
      const [[, table]] = resources(get(stage).t.data, 'AWS::DynamoDB::Table') as [[string, Resource]];
      const gsis = table.Properties.GlobalSecondaryIndexes as Record<string, unknown>[];
      expect(gsis).toEqual(
        globalSecondaryIndexes.map((g) => ({
          IndexName: g.indexName,
          KeySchema: [
            { AttributeName: g.partitionKey, KeyType: 'HASH' },
            { AttributeName: g.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projectedAttributes] },
        })),
      );
      const attributes = table.Properties.AttributeDefinitions as { AttributeType: string }[];
      expect(attributes).toHaveLength(2 + 2 * globalSecondaryIndexes.length);
      expect(attributes.every((a) => a.AttributeType === 'S')).toBe(true);
    });

    it('expires closed tickets by TTL (the archiver keeps them)', () => {
      get(stage).t.data.hasResourceProperties('AWS::DynamoDB::Table', {
        TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
      });
    });

    it('archives TTL removals of ticket records to a versioned, encrypted bucket with a lifecycle', () => {
      const data = get(stage).t.data;
      const archive = resources(data, 'AWS::S3::Bucket')
        .map(([, b]) => b.Properties)
        .find(
          (p) =>
            (p.LoggingConfiguration as { LogFilePrefix?: string } | undefined)?.LogFilePrefix ===
            'archive-bucket/',
        );
      expect(archive?.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(JSON.stringify(archive?.BucketEncryption)).toContain('AES256');
      const lifecycle = archive?.LifecycleConfiguration as { Rules: unknown[] } | undefined;
      expect(lifecycle?.Rules.length).toBeGreaterThan(0);
      const [[, mapping]] = resources(data, 'AWS::Lambda::EventSourceMapping') as [[string, Resource]];
      const pattern = JSON.parse(
        (mapping.Properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters[0]?.Pattern ?? '{}',
      );
      expect(pattern).toEqual({
        eventName: ['REMOVE'],
        userIdentity: { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] },
        dynamodb: { Keys: { sk: { S: ['T'] } } },
      });
    });

    it('generates the signed-link key once, in Secrets Manager', () => {
      get(stage).t.data.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      });
    });

    it('streams old and new images: the pending sender compares them, the subscription sync hears configuration', () => {
      get(stage).t.data.hasResourceProperties('AWS::DynamoDB::Table', {
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      });
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
}
