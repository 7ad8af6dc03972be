/**
 * The notification sender for tests that drive the use cases by hand: a queue that only records,
 * and `drain()`, which sends everything due (what the embedded loop or the SQS sender would do).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDeliveryStore } from '../../shared/adapters/dynamo-delivery-store';
import type { NotificationQueue, NotificationRef, Notifier } from '../../shared/ports';
import { NotificationSender } from '../../shared/use-cases/notification-sender';
import type { TicketDeps } from '../../shared/use-cases/ticket-service';

export class RecordingQueue implements NotificationQueue {
  readonly refs: NotificationRef[] = [];
  async enqueue(refs: NotificationRef[]): Promise<void> {
    this.refs.push(...refs);
  }
}

export function testSender(
  tickets: TicketDeps,
  client: DynamoDBClient,
  table: string,
  opts: {
    backoffMs?: readonly number[];
    now?: () => number;
    channels?: Notifier;
    owner?: string;
    /** Drain only these records (tests sharing one store). */
    only?: (ref: NotificationRef) => boolean;
  } = {},
) {
  const delivery = new DynamoDeliveryStore(client, table);
  const now = opts.now ?? Date.now;
  const sender = new NotificationSender({
    tickets,
    delivery,
    channels: opts.channels ?? tickets.notifier,
    queue: tickets.queue,
    limiter: { acquire: async () => {} },
    backoffMs: opts.backoffMs ?? [0, 0, 0],
    realNow: now,
    owner: opts.owner ?? 'test-sender',
  });
  const drain = async (): Promise<void> => {
    for (let round = 0; round < 100; round += 1) {
      const due = (await delivery.listDue(new Date(now()).toISOString(), 100)).filter(
        opts.only ?? (() => true),
      );
      if (due.length === 0) return;
      for (const r of due) await sender.process(r);
    }
    throw new Error('the notification queue did not drain');
  };
  return { delivery, sender, drain };
}
