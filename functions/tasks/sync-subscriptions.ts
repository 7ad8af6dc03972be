/**
 * Keeps the dispatch topic's e-mail subscriptions in step with the unit and community contacts of
 * the latest configuration version. Invoked by the table's stream on every configuration write
 * (an admin's PUT /v1/units/{id}), once a day as a safety net, and by hand after a first deploy
 * (`aws lambda invoke`). The event itself is ignored: the latest version is the whole truth, so
 * every run is a full, idempotent reconciliation.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import { syncEmailSubscriptions } from '../../shared/adapters/sns-subscriptions';
import type { Deps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';
import { logger } from '../lib/observability';
import { taskHandler } from '../lib/task';

export class SubscriptionSyncError extends Error {
  override readonly name = 'SubscriptionSyncError';
}

/** Needs the configuration (the latest version and its snapshot) and an SNS client. */
export const makeSyncSubscriptions = (deps: {
  configStore: Pick<Deps['configStore'], 'latestVersion' | 'get'>;
  sns: SNSClient;
}) =>
  taskHandler(async () => {
    const env = readFunctionEnv();
    if (!env.DISPATCH_TOPIC_ARN || !env.DEAD_LETTER_QUEUE_ARN) {
      throw new Error('DISPATCH_TOPIC_ARN and DEAD_LETTER_QUEUE_ARN must be set for the subscription sync');
    }
    const { configStore, sns } = deps;
    const version = await configStore.latestVersion();
    const config = await configStore.get(version);
    const report = await syncEmailSubscriptions(
      sns,
      { topicArn: env.DISPATCH_TOPIC_ARN, deadLetterQueueArn: env.DEAD_LETTER_QUEUE_ARN },
      config,
    );
    logger.info('e-mail subscriptions synced', {
      configVersion: version,
      subscribed: report.subscribed.length,
      repaired: report.repaired.length,
      unsubscribed: report.unsubscribed.length,
      pending: report.pending.length,
      kept: report.kept,
      errors: report.errors,
    });
    // Failing the invocation makes the stream retry and, in the end, park the event on the DLQ,
    // whose alarm tells an operator that some mailbox is not subscribed.
    if (report.errors.length > 0) {
      throw new SubscriptionSyncError(
        `${report.errors.length} subscription change(s) failed: ${report.errors
          .map((e) => `${e.action} ${e.endpoint} (${e.error})`)
          .join('; ')}`,
      );
    }
    return { configVersion: version, ...report };
  });
