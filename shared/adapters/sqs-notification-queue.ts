/**
 * The notification queue on SQS: one message per record, `{ticketId, notificationId}`. A retry due
 * later is sent with a delay (SQS allows up to 15 minutes; a longer wait is found by the sweep of
 * due records instead). Batches of ten, as SendMessageBatch takes; an entry SQS refused fails the
 * call so the task that enqueued it is retried (the record itself is already written). Sent through
 * the JSON-protocol client (aws-json-client.ts), not the SQS SDK client: the five functions that
 * record notices call nothing else on SQS.
 */
import type { NotificationQueue, NotificationRef } from '../ports';
import type { AwsJsonClient } from './aws-json-client';

export const MAX_DELAY_SECONDS = 900;

export class SqsNotificationQueue implements NotificationQueue {
  constructor(
    private readonly sqs: Pick<AwsJsonClient, 'call'>,
    private readonly queueUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async enqueue(refs: NotificationRef[], opts: { notBefore?: Date } = {}): Promise<void> {
    const wait = Math.ceil(((opts.notBefore?.getTime() ?? 0) - this.now()) / 1000);
    if (wait > MAX_DELAY_SECONDS) return;
    const delay = Math.max(0, wait);
    for (let i = 0; i < refs.length; i += 10) {
      const batch = refs.slice(i, i + 10);
      const out = await this.sqs.call<{ Failed?: { Id: string; Code?: string; Message?: string }[] }>(
        'SendMessageBatch',
        {
          QueueUrl: this.queueUrl,
          Entries: batch.map((r, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify({ ticketId: r.ticketId, notificationId: r.notificationId }),
            ...(delay > 0 ? { DelaySeconds: delay } : {}),
          })),
        },
      );
      if (out.Failed?.length) {
        const first = out.Failed[0];
        throw Object.assign(
          new Error(`SQS refused ${out.Failed.length} notification(s): ${first?.Code} ${first?.Message}`),
          {
            name: 'NotificationQueueError',
          },
        );
      }
    }
  }
}
