/**
 * sendPending: the table stream's consumer. Every ticket write that left a start or a signal
 * pending (intake, an action, a repair) arrives here with its old and new images; what the write
 * added is sent to Step Functions. A refused call fails only its record (batch item failures),
 * which the stream retries, so a signal lost after its write reaches the engine without a client.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { ticketRecordFromImage } from '../../shared/adapters/dynamo-store';
import { sendNewlyPending } from '../../shared/use-cases/clock-reconciler';
import type { Deps } from '../lib/deps';
import { logger } from '../lib/observability';
import { taskHandler } from '../lib/task';

type Image = Parameters<typeof unmarshall>[0];

export const makeSendPending = (deps: Deps) =>
  taskHandler(async (event: unknown): Promise<DynamoDBBatchResponse> => {
    const failures: DynamoDBBatchResponse['batchItemFailures'] = [];
    for (const record of (event as DynamoDBStreamEvent).Records ?? []) {
      const image = record.dynamodb?.NewImage;
      if (!image) continue;
      const after = ticketRecordFromImage(unmarshall(image as Image));
      if (!after) continue;
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
    return { batchItemFailures: failures };
  });
