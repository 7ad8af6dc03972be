/** SNS for SMS and e-mail: the sender's channel of last resort and the receipts' fallback. */
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../../shared/adapters/sns-notifier';
import type { Deps } from '../deps';
import type { FunctionEnv } from '../env';
import { traceClient } from '../xray';

/**
 * The SNS client of the notifier. One SDK attempt per call: deliver() in shared/use-cases/notify.ts
 * owns the retry schedule (backoff, permanent errors fail at once), and SDK retries underneath
 * would multiply it and blur the recorded attempt counts.
 */
export function notifierSnsClient(): SNSClient {
  return traceClient(new SNSClient({ maxAttempts: 1 }));
}

/** The notifier when DISPATCH_TOPIC_ARN is set; otherwise the core's stand-in, which names it. */
export function notifierDeps(env: FunctionEnv): Partial<Pick<Deps, 'notifier'>> {
  return env.DISPATCH_TOPIC_ARN
    ? { notifier: new SnsNotifier(notifierSnsClient(), env.DISPATCH_TOPIC_ARN, env.SMS_MAX_PRICE) }
    : {};
}
