/**
 * The embedded runtime's Notifier: nothing leaves the machine. The delivery record (written by
 * the use case, as on AWS) is the outbox; this prints one readable line per message.
 */
import type { NotificationKind } from '../../shared/domain/model';
import type { Notifier, OutboundMessage } from '../../shared/ports';

export class PrintingOutbox implements Notifier {
  constructor(private readonly print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}

  async send(
    m: OutboundMessage,
    meta: { ticketId: string; kind: NotificationKind; unitId?: string },
  ): Promise<void> {
    const text = m.channel === 'email' ? (m.subject ?? '') : m.text;
    this.print(
      `[outbox] ${m.channel.padEnd(5)} ${meta.kind.padEnd(16)} → ${m.to}  ${text.replace(/\s+/g, ' ')}`,
    );
  }
}
