/**
 * The archive of expired tickets (issue 16): a TTL-removed ticket record is written to S3 with
 * its timeline, breaches and notices, and only then does the rest of it leave the table.
 */
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, type LocalStore, startStore } from '../../infra/local/store-server';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { archiveKey, TicketArchive } from '../../shared/adapters/ticket-archive';
import { seedConfig } from '../../shared/config/seed';
import { createWorkCalendar } from '../../shared/domain/calendar';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import * as rules from '../../shared/domain/ticket-rules';
import { ticketIds } from '../../shared/use-cases/ticket-service';

const NOW = new Date('2026-09-28T09:00:00+08:00');
const config = seedConfig(toShanghaiIso(NOW));
let local: LocalStore;

beforeAll(async () => {
  local = await startStore(undefined);
});
afterAll(async () => {
  await local?.close();
});

describe('TicketArchive', () => {
  it('writes the expired ticket with its breaches to S3, then removes the rest of it', async () => {
    const table = 'archive-test';
    await ensureTable(local.client, table);
    const store = new DynamoStore(local.client, table);
    const t = rules.createTicket(
      {
        dutyItemId: 'di-neighbor-dispute',
        communityId: 'cm-nanqiao',
        title: '归档',
        description: '过期',
        channel: 'grid',
      },
      ticketIds('archive-1'),
      { sub: 'r1', role: 'reporter', communityId: 'cm-nanqiao', via: 'token' },
      { now: NOW, config, cal: createWorkCalendar([]) },
    );
    await store.createTicket({ ticket: t, tokens: {} });
    await store.putBreaches(t, [
      {
        stage: 'acknowledge',
        unitId: 'u-street-lailongmen',
        level: 1,
        dueAt: t.createdAt,
        breachedAt: t.createdAt,
      },
    ] as never);
    const item = (
      await local.client.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: `T#${t.id}` }, sk: { S: 'T' } } }),
      )
    ).Item;
    const { unmarshall } = await import('@aws-sdk/util-dynamodb');
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    const archive = new TicketArchive(
      local.client,
      table,
      new S3Client({ region: 'local' }),
      'archive-bucket',
    );

    const key = await archive.archive(unmarshall(item as never));
    expect(key).toBe(archiveKey(t));
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put?.Bucket).toBe('archive-bucket');
    const body = JSON.parse(String(put?.Body));
    expect(body.ticket.id).toBe(t.id);
    expect(body.ticket.timeline.length).toBeGreaterThan(0);
    expect(body.breaches).toHaveLength(1);
    // What TTL left (breach, street entry) and the code's pointer are gone; the record is TTL's.
    const left = await local.client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `T#${t.id}` } },
      }),
    );
    expect((left.Items ?? []).map((i) => i.sk?.S)).toEqual(['T']);
    expect(await store.findTicketIdByCode(t.code)).toBeUndefined();
    // A retried batch archives the same ticket again without failing.
    await archive.archive(unmarshall(item as never));
    s3.restore();
  });
});
