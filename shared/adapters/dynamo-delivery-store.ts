/**
 * The sender's bookkeeping in the ticket table, beside the notification records (table-design.ts):
 *
 * - queue key     on the notification item: gk4 = NQ#<shard>, gs4 = <sendAfter>#<ticketId>#<id>,
 *                 present only while the record has something to send or report (sparse index
 *                 byStatus); the embedded runtime's queue is a query on it, and on AWS it finds
 *                 records whose SQS message was lost. Four shards keep a 17:30 wave off one partition.
 * - claim         `lease` {owner, run, until} on the notification item (conditional update): free, run
 *                 out, or left by an earlier run of the same owner (a restarted runtime takes its
 *                 records back at once); never twice by the same run, so two deliveries of one
 *                 queue message to one container do not both send
 * - spend         SPEND#<YYYY-MM> / S     fen sent this month (conditional ADD against the cap)
 * - receipt ref   RCPT#<provider>#<gateway id> / R   which record and message a receipt names
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Claimed, DeliveryStore, MessageProvider, NotificationRecord, NotificationRef } from '../ports';
import { gsiNames } from './table-design';
import {
  notificationSk,
  queueShardKey,
  RECEIPT_SK,
  receiptPk,
  SPEND_SK,
  spendPk,
  ticketPk,
} from './table-keys';

export const QUEUE_SHARDS = 4;
const NUL = '#';

function shardOf(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return h % QUEUE_SHARDS;
}

/** The queue key a notification item carries while it is due (dynamo-notices.ts writes it too). */
export function notificationQueueKey(record: NotificationRecord): { gk4: string; gs4: string } | undefined {
  if (!record.sendAfter) return undefined;
  return {
    gk4: queueShardKey(shardOf(record.id)),
    gs4: `${record.sendAfter}${NUL}${record.ticketId}${NUL}${record.id}`,
  };
}

const itemKey = (ref: NotificationRef) => ({
  pk: ticketPk(ref.ticketId),
  sk: notificationSk(ref.notificationId),
});

/** Another sender holds the record (its lease has not run out). */
export class NotificationBusyError extends Error {
  override readonly name = 'NotificationBusyError';
}

export class DynamoDeliveryStore implements DeliveryStore {
  private readonly doc: DynamoDBDocumentClient;
  /** This instance: one per process (container, runtime start). */
  private readonly run = randomUUID();

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async claim(
    ref: NotificationRef,
    owner: string,
    leaseMs: number,
    nowMs: number,
  ): Promise<Claimed | undefined> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey(ref),
          UpdateExpression: 'SET lease = :lease',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(lease) OR lease.#until < :now OR (lease.#owner = :owner AND lease.#run <> :run))',
          ExpressionAttributeNames: { '#until': 'until', '#owner': 'owner', '#run': 'run' },
          ExpressionAttributeValues: {
            ':lease': { owner, run: this.run, until: nowMs + leaseMs },
            ':now': nowMs,
            ':owner': owner,
            ':run': this.run,
          },
          // The record comes back with the claim: the read every claim was followed by.
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { record: out.Attributes?.n as NotificationRecord | undefined };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  async save(record: NotificationRecord, _recipient: string, owner: string): Promise<void> {
    const key = notificationQueueKey(record);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey({ ticketId: record.ticketId, notificationId: record.id }),
          UpdateExpression: key
            ? 'SET n = :n, gk4 = :gk4, gs4 = :gs4 REMOVE lease'
            : 'SET n = :n REMOVE lease, gk4, gs4',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(lease) OR (lease.#owner = :owner AND lease.#run = :run))',
          ExpressionAttributeNames: { '#owner': 'owner', '#run': 'run' },
          ExpressionAttributeValues: {
            ':n': record,
            ':owner': owner,
            ':run': this.run,
            ...(key ? { ':gk4': key.gk4, ':gs4': key.gs4 } : {}),
          },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException)
        throw new NotificationBusyError(`${record.id} was taken by another sender while this one worked`);
      throw err;
    }
  }

  async listDue(before: string, limit: number): Promise<NotificationRef[]> {
    const pages = await Promise.all(
      Array.from({ length: QUEUE_SHARDS }, (_, shard) =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: gsiNames.byStatus,
            KeyConditionExpression: 'gk4 = :q AND gs4 <= :before',
            ExpressionAttributeValues: { ':q': queueShardKey(shard), ':before': `${before}${NUL}\uffff` },
            ProjectionExpression: 'gs4',
            Limit: limit,
          }),
        ),
      ),
    );
    return pages
      .flatMap((p) => (p.Items ?? []).map((i) => String(i.gs4)))
      .sort()
      .slice(0, limit)
      .map((k) => {
        const [, ticketId = '', notificationId = ''] = k.split(NUL);
        return { ticketId, notificationId };
      });
  }

  async addSpend(month: string, fen: number, capFen: number | undefined): Promise<boolean> {
    const guarded = capFen !== undefined && fen > 0;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: spendPk(month), sk: SPEND_SK },
          UpdateExpression: 'ADD fen :f',
          ...(guarded
            ? {
                ConditionExpression: 'attribute_not_exists(fen) OR fen <= :room',
                ExpressionAttributeValues: { ':f': fen, ':room': capFen - fen },
              }
            : { ExpressionAttributeValues: { ':f': fen } }),
        }),
      );
      return !(guarded && fen > capFen);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async monthSpend(month: string): Promise<number> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: spendPk(month), sk: SPEND_SK },
        ConsistentRead: true,
      }),
    );
    return Number(out.Item?.fen ?? 0);
  }

  async putReceiptRef(
    provider: MessageProvider,
    providerMessageId: string,
    ref: NotificationRef & { index: number },
  ): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: receiptPk(provider, providerMessageId), sk: RECEIPT_SK, ref },
      }),
    );
  }

  async getReceiptRef(
    provider: MessageProvider,
    providerMessageId: string,
  ): Promise<(NotificationRef & { index: number }) | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: receiptPk(provider, providerMessageId), sk: RECEIPT_SK },
      }),
    );
    return out.Item?.ref as (NotificationRef & { index: number }) | undefined;
  }
}
