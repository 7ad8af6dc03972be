/**
 * Faults from DynamoDB, SNS and Step Functions, injected with aws-sdk-client-mock (and, for the
 * SDK's own retries, with a middleware in front of a real store): each is retried with backoff,
 * answered as the port promises, or surfaced to HTTP clients as a clean 503 problem+json.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
} from '@aws-sdk/client-dynamodb';
import {
  InternalErrorException,
  InvalidParameterException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeQueries } from '../../functions/api/queries';
import { makeTicketIntake } from '../../functions/api/ticket-intake';
import type { Deps } from '../../functions/lib/deps';
import { errorToResponse } from '../../functions/lib/http';
import { lambdaContext } from '../../infra/local/http-server';
import { type LocalStore, startStore } from '../../infra/local/store-server';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { SfnWorkflow } from '../../shared/adapters/sfn-workflow';
import { SnsNotifier } from '../../shared/adapters/sns-notifier';
import { seedConfig } from '../../shared/config/seed';
import { createWorkCalendar } from '../../shared/domain/calendar';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import { StoreBusyError, ValidationError, VersionConflictError } from '../../shared/domain/errors';
import type { Principal } from '../../shared/domain/principal';
import * as rules from '../../shared/domain/ticket-rules';
import type { Clock, NotificationRecord, Step, StoredTicket } from '../../shared/ports';
import { ConfigService } from '../../shared/use-cases/config-service';
import { buildNotice, enqueue } from '../../shared/use-cases/notify';
import { awaitParty, createTicket, type TicketDeps, ticketStep } from '../../shared/use-cases/ticket-service';
import { LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';
import { fail, JsonClientStub, serviceError } from '../helpers/json-client-stub';
import { RecordingQueue, testSender } from '../helpers/sender-harness';
import { RecordingWorkflow } from '../helpers/stub-workflow';

const TABLE = 'whistle-dispatch';
const NOW = new Date('2026-09-28T09:00:00+08:00');
const meta = { $metadata: {} };
const clock: Clock = { now: () => NOW };
const reporter: Principal = {
  sub: 'grid-worker-1',
  role: 'reporter',
  communityId: NANQIAO,
  via: 'token',
};
const newTicket = {
  dutyItemId: NEIGHBOR_DISPUTE,
  communityId: NANQIAO,
  title: '楼道堆放杂物',
  description: '3栋2单元楼道堆满杂物',
  channel: 'grid' as const,
};

/** An error shaped as the SDK throws it after its own retries gave up. */
function sdkError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} (injected)`), {
    name,
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

describe('DynamoDB faults → StoreBusyError, conflicts → the port’s answers', () => {
  let ddb: AwsClientStub<DynamoDBDocumentClient>;
  const store = new DynamoStore(new DynamoDBClient({ region: 'ap-east-1' }), TABLE);
  beforeAll(() => {
    ddb = mockClient(DynamoDBDocumentClient);
  });
  afterEach(() => ddb.reset());
  afterAll(() => ddb.restore());

  const transient: [string, Error][] = [
    [
      'ProvisionedThroughputExceededException',
      new ProvisionedThroughputExceededException({ message: 'slow down', ...meta }),
    ],
    ['RequestLimitExceeded', new RequestLimitExceeded({ message: 'account limit', ...meta })],
    ['InternalServerError', new InternalServerError({ message: 'oops', ...meta })],
    ['ThrottlingException', sdkError('ThrottlingException', 400, { $retryable: { throttling: true } })],
    ['a 503 from the endpoint', sdkError('ServiceUnavailable', 503)],
    ['a reset connection', Object.assign(new Error('read ECONNRESET'), { name: 'Error' })],
  ];
  it.each(transient)('turns %s into StoreBusyError on reads, writes and queries', async (_n, err) => {
    ddb.on(GetCommand).rejects(err);
    ddb.on(PutCommand).rejects(err);
    ddb.on(QueryCommand).rejects(err);
    await expect(store.getTicket('t00000000000000000000')).rejects.toBeInstanceOf(StoreBusyError);
    await expect(store.latestVersion()).rejects.toBeInstanceOf(StoreBusyError);
    await expect(store.listTickets({}, 10)).rejects.toBeInstanceOf(StoreBusyError);
    await expect(store.hasNotification('t1', 'n1')).rejects.toBeInstanceOf(StoreBusyError);
  });

  it('leaves a client mistake (ValidationException) as it is: retrying would not help', async () => {
    ddb.on(GetCommand).rejects(sdkError('ValidationException', 400));
    const err = await store.getTicket('t1').catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(StoreBusyError);
    expect((err as Error).name).toBe('ValidationException');
  });

  it('answers a lost conditional write as the port says: false, or VersionConflictError', async () => {
    const t = (await import('../../shared/domain/ticket-rules')).createTicket(
      newTicket,
      { id: 't0000000000000000000a', code: 'WD00000000' },
      reporter,
      {
        now: NOW,
        config: seedConfig(toShanghaiIso(NOW)),
        cal: (await import('../../shared/domain/calendar')).createWorkCalendar([]),
      },
    );
    const rec: StoredTicket = { ticket: t, tokens: {} };
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', ...meta }));
    expect(await store.createTicket(rec)).toBe(false);
    await expect(store.saveTicket(rec, 0)).rejects.toBeInstanceOf(VersionConflictError);
    const n: NotificationRecord = {
      id: 'n1',
      ticketId: t.id,
      kind: 'dispatch',
      messages: [],
      at: t.createdAt,
    };
    expect(await store.putNotification(n, 'u-x')).toBe(false);
  });

  it('refuses a cursor it did not issue before asking the store', async () => {
    await expect(store.listTickets({}, 10, 'bm90LWEta2V5')).rejects.toBeInstanceOf(ValidationError);
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('the SDK retries throttling with backoff before the store gives up', () => {
  let local: LocalStore;
  beforeAll(async () => {
    local = await startStore(undefined);
  });
  afterAll(async () => {
    await local.close();
  });

  /** Fail the next `n` attempts (inside the SDK's retry loop) with a throttling error. */
  function throttleNext(n: number) {
    const seen: number[] = [];
    let left = n;
    const name = `throttle-${Math.random()}`;
    local.client.middlewareStack.add(
      (next) => async (args) => {
        seen.push(Date.now());
        if (left > 0) {
          left -= 1;
          throw sdkError('ProvisionedThroughputExceededException', 400);
        }
        return next(args);
      },
      { step: 'deserialize', name },
    );
    return { seen, remove: () => local.client.middlewareStack.remove(name) };
  }

  it('absorbs two throttled attempts (three in all) and the read succeeds', async () => {
    const store = new DynamoStore(local.client, 'whistle-dispatch');
    const fault = throttleNext(2);
    try {
      expect(await store.getTicket('t00000000000000000000')).toBeUndefined();
      expect(fault.seen).toHaveLength(3);
      // Backoff: the attempts are spread out, not fired back to back.
      expect((fault.seen[2] ?? 0) - (fault.seen[0] ?? 0)).toBeGreaterThan(0);
    } finally {
      fault.remove();
    }
  });

  it('gives up after its attempts and says StoreBusyError (the caller or the ASL retries)', async () => {
    const store = new DynamoStore(local.client, 'whistle-dispatch');
    const fault = throttleNext(10);
    try {
      await expect(store.getTicket('t00000000000000000000')).rejects.toBeInstanceOf(StoreBusyError);
      expect(fault.seen).toHaveLength(3);
    } finally {
      fault.remove();
    }
  });
});

describe('SNS faults: retried with backoff, then recorded as failed and the ticket flagged', () => {
  let sns: AwsClientStub<SNSClient>;
  let local: LocalStore;
  let store: DynamoStore;
  beforeAll(async () => {
    local = await startStore(undefined);
    store = new DynamoStore(local.client, TABLE);
    await store.put(seedConfig(toShanghaiIso(NOW)));
    sns = mockClient(SNSClient);
  });
  afterEach(() => sns.reset());
  afterAll(async () => {
    sns.restore();
    await local.close();
  });

  const notifier = () =>
    new SnsNotifier(new SNSClient({ region: 'ap-east-1' }), 'arn:aws:sns:ap-east-1:111122223333:dispatch');
  const config = seedConfig(toShanghaiIso(NOW));
  const subject = rules.createTicket(
    newTicket,
    { id: 't0000000000000000000b', code: 'WD0000000B' },
    reporter,
    {
      now: NOW,
      config,
      cal: createWorkCalendar([]),
    },
  );
  /** A dispatch notice as the use cases build it: an SMS to the duty phone and an e-mail. */
  const record = (key: string): NotificationRecord =>
    buildNotice(
      subject,
      { kind: 'dispatch', unitId: LAILONGMEN_OFFICE, stage: 'acknowledge', key },
      { config, publicBaseUrl: 'https://whistle.example.org', now: NOW },
    );
  const phone = () => record('x').messages.find((m) => m.channel === 'sms')?.to as string;

  /** Record the notice as a task does, then let the sender work on it (real time stands still). */
  const queued = (backoffMs: number[]) => {
    let now = Date.parse('2026-09-28T01:00:00Z');
    const queue = new RecordingQueue();
    const tickets = {
      store,
      configs: new ConfigService(store, clock),
      clock,
      workflow: new RecordingWorkflow(),
      notifier: notifier(),
      queue,
      publicBaseUrl: 'https://whistle.example.org',
      realNow: () => now,
    } satisfies TicketDeps;
    const s = testSender(tickets, local.client, TABLE, { backoffMs, now: () => now });
    return {
      ...s,
      tickets,
      queue,
      advance: (ms: number) => {
        now += ms;
      },
    };
  };

  it('retries a throttled SMS with backoff, shows it as retrying meanwhile, and records it sent', async () => {
    sns
      .on(PublishCommand, { PhoneNumber: phone() })
      .rejectsOnce(new ThrottledException({ message: 'Rate exceeded', ...meta }))
      .rejectsOnce(new InternalErrorException({ message: 'internal', ...meta }))
      .resolves({ MessageId: 'sms-1' });
    sns
      .on(PublishCommand, { TopicArn: 'arn:aws:sns:ap-east-1:111122223333:dispatch' })
      .resolves({ MessageId: 'm-1' });
    const q = queued([10, 20, 40]);
    const notice = record('retry-1');
    const outcome = await enqueue(q.tickets, notice);
    expect(outcome).toMatchObject({ delivered: true, duplicate: false });
    expect(q.queue.refs).toEqual([{ ticketId: subject.id, notificationId: notice.id }]);
    // Recorded, not sent: the task never waits on SNS.
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    await q.drain();
    const waiting = await store.getNotification(subject.id, notice.id);
    expect(waiting?.messages[0]).toMatchObject({
      status: 'retrying',
      attempts: 1,
      error: 'ThrottledException',
    });
    // Not due yet: nothing is sent before the backoff has passed.
    await q.drain();
    expect(sns.commandCalls(PublishCommand, { PhoneNumber: phone() })).toHaveLength(1);
    q.advance(10);
    await q.drain();
    expect((await store.getNotification(subject.id, notice.id))?.messages[0]).toMatchObject({
      status: 'retrying',
      attempts: 2,
      error: 'InternalErrorException',
    });
    q.advance(20);
    await q.drain();
    expect(sns.commandCalls(PublishCommand, { PhoneNumber: phone() })).toHaveLength(3);
    const saved = await store.getNotification(subject.id, notice.id);
    expect(saved?.messages.map((m) => [m.channel, m.status, m.attempts])).toEqual([
      ['sms', 'sent', 3],
      ['email', 'sent', 1],
    ]);
    expect(saved?.sendAfter).toBeUndefined();
    // A retried task finds the record and sends nothing again.
    const again = await enqueue(q.tickets, record('retry-1'));
    expect(again.duplicate).toBe(true);
    await q.drain();
    expect(sns.commandCalls(PublishCommand)).toHaveLength(4);
  });

  it('gives up after the backoff is spent and records the message failed', async () => {
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', ...meta }));
    const q = queued([0, 0, 0]);
    await enqueue(q.tickets, record('fail-1'));
    await q.drain();
    const saved = await store.getNotification(subject.id, record('fail-1').id);
    expect(saved?.messages.map((m) => [m.status, m.attempts, m.error])).toEqual([
      ['failed', 4, 'ThrottledException'],
      ['failed', 4, 'ThrottledException'],
    ]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(8);
  });

  it('does not retry a permanent refusal (a malformed number)', async () => {
    sns.on(PublishCommand).rejects(new InvalidParameterException({ message: 'bad number', ...meta }));
    const q = queued([0, 0, 0]);
    await enqueue(q.tickets, record('perm-1'));
    await q.drain();
    const saved = await store.getNotification(subject.id, record('perm-1').id);
    expect(saved?.messages.map((m) => m.attempts)).toEqual([1, 1]);
  });

  it('flags the ticket notification_failed when the dispatch cannot go out, and still arms the wait', async () => {
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', ...meta }));
    const workflow = new RecordingWorkflow();
    const q = queued([0, 0]);
    const deps: TicketDeps = { ...q.tickets, workflow };
    const { ticket } = await createTicket(deps, reporter, newTicket, 'flag-1');
    expect(workflow.started.map((s) => [s.ticketId, s.generation])).toEqual([[ticket.id, 1]]);
    const track = ticketStep(ticket, clock).tracks?.[0];
    expect(track?.wait).toBeDefined();
    await awaitParty(deps, track?.wait as NonNullable<Step['wait']>, 'token-1', { generation: 1 });
    // Armed at once, whatever SNS does.
    expect((await store.getTicket(ticket.id))?.tokens.lead).toMatchObject({
      token: 'token-1',
      stage: 'acknowledge',
    });
    await q.drain();
    const after = await store.getTicket(ticket.id);
    expect(after?.ticket.flags).toContain('notification_failed');
    expect(after?.ticket.status).toBe('dispatched');
    expect(after?.tokens.lead).toMatchObject({
      token: 'token-1',
      stage: 'acknowledge',
      unitId: LAILONGMEN_OFFICE,
      generation: 1,
    });
    // The armed wait proves the start delivered: nothing is left pending.
    expect(after?.pending).toBeUndefined();
    const notes = await store.listNotifications({ ticketId: ticket.id }, 10);
    expect(notes.items.flatMap((n) => n.messages.map((m) => m.status))).toEqual(['failed', 'failed']);
  });
});

describe('Step Functions: generations, signals, redrive', () => {
  const sfn = new JsonClientStub();
  const arn = 'arn:aws:states:ap-east-1:111122223333:stateMachine:ticket-lifecycle';
  const executionArn = (name: string) =>
    `arn:aws:states:ap-east-1:111122223333:execution:ticket-lifecycle:${name}`;
  const wf = () => new SfnWorkflow(sfn, arn, clock);
  const done: Step = { ticketId: 't1', next: 'done' };
  const wait: Step = {
    ticketId: 't1',
    next: 'wait',
    wait: {
      ticketId: 't1',
      party: 'lead',
      unitId: 'u-szwh',
      stage: 'resolve',
      timerAt: toShanghaiIso(new Date(NOW.getTime() + 90_500)),
    },
  };
  afterEach(() => sfn.reset());

  it.each([
    ['TaskTimedOut', serviceError('TaskTimedOut', 400, 'timed out')],
    ['TaskDoesNotExist', serviceError('TaskDoesNotExist', 400, 'gone')],
    ['InvalidToken', serviceError('InvalidToken', 400, 'bad token')],
  ])('answers false when the wait already ended (%s): the record holds the truth', async (_n, err) => {
    sfn.on('SendTaskSuccess', fail(err));
    expect(await wf().resume('token', wait)).toBe(false);
  });

  it('resumes a wait with the next wait, its timeout in whole seconds under Payload', async () => {
    expect(await wf().resume('token', wait)).toBe(true);
    const sent = sfn.calls('SendTaskSuccess')[0];
    expect(sent?.taskToken).toBe('token');
    expect(JSON.parse(String(sent?.output ?? '{}'))).toEqual({
      ticketId: 't1',
      next: 'wait',
      Payload: { ...wait.wait, timerSeconds: 91 },
    });
  });

  it('ends a party that is done with the task failure the ASL catches (PartyDone)', async () => {
    expect(await wf().resume('token', done)).toBe(true);
    expect(sfn.calls('SendTaskFailure')[0]).toMatchObject({
      taskToken: 'token',
      error: 'PartyDone',
    });
    expect(sfn.calls('SendTaskSuccess')).toHaveLength(0);
  });

  it('names executions by ticket and generation; starting the running one again is a no-op', async () => {
    sfn.on('StartExecution', fail(serviceError('ExecutionAlreadyExists', 400, 'exists')));
    await expect(wf().start('t1', 3, done)).resolves.toBeUndefined();
    expect(sfn.calls('StartExecution')[0]?.name).toBe('ticket-t1-3');
  });

  it('stops the generation it is told (a repair stops the old one), and a gone one is a no-op', async () => {
    sfn.on('StopExecution', fail(serviceError('ExecutionDoesNotExist', 400)));
    await expect(wf().stop('t1', 2, 'superseded')).resolves.toBeUndefined();
    expect(sfn.calls('StopExecution')[0]?.executionArn).toBe(executionArn('ticket-t1-2'));
  });

  it('describes an execution: running, ended (redrivable or not), or missing', async () => {
    sfn.on('DescribeExecution', ({ executionArn: arn }) => {
      if (arn === executionArn('ticket-t1-1')) return { status: 'RUNNING' };
      if (arn === executionArn('ticket-t1-2')) return { status: 'FAILED', redriveStatus: 'REDRIVABLE' };
      throw serviceError('ExecutionDoesNotExist', 400, 'no');
    });
    expect(await wf().describe('t1', 1)).toEqual({ execution: 'running', redrivable: false });
    expect(await wf().describe('t1', 2)).toEqual({ execution: 'ended', redrivable: true });
    expect(await wf().describe('t1', 3)).toEqual({ execution: 'missing' });
  });

  it('redrives a failed execution, and says so when it cannot', async () => {
    sfn.on('RedriveExecution', ({ executionArn: arn }) => {
      if (arn === executionArn('ticket-t1-1')) return {};
      throw serviceError('ExecutionNotRedrivable', 400, 'too old');
    });
    expect(await wf().redrive('t1', 1)).toBe(true);
    expect(await wf().redrive('t1', 2)).toBe(false);
  });

  it('lets throttling through to the caller (the write stands; the signal stays pending)', async () => {
    sfn.on('SendTaskSuccess', fail(serviceError('ThrottlingException', 400, 'Rate exceeded')));
    const err = await wf()
      .resume('token', wait)
      .catch((e: unknown) => e);
    expect(errorToResponse(err).statusCode).toBe(503);
  });
});

describe('HTTP: dependency faults surface as clean problem+json', () => {
  it.each([
    ['StoreBusyError', new StoreBusyError('store unavailable'), 503],
    [
      'SNS or SFN throttling',
      sdkError('ThrottlingException', 400, { $retryable: { throttling: true } }),
      503,
    ],
    ['a 5xx from a dependency', sdkError('InternalFailure', 500), 503],
    ['a lost optimistic lock after every retry', new VersionConflictError('moved'), 409],
  ])('maps %s to %i', (_n, err, status) => {
    const res = errorToResponse(err);
    expect(res.statusCode).toBe(status);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    const body = JSON.parse(res.body as string) as { status: number; title: string; detail: string };
    expect(body.status).toBe(status);
    expect(body.detail).not.toMatch(/injected|moved|store unavailable/);
  });

  it('keeps anything else a bare 500 that leaks no internals', () => {
    const res = errorToResponse(new Error('secret table name whistle-prod'));
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('whistle-prod');
  });

  describe('through the real handlers, with the table throttled', () => {
    let ddb: AwsClientStub<DynamoDBDocumentClient>;
    let ticketIntake: ReturnType<typeof makeTicketIntake>;
    let queries: ReturnType<typeof makeQueries>;
    beforeAll(() => {
      ddb = mockClient(DynamoDBDocumentClient);
    });
    beforeEach(() => {
      const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', ...meta });
      ddb.onAnyCommand().rejects(throttled);
      const store = new DynamoStore(new DynamoDBClient({ region: 'ap-east-1' }), TABLE);
      const deps: Deps = {
        store,
        configStore: store,
        configs: new ConfigService(store, clock),
        clock,
        workflow: new RecordingWorkflow(),
        notifier: { send: async () => {} },
        queue: new RecordingQueue(),
        publicBaseUrl: 'https://whistle.example.org',
        local: false,
      };
      ticketIntake = makeTicketIntake(deps);
      queries = makeQueries(deps);
    });
    afterAll(() => ddb.restore());

    const event = (
      routeKey: string,
      path: string,
      body?: unknown,
      pathParameters?: Record<string, string>,
    ) => ({
      version: '2.0',
      routeKey,
      rawPath: path,
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
      ...(pathParameters ? { pathParameters } : {}),
      isBase64Encoded: false,
      requestContext: {
        http: {
          method: routeKey.split(' ')[0],
          path,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 't',
        },
        requestId: 'r1',
        routeKey,
        stage: '$default',
        authorizer: {
          jwt: {
            claims: { sub: 'grid-worker-1', role: 'reporter', communityId: NANQIAO },
            scopes: null,
          },
        },
      },
    });

    it('POST /v1/tickets answers 503 problem+json', async () => {
      const res = (await ticketIntake(
        event('POST /v1/tickets', '/v1/tickets', newTicket) as never,
        lambdaContext('ticketIntake'),
      )) as {
        statusCode: number;
        headers: Record<string, string>;
        body: string;
      };
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(res.body)).toMatchObject({ status: 503, title: 'Service unavailable' });
    });

    it('GET /v1/tickets/{id} answers 503 problem+json', async () => {
      const id = 't0000000000000000000c';
      const res = (await queries(
        event('GET /v1/tickets/{id}', `/v1/tickets/${id}`, undefined, { id }) as never,
        lambdaContext('queries'),
      )) as { statusCode: number; body: string };
      expect(res.statusCode).toBe(503);
      expect(JSON.parse(res.body)).toMatchObject({ status: 503 });
    });
  });
});
