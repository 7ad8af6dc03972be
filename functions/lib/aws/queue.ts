/**
 * The notification queue and the dead-letter queue: what every function that records notices
 * needs. Recording a notice enqueues it; only the sender (and the receipts' fallback) publishes,
 * so the SNS client lives apart (./notifier.ts) and stays out of the other bundles. SQS is reached
 * through the JSON-protocol client, not the SDK's (24 KB in each of these bundles for two calls).
 */
import { sqsService } from '../../../shared/adapters/aws-json-client';
import { SqsDeadLetters } from '../../../shared/adapters/sqs-dead-letters';
import { SqsNotificationQueue } from '../../../shared/adapters/sqs-notification-queue';
import type { Deps } from '../deps';
import type { FunctionEnv } from '../env';
import { lambdaJsonClient } from './json-client';

/** The pieces whose variable is set; the others stay as the core's stand-ins that name it. */
export function queueDeps(
  env: FunctionEnv,
): Pick<Deps, 'onDeliveryError'> & Partial<Pick<Deps, 'deadLetters' | 'queue'>> {
  const sqs = env.NOTIFY_QUEUE_URL || env.DEAD_LETTER_QUEUE_URL ? lambdaJsonClient(sqsService) : undefined;
  return {
    ...(sqs && env.NOTIFY_QUEUE_URL ? { queue: new SqsNotificationQueue(sqs, env.NOTIFY_QUEUE_URL) } : {}),
    ...(sqs && env.DEAD_LETTER_QUEUE_URL
      ? { deadLetters: new SqsDeadLetters(sqs, env.DEAD_LETTER_QUEUE_URL) }
      : {}),
  };
}
