/**
 * Notifier on SNS.
 *
 * SMS are published straight to the recipient's phone number: transactional (carriers route them
 * for reliability, not price), with a per-message price cap, and no subscription to confirm. E-mail
 * goes to the dispatch topic; every mailbox named in the configuration is subscribed once, with a
 * filter policy on the `email` attribute (see sns-subscriptions.ts), so a message reaches exactly
 * the mailbox it is addressed to. The other attributes (kind, unit, community, ticket) let other
 * subscribers, such as an archive queue, filter without parsing the text.
 */
import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { MessageMeta, Notifier, OutboundMessage } from '../ports';

/** SNS rejects a Subject of 100 characters or more, with line breaks or control characters. */
export const MAX_SUBJECT_CHARS = 99;

/** Mailboxes compare case-insensitively; SNS filter policies do not, so both sides lower-case. */
export function emailKey(address: string): string {
  return address.trim().toLowerCase();
}

export function snsSubject(subject: string): string {
  const oneLine = subject.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  // Cut on code points: half a surrogate pair is not UTF-8 and would fail the whole Publish.
  return Array.from(oneLine).slice(0, MAX_SUBJECT_CHARS).join('') || 'Whistle Dispatch';
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    /** `AWS.SNS.SMS.MaxPrice`, USD per message (SMS_MAX_PRICE from the stage config). */
    private readonly smsMaxPrice = '0.50',
  ) {}

  async send(m: OutboundMessage, meta: MessageMeta): Promise<void> {
    if (m.channel === 'sms') {
      await this.client.send(
        new PublishCommand({
          PhoneNumber: m.to,
          Message: m.text,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': text('Transactional'),
            'AWS.SNS.SMS.MaxPrice': { DataType: 'Number', StringValue: this.smsMaxPrice },
          },
        }),
      );
      return;
    }
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(m.subject ?? meta.kind),
        Message: m.text,
        MessageAttributes: {
          channel: text('email'),
          email: text(emailKey(m.to)),
          kind: text(meta.kind),
          ticketId: text(meta.ticketId),
          ...(meta.unitId ? { unitId: text(meta.unitId) } : {}),
          ...(meta.communityId ? { communityId: text(meta.communityId) } : {}),
        },
      }),
    );
  }
}
