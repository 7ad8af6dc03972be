/**
 * Every kind of event, through the real use cases (awaitParty, onTimer, act) on the real store
 * (dynalite in memory), delivered by the SNS notifier to a mocked SNS: the Publish calls name the
 * right phone (SMS: PhoneNumber, transactional, capped price) or the dispatch topic (e-mail:
 * TopicArn + the attributes its subscriptions filter on). Then faults: throttling is retried,
 * permanent refusals fail, and every failure flags the ticket in the same write and lands on the
 * DLQ (SQS calls recorded).
 */
import {
  InvalidParameterException,
  PublishCommand,
  type PublishCommandInput,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notifierDeps } from '../../functions/lib/aws/notifier';
import { queueDeps } from '../../functions/lib/aws/queue';
import { readFunctionEnv } from '../../functions/lib/env';
import { LOCAL_TABLE, type LocalStore, startStore } from '../../infra/local/store-server';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { MAX_SUBJECT_CHARS, SnsNotifier, snsSubject } from '../../shared/adapters/sns-notifier';
import { SqsDeadLetters } from '../../shared/adapters/sqs-dead-letters';
import { seedConfig } from '../../shared/config/seed';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { ConfigSnapshot, Ticket } from '../../shared/domain/model';
import { smsSegment } from '../../shared/domain/notification-templates';
import { type Principal, principalSchema } from '../../shared/domain/principal';
import { readAction } from '../../shared/domain/ticket-actions';
import type { Clock, Wait } from '../../shared/ports';
import { ConfigService } from '../../shared/use-cases/config-service';
import { NOTIFICATION_FAILED_FLAG } from '../../shared/use-cases/notify';
import {
  createTicket,
  partyStep,
  type TicketDeps,
  ticketStep,
  act as useCaseAct,
  awaitParty as useCaseAwaitParty,
  onTimer as useCaseOnTimer,
} from '../../shared/use-cases/ticket-service';
import { startAwsJsonEndpoint } from '../helpers/aws-json-endpoint';
import { LAILONGMEN, NANQIAO } from '../helpers/fixtures';
import { RecordingQueue, testSender } from '../helpers/sender-harness';
import { RecordingWorkflow } from '../helpers/stub-workflow';

/** The executions these tests stand in for: generation 1, as intake starts it. */
const origin = { generation: 1 };

const TOPIC = 'arn:aws:sns:ap-east-1:111122223333:WhistleDispatch-DispatchTopic';
const QUEUE = 'https://sqs.ap-east-1.amazonaws.com/111122223333/WhistleDispatch-DeliveryDlq';
const BASE = 'https://wd.liling.gov.cn';

const sns = mockClient(SNSClient);
/** The DLQ's SQS calls, recorded (the wire format is tested in aws-json-client.test.ts). */
const sqsCalls: { op: string; input: { QueueUrl?: string; MessageBody?: string } }[] = [];
const sqs = {
  call: async <T>(op: string, input: Record<string, unknown>): Promise<T> => {
    sqsCalls.push({ op, input });
    return { MessageId: 'd-1' } as T;
  },
};
const sentMessages = () => sqsCalls.filter((c) => c.op === 'SendMessage').map((c) => c.input);

class TestClock implements Clock {
  constructor(public ms: number) {}
  now() {
    return new Date(this.ms);
  }
  set(iso: string) {
    this.ms = Date.parse(iso);
  }
}

let local: LocalStore;
let db: DynamoStore;
let config: ConfigSnapshot;
const clock = new TestClock(Date.parse('2026-05-06T09:00:00+08:00'));
const metrics: { name: string; dimensions?: Record<string, string> }[] = [];
let deps: TicketDeps;
let drain: () => Promise<void>;

// The use cases record and queue notices; the sender then sends them (as the queue would at once).
const awaitParty = async (...a: Parameters<typeof useCaseAwaitParty>) => {
  await useCaseAwaitParty(...a);
  await drain();
};
const onTimer = async (...a: Parameters<typeof useCaseOnTimer>) => {
  const step = await useCaseOnTimer(...a);
  await drain();
  return step;
};
const act = async (...a: Parameters<typeof useCaseAct>) => {
  const t = await useCaseAct(...a);
  await drain();
  return t;
};

const who = (claims: Record<string, string>): Principal => principalSchema.parse({ sub: 'test', ...claims });
const reporter = who({ role: 'reporter', communityId: NANQIAO });
const supervisor = who({ role: 'supervisor', streetId: LAILONGMEN });
const unitOf = (id: string) => config.units.find((u) => u.id === id)!;

beforeAll(async () => {
  local = await startStore(undefined);
  db = new DynamoStore(local.client, LOCAL_TABLE);
  config = seedConfig(toShanghaiIso(clock.now()));
  await db.put(config);
  deps = {
    store: db,
    configs: new ConfigService(db, clock, 0),
    clock,
    workflow: new RecordingWorkflow(),
    notifier: new SnsNotifier(new SNSClient({ region: 'ap-east-1' }), TOPIC, '0.05'),
    deadLetters: new SqsDeadLetters(sqs, QUEUE),
    queue: new RecordingQueue(),
    publicBaseUrl: BASE,
    backoffMs: [0, 0, 0],
    metrics: {
      count: (name, _value, dimensions) => void metrics.push({ name, ...(dimensions ? { dimensions } : {}) }),
    },
  };
  drain = testSender(deps, local.client, LOCAL_TABLE).drain;
});
afterAll(async () => {
  await local?.close();
});
beforeEach(() => {
  sns.reset();
  sqsCalls.length = 0;
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  metrics.length = 0;
});

const publishes = (): PublishCommandInput[] => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
const sms = () => publishes().filter((p) => p.PhoneNumber);
const emails = () => publishes().filter((p) => p.TopicArn);
const attr = (p: PublishCommandInput, name: string) => p.MessageAttributes?.[name]?.StringValue;

async function newTicket(dutyItemId = 'di-streetlight'): Promise<Ticket> {
  const { ticket } = await createTicket(deps, reporter, {
    dutyItemId,
    communityId: NANQIAO,
    title: '路灯不亮',
    description: '建设路12号门口路灯连续三晚不亮',
    channel: 'grid',
    location: { address: '建设路12号' },
  });
  return ticket;
}

async function stored(id: string): Promise<Ticket> {
  return (await db.getTicket(id))!.ticket;
}

/** The wait of the party a unit stands for (the lead slot, or its co slot). */
function unitWait(t: Ticket, unitId: string): Wait {
  const role = t.assignments.find((a) => a.unitId === unitId && a.status !== 'returned')?.role;
  const step = partyStep(t, role === 'co' ? `co:${unitId}` : 'lead', clock);
  expect(step.next).toBe('wait');
  return step.wait!;
}

function expectSms(p: PublishCommandInput | undefined, phone: string, kindText: RegExp) {
  expect(p).toBeDefined();
  expect(p!.PhoneNumber).toBe(phone);
  expect(p!.TopicArn).toBeUndefined();
  expect(p!.MessageAttributes).toEqual({
    'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    'AWS.SNS.SMS.MaxPrice': { DataType: 'Number', StringValue: '0.05' },
  });
  expect(p!.Message).toMatch(kindText);
  const { units, limit } = smsSegment(p!.Message!);
  expect(units, p!.Message).toBeLessThanOrEqual(limit);
}

function expectEmail(
  p: PublishCommandInput | undefined,
  to: { email: string; kind: string; ticketId: string; unitId?: string; communityId?: string },
) {
  expect(p).toBeDefined();
  expect(p!.TopicArn).toBe(TOPIC);
  expect(p!.PhoneNumber).toBeUndefined();
  expect(p!.MessageAttributes).toEqual({
    channel: { DataType: 'String', StringValue: 'email' },
    email: { DataType: 'String', StringValue: to.email },
    kind: { DataType: 'String', StringValue: to.kind },
    ticketId: { DataType: 'String', StringValue: to.ticketId },
    ...(to.unitId ? { unitId: { DataType: 'String', StringValue: to.unitId } } : {}),
    ...(to.communityId ? { communityId: { DataType: 'String', StringValue: to.communityId } } : {}),
  });
  expect(p!.Subject!.length).toBeLessThanOrEqual(MAX_SUBJECT_CHARS);
  expect(p!.Message).toContain(`${BASE}/l/`);
}

describe('each kind of event publishes to the right recipients', () => {
  it('dispatch, warning, escalations 1–3, urge, feedback request and reopen', async () => {
    const t0 = await newTicket();
    const lead = t0.assignments.find((a) => a.role === 'lead')!.unitId;
    const leadUnit = unitOf(lead);
    const office = config.units.find((u) => u.kind === 'street' && u.streetId === t0.streetId)!;
    const city = unitOf('u-city-social-work');
    const ack = t0.clocks.find((c) => c.unitId === lead && c.stage === 'acknowledge')!;

    // Dispatch: the unit's duty phone and mailbox.
    const wait = unitWait(t0, lead);
    await awaitParty(deps, wait, 'tok-ack', origin);
    expectSms(sms()[0], leadUnit.contacts.dutyPhone, /WD\w{8}.*签收/);
    expectEmail(emails()[0], {
      email: leadUnit.contacts.email,
      kind: 'dispatch',
      ticketId: t0.id,
      unitId: lead,
    });
    expect((await stored(t0.id)).status).toBe('dispatched');

    // 75% warning: the unit again.
    sns.resetHistory();
    clock.set(ack.warnAt);
    await onTimer(deps, wait, origin);
    expectSms(sms()[0], leadUnit.contacts.dutyPhone, /预警|即将超时/);
    expectEmail(emails()[0], {
      email: leadUnit.contacts.email,
      kind: 'warning',
      ticketId: t0.id,
      unitId: lead,
    });

    // Level 1: the unit leader's own phone.
    sns.resetHistory();
    clock.set(ack.dueAt);
    await onTimer(deps, wait, origin);
    expectSms(sms()[0], leadUnit.contacts.leaderPhone, /催办/);
    expectEmail(emails()[0], {
      email: leadUnit.contacts.email,
      kind: 'escalation',
      ticketId: t0.id,
      unitId: lead,
    });

    // Level 2: the street office (街道大工委), about the late unit.
    sns.resetHistory();
    clock.set(ack.level2At);
    await onTimer(deps, wait, origin);
    expectSms(sms()[0], office.contacts.leaderPhone, /督办/);
    expectEmail(emails()[0], {
      email: office.contacts.email,
      kind: 'escalation',
      ticketId: t0.id,
      unitId: office.id,
    });
    expect(emails()[0]!.Message).toContain(leadUnit.name);

    // Level 3: the city social-work department.
    sns.resetHistory();
    clock.set(ack.level3At);
    await onTimer(deps, wait, origin);
    expectSms(sms()[0], city.contacts.leaderPhone, /通报/);
    expectEmail(emails()[0], {
      email: city.contacts.email,
      kind: 'escalation',
      ticketId: t0.id,
      unitId: city.id,
    });
    // By now the resolve clock, running since dispatch, has breached as well: one metric each.
    const breaches = (await stored(t0.id)).breaches;
    expect(breaches.filter((b) => b.stage === 'acknowledge').map((b) => b.level)).toEqual([1, 2, 3]);
    expect(metrics.filter((m) => m.name === 'SlaBreaches').map((m) => m.dimensions)).toContainEqual({
      Stage: 'acknowledge',
      Level: '3',
    });
    expect(metrics.filter((m) => m.name === 'Escalations').map((m) => m.dimensions)).toContainEqual({
      Level: '3',
    });

    // Urge: the lead unit's leader.
    sns.resetHistory();
    await act(deps, supervisor, t0.id, readAction('urge', { note: '请今天内到场' }));
    expectSms(sms()[0], leadUnit.contacts.leaderPhone, /督办提醒/);
    expectEmail(emails()[0], { email: leadUnit.contacts.email, kind: 'urge', ticketId: t0.id, unitId: lead });

    // Resolved: the reporter's community office is asked for the verdict.
    const unit = who({ role: 'unit', unitId: lead });
    await act(deps, unit, t0.id, readAction('acknowledge', {}));
    const resolved = await act(deps, unit, t0.id, readAction('resolve', { summary: '已更换灯泡' }));
    expect(resolved.status).toBe('resolved');
    sns.resetHistory();
    const verdict = ticketStep(resolved, clock);
    expect(verdict.wait?.stage).toBe('feedback');
    await awaitParty(deps, verdict.wait!, 'tok-feedback', origin);
    const communityOffice = config.communities.find((c) => c.id === NANQIAO)!.contacts!;
    expectSms(sms()[0], communityOffice.dutyPhone, /评价/);
    expectEmail(emails()[0], {
      email: communityOffice.email,
      kind: 'feedback_request',
      ticketId: t0.id,
      communityId: NANQIAO,
    });

    // Unsatisfied: reopened to the lead unit.
    const reopened = await act(
      deps,
      reporter,
      t0.id,
      readAction('feedback', {
        rating: 'unsatisfied',
        comment: '还是不亮',
      }),
    );
    expect(reopened.status).toBe('reopened');
    sns.resetHistory();
    await awaitParty(deps, unitWait(reopened, lead), 'tok-redo', origin);
    expectSms(sms()[0], leadUnit.contacts.dutyPhone, /重办/);
    expectEmail(emails()[0], {
      email: leadUnit.contacts.email,
      kind: 'reopen',
      ticketId: t0.id,
      unitId: lead,
    });

    // Every notice recorded, every message sent, nothing flagged, nothing parked.
    const records = (await db.listNotifications({ ticketId: t0.id }, 100)).items;
    const kinds = new Set(records.map((r) => `${r.kind}${r.level ?? ''}`));
    for (const kind of ['dispatch', 'warning', 'escalation1', 'escalation2', 'escalation3', 'urge'])
      expect(kinds, kind).toContain(kind);
    expect(kinds).toContain('feedback_request');
    expect(kinds).toContain('reopen');
    // One escalation notice per breach record, whatever the stage.
    expect(records.filter((r) => r.kind === 'escalation')).toHaveLength(
      (await stored(t0.id)).breaches.length,
    );
    expect(records.flatMap((r) => r.messages.map((m) => m.status)).every((s) => s === 'sent')).toBe(true);
    expect((await stored(t0.id)).flags).not.toContain(NOTIFICATION_FAILED_FLAG);
    expect(sentMessages()).toHaveLength(0);
  });

  it('sends a retried task nothing twice', async () => {
    const t = await newTicket();
    const lead = t.assignments[0]!.unitId;
    const wait = unitWait(t, lead);
    await awaitParty(deps, wait, 'tok-1', origin);
    const after = await stored(t.id);
    const ack = after.clocks.find((c) => c.unitId === lead)!;
    clock.set(ack.warnAt);
    await onTimer(deps, wait, origin);
    const count = sns.commandCalls(PublishCommand).length;
    // The workflow retries both tasks (a lost response, a Lambda timeout).
    await awaitParty(deps, wait, 'tok-1', origin);
    await onTimer(deps, wait, origin);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(count);
  });
});

describe('with publish failures injected', () => {
  it('retries a throttled SMS and records it sent after the second attempt', async () => {
    const t = await newTicket();
    const lead = t.assignments[0]!.unitId;
    const phone = unitOf(lead).contacts.dutyPhone;
    sns
      .on(PublishCommand, { PhoneNumber: phone })
      .rejectsOnce(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }))
      .resolves({ MessageId: 'm-2' });
    await awaitParty(deps, unitWait(t, lead), 'tok-1', origin);
    expect(sns.commandCalls(PublishCommand, { PhoneNumber: phone })).toHaveLength(2);
    const [record] = (await db.listNotifications({ ticketId: t.id }, 10)).items;
    expect(record!.messages.find((m) => m.channel === 'sms')).toMatchObject({ status: 'sent', attempts: 2 });
    expect((await stored(t.id)).flags).not.toContain(NOTIFICATION_FAILED_FLAG);
  });

  it('flags the ticket when the dispatch SMS is refused, and parks it on the DLQ', async () => {
    const t = await newTicket();
    const lead = t.assignments[0]!.unitId;
    const phone = unitOf(lead).contacts.dutyPhone;
    sns
      .on(PublishCommand, { PhoneNumber: phone })
      .rejects(new InvalidParameterException({ message: 'Invalid parameter: PhoneNumber', $metadata: {} }));
    const before = await stored(t.id);
    await awaitParty(deps, unitWait(t, lead), 'tok-1', origin);
    const after = await stored(t.id);
    // Two writes: the task's (dispatched, token armed), then the sender's flag once SNS refused.
    expect(after.version).toBe(before.version + 2);
    expect(after.status).toBe('dispatched');
    expect(after.flags).toContain(NOTIFICATION_FAILED_FLAG);
    expect(after.timeline.at(-1)).toMatchObject({ type: NOTIFICATION_FAILED_FLAG, unitId: lead });
    expect((await db.getTicket(t.id))!.tokens.lead?.token).toBe('tok-1');
    // Permanent: one attempt, no retries.
    expect(sns.commandCalls(PublishCommand, { PhoneNumber: phone })).toHaveLength(1);
    const [record] = (await db.listNotifications({ ticketId: t.id }, 10)).items;
    expect(record!.messages.map((m) => [m.channel, m.status])).toEqual([
      ['sms', 'failed'],
      ['email', 'sent'],
    ]);
    const parked = sentMessages();
    expect(parked).toHaveLength(1);
    expect(parked[0]!.QueueUrl).toBe(QUEUE);
    expect(JSON.parse(parked[0]!.MessageBody!)).toMatchObject({
      source: 'whistle-dispatch',
      notificationId: record!.id,
      ticketId: t.id,
      kind: 'dispatch',
      channel: 'sms',
      to: phone,
      error: 'InvalidParameterException',
      attempts: 1,
    });
    expect(metrics.filter((m) => m.name === 'NotificationFailures')).toEqual([
      { name: 'NotificationFailures', dimensions: { kind: 'dispatch' } },
    ]);
  });

  it('flags the ticket when an escalation cannot go out, counting the failure once', async () => {
    const t = await newTicket();
    const lead = t.assignments[0]!.unitId;
    const wait = unitWait(t, lead);
    await awaitParty(deps, wait, 'tok-1', origin);
    const ack = (await stored(t.id)).clocks.find((c) => c.unitId === lead)!;
    sns
      .on(PublishCommand, { PhoneNumber: unitOf(lead).contacts.leaderPhone })
      .rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }));
    clock.set(ack.dueAt);
    const before = await stored(t.id);
    await onTimer(deps, wait, origin);
    const after = await stored(t.id);
    // The timer's write (the breach), then the sender's flag.
    expect(after.version).toBe(before.version + 2);
    expect(after.breaches.map((b) => b.level)).toEqual([1]);
    expect(after.flags).toContain(NOTIFICATION_FAILED_FLAG);
    // Throttled on every attempt: 1 + 3 retries, then failed.
    expect(sns.commandCalls(PublishCommand, { PhoneNumber: unitOf(lead).contacts.leaderPhone })).toHaveLength(
      4,
    );
    expect(metrics.filter((m) => m.name === 'NotificationFailures')).toHaveLength(1);
    // A retried timer task finds the notice recorded: no resend, no second count.
    await onTimer(deps, wait, origin);
    expect(sns.commandCalls(PublishCommand, { PhoneNumber: unitOf(lead).contacts.leaderPhone })).toHaveLength(
      4,
    );
    expect(metrics.filter((m) => m.name === 'NotificationFailures')).toHaveLength(1);
  });

  it('flags the ticket when an urge cannot go out', async () => {
    const t = await newTicket();
    const lead = t.assignments[0]!.unitId;
    sns
      .on(PublishCommand, { TopicArn: TOPIC })
      .rejects(new InvalidParameterException({ message: 'x', $metadata: {} }));
    await act(deps, supervisor, t.id, readAction('urge', { note: '请尽快' }));
    const urged = await stored(t.id);
    expect(urged.flags).toContain(NOTIFICATION_FAILED_FLAG);
    expect(urged.urgeCount).toBe(1);
    const records = (await db.listNotifications({ ticketId: t.id }, 10)).items.filter(
      (r) => r.kind === 'urge',
    );
    expect(records).toHaveLength(1);
    expect(records[0]!.unitId).toBe(lead);
    expect(records[0]!.messages.map((m) => m.status)).toEqual(['sent', 'failed']);
  });

  it('leaves every notification `sent` or `failed`-and-flagged, none missing, under random faults', async () => {
    let seed = 11;
    const roll = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % 4;
    };
    sns.on(PublishCommand).callsFake(() => {
      const r = roll();
      if (r === 0) throw new ThrottledException({ message: 'Rate exceeded', $metadata: {} });
      if (r === 1 && roll() === 0) throw new InvalidParameterException({ message: 'bad', $metadata: {} });
      return { MessageId: 'm' };
    });
    const tickets: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      clock.set('2026-05-11T09:00:00+08:00');
      const t = await newTicket();
      tickets.push(t.id);
      const lead = t.assignments[0]!.unitId;
      const wait = unitWait(t, lead);
      await awaitParty(deps, wait, `tok-${i}`, origin);
      const ack = (await stored(t.id)).clocks.find((c) => c.unitId === lead)!;
      for (const at of [ack.warnAt, ack.dueAt, ack.level2At, ack.level3At]) {
        clock.set(at);
        await onTimer(deps, wait, origin);
      }
      await act(deps, supervisor, t.id, readAction('urge', { note: `第${i}次督办` }));
    }
    for (const id of tickets) {
      const records = (await db.listNotifications({ ticketId: id }, 100)).items;
      // None missing: the dispatch, one warning per warning event, one escalation per breach
      // record (the resolve clock runs too and breaches while the ticket waits), the urge.
      const t = await stored(id);
      const kinds = records.map((r) => `${r.kind}${r.level ?? ''}.${r.stage ?? ''}`).sort();
      expect(kinds, id).toEqual(
        [
          'dispatch.acknowledge',
          'urge.',
          ...t.timeline.filter((e) => e.type === 'warning').map((e) => `warning.${e.detail?.split(' ')[0]}`),
          ...t.breaches.map((b) => `escalation${b.level}.${b.stage}`),
        ].sort(),
      );
      expect(t.breaches.length, id).toBeGreaterThanOrEqual(3);
      const messages = records.flatMap((r) => r.messages);
      expect(
        messages.every((m) => m.status === 'sent' || m.status === 'failed'),
        id,
      ).toBe(true);
      const anyFailed = messages.some((m) => m.status === 'failed');
      expect((await stored(id)).flags.includes(NOTIFICATION_FAILED_FLAG), id).toBe(anyFailed);
    }
  });
});

describe('composition (functions/lib/aws/notifier.ts, queue.ts)', () => {
  it('builds the notifier and the dead letters from the function environment', async () => {
    const env = readFunctionEnv({
      TABLE_NAME: 'whistle-table',
      DISPATCH_TOPIC_ARN: TOPIC,
      SMS_MAX_PRICE: '0.08',
      DEAD_LETTER_QUEUE_URL: QUEUE,
    });
    const dlq = await startAwsJsonEndpoint(() => ({ status: 200, body: { MessageId: 'd-1' } }));
    process.env.AWS_ENDPOINT_URL_SQS = dlq.endpoint;
    const d = { ...queueDeps(env), ...notifierDeps(env) };
    delete process.env.AWS_ENDPOINT_URL_SQS;
    await d.notifier!.send(
      { channel: 'sms', to: '+8613800000001', text: '派单' },
      { ticketId: 't1', kind: 'dispatch' },
    );
    expect(sms()[0]!.MessageAttributes?.['AWS.SNS.SMS.MaxPrice']).toEqual({
      DataType: 'Number',
      StringValue: '0.08',
    });
    await d.deadLetters!.put(
      {
        id: 'dispatch.u-szwh.k',
        ticketId: 't1',
        unitId: 'u-szwh',
        kind: 'dispatch',
        messages: [],
        at: '2026-05-06T09:00:00+08:00',
      },
      {
        channel: 'sms',
        to: '+8613800000001',
        text: '派单',
        status: 'failed',
        attempts: 4,
        error: 'Throttling',
      },
    );
    await dlq.close();
    expect(dlq.calls.map((c) => [c.target, c.input.QueueUrl])).toEqual([['AmazonSQS.SendMessage', QUEUE]]);
  });

  it('refuses a malformed SMS price at cold start', () => {
    expect(() => readFunctionEnv({ TABLE_NAME: 'whistle-table', SMS_MAX_PRICE: 'cheap' })).toThrow(
      /SMS_MAX_PRICE/,
    );
  });

  it('leaves the dead-letter queue out when none is configured (the embedded runtime)', () => {
    expect(queueDeps(readFunctionEnv({ TABLE_NAME: 'whistle-table' })).deadLetters).toBeUndefined();
  });
});

describe('SnsNotifier', () => {
  it('keeps e-mail subjects under the SNS limit, on one line, without splitting a character', () => {
    const long = `【吹哨报到】一级催办：WD7K3P9Q2M ${'电动车楼道充电'.repeat(20)}\n第二行`;
    const subject = snsSubject(long);
    expect(Array.from(subject)).toHaveLength(MAX_SUBJECT_CHARS);
    expect(subject).not.toMatch(/[\n\r]/);
    expect(snsSubject('😀'.repeat(120)).endsWith('😀')).toBe(true);
    expect(snsSubject('  ')).toBe('Whistle Dispatch');
  });

  it('lower-cases the address the subscriptions filter on', async () => {
    const notifier = new SnsNotifier(new SNSClient({ region: 'ap-east-1' }), TOPIC);
    await notifier.send(
      { channel: 'email', to: 'Duty@U-SZWH.liling.gov.cn', subject: 's', text: 't' },
      { ticketId: 't1', kind: 'dispatch', unitId: 'u-szwh' },
    );
    expect(attr(emails()[0]!, 'email')).toBe('duty@u-szwh.liling.gov.cn');
  });
});
