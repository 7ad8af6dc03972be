/** The ObservabilityStack assertions of one stage (run by test/infra/app.test.ts over its one synth). */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { DeployStage } from '../../../infra/config';
import { alarmEmail, get, resources } from './synth';

export function observabilityStack(stage: DeployStage): void {
  describe('ObservabilityStack', () => {
    it('alarms on failed executions, a breach spike over 15 minutes and DLQ depth', () => {
      const t = get(stage).t.observability;
      const { config } = get(stage);
      t.resourceCountIs('AWS::CloudWatch::Alarm', 9);
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      // Timed-out and aborted executions, repairs and stranded clocks page as well.
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([
          Match.objectLike({
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsTimedOut' }) }),
          }),
          Match.objectLike({
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsAborted' }) }),
          }),
        ]),
      });
      for (const metric of ['ClockRepairs', 'StrandedClocks', 'CalendarYearUnknown']) {
        t.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Metrics: [Match.objectLike({ Expression: Match.stringLikeRegexp(`\\(${metric}\\)`) })],
          Threshold: 1,
        });
      }
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: [
          Match.objectLike({ Expression: Match.stringLikeRegexp('SUM\\(SlaBreaches\\)'), Period: 900 }),
        ],
        Threshold: config.breachSpikeThreshold,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
      });
      for (const [, alarm] of resources(t, 'AWS::CloudWatch::Alarm')) {
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
      }
    });

    it('sends alarms to a KMS-encrypted topic that CloudWatch can use, e-mail when configured', () => {
      const t = get(stage).t.observability;
      t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      t.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
          ]),
        },
      });
      if (stage === 'prod')
        t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: alarmEmail });
      else t.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('has an SLA dashboard over the custom metrics', () => {
      const body = JSON.stringify(get(stage).t.observability.findResources('AWS::CloudWatch::Dashboard'));
      for (const metric of [
        'TicketsReceived',
        'SlaBreaches',
        'Escalations',
        'NotificationFailures',
        'ExecutionsFailed',
      ]) {
        expect(body).toContain(metric);
      }
    });
  });
}
