/**
 * The table stream's consumer (functions/tasks/send-pending.ts) on AWS: a ticket whose start was
 * refused after its write (a throttled StartExecution; the API still answered 201) is started from
 * its stream record, with the generation's execution name; a refusal fails only that record
 * (batch item failures), so the stream retries it without any client.
 */
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../functions/lib/deps';
import { makeSendPending } from '../../functions/tasks/send-pending';
import { lambdaContext } from '../../infra/local/http-server';
import { type LocalStore, startStore } from '../../infra/local/store-server';
import { DynamoStore, ticketRecordFromImage } from '../../shared/adapters/dynamo-store';
import { SfnWorkflow } from '../../shared/adapters/sfn-workflow';
import { seedConfig } from '../../shared/config/seed';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { Principal } from '../../shared/domain/principal';
import type { Clock } from '../../shared/ports';
import { ConfigService } from '../../shared/use-cases/config-service';
import { createTicket } from '../../shared/use-cases/ticket-service';
import { fail, JsonClientStub, serviceError } from '../helpers/json-client-stub';
import { RecordingQueue } from '../helpers/sender-harness';
import { stopWriterBeforeCounters } from '../helpers/stop-writer';

const TABLE = 'whistle-dispatch';
const NOW = new Date('2026-09-28T09:00:00+08:00');
const clock: Clock = { now: () => NOW };
const ARN = 'arn:aws:states:ap-east-1:111122223333:stateMachine:ticket-lifecycle';
const reporter: Principal = {
  sub: 'grid-worker-1',
  role: 'reporter',
  communityId: 'cm-nanqiao',
  via: 'token',
};

const throttled = () => serviceError('ThrottlingException', 400, 'Rate exceeded (injected)');

describe('the stream consumer sends what a write left pending', () => {
  let local: LocalStore;
  const sfn = new JsonClientStub();
  let deps: Deps;
  let sendPending: ReturnType<typeof makeSendPending>;
  beforeAll(async () => {
    local = await startStore(undefined);
    const store = new DynamoStore(local.client, TABLE);
    await store.put(seedConfig(toShanghaiIso(NOW)));
    deps = {
      store,
      configStore: store,
      configs: new ConfigService(store, clock),
      clock,
      workflow: new SfnWorkflow(sfn, ARN, clock),
      notifier: { send: async () => {} },
      queue: new RecordingQueue(),
      publicBaseUrl: 'https://whistle.example.org',
      local: false,
    };
    sendPending = makeSendPending(deps);
  });
  afterEach(() => sfn.reset());
  afterAll(async () => {
    await local.close();
  });

  /** The ticket item as a stream record carries it (AttributeValue maps). */
  async function image(ticketId: string) {
    const { Items = [] } = await (local.client as DynamoDBClient).send(new ScanCommand({ TableName: TABLE }));
    const item = Items.find((i) => ticketRecordFromImage(unmarshall(i))?.ticket.id === ticketId);
    if (!item) throw new Error(`no item for ${ticketId}`);
    return item;
  }
  const event = (...records: { seq: string; NewImage: unknown; OldImage?: unknown }[]) => ({
    Records: records.map((r) => ({
      eventName: r.OldImage ? 'MODIFY' : 'INSERT',
      dynamodb: {
        SequenceNumber: r.seq,
        NewImage: r.NewImage,
        ...(r.OldImage ? { OldImage: r.OldImage } : {}),
      },
    })),
  });
  const invoke = (e: unknown) =>
    sendPending(e, lambdaContext('sendPending')) as Promise<{
      batchItemFailures: { itemIdentifier: string }[];
    }>;

  it('starts a ticket whose StartExecution was throttled at intake, retrying through the stream', async () => {
    sfn.on('StartExecution', fail(throttled()));
    const { ticket } = await createTicket(deps, reporter, {
      dutyItemId: 'di-neighbor-dispute',
      communityId: 'cm-nanqiao',
      title: '楼道堆放杂物',
      description: '3栋2单元楼道堆满杂物',
      channel: 'grid',
    });
    // The write stands with its start pending, although the engine refused it.
    const written = await image(ticket.id);
    expect(ticketRecordFromImage(unmarshall(written))?.pending?.start?.generation).toBe(1);

    // Still throttled: only this record fails, and the stream will hand it over again.
    const later = await image(ticket.id);
    const refused = await invoke(event({ seq: '100', NewImage: written }, { seq: '101', NewImage: later }));
    expect(refused.batchItemFailures).toEqual([{ itemIdentifier: '100' }]);

    sfn.reset();
    sfn.on('StartExecution', () => ({ executionArn: `${ARN}:ticket-${ticket.id}-1`, startDate: NOW }));
    const ok = await invoke(event({ seq: '100', NewImage: written }));
    expect(ok.batchItemFailures).toEqual([]);
    const calls = sfn.calls('StartExecution');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ stateMachineArn: ARN, name: `ticket-${ticket.id}-1` });
  });

  it('settles the counter changes a writer left on the record when it stopped, once', async () => {
    sfn.on('StartExecution', () => ({ executionArn: `${ARN}:x`, startDate: NOW }));
    const client = local.client as DynamoDBClient;
    // The writer dies after its ticket write, before any counter or aggregate update.
    const writer = stopWriterBeforeCounters(client, 'stopTheWriter');
    const store = deps.store as DynamoStore;
    const openBefore = (await store.board(undefined, 1)).counts.open;
    writer.stopped = true;
    await expect(
      createTicket(deps, reporter, {
        dutyItemId: 'di-neighbor-dispute',
        communityId: 'cm-nanqiao',
        title: '井盖缺失',
        description: '小区门口井盖缺失',
        channel: 'grid',
      }),
    ).rejects.toThrow(/writer stopped/);
    writer.stopped = false;
    const { Items = [] } = await client.send(new ScanCommand({ TableName: TABLE }));
    const left = Items.find((i) => i.sk?.S === 'T' && i.cq);
    expect(left).toBeDefined();
    const id = ticketRecordFromImage(unmarshall(left as Record<string, never>))?.ticket.id as string;
    expect((await store.board(undefined, 1)).counts.open).toBe(openBefore);

    const res = await invoke(event({ seq: '300', NewImage: left }));
    expect(res.batchItemFailures).toEqual([]);
    expect((await store.board(undefined, 1)).counts.open).toBe(openBefore + 1);
    const day = '2026-09-28';
    const office = (await store.dailyTallies([day])).units.get('u-street-lailongmen');
    expect(office?.rc).toBeGreaterThanOrEqual(1);
    const settled = await image(id);
    expect(settled.cq).toBeUndefined();

    // The same record again (a retried batch): nothing moves twice.
    await invoke(event({ seq: '300', NewImage: left }));
    expect((await store.board(undefined, 1)).counts.open).toBe(openBefore + 1);
    expect((await store.dailyTallies([day])).units.get('u-street-lailongmen')).toEqual(office);
    writer.remove();
  });

  it('sends nothing for a write that added no start or signal', async () => {
    const { Items = [] } = await (local.client as DynamoDBClient).send(new ScanCommand({ TableName: TABLE }));
    const item = Items.find((i) => ticketRecordFromImage(unmarshall(i)));
    const res = await invoke(event({ seq: '200', NewImage: item, OldImage: item }));
    expect(res.batchItemFailures).toEqual([]);
    expect(sfn.calls('StartExecution')).toHaveLength(0);
  });
});
