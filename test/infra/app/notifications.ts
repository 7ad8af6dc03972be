/** The NotificationsStack assertions of one stage (run by test/infra/app.test.ts over its one synth). */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { DeployStage } from '../../../infra/config';
import {
  actionsOf,
  asArray,
  env,
  fnByEntry,
  get,
  type Resource,
  resources,
  roleRef,
  statementsOf,
  syncEntry,
} from './synth';

export function notificationsStack(stage: DeployStage): void {
  describe('NotificationsStack', () => {
    it('encrypts the dispatch topic with a rotated customer key and enforces TLS', () => {
      const t = get(stage).t.notifications;
      t.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
      });
      t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      t.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('sets the account SMS attributes: transactional, carrier receipts logged by a scoped role', () => {
      const t = get(stage).t.notifications;
      const [[, settings]] = resources(t, 'Custom::SnsSmsAttributes') as [[string, Resource]];
      // The SDK call is a JSON string with the role ARN joined in: read it as text.
      const text = JSON.stringify(settings.Properties.Update).replace(/\\"/g, '"');
      expect(text).toContain('SetSMSAttributes');
      expect(text).toContain('"DefaultSMSType":"Transactional"');
      expect(text).toContain(
        `"DeliveryStatusSuccessSamplingRate":"${get(stage).config.smsSuccessSamplingRate}"`,
      );
      expect(text).toContain('DeliveryStatusIAMRole');
      // No spend limit unless configured: more than the account's quota would fail the deploy.
      expect(text).not.toContain('MonthlySpendLimit');
      t.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'sns.amazonaws.com' } })],
        },
      });
      for (const suffix of ['DirectPublishToPhoneNumber', 'DirectPublishToPhoneNumber/Failure']) {
        t.hasResourceProperties('AWS::Logs::LogGroup', {
          LogGroupName: {
            'Fn::Join': ['', ['sns/', { Ref: 'AWS::Region' }, '/', { Ref: 'AWS::AccountId' }, `/${suffix}`]],
          },
          RetentionInDays: stage === 'prod' ? 400 : 14,
        });
      }
      const [, statusRole] = resources(t, 'AWS::IAM::Role').find(([, r]) =>
        JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('sns.amazonaws.com'),
      )!;
      expect(statusRole).toBeDefined();
      // The provider may set SMS attributes (no resource ARN) and pass exactly that role.
      t.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: 'sns:SetSMSAttributes', Resource: '*' }),
            Match.objectLike({
              Action: 'iam:PassRole',
              Resource: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
            }),
          ]),
        },
      });
    });

    it('syncs e-mail subscriptions on configuration writes (stream, filtered to CONFIG version items) and daily', () => {
      const t = get(stage).t.notifications;
      const [fnId, fn] = fnByEntry(t, syncEntry);
      expect(Object.keys(env(fn))).toEqual(
        expect.arrayContaining(['TABLE_NAME', 'DISPATCH_TOPIC_ARN', 'DEAD_LETTER_QUEUE_ARN']),
      );
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fnId },
        StartingPosition: 'LATEST',
        MaximumRetryAttempts: 3,
        FilterCriteria: {
          Filters: [
            {
              Pattern: JSON.stringify({
                dynamodb: { Keys: { pk: { S: ['CONFIG'] }, sk: { S: [{ prefix: 'V#' }] } } },
              }),
            },
          ],
        },
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeliveryDlq'), 'Arn'] } },
        },
      });
      t.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(0 0 * * ? *)',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })],
      });
      t.hasResourceProperties('AWS::Lambda::Permission', {
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      });
      const statements = statementsOf(t, roleRef(fn));
      const actions = actionsOf(statements);
      expect(actions).toEqual(
        expect.arrayContaining([
          'sns:ListSubscriptionsByTopic',
          'sns:Subscribe',
          'sns:Unsubscribe',
          'sns:SetSubscriptionAttributes',
          'dynamodb:GetRecords',
          'dynamodb:Query',
        ]),
      );
      // It manages subscriptions; it never publishes and never writes the table.
      expect(actions).not.toContain('sns:Publish');
      expect(actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);
      const unsubscribe = statements.find((st) => asArray(st.Action).includes('sns:Unsubscribe'));
      expect(unsubscribe?.Resource).toEqual({
        'Fn::Join': ['', [{ Ref: expect.stringMatching(/^DispatchTopic/) }, ':*']],
      });
    });

    it('has an encrypted, TLS-only delivery DLQ that SNS may write to', () => {
      const t = get(stage).t.notifications;
      t.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
            }),
          ]),
        },
      });
    });
  });
}
