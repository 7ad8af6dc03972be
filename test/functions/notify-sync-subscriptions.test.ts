/**
 * E-mail subscriptions follow the configuration: one per mailbox, filtered on its own address,
 * redriven to the DLQ. The plan is pure; the executor and the Lambda handler run against a
 * mocked SNS.
 */
import {
  FilterPolicyLimitExceededException,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { makeSyncSubscriptions } from '../../functions/tasks/sync-subscriptions';
import {
  type ExistingSubscription,
  filterPolicyFor,
  planSubscriptions,
  redrivePolicyFor,
  syncEmailSubscriptions,
  wantedMailboxes,
} from '../../shared/adapters/sns-subscriptions';
import { seedConfig } from '../../shared/config/seed';
import type { ConfigSnapshot } from '../../shared/domain/model';
import type { ConfigStore } from '../../shared/ports';

const TOPIC = 'arn:aws:sns:ap-east-1:111122223333:dispatch';
const DLQ = 'arn:aws:sqs:ap-east-1:111122223333:dlq';
const sns = mockClient(SNSClient);
const config = seedConfig('2026-05-06T08:00:00+08:00');

const confirmed = (
  endpoint: string,
  n: number,
  policy = filterPolicyFor(endpoint),
): ExistingSubscription => ({
  arn: `${TOPIC}:sub-${n}`,
  protocol: 'email',
  endpoint,
  filterPolicy: policy,
  redrivePolicy: redrivePolicyFor(DLQ),
});

describe('wantedMailboxes', () => {
  it('lists every unit and community mailbox once, lower-cased, with who uses it', () => {
    const cfg = structuredClone(config);
    cfg.units[0]!.contacts.email = 'Shared@Liling.gov.cn';
    cfg.units[1]!.contacts.email = 'shared@liling.gov.cn';
    cfg.communities[0]!.contacts = { dutyPhone: '+8613900000001', email: 'nanqiao@liling.gov.cn' };
    const wanted = wantedMailboxes(cfg);
    expect(wanted.get('shared@liling.gov.cn')).toEqual([cfg.units[0]!.id, cfg.units[1]!.id]);
    expect(wanted.get('nanqiao@liling.gov.cn')).toEqual([cfg.communities[0]!.id]);
    // Two units share one mailbox; every community office has its own.
    expect(wanted.size).toBe(config.units.length - 1 + config.communities.length);
  });
});

describe('planSubscriptions', () => {
  it('subscribes new mailboxes, keeps good ones, waits on pending ones, removes the rest', () => {
    const plan = planSubscriptions(
      ['a@x.cn', 'b@x.cn', 'c@x.cn', 'd@x.cn'],
      [
        confirmed('a@x.cn', 1),
        { arn: 'PendingConfirmation', protocol: 'email', endpoint: 'b@x.cn' },
        confirmed('gone@x.cn', 3),
        { arn: 'PendingConfirmation', protocol: 'email', endpoint: 'gone-too@x.cn' },
        // Other protocols are someone else's (an archive queue): never touched.
        { arn: `${TOPIC}:sqs`, protocol: 'sqs', endpoint: 'arn:aws:sqs:ap-east-1:1:archive' },
        confirmed('D@X.cn', 4),
      ],
      DLQ,
    );
    expect(plan).toEqual({
      subscribe: ['c@x.cn'],
      repair: [],
      unsubscribe: [{ arn: `${TOPIC}:sub-3`, endpoint: 'gone@x.cn' }],
      pending: ['b@x.cn'],
      keep: ['a@x.cn', 'd@x.cn'],
    });
  });

  it("repairs a missing or foreign filter policy (it would receive every unit's mail) and redrive policy", () => {
    const plan = planSubscriptions(
      ['a@x.cn', 'b@x.cn'],
      [
        { ...confirmed('a@x.cn', 1), filterPolicy: undefined },
        { ...confirmed('b@x.cn', 2), redrivePolicy: undefined },
      ],
      DLQ,
    );
    expect(plan.repair).toEqual([
      { arn: `${TOPIC}:sub-1`, endpoint: 'a@x.cn', filterPolicy: true, redrivePolicy: false },
      { arn: `${TOPIC}:sub-2`, endpoint: 'b@x.cn', filterPolicy: false, redrivePolicy: true },
    ]);
  });

  it('treats key order in a policy as irrelevant and removes a duplicate subscription', () => {
    const reordered = JSON.stringify({ email: ['a@x.cn'], channel: ['email'] });
    const plan = planSubscriptions(
      ['a@x.cn'],
      [confirmed('a@x.cn', 1, reordered), confirmed('a@x.cn', 2)],
      DLQ,
    );
    expect(plan.keep).toEqual(['a@x.cn']);
    expect(plan.unsubscribe).toEqual([{ arn: `${TOPIC}:sub-2`, endpoint: 'a@x.cn' }]);
  });

  it('filters each mailbox on its own address only', () => {
    expect(JSON.parse(filterPolicyFor('Duty@U-SZWH.liling.gov.cn'))).toEqual({
      channel: ['email'],
      email: ['duty@u-szwh.liling.gov.cn'],
    });
  });
});

describe('syncEmailSubscriptions', () => {
  beforeEach(() => sns.reset());

  const small = (emails: string[]): ConfigSnapshot => {
    const cfg = structuredClone(config);
    cfg.units = cfg.units.slice(0, emails.length).map((u, i) => ({
      ...u,
      contacts: { ...u.contacts, email: emails[i]! },
    }));
    cfg.communities = cfg.communities.map(({ contacts: _c, ...c }) => c);
    return cfg;
  };

  it('reads every page, subscribes with filter and redrive policies, fixes and removes', async () => {
    sns
      .on(ListSubscriptionsByTopicCommand, { NextToken: undefined })
      .resolves({
        Subscriptions: [
          { SubscriptionArn: `${TOPIC}:1`, Protocol: 'email', Endpoint: 'keep@x.cn', TopicArn: TOPIC },
          { SubscriptionArn: `${TOPIC}:2`, Protocol: 'email', Endpoint: 'old@x.cn', TopicArn: TOPIC },
        ],
        NextToken: 'page-2',
      })
      .on(ListSubscriptionsByTopicCommand, { NextToken: 'page-2' })
      .resolves({
        Subscriptions: [
          { SubscriptionArn: `${TOPIC}:3`, Protocol: 'email', Endpoint: 'fix@x.cn', TopicArn: TOPIC },
          { SubscriptionArn: 'Deleted', Protocol: 'email', Endpoint: 'new@x.cn', TopicArn: TOPIC },
        ],
      });
    sns
      .on(GetSubscriptionAttributesCommand, { SubscriptionArn: `${TOPIC}:1` })
      .resolves({
        Attributes: { FilterPolicy: filterPolicyFor('keep@x.cn'), RedrivePolicy: redrivePolicyFor(DLQ) },
      })
      .on(GetSubscriptionAttributesCommand, { SubscriptionArn: `${TOPIC}:2` })
      .resolves({ Attributes: {} })
      .on(GetSubscriptionAttributesCommand, { SubscriptionArn: `${TOPIC}:3` })
      .resolves({ Attributes: { RedrivePolicy: redrivePolicyFor(DLQ) } });
    sns.on(SubscribeCommand).resolves({ SubscriptionArn: 'pending confirmation' });

    const report = await syncEmailSubscriptions(
      new SNSClient({ region: 'ap-east-1' }),
      { topicArn: TOPIC, deadLetterQueueArn: DLQ },
      small(['keep@x.cn', 'fix@x.cn', 'New@x.cn']),
    );
    expect(report).toEqual({
      subscribed: ['new@x.cn'],
      repaired: ['fix@x.cn'],
      unsubscribed: ['old@x.cn'],
      pending: [],
      kept: 1,
      errors: [],
    });
    expect(sns.commandCalls(SubscribeCommand).map((c) => c.args[0].input)).toEqual([
      {
        TopicArn: TOPIC,
        Protocol: 'email',
        Endpoint: 'new@x.cn',
        Attributes: {
          FilterPolicyScope: 'MessageAttributes',
          FilterPolicy: filterPolicyFor('new@x.cn'),
          RedrivePolicy: redrivePolicyFor(DLQ),
        },
        ReturnSubscriptionArn: true,
      },
    ]);
    expect(sns.commandCalls(SetSubscriptionAttributesCommand).map((c) => c.args[0].input)).toEqual([
      {
        SubscriptionArn: `${TOPIC}:3`,
        AttributeName: 'FilterPolicy',
        AttributeValue: filterPolicyFor('fix@x.cn'),
      },
    ]);
    expect(sns.commandCalls(UnsubscribeCommand).map((c) => c.args[0].input)).toEqual([
      { SubscriptionArn: `${TOPIC}:2` },
    ]);
  });

  it('carries on past a refused address and reports it', async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    sns
      .on(SubscribeCommand, { Endpoint: 'a@x.cn' })
      .rejects(new FilterPolicyLimitExceededException({ message: 'limit', $metadata: {} }))
      .on(SubscribeCommand, { Endpoint: 'b@x.cn' })
      .resolves({ SubscriptionArn: 'pending confirmation' });
    const report = await syncEmailSubscriptions(
      new SNSClient({ region: 'ap-east-1' }),
      { topicArn: TOPIC, deadLetterQueueArn: DLQ },
      small(['a@x.cn', 'b@x.cn']),
    );
    expect(report.subscribed).toEqual(['b@x.cn']);
    expect(report.errors).toEqual([
      { endpoint: 'a@x.cn', action: 'subscribe', error: 'FilterPolicyLimitExceededException' },
    ]);
  });
});

describe('the sync-subscriptions handler', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });
  beforeEach(() => {
    sns.reset();
    process.env.TABLE_NAME = 'whistle-dispatch-test';
    process.env.DISPATCH_TOPIC_ARN = TOPIC;
    process.env.DEAD_LETTER_QUEUE_ARN = DLQ;
  });

  function withConfig(cfg: ConfigSnapshot) {
    const configStore: Pick<ConfigStore, 'latestVersion' | 'get'> = {
      latestVersion: async () => 7,
      get: async (v) => ({ ...cfg, version: v }),
    };
    return makeSyncSubscriptions({ configStore, sns: new SNSClient({ region: 'ap-east-1' }) });
  }

  it('subscribes every mailbox of the latest configuration', async () => {
    const handler = withConfig(config);
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    sns.on(SubscribeCommand).resolves({ SubscriptionArn: 'pending confirmation' });
    const out = (await handler({}, {} as never)) as { configVersion: number; subscribed: string[] };
    expect(out.configVersion).toBe(7);
    expect(out.subscribed).toHaveLength(wantedMailboxes(config).size);
    expect(sns.commandCalls(SubscribeCommand)).toHaveLength(wantedMailboxes(config).size);
  });

  it('fails the invocation when an address could not be subscribed (stream retry, then the DLQ)', async () => {
    const handler = withConfig(config);
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    sns
      .on(SubscribeCommand)
      .rejects(new FilterPolicyLimitExceededException({ message: 'limit', $metadata: {} }));
    await expect(handler({}, {} as never)).rejects.toMatchObject({ name: 'SubscriptionSyncError' });
  });
});
