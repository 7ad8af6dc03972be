/**
 * The sender behind the notification queue (SQS, event source mapping with batch item failures):
 * each message names a recorded notification; NotificationSender sends what is due at the
 * channels' rates and requeues retries with a delay. A record another instance holds is reported
 * as a failed item, and SQS offers it again after the visibility timeout. Every few minutes a
 * schedule invokes it without SQS records: it requeues records due for a while whose queue message
 * was lost (a task that wrote the record and died before SendMessage), so nothing stays unsent.
 *
 * Channel credentials (gateways, robots) come from Secrets Manager, read once per container; each
 * of at most SENDER_CONCURRENCY instances takes its share of every channel's rate.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ChannelRouter, parseChannelCredentials } from '../../shared/adapters/channel-router';
import { NotificationSender } from '../../shared/use-cases/notification-sender';
import { TokenBuckets } from '../../shared/use-cases/token-buckets';
import * as z from '../../shared/zod';
import { secretsManagerReader } from '../lib/aws/secrets';
import type { Deps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';
import { logger } from '../lib/observability';
import { taskHandler } from '../lib/task';

const env = readFunctionEnv();
const refSchema = z.strictObject({
  ticketId: z.string().check(z.minLength(1), z.maxLength(64)),
  notificationId: z.string().check(z.minLength(1), z.maxLength(300)),
});
/**
 * A zod validation error, classic or mini (zod core's `$ZodError`; the name tells them apart, so the
 * check needs no `z.core` value, which would pull all of zod core into the bundle).
 */
const isZodError = (err: unknown) =>
  err instanceof Error && (err.name === 'ZodError' || err.name === '$ZodError');
/** Records due this long without being sent are requeued by the sweep. */
const SWEEP_AFTER_MS = 2 * 60_000;

async function credentials(): Promise<unknown> {
  if (!env.CHANNELS_SECRET_ARN) return {};
  return JSON.parse((await secretsManagerReader()(env.CHANNELS_SECRET_ARN)) ?? '{}');
}

async function build(deps: Deps): Promise<NotificationSender> {
  if (!deps.delivery) throw new Error('TABLE_NAME is needed for the delivery store');
  const channels = ChannelRouter.fromCredentials(parseChannelCredentials(await credentials()), deps.notifier);
  const buckets = new TokenBuckets();
  const share = env.SENDER_CONCURRENCY;
  return new NotificationSender({
    tickets: deps,
    delivery: deps.delivery,
    channels,
    queue: deps.queue,
    limiter: { acquire: (key, perSecond) => buckets.acquire(key, perSecond / share) },
    owner: `lambda-${process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? process.pid}`,
    leaseMs: 90_000,
  });
}

const isSqs = (event: unknown): event is SQSEvent =>
  Array.isArray((event as { Records?: unknown } | null)?.Records);

export function makeSendNotifications(deps: Deps) {
  // Built on the first batch (the channel credentials are a secret read), once per handler.
  let sender: Promise<NotificationSender> | undefined;
  return taskHandler(async (event: unknown): Promise<SQSBatchResponse | { requeued: number }> => {
    sender ??= build(deps).catch((err: unknown) => {
      sender = undefined;
      throw err;
    });
    const s = await sender;
    if (isSqs(event)) {
      const failures: SQSBatchResponse['batchItemFailures'] = [];
      await Promise.all(
        event.Records.map(async (r) => {
          try {
            const ref = refSchema.parse(JSON.parse(r.body));
            if ((await s.process(ref)).state === 'busy') failures.push({ itemIdentifier: r.messageId });
          } catch (err) {
            if (err instanceof SyntaxError || isZodError(err)) {
              // Not ours to retry: a malformed message would only come back.
              logger.error('dropping a malformed notification message', { messageId: r.messageId });
              return;
            }
            logger.warn('notification not sent yet', {
              messageId: r.messageId,
              error: (err as Error).message,
            });
            failures.push({ itemIdentifier: r.messageId });
          }
        }),
      );
      return { batchItemFailures: failures };
    }
    const stale = await deps.delivery!.listDue(new Date(Date.now() - SWEEP_AFTER_MS).toISOString(), 500);
    await deps.queue.enqueue(stale);
    if (stale.length)
      logger.warn('requeued notifications whose queue message was lost', { count: stale.length });
    return { requeued: stale.length };
  });
}
