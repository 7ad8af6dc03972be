/**
 * The sender: takes a queued notification record, sends its due messages at each channel's rate,
 * retries transient faults with backoff, counts SMS spend against the monthly cap, falls back to the
 * recipient's next channel when a message fails for good, and tells the ticket (a fallback event,
 * or the `notification_failed` flag when nothing got through). The same code runs behind SQS on AWS
 * and behind the store-backed queue of the embedded runtime; receipts from the gateways come in
 * through `applyReceipt`.
 *
 * Nothing is sent twice: a sender claims the record (a lease in the store, and the claim hands the
 * record back), so a duplicate queue message or a second loop finds it taken or already settled;
 * the record is written once the messages went out, and what the ticket must be told is written
 * before it is told.
 */
import { toShanghaiIso } from '../domain/deadlines';
import type { NotificationSettings } from '../domain/model';
import type {
  DeliveryStore,
  MessageMeta,
  MessageProvider,
  NotificationQueue,
  NotificationRecord,
  NotificationRef,
  Notifier,
  OutboundMessage,
} from '../ports';
import {
  errorName,
  failMessage,
  flagFailedNotice,
  isPermanentError,
  isSettled,
  type Message,
  NO_RECIPIENT,
  NOTIFICATION_FAILED_FLAG,
  NOTIFICATION_FALLBACK_EVENT,
  nextLook,
  notificationSettings,
  park,
  recipientOfRecord,
} from './notify';
import { applySystemChange, type TicketDeps } from './ticket-service';
import type { RateLimiter } from './token-buckets';

export interface SenderDeps {
  /** The ticket side: store, configuration, clock (timeline instants), metrics, dead letters. */
  tickets: TicketDeps;
  delivery: DeliveryStore;
  /** Routes each message to its provider's adapter (shared/adapters/channel-router.ts). */
  channels: Notifier;
  /** Where a record waiting for a retry is handed back (SQS with a delay; the embedded index). */
  queue: NotificationQueue;
  limiter: RateLimiter;
  /** Waits between attempts of one message, ms; its length is the number of retries. */
  backoffMs?: readonly number[];
  realNow?: () => number;
  /** Names this sender in claims (one per Lambda container or runtime). */
  owner?: string;
  /** How long a claim holds if the sender dies mid-way (then another may take the record). */
  leaseMs?: number;
}

/** Five retries over about seven minutes: a throttled gateway or a robot's 10-minute ban passes. */
export const SENDER_BACKOFF_MS = [1_000, 5_000, 30_000, 120_000, 300_000] as const;

export type ProcessOutcome =
  | { state: 'done'; record?: NotificationRecord }
  | { state: 'busy' }
  | { state: 'later'; at: number; record: NotificationRecord };

export interface Receipt {
  provider: MessageProvider;
  providerMessageId: string;
  delivered: boolean;
  /** The carrier's status code (DELIVERED, DELIVRD, MK:0001...). */
  code?: string;
  detail?: string;
  at?: string;
}

/** SMS segments a gateway bills: 70 characters in one, 67 per part beyond (UCS-2). */
export function smsSegments(text: string): number {
  return text.length <= 70 ? 1 : Math.ceil(text.length / 67);
}

/** The Beijing month of a real instant, `YYYY-MM`: the spend cap's period. */
export function spendMonth(ms: number): string {
  return toShanghaiIso(new Date(ms)).slice(0, 7);
}

export function outbound(m: Message): OutboundMessage {
  return {
    channel: m.channel,
    to: m.to,
    text: m.text,
    ...(m.subject ? { subject: m.subject } : {}),
    ...(m.provider ? { provider: m.provider } : {}),
    ...(m.template ? { template: m.template } : {}),
    ...(m.mention ? { mention: m.mention } : {}),
  };
}

/** The bucket a message draws from, and its rate per second. */
export function rateOf(m: Message, settings: NotificationSettings): { key: string; perSecond: number } {
  if (m.channel === 'wecom' || m.channel === 'dingtalk')
    return { key: `${m.channel}:${m.to}`, perSecond: settings.rates.robotPerMinute / 60 };
  if (m.channel === 'email') return { key: 'email', perSecond: settings.rates.emailPerSecond };
  return { key: `sms:${m.provider ?? 'sns'}`, perSecond: settings.rates.smsPerSecond };
}

const paidSms = (m: Message) => m.channel === 'sms' && (m.provider === 'aliyun' || m.provider === 'tencent');

export class NotificationSender {
  private readonly owner: string;

  constructor(private readonly deps: SenderDeps) {
    this.owner = deps.owner ?? `sender-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  private now(): number {
    return this.deps.realNow?.() ?? Date.now();
  }

  /** Send what is due of one record. `busy`: another sender holds it; `later`: a retry is due at `at`. */
  async process(ref: NotificationRef): Promise<ProcessOutcome> {
    const { delivery, tickets } = this.deps;
    const claimed = await delivery.claim(ref, this.owner, this.deps.leaseMs ?? 60_000, this.now());
    if (!claimed) return { state: 'busy' };
    const record = claimed.record;
    if (!record) return { state: 'done' };
    const settings = notificationSettings(await tickets.configs.current());
    const attempted = new Set<number>();
    // Fallbacks activated by a failure in this pass are due at once: loop until nothing new is due.
    for (;;) {
      const now = this.now();
      const due = record.messages
        .map((m, i) => ({ m, i }))
        .filter(({ m, i }) => !attempted.has(i) && !isSettled(m) && Date.parse(m.nextAttemptAt ?? '') <= now);
      const fresh = record.messages
        .map((m, i) => ({ m, i }))
        .filter(({ m, i }) => !attempted.has(i) && m.status === 'queued' && !m.nextAttemptAt);
      const batch = [...fresh, ...due.filter((d) => !fresh.includes(d))];
      if (batch.length === 0) break;
      for (const { i } of batch) attempted.add(i);
      await Promise.all(batch.map(({ i }) => this.sendOne(record, i, settings)));
    }
    return this.finish(ref, record);
  }

  /** A gateway's delivery report: `delivered`, or `failed` with the carrier's reason (and fallback). */
  async applyReceipt(r: Receipt): Promise<'applied' | 'unknown' | 'busy'> {
    const { delivery } = this.deps;
    const ref = await delivery.getReceiptRef(r.provider, r.providerMessageId);
    if (!ref) return 'unknown';
    const claimed = await delivery.claim(ref, this.owner, this.deps.leaseMs ?? 60_000, this.now());
    if (!claimed) return 'busy';
    const record = claimed.record;
    const m = record?.messages[ref.index];
    if (!record || !m) return 'unknown';
    // Receipts may repeat or come out of order: a settled outcome is never moved back.
    if (m.status === 'sent') {
      if (r.delivered) {
        m.status = 'delivered';
        m.deliveredAt = r.at ?? toShanghaiIso(new Date(this.now()));
      } else {
        failMessage(record, ref.index, r.code ?? 'Undelivered', r.detail);
      }
    }
    const outcome = await this.finish(ref, record);
    // A fallback activated by the receipt goes out now, not at the next pass of the queue.
    if (outcome.state === 'later' && outcome.at <= this.now()) await this.process(ref);
    return 'applied';
  }

  private async sendOne(
    record: NotificationRecord,
    i: number,
    settings: NotificationSettings,
  ): Promise<void> {
    const m = record.messages[i] as Message;
    if (!m.to) {
      failMessage(record, i, NO_RECIPIENT);
      return;
    }
    const { delivery, tickets } = this.deps;
    const month = spendMonth(this.now());
    const fen = paidSms(m) ? Math.round(settings.sms.unitPriceYuan * 100 * smsSegments(m.text)) : 0;
    const capFen =
      settings.monthlySpendCapYuan === undefined ? undefined : settings.monthlySpendCapYuan * 100;
    if (fen > 0 && !(await delivery.addSpend(month, fen, capFen))) {
      failMessage(
        record,
        i,
        'SpendCapReached',
        `monthly SMS spend cap of ${settings.monthlySpendCapYuan} yuan reached`,
      );
      tickets.metrics?.count('SmsSpendCapReached');
      return;
    }
    const rate = rateOf(m, settings);
    await this.deps.limiter.acquire(rate.key, rate.perSecond);
    m.attempts += 1;
    const meta: MessageMeta = {
      ticketId: record.ticketId,
      kind: record.kind,
      notificationId: record.id,
      ...(record.unitId ? { unitId: record.unitId } : {}),
      ...(record.communityId ? { communityId: record.communityId } : {}),
    };
    try {
      const result = await this.deps.channels.send(outbound(m), meta);
      m.status = 'sent';
      m.sentAt = toShanghaiIso(new Date(this.now()));
      delete m.error;
      delete m.nextAttemptAt;
      tickets.metrics?.count('NotificationsSent', 1, { channel: m.channel });
      if (result?.providerMessageId) m.providerMessageId = result.providerMessageId;
      if (result?.providerMessageId && m.provider) {
        await delivery
          .putReceiptRef(m.provider, result.providerMessageId, {
            ticketId: record.ticketId,
            notificationId: record.id,
            index: i,
          })
          .catch((err: unknown) =>
            tickets.onDeliveryError?.(`receipt index for ${record.id} not written`, err),
          );
      }
    } catch (err) {
      if (fen > 0) await delivery.addSpend(month, -fen, undefined).catch(() => {});
      const name = errorName(err);
      const backoff = this.deps.backoffMs ?? SENDER_BACKOFF_MS;
      if (isPermanentError(err) || m.attempts > backoff.length) {
        failMessage(record, i, name, (err as Error)?.message);
        return;
      }
      m.status = 'retrying';
      m.error = name;
      m.nextAttemptAt = new Date(this.now() + (backoff[m.attempts - 1] ?? 1_000)).toISOString();
    }
  }

  /** Tell the ticket what it must know, write the record (releasing the claim), requeue a retry. */
  private async finish(ref: NotificationRef, record: NotificationRecord): Promise<ProcessOutcome> {
    const { delivery } = this.deps;
    const recipient = recipientOfRecord(record);
    if (record.report) {
      // Written first: a sender that dies before the ticket write leaves the report for the next.
      record.sendAfter = new Date(this.now()).toISOString();
      await delivery.save(record, recipient, this.owner);
      if (!(await delivery.claim(ref, this.owner, this.deps.leaseMs ?? 60_000, this.now())))
        return { state: 'busy' };
      await this.tellTicket(record);
      delete record.report;
    }
    const look = nextLook(record, this.now());
    if (look) record.sendAfter = look;
    else delete record.sendAfter;
    await delivery.save(record, recipient, this.owner);
    if (!record.sendAfter) return { state: 'done', record };
    const at = Date.parse(record.sendAfter);
    await this.deps.queue.enqueue([ref], { notBefore: new Date(at) });
    return { state: 'later', at, record };
  }

  private async tellTicket(record: NotificationRecord): Promise<void> {
    const { tickets } = this.deps;
    const report = record.report ?? {};
    const who = recipientOfRecord(record) || 'nobody';
    await applySystemChange(tickets, record.ticketId, (t, ctx) => {
      let next = t;
      for (const step of report.fallbacks ?? []) {
        const detail = `${record.kind} to ${who}: ${step}`;
        if (next.timeline.some((e) => e.type === NOTIFICATION_FALLBACK_EVENT && e.detail === detail))
          continue;
        next = {
          ...next,
          timeline: [
            ...next.timeline,
            {
              at: toShanghaiIso(ctx.now),
              type: NOTIFICATION_FALLBACK_EVENT,
              actor: 'system',
              ...(record.unitId ? { unitId: record.unitId } : {}),
              detail,
            },
          ],
        };
      }
      if (report.failed) {
        const flagged = flagFailedNotice(next, record, ctx.now);
        const event = flagged.timeline[flagged.timeline.length - 1];
        const told = next.timeline.some(
          (e) => e.type === NOTIFICATION_FAILED_FLAG && e.detail === event?.detail,
        );
        if (!told) next = flagged;
      }
      return next === t ? null : next;
    });
    if (report.failed) {
      tickets.metrics?.count('NotificationFailures', 1, { kind: record.kind });
      await park(tickets, record);
    }
  }
}
