/**
 * The notification queue on SQS: one message per record, `{ticketId, notificationId}`. A retry due
 * later is sent with a delay (SQS allows up to 15 minutes; a longer wait is found by the sweep of
 * due records instead). Batches of ten, as SendMessageBatch takes; an entry SQS refused fails the
 * call so the task that enqueued it is retried (the record itself is already written).
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { NotificationQueue, NotificationRef } from '../ports';

export const MAX_DELAY_SECONDS = 900;

export class SqsNotificationQueue implements NotificationQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async enqueue(refs: NotificationRef[], opts: { notBefore?: Date } = {}): Promise<void> {
    const wait = Math.ceil(((opts.notBefore?.getTime() ?? 0) - this.now()) / 1000);
    if (wait > MAX_DELAY_SECONDS) return;
    const delay = Math.max(0, wait);
    for (let i = 0; i < refs.length; i += 10) {
      const batch = refs.slice(i, i + 10);
      const out = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((r, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify({ ticketId: r.ticketId, notificationId: r.notificationId }),
            ...(delay > 0 ? { DelaySeconds: delay } : {}),
          })),
        }),
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
