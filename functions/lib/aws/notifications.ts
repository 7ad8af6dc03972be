/** The notification channels: the queue the sender drains, SNS for SMS and e-mail, the DLQ. */
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SnsNotifier } from '../../../shared/adapters/sns-notifier';
import { SqsDeadLetters } from '../../../shared/adapters/sqs-dead-letters';
import { SqsNotificationQueue } from '../../../shared/adapters/sqs-notification-queue';
import type { Deps } from '../deps';
import type { FunctionEnv } from '../env';
import { logger } from '../observability';
import { traceClient } from '../xray';

/**
 * The SNS client of the notifier. One SDK attempt per call: deliver() in shared/use-cases/notify.ts
 * owns the retry schedule (backoff, permanent errors fail at once), and SDK retries underneath
 * would multiply it and blur the recorded attempt counts.
 */
export function notifierSnsClient(): SNSClient {
  return traceClient(new SNSClient({ maxAttempts: 1 }));
}

/** The pieces whose variable is set; the others stay as the core's stand-ins that name it. */
export function notificationDeps(
  env: FunctionEnv,
): Pick<Deps, 'onDeliveryError'> & Partial<Pick<Deps, 'notifier' | 'deadLetters' | 'queue'>> {
  const sqs = env.NOTIFY_QUEUE_URL || env.DEAD_LETTER_QUEUE_URL ? traceClient(new SQSClient({})) : undefined;
  return {
    ...(sqs && env.NOTIFY_QUEUE_URL ? { queue: new SqsNotificationQueue(sqs, env.NOTIFY_QUEUE_URL) } : {}),
    ...(env.DISPATCH_TOPIC_ARN
      ? { notifier: new SnsNotifier(notifierSnsClient(), env.DISPATCH_TOPIC_ARN, env.SMS_MAX_PRICE) }
      : {}),
    ...(sqs && env.DEAD_LETTER_QUEUE_URL
      ? { deadLetters: new SqsDeadLetters(sqs, env.DEAD_LETTER_QUEUE_URL) }
      : {}),
    onDeliveryError: (message, err) => logger.error(message, err as Error),
  };
}
