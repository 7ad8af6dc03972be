/**
 * Notifier on SNS. SMS are published straight to the duty phone (transactional, capped price);
 * email goes to the dispatch topic with `unitId`/`kind`/`channel` attributes, and each unit's
 * email subscription filters on its own `unitId` (see the notifications stack).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { NotificationKind } from '../domain/model';
import type { Notifier, OutboundMessage } from '../ports';

export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    private readonly smsMaxPrice = '0.50',
  ) {}

  async send(
    m: OutboundMessage,
    meta: { ticketId: string; kind: NotificationKind; unitId?: string },
  ): Promise<void> {
    if (m.channel === 'sms') {
      await this.client.send(
        new PublishCommand({
          PhoneNumber: m.to,
          Message: m.text,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
            'AWS.SNS.SMS.MaxPrice': { DataType: 'Number', StringValue: this.smsMaxPrice },
          },
        }),
      );
      return;
    }
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: (m.subject ?? meta.kind).slice(0, 100),
        Message: m.text,
        MessageAttributes: {
          unitId: { DataType: 'String', StringValue: meta.unitId ?? 'community' },
          kind: { DataType: 'String', StringValue: meta.kind },
          channel: { DataType: 'String', StringValue: 'email' },
          ticketId: { DataType: 'String', StringValue: meta.ticketId },
        },
      }),
    );
  }
}
