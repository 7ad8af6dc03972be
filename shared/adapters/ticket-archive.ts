/**
 * The archive of tickets DynamoDB's TTL removed (issue 16): the ticket record from the stream's
 * old image (its timeline inside, the audit trail), the rest of its partition (breaches, notices,
 * markers, list entries) read from the table, all written as one JSON object to S3, then the rest
 * removed from the table. Idempotent: a retried batch writes the same object again and deletes
 * what is already gone.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Ticket } from '../domain/model';
import { BREACH_SK_PREFIX, CODE_SK, codePk, NOTIFICATION_SK_PREFIX, TICKET_SK, ticketPk } from './table-keys';

/** Where a ticket's archive lives: by month of creation, then id. */
export function archiveKey(t: Pick<Ticket, 'id' | 'createdAt'>): string {
  return `tickets/${t.createdAt.slice(0, 4)}/${t.createdAt.slice(5, 7)}/${t.id}.json`;
}

export class TicketArchive {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    dynamo: DynamoDBClient,
    private readonly tableName: string,
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(dynamo);
  }

  /** Archive one expired ticket item (unmarshalled old image); returns the object key. */
  async archive(item: Record<string, unknown>): Promise<string> {
    const t = item.t as Ticket;
    const rest: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': ticketPk(t.id) },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      rest.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const key = archiveKey(t);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ContentType: 'application/json',
        Body: JSON.stringify({
          archivedAt: new Date().toISOString(),
          ticket: t,
          breaches: rest.filter((i) => String(i.sk).startsWith(BREACH_SK_PREFIX)).map((i) => i.b),
          notifications: rest.filter((i) => String(i.sk).startsWith(NOTIFICATION_SK_PREFIX)).map((i) => i.n),
        }),
      }),
    );
    // Only after the object is written: the rest of the partition and the code's pointer.
    const keys = [
      ...rest.filter((i) => i.sk !== TICKET_SK).map((i) => ({ pk: i.pk, sk: i.sk })),
      { pk: codePk(t.code), sk: CODE_SK },
    ];
    for (let i = 0; i < keys.length; i += 25) {
      let batch = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      for (let round = 0; batch.length > 0 && round < 5; round += 1) {
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: batch } }));
        batch = (out.UnprocessedItems?.[this.tableName] as typeof batch | undefined) ?? [];
      }
      if (batch.length > 0) throw new Error(`archive of ${t.id}: ${batch.length} deletes left unprocessed`);
    }
    return key;
  }
}
