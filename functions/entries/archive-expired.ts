/** Lambda entry of the archiver: the environment read once, its table and bucket clients built once per container. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { TicketArchive } from '../../shared/adapters/ticket-archive';
import { readFunctionEnv } from '../lib/env';
import { traceClient } from '../lib/xray';
import { makeArchiveExpired } from '../tasks/archive-expired';

const env = readFunctionEnv();
const archive = env.ARCHIVE_BUCKET
  ? new TicketArchive(
      traceClient(new DynamoDBClient({})),
      env.TABLE_NAME,
      traceClient(new S3Client({})),
      env.ARCHIVE_BUCKET,
    )
  : undefined;

export const handler = makeArchiveExpired({ ...(archive ? { archive } : {}) });
