/**
 * The Lambda handlers as AWS runs them: dependencies built from the environment, SDK clients
 * mocked with aws-sdk-client-mock. Asserts what each handler asks of DynamoDB, Step Functions
 * and SNS.
 */
import { gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedConfig } from '../../shared/config/seed';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { Ticket } from '../../shared/domain/model';
import { type AwsJsonEndpoint, startAwsJsonEndpoint } from '../helpers/aws-json-endpoint';
import { LAILONGMEN, LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';

process.env.TABLE_NAME = 'whistle-test';
process.env.STATE_MACHINE_ARN =
  'arn:aws:states:ap-east-1:123456789012:stateMachine:whistle-dispatch-dev-ticket-lifecycle';
process.env.DISPATCH_TOPIC_ARN = 'arn:aws:sns:ap-east-1:123456789012:whistle-dispatch';
process.env.PUBLIC_BASE_URL = 'https://wd.example.cn';
process.env.NOTIFY_QUEUE_URL = 'https://sqs.ap-east-1.amazonaws.com/123456789012/whistle-notify';

// The store talks through the DocumentClient, so that is what is mocked (plain JS items).
const ddb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
/**
 * Step Functions' and the notification queue's endpoint (both speak AWS's JSON protocol), started
 * before the entries load; each call is recorded with its target (`AWSStepFunctions.StartExecution`).
 */
let aws: AwsJsonEndpoint;
const sent = (target: string) =>
  aws.calls.filter((c) => c.target === target).map((c) => c.input as Record<string, string | undefined>);

const context = {
  functionName: 'test',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const config = seedConfig('2026-01-01T00:00:00+08:00');
const configItem = { pk: 'CONFIG', sk: 'V#000000001', version: 1, doc: gzipSync(JSON.stringify(config)) };

function mockConfig() {
  ddb.on(GetCommand).resolves({}); // anything not set up below reads as absent
  ddb.on(QueryCommand).resolves({ Items: [{ version: 1 }] });
  ddb.on(GetCommand, { Key: { pk: 'CONFIG', sk: 'V#000000001' } }).resolves({ Item: configItem });
}

let handlers: {
  intake: (e: unknown, c: Context) => Promise<{ statusCode: number; body?: string }>;
  onTimer: (e: unknown, c: Context) => Promise<unknown>;
  awaitParty: (e: unknown, c: Context) => Promise<unknown>;
};
beforeAll(async () => {
  aws = await startAwsJsonEndpoint(({ target }) => ({
    status: 200,
    body:
      target === 'AWSStepFunctions.StartExecution'
        ? { executionArn: 'arn:x', startDate: Date.now() / 1000 }
        : target === 'AmazonSQS.SendMessageBatch'
          ? { Successful: [{ Id: '0', MessageId: 'q-1', MD5OfMessageBody: '' }] }
          : {},
  }));
  process.env.AWS_ENDPOINT_URL_SQS = aws.endpoint;
  process.env.AWS_ENDPOINT_URL_SFN = aws.endpoint;
  handlers = {
    intake: (await import('../../functions/entries/ticket-intake')).handler as never,
    onTimer: (await import('../../functions/entries/on-timer')).handler as never,
    awaitParty: (await import('../../functions/entries/await-party')).handler as never,
  };
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_SQS;
  delete process.env.AWS_ENDPOINT_URL_SFN;
  await aws?.close();
});

afterEach(() => {
  aws.calls.length = 0;
  ddb.reset();
  sns.reset();
});

function apiEvent(routeKey: string, body: unknown, claims: Record<string, string>) {
  return {
    version: '2.0',
    routeKey,
    rawPath: routeKey.split(' ')[1],
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST' }, authorizer: { jwt: { claims, scopes: null } } },
  };
}

/** A dispatched urgent ticket, 40 minutes old and never acknowledged. */
function overdueTicket(): Ticket {
  const created = new Date(Date.now() - 40 * 60_000);
  const at = (min: number) => toShanghaiIso(new Date(created.getTime() + min * 60_000));
  return {
    id: 'tabcdefghijklmnopqrst',
    code: 'WDABCDEFGH',
    status: 'dispatched',
    dutyItemId: NEIGHBOR_DISPUTE,
    dutyItemName: '邻里矛盾纠纷调解',
    dutyKind: 'basic',
    slaClass: 'urgent',
    priority: 'urgent',
    channel: 'hotline',
    communityId: NANQIAO,
    streetId: LAILONGMEN,
    title: '楼道冒烟',
    description: '电线老化',
    createdAt: at(0),
    updatedAt: at(0),
    createdBy: 'reporter:x',
    version: 3,
    configVersion: 1,
    assignments: [{ unitId: LAILONGMEN_OFFICE, role: 'lead', status: 'dispatched', dispatchedAt: at(0) }],
    deadlines: { acknowledgeBy: at(30) },
    clocks: [
      {
        stage: 'acknowledge',
        unitId: LAILONGMEN_OFFICE,
        startedAt: at(0),
        warnAt: at(22.5),
        dueAt: at(30),
        level2At: at(60),
        level3At: at(150),
        warnedAt: at(23),
        level: 0,
        notifiedAt: at(0),
      },
    ],
    escalationLevel: 0,
    breaches: [],
    timeline: [],
    reopenCount: 0,
    excludedUnitIds: [],
    flags: [],
    urgeCount: 0,
  };
}

describe('POST /v1/tickets (ticket-intake)', () => {
  it('writes the ticket with a conditional put and starts the execution named after it', async () => {
    mockConfig();
    ddb.on(PutCommand).resolves({});
    const res = await handlers.intake(
      apiEvent(
        'POST /v1/tickets',
        {
          dutyItemId: NEIGHBOR_DISPUTE,
          communityId: NANQIAO,
          title: '噪音',
          description: '夜间施工',
          channel: 'hotline',
        },
        { sub: 'grid-1', role: 'reporter', communityId: NANQIAO },
      ),
      context,
    );
    expect(res.statusCode).toBe(201);
    const ticket = JSON.parse(res.body as string) as Ticket;
    const put = ddb.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect((put?.Item as { pk?: string } | undefined)?.pk).toBe(`T#${ticket.id}`);
    const start = sent('AWSStepFunctions.StartExecution')[0];
    // Generation 1 of the ticket's execution; the record names it and the start it owes.
    expect(start?.name).toBe(`ticket-${ticket.id}-1`);
    expect(start?.stateMachineArn).toBe(process.env.STATE_MACHINE_ARN);
    expect(JSON.parse(start?.input as string)).toMatchObject({ ticketId: ticket.id, next: 'tracks' });
  });

  it('answers invalid input with 400 problem+json naming the field, touching nothing', async () => {
    const res = await handlers.intake(
      apiEvent(
        'POST /v1/tickets',
        { dutyItemId: 'di-x', communityId: NANQIAO, title: '', channel: 'fax' },
        {
          sub: 'grid-1',
          role: 'reporter',
          communityId: NANQIAO,
        },
      ),
      context,
    );
    expect(res.statusCode).toBe(400);
    const problem = JSON.parse(res.body as string) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['title', 'description', 'channel']),
    );
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    expect(sent('AWSStepFunctions.StartExecution')).toHaveLength(0);
  });
});

describe('UnitTimer task (on-timer)', () => {
  it('records the level-1 breach, escalates to the unit leader by SMS and email, and waits again', async () => {
    mockConfig();
    const ticket = overdueTicket();
    ddb.on(GetCommand, { Key: { pk: `T#${ticket.id}`, sk: 'T' } }).resolves({
      Item: { pk: `T#${ticket.id}`, sk: 'T', version: 3, t: ticket, tokens: {} },
    });
    ddb.on(PutCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const step = (await handlers.onTimer(
      {
        ticketId: ticket.id,
        party: 'lead',
        unitId: LAILONGMEN_OFFICE,
        stage: 'acknowledge',
        timerAt: ticket.clocks[0]?.dueAt,
        timerSeconds: 1,
        execution: `ticket-${ticket.id}-1`,
      },
      context,
    )) as { next: string; Payload: { stage: string; timerAt: string } };
    expect(step.next).toBe('wait');
    expect(step.Payload.stage).toBe('acknowledge');
    expect(step.Payload.timerAt).toBe(ticket.clocks[0]?.level2At);

    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    const saved = puts.find((p) => p.ConditionExpression === 'version = :v');
    expect((saved?.Item as { t?: Ticket } | undefined)?.t?.breaches).toEqual([
      expect.objectContaining({ stage: 'acknowledge', level: 1, unitId: LAILONGMEN_OFFICE }),
    ]);
    expect(puts.some((p) => (p.Item as { gk1?: string }).gk1 === 'BREACH')).toBe(true);

    // The escalation is recorded and queued for the sender: the timer never waits on SNS.
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    const leader = config.units.find((u) => u.id === LAILONGMEN_OFFICE)?.contacts;
    const notice = puts.find((p) => String(p.Item?.sk).startsWith('N#escalation.'))?.Item as
      | {
          n: { id: string; messages: { channel: string; to: string; text: string; status: string }[] };
          gk4?: string;
        }
      | undefined;
    const [sms, email] = notice?.n.messages ?? [];
    expect(sms).toMatchObject({ channel: 'sms', to: leader?.leaderPhone, status: 'queued' });
    expect(sms?.text.length).toBeLessThanOrEqual(70);
    expect(email).toMatchObject({ channel: 'email', to: leader?.email, status: 'queued' });
    expect(notice?.gk4).toMatch(/^NQ#/);
    const queued = aws.calls
      .filter((c) => c.target === 'AmazonSQS.SendMessageBatch')
      .map((c) => c.input as { QueueUrl?: string; Entries?: { MessageBody?: string }[] });
    expect(queued.flatMap((q) => q.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? '{}'))).toEqual([
      { ticketId: ticket.id, notificationId: notice?.n.id },
    ]);
    expect(queued[0]?.QueueUrl).toBe(process.env.NOTIFY_QUEUE_URL);
  });
  it('ends a party that is done without re-arming the instant that just fired (no spin between timer and wait)', async () => {
    mockConfig();
    const ticket = { ...overdueTicket(), status: 'closed' as const, closedAt: toShanghaiIso(new Date()) };
    ticket.clocks = ticket.clocks.map((c) => ({ ...c, doneAt: toShanghaiIso(new Date()) }));
    ddb.on(GetCommand, { Key: { pk: `T#${ticket.id}`, sk: 'T' } }).resolves({
      Item: { pk: `T#${ticket.id}`, sk: 'T', version: 3, t: ticket, tokens: {} },
    });
    const fired = ticket.clocks[0]?.dueAt as string;
    const step = (await handlers.onTimer(
      {
        ticketId: ticket.id,
        party: 'lead',
        unitId: LAILONGMEN_OFFICE,
        stage: 'acknowledge',
        timerAt: fired,
        timerSeconds: 1,
        execution: `ticket-${ticket.id}-1`,
      },
      context,
    )) as { next: string; Payload: { timerAt: string; timerSeconds: number } };
    // The ASL re-enters the wait and AwaitUnit completes it at once; a timeout of a second (the
    // past instant) would beat a cold AwaitUnit and loop back here for ever.
    expect(step.next).toBe('done');
    expect(Date.parse(step.Payload.timerAt)).toBeGreaterThan(Date.now() + 24 * 3600_000);
    expect(step.Payload.timerSeconds).toBeGreaterThan(24 * 3600);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('AwaitUnit task (await-party)', () => {
  it('completes its own wait at once when the unit already acted (no token stored, no dispatch)', async () => {
    mockConfig();
    const ticket = overdueTicket();
    const acked: Ticket = {
      ...ticket,
      status: 'acknowledged',
      assignments: [
        {
          ...(ticket.assignments[0] as Ticket['assignments'][number]),
          status: 'acknowledged',
          acknowledgedAt: ticket.updatedAt,
        },
      ],
      clocks: ticket.clocks.map((c) => ({ ...c, doneAt: ticket.updatedAt })),
    };
    ddb.on(GetCommand, { Key: { pk: `T#${ticket.id}`, sk: 'T' } }).resolves({
      Item: { pk: `T#${ticket.id}`, sk: 'T', version: 4, t: acked, tokens: {} },
    });
    await handlers.awaitParty(
      {
        ticketId: ticket.id,
        party: 'lead',
        unitId: LAILONGMEN_OFFICE,
        stage: 'acknowledge',
        timerAt: ticket.clocks[0]?.dueAt,
        timerSeconds: 5,
        execution: `ticket-${ticket.id}-1`,
        taskToken: 'token-123',
      },
      context,
    );
    const success = sent('AWSStepFunctions.SendTaskSuccess')[0];
    expect(success?.taskToken).toBe('token-123');
    expect(JSON.parse(success?.output as string)).toMatchObject({
      next: 'wait',
      Payload: { stage: 'resolve' },
    });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('throws VersionConflictError (retried by the ASL) when the ticket keeps moving', async () => {
    mockConfig();
    const ticket = { ...overdueTicket(), clocks: overdueTicket().clocks.map((c) => ({ ...c, level: 1 })) };
    ddb.on(GetCommand, { Key: { pk: `T#${ticket.id}`, sk: 'T' } }).resolves({
      Item: { pk: `T#${ticket.id}`, sk: 'T', version: 3, t: ticket, tokens: {} },
    });
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'moved', $metadata: {} }));
    await expect(
      handlers.awaitParty(
        {
          ticketId: ticket.id,
          party: 'lead',
          unitId: LAILONGMEN_OFFICE,
          stage: 'acknowledge',
          timerAt: ticket.updatedAt,
          timerSeconds: 5,
          execution: `ticket-${ticket.id}-1`,
          taskToken: 't',
        },
        context,
      ),
    ).rejects.toMatchObject({ name: 'VersionConflictError' });
  });
});
