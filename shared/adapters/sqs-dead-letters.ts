/**
 * Dead letters on SQS: a message that failed for good is also put on the delivery DLQ (the queue
 * SNS redrives undeliverable e-mail to), whose depth is alarmed. The DynamoDB record stays the
 * source of truth (`failed`, ticket flagged); the queue gives operators one place to pick up every
 * undelivered dispatch, with the full text, and phone the unit instead.
 */
import type { DeadLetters, NotificationRecord } from '../ports';
import type { AwsJsonClient } from './aws-json-client';

type Message = NotificationRecord['messages'][number];

/** What a dead letter carries: enough to act on it without reading the table. */
export interface DeadLetterBody {
  source: 'whistle-dispatch';
  notificationId: string;
  ticketId: string;
  kind: NotificationRecord['kind'];
  unitId?: string;
  communityId?: string;
  channel: Message['channel'];
  to: string;
  subject?: string;
  text: string;
  error?: string;
  attempts: number;
  at: string;
}

export function deadLetterBody(record: NotificationRecord, m: Message): DeadLetterBody {
  return {
    source: 'whistle-dispatch',
    notificationId: record.id,
    ticketId: record.ticketId,
    kind: record.kind,
    ...(record.unitId ? { unitId: record.unitId } : {}),
    ...(record.communityId ? { communityId: record.communityId } : {}),
    channel: m.channel,
    to: m.to,
    ...(m.subject ? { subject: m.subject } : {}),
    text: m.text,
    ...(m.error ? { error: m.error } : {}),
    attempts: m.attempts,
    at: record.at,
  };
}

export class SqsDeadLetters implements DeadLetters {
  constructor(
    private readonly sqs: Pick<AwsJsonClient, 'call'>,
    private readonly queueUrl: string,
  ) {}

  async put(record: NotificationRecord, m: Message): Promise<void> {
    await this.sqs.call('SendMessage', {
      QueueUrl: this.queueUrl,
      MessageBody: JSON.stringify(deadLetterBody(record, m)),
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: record.kind },
        channel: { DataType: 'String', StringValue: m.channel },
      },
    });
  }
}
