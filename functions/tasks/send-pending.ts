/**
 * sendPending: the table stream's consumer. Every ticket write that left a start or a signal
 * pending (intake, an action, a repair) arrives here with its old and new images; what the write
 * added is sent to Step Functions. A refused call fails only its record (batch item failures),
 * which the stream retries, so a signal lost after its write reaches the engine without a client.
 *
 * It also finishes what a writer stopped before finishing: the changes a write owes the board
 * counters and the daily aggregates ride on the record (`cq`) until its writer settles them. For
 * each ticket's last record in the batch (a later write carries earlier changes on), the store
 * settles what the stored record still owes, so a Lambda that died between its ticket write and
 * its counter updates (even the write that closed the ticket, which nothing writes again) leaves
 * no counter wrong for good.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { ticketRecordFromImage } from '../../shared/adapters/dynamo-store';
import type { StoredTicket } from '../../shared/ports';
import { sendNewlyPending } from '../../shared/use-cases/clock-reconciler';
import type { Deps } from '../lib/deps';
import { logger } from '../lib/observability';
import { taskHandler } from '../lib/task';

type Image = Parameters<typeof unmarshall>[0];

export const makeSendPending = (deps: Deps) =>
  taskHandler(async (event: unknown): Promise<DynamoDBBatchResponse> => {
    const failures: DynamoDBBatchResponse['batchItemFailures'] = [];
    const lastOfTicket = new Map<string, { rec: StoredTicket; seq: string }>();
    for (const record of (event as DynamoDBStreamEvent).Records ?? []) {
      const image = record.dynamodb?.NewImage;
      if (!image) continue;
      const after = ticketRecordFromImage(unmarshall(image as Image));
      if (!after) continue;
      lastOfTicket.delete(after.ticket.id);
      lastOfTicket.set(after.ticket.id, {
        rec: after,
        seq: record.dynamodb?.SequenceNumber ?? '',
      });
      const old = record.dynamodb?.OldImage;
      const before = old ? ticketRecordFromImage(unmarshall(old as Image)) : undefined;
      try {
        const sent = await sendNewlyPending(deps, before, after);
        if (sent.started || sent.signalled > 0)
          deps.metrics?.count('PendingSent', sent.signalled + Number(sent.started));
      } catch (err) {
        logger.warn('pending start or signal refused; the stream retries it', {
          ticketId: after.ticket.id,
          error: (err as Error).message,
        });
        // Records of one shard arrive in order: retry from the first that failed.
        failures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
        break;
      }
    }
    if (failures.length === 0) {
      // In stream order (delete-then-set keeps the map so): a failure retries from its record on.
      for (const { rec, seq } of lastOfTicket.values()) {
        try {
          if (await deps.store.settleLeftOwed(rec)) deps.metrics?.count('CountsSettledFromStream', 1);
        } catch (err) {
          logger.warn('settling owed counter changes failed; the stream retries it', {
            ticketId: rec.ticket.id,
            error: (err as Error).message,
          });
          failures.push({ itemIdentifier: seq });
          break;
        }
      }
    }
    return { batchItemFailures: failures };
  });
