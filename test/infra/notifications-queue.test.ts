/**
 * The notification queue and its sender (Template assertions, prod stage, bundling off): SQS with
 * the delivery DLQ, the sender on an event source mapping with MaximumConcurrency and batch item
 * failures, reserved concurrency, the channel secret read at init, the sweep schedule and alarms;
 * the tasks and actions that enqueue may send to the queue and nothing more.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiFunctions } from '../../functions/api/routes';
import { buildApp } from '../../infra/app';
import { lifecycleTasks, serviceTasks } from '../../workflows/tasks';

const fixtureAsl = JSON.stringify({
  StartAt: 'A',
  States: {
    A: { Type: 'Task', Resource: '${AwaitPartyFunctionArn}', Next: 'B' },
    B: { Type: 'Task', Resource: '${OnTimerFunctionArn}', Next: 'C' },
    C: { Type: 'Task', Resource: '${AdvanceFunctionArn}', Next: 'D' },
    D: { Type: 'Task', Resource: '${ClockFailedFunctionArn}', End: true },
  },
});

let notifications: Template;
let observability: Template;
let workflow: Template;
let api: Template;
let senderConcurrency: number;

beforeAll(() => {
  const built = buildApp({
    stage: 'prod',
    definition: fixtureAsl,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  notifications = Template.fromStack(built.stacks.notifications);
  observability = Template.fromStack(built.stacks.observability);
  workflow = Template.fromStack(built.stacks.workflow);
  api = Template.fromStack(built.stacks.api);
  senderConcurrency = built.config.senderConcurrency;
});

const fn = (t: Template, entry: string) => {
  const found = Object.entries(
    t.findResources('AWS::Lambda::Function', { Properties: { Description: entry } }),
  );
  expect(found, entry).toHaveLength(1);
  return found[0]!;
};

describe('notification queue and sender', () => {
  it('queues on SQS with SSE, parked on the delivery DLQ after ten receives', () => {
    notifications.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { maxReceiveCount: 10, deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('drains it with a bounded, reserved sender that reports batch item failures', () => {
    const [id, sender] = fn(notifications, serviceTasks.sendNotifications.entry);
    expect(sender.Properties.ReservedConcurrentExecutions).toBe(6);
    const vars = sender.Properties.Environment.Variables;
    expect(Object.keys(vars)).toEqual(
      expect.arrayContaining(['NOTIFY_QUEUE_URL', 'CHANNELS_SECRET_ARN', 'TABLE_NAME', 'DISPATCH_TOPIC_ARN']),
    );
    expect(vars.SENDER_CONCURRENCY).toBe(String(senderConcurrency));
    notifications.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id },
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: senderConcurrency },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    notifications.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: { Ref: Match.stringLikeRegexp('ChannelCredentials') },
          }),
        ]),
      },
    });
    notifications.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id, 'Arn'] } })],
    });
  });

  it('alarms on a notification waiting over ten minutes and on sender errors', () => {
    observability.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 600,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
    observability.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Threshold: 1 });
  });

  it('lets the lifecycle tasks and the ticket actions enqueue, with reserved concurrency for the tasks', () => {
    for (const entry of Object.values(lifecycleTasks).map((t) => t.entry)) {
      const [, task] = fn(workflow, entry);
      expect(task.Properties.ReservedConcurrentExecutions, entry).toBe(100);
      // Advance only reads the record: it sends nothing.
      if (entry === lifecycleTasks.advance.entry) continue;
      expect(Object.keys(task.Properties.Environment.Variables), entry).toContain('NOTIFY_QUEUE_URL');
    }
    for (const entry of [apiFunctions.ticketActions, apiFunctions.receipts]) {
      const [, action] = fn(api, entry);
      expect(Object.keys(action.Properties.Environment.Variables), entry).toContain('NOTIFY_QUEUE_URL');
    }
  });
});
