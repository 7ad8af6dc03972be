/**
 * archiveExpired: the table stream's TTL deletions of ticket records (AWS only). Each closed
 * ticket whose retention ran out (CLOSED_RETENTION_DAYS) is written with its timeline, breaches
 * and notices to the archive bucket, and the rest of its items leave the table. A failed record
 * fails only itself (batch item failures): the stream retries it in order.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { TICKET_SK } from '../../shared/adapters/table-keys';
import type { TicketArchive } from '../../shared/adapters/ticket-archive';
import { logger } from '../lib/observability';
import { taskHandler } from '../lib/task';

type Image = Parameters<typeof unmarshall>[0];

/** `archive` is absent when the function was deployed without ARCHIVE_BUCKET: every record fails loudly. */
export const makeArchiveExpired = (deps: { archive?: TicketArchive }) =>
  taskHandler(async (event: unknown): Promise<DynamoDBBatchResponse> => {
    const { archive } = deps;
    if (!archive) throw new Error('ARCHIVE_BUCKET is not configured for this function');
    const failures: DynamoDBBatchResponse['batchItemFailures'] = [];
    for (const record of (event as DynamoDBStreamEvent).Records ?? []) {
      const old = record.dynamodb?.OldImage;
      if (!old) continue;
      const item = unmarshall(old as Image);
      if (item.sk !== TICKET_SK || !item.t) continue;
      try {
        const key = await archive.archive(item);
        logger.info('ticket archived', { ticketId: (item.t as { id: string }).id, key });
      } catch (err) {
        logger.warn('archive failed; the stream retries it', { error: (err as Error).message });
        failures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
        break;
      }
    }
    return { batchItemFailures: failures };
  });
