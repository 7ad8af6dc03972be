/** The every resource assertions of one stage (run by test/infra/app.test.ts over its one synth). */
import { describe, expect, it } from 'vitest';
import type { WhistleApp } from '../../../infra/app';
import type { DeployStage } from '../../../infra/config';
import { get, type Resource, resources } from './synth';

export function everyResource(stage: DeployStage): void {
  describe('every resource', () => {
    // Each type below is asserted by a test in this file; a new type fails here until it is.
    const covered: Record<keyof WhistleApp['stacks'], string[]> = {
      data: [
        'AWS::DynamoDB::Table',
        'AWS::SecretsManager::Secret',
        // The archive (data.ts: 'archives TTL removals …') and its archiver (functions.ts).
        'AWS::S3::Bucket',
        'AWS::S3::BucketPolicy',
        'Custom::S3AutoDeleteObjects',
        'AWS::Lambda::Function',
        'AWS::IAM::Role',
        'AWS::IAM::Policy',
        'AWS::Logs::LogGroup',
        'AWS::Lambda::EventSourceMapping',
      ],
      notifications: [
        'AWS::KMS::Key',
        'AWS::SNS::Topic',
        'AWS::SNS::TopicPolicy',
        'AWS::SQS::Queue',
        'AWS::SQS::QueuePolicy',
        'AWS::Logs::LogGroup',
        'AWS::IAM::Role',
        'AWS::IAM::Policy',
        'Custom::SnsSmsAttributes',
        'AWS::Lambda::Function',
        'AWS::Lambda::EventSourceMapping',
        'AWS::Events::Rule',
        'AWS::Lambda::Permission',
        'AWS::SecretsManager::Secret',
        'AWS::CloudWatch::Alarm',
      ],
      edge: [
        'AWS::ApiGatewayV2::Api',
        'AWS::S3::Bucket',
        'AWS::S3::BucketPolicy',
        'AWS::CloudFront::Function',
        'AWS::CloudFront::ResponseHeadersPolicy',
        'AWS::CloudFront::OriginAccessControl',
        'AWS::CloudFront::Distribution',
        'Custom::S3AutoDeleteObjects',
        'AWS::Lambda::Function',
        'AWS::IAM::Role',
        'AWS::SecretsManager::Secret',
      ],
      waf: ['AWS::WAFv2::WebACL', 'AWS::WAFv2::LoggingConfiguration', 'AWS::Logs::LogGroup'],
      workflow: [
        'AWS::Logs::LogGroup',
        'AWS::IAM::Role',
        'AWS::IAM::Policy',
        'AWS::Lambda::Function',
        'AWS::StepFunctions::StateMachine',
        'AWS::Lambda::EventSourceMapping',
        'AWS::Events::Rule',
        'AWS::Lambda::Permission',
      ],
      api: [
        'AWS::Cognito::UserPool',
        'AWS::Cognito::UserPoolClient',
        'AWS::Cognito::UserPoolGroup',
        'AWS::Logs::LogGroup',
        'AWS::IAM::Role',
        'AWS::IAM::Policy',
        'AWS::Lambda::Function',
        'AWS::ApiGatewayV2::Authorizer',
        'AWS::ApiGatewayV2::Stage',
        'AWS::ApiGatewayV2::Integration',
        'AWS::Lambda::Permission',
        'AWS::ApiGatewayV2::Route',
      ],
      observability: [
        'AWS::KMS::Key',
        'AWS::SNS::Topic',
        'AWS::SNS::TopicPolicy',
        'AWS::SNS::Subscription',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Dashboard',
      ],
      console: [
        'AWS::Lambda::LayerVersion',
        'Custom::CDKBucketDeployment',
        'Custom::ConsoleInvalidation',
        'AWS::IAM::Role',
        'AWS::IAM::Policy',
        'AWS::Lambda::Function',
      ],
    };

    it('is of a type the assertions above cover', () => {
      for (const [name, template] of Object.entries(get(stage).t)) {
        const types = new Set(
          Object.values(template.toJSON().Resources as Record<string, Resource>).map((r) => r.Type),
        );
        types.delete('AWS::CDK::Metadata');
        const allowed = covered[name as keyof WhistleApp['stacks']];
        expect(
          [...types].filter((type) => !allowed.includes(type)),
          name,
        ).toEqual([]);
      }
    });

    it('is encrypted at rest where the service allows a choice', () => {
      const all = Object.values(get(stage).t);
      for (const t of all) {
        for (const [id, q] of resources(t, 'AWS::SQS::Queue'))
          expect(q.Properties.SqsManagedSseEnabled ?? q.Properties.KmsMasterKeyId, id).toBeTruthy();
        for (const [id, topic] of resources(t, 'AWS::SNS::Topic'))
          expect(topic.Properties.KmsMasterKeyId, id).toBeTruthy();
        for (const [id, b] of resources(t, 'AWS::S3::Bucket'))
          expect(b.Properties.BucketEncryption, id).toBeTruthy();
        for (const [id, k] of resources(t, 'AWS::KMS::Key'))
          expect(k.Properties.EnableKeyRotation, id).toBe(true);
      }
    });

    it(stage === 'prod' ? 'keeps every stateful resource on delete' : 'tears stateful resources down', () => {
      const stateful = [
        'AWS::DynamoDB::Table',
        'AWS::KMS::Key',
        'AWS::SQS::Queue',
        'AWS::S3::Bucket',
        'AWS::Cognito::UserPool',
        'AWS::Logs::LogGroup',
        'AWS::SecretsManager::Secret',
      ];
      for (const [name, t] of Object.entries(get(stage).t)) {
        for (const type of stateful) {
          for (const [id, r] of resources(t, type)) {
            expect(r.DeletionPolicy, `${name} ${id}`).toBe(stage === 'prod' ? 'Retain' : 'Delete');
          }
        }
      }
    });
  });
}
