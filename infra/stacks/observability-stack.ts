/**
 * What operators watch: a dashboard of the SLA picture (tickets in, breaches by stage and level,
 * escalations, failed notifications, workflow failures) and alarms that page through an
 * encrypted SNS topic.
 *
 * The custom metrics are emitted by the functions with Powertools (namespace WhistleDispatch).
 * They are read with Metrics Insights queries over the whole namespace, so the widgets and the
 * breach alarm add up every dimension combination (Stage × Level, plus Powertools' `service`)
 * without this stack having to list them; a plain metric alarm would need the exact set.
 */
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { metricsNamespace, type StageConfig } from '../config';

export interface ObservabilityStackProps extends StackProps {
  config: StageConfig;
  stateMachine: IStateMachine;
  deadLetterQueue: sqs.IQueue;
  /** The notification queue and its sender (notifications stack). */
  notifyQueue: sqs.IQueue;
  sender: lambda.IFunction;
  httpApi: apigw.IHttpApi;
}

/** The metric names the functions emit; changing one here without the emitter breaks the alarm. */
export const customMetrics = {
  ticketsReceived: 'TicketsReceived',
  slaBreaches: 'SlaBreaches',
  escalations: 'Escalations',
  notificationFailures: 'NotificationFailures',
  clockRepairs: 'ClockRepairs',
  strandedClocks: 'StrandedClocks',
  clockFailures: 'ClockFailures',
  calendarYearUnknown: 'CalendarYearUnknown',
} as const;

export class ObservabilityStack extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config, stateMachine, deadLetterQueue, httpApi, notifyQueue, sender } = props;

    const key = new kms.Key(this, 'AlarmKey', {
      description: `Whistle Dispatch ${config.stage}: alarm topic encryption`,
      enableKeyRotation: true,
      removalPolicy: config.removalPolicy,
    });
    // CloudWatch publishes alarm notifications itself and needs the key to encrypt them.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Whistle Dispatch ${config.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));
    const notify = new SnsAction(this.alarmTopic);

    const insights = (label: string, query: string, period = Duration.minutes(5)) =>
      new cw.MathExpression({ label, expression: query, period, usingMetrics: {} });
    const total = (metric: string, period?: Duration) =>
      insights(metric, `SELECT SUM(${metric}) FROM "${metricsNamespace}"`, period);
    const byDimension = (metric: string, dimension: string) =>
      insights(
        `${metric} by ${dimension}`,
        `SELECT SUM(${metric}) FROM "${metricsNamespace}" GROUP BY ${dimension} ORDER BY SUM() DESC`,
      );

    const failedExecutions = stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' });
    const timedOutExecutions = stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' });
    const abortedExecutions = stateMachine.metricAborted({ period: Duration.minutes(5), statistic: 'Sum' });
    const dlqDepth = deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: 'Maximum',
    });

    const alarms = [
      new cw.Alarm(this, 'ExecutionsFailed', {
        alarmDescription:
          'A ticket lifecycle execution failed (its ticket is flagged clock_failed): the reconciler restarts it as a new generation; look at why.',
        metric: failedExecutions,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      new cw.Alarm(this, 'ExecutionsTimedOutOrAborted', {
        alarmDescription:
          'A ticket lifecycle execution timed out or was aborted outside a repair or a cancel: the reconciler restarts its clock.',
        metric: new cw.MathExpression({
          label: 'timed out + aborted',
          expression: 'FILL(t, 0) + FILL(a, 0)',
          usingMetrics: { t: timedOutExecutions, a: abortedExecutions },
          period: Duration.minutes(5),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      new cw.Alarm(this, 'ClockRepairs', {
        alarmDescription:
          'The reconciler repaired a stopped SLA clock (re-sent a signal, redrove or restarted an execution): each one is a timeline event clock_repaired on its ticket.',
        metric: total(customMetrics.clockRepairs, Duration.minutes(15)),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      new cw.Alarm(this, 'StrandedClocks', {
        alarmDescription:
          'The clock audit keeps finding stranded clocks after repairs (two runs in a row): GET /v1/admin/clock-audit lists them.',
        metric: insights(
          customMetrics.strandedClocks,
          `SELECT MAX(${customMetrics.strandedClocks}) FROM "${metricsNamespace}"`,
          Duration.minutes(10),
        ),
        threshold: 1,
        evaluationPeriods: 2,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      new cw.Alarm(this, 'CalendarYearUnknown', {
        alarmDescription:
          'From 1 November next year has no working-day calendar (neither bundled nor loaded): deadlines reaching into it assume Monday–Friday and are flagged calendar_assumed. Load the State Council notice with PUT /v1/calendar/{year} (docs/calendar.md).',
        metric: insights(
          customMetrics.calendarYearUnknown,
          `SELECT MAX(${customMetrics.calendarYearUnknown}) FROM "${metricsNamespace}"`,
          Duration.hours(1),
        ),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      new cw.Alarm(this, 'BreachSpike', {
        alarmDescription: `More than ${config.breachSpikeThreshold} SLA breaches in 15 minutes: a unit or the dispatch path is down.`,
        metric: total(customMetrics.slaBreaches, Duration.minutes(15)),
        threshold: config.breachSpikeThreshold,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      new cw.Alarm(this, 'NotifyQueueAge', {
        alarmDescription:
          'A notification has waited over 10 minutes: the sender is stuck or a channel is down.',
        metric: notifyQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5) }),
        threshold: 600,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      new cw.Alarm(this, 'SenderErrors', {
        alarmDescription: 'The notification sender fails invocations: messages wait or go to the DLQ.',
        metric: sender.metricErrors({ period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      new cw.Alarm(this, 'DeliveryDlqDepth', {
        alarmDescription: 'Dispatch notifications could not be delivered and wait in the DLQ.',
        metric: dlqDepth,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
    ];
    for (const alarm of alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }

    this.dashboard = new cw.Dashboard(this, 'SlaDashboard', {
      dashboardName: `whistle-dispatch-${config.stage}-sla`,
      defaultInterval: Duration.days(1),
    });
    const wide = { width: 12, height: 6 };
    this.dashboard.addWidgets(
      new cw.TextWidget({
        markdown: `# 街社吹哨、部门报到 · ${config.stage}\nSLA breaches, escalations and notification health.`,
        width: 24,
        height: 2,
      }),
      new cw.GraphWidget({
        ...wide,
        title: 'Tickets received / SLA breaches / escalations',
        left: [
          total(customMetrics.ticketsReceived),
          total(customMetrics.slaBreaches),
          total(customMetrics.escalations),
        ],
      }),
      new cw.GraphWidget({
        ...wide,
        title: 'SLA breaches by stage',
        left: [byDimension(customMetrics.slaBreaches, 'Stage')],
      }),
      new cw.GraphWidget({
        ...wide,
        title: 'SLA breaches by level',
        left: [byDimension(customMetrics.slaBreaches, 'Level')],
      }),
      new cw.GraphWidget({
        ...wide,
        title: 'Notification failures / delivery DLQ depth',
        left: [total(customMetrics.notificationFailures)],
        right: [dlqDepth],
      }),
      new cw.GraphWidget({
        ...wide,
        title: 'Workflow executions',
        left: [
          stateMachine.metricStarted({ statistic: 'Sum' }),
          stateMachine.metricSucceeded({ statistic: 'Sum' }),
          failedExecutions,
          timedOutExecutions,
        ],
      }),
      new cw.GraphWidget({
        ...wide,
        title: 'API errors and latency',
        left: [
          httpApi.metricClientError({ statistic: 'Sum' }),
          httpApi.metricServerError({ statistic: 'Sum' }),
        ],
        right: [httpApi.metricLatency({ statistic: 'p99' })],
      }),
      new cw.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 3 }),
    );
  }
}
