/**
 * deliver(): retries with backoff on throttling, fails permanent refusals at once, records every
 * notice with each message's final status, shows `retrying` while it waits, never sends a settled
 * notice twice, resumes one a crash left half-sent, and parks failures as dead letters.
 */
import { describe, expect, it } from 'vitest';
import type {
  DeadLetters,
  MessageMeta,
  NotificationRecord,
  Notifier,
  OutboundMessage,
  TicketStore,
} from '../../shared/ports';
import { DEFAULT_BACKOFF_MS, deliver, isPermanentError, NO_RECIPIENT } from '../../shared/use-cases/notify';

/** The notification half of the store, in memory, with every write kept for inspection. */
class MemoryStore {
  readonly records = new Map<string, NotificationRecord>();
  readonly writes: { op: 'put' | 'replace'; record: NotificationRecord }[] = [];

  async getNotification(_ticketId: string, id: string) {
    const r = this.records.get(id);
    return r ? structuredClone(r) : undefined;
  }
  async putNotification(record: NotificationRecord) {
    this.writes.push({ op: 'put', record: structuredClone(record) });
    if (this.records.has(record.id)) return false;
    this.records.set(record.id, structuredClone(record));
    return true;
  }
  async replaceNotification(record: NotificationRecord) {
    this.writes.push({ op: 'replace', record: structuredClone(record) });
    this.records.set(record.id, structuredClone(record));
  }
  asStore(): TicketStore {
    return this as unknown as TicketStore;
  }
}

const named = (name: string) => Object.assign(new Error(name), { name });

/** A channel that answers from a script per recipient: 'ok', or an error name to throw. */
class ScriptedNotifier implements Notifier {
  readonly calls: { to: string; channel: string; meta: MessageMeta }[] = [];
  constructor(private readonly script: Record<string, string[]> = {}) {}
  async send(m: OutboundMessage, meta: MessageMeta): Promise<void> {
    this.calls.push({ to: m.to, channel: m.channel, meta });
    const next = this.script[m.to]?.shift() ?? 'ok';
    if (next !== 'ok') throw named(next);
  }
}

const record = (overrides: Partial<NotificationRecord> = {}): NotificationRecord => ({
  id: 'dispatch.u-szwh.2026-05-06T09:00:00+08:00',
  ticketId: 'tabc',
  unitId: 'u-szwh',
  kind: 'dispatch',
  stage: 'acknowledge',
  messages: [
    {
      channel: 'sms',
      to: '+8613800000001',
      text: '工单WD7K3P9Q2M 路灯不亮…',
      status: 'retrying',
      attempts: 0,
    },
    {
      channel: 'email',
      to: 'duty@u-szwh.liling.gov.cn',
      subject: '【吹哨报到】派单：WD7K3P9Q2M 路灯不亮',
      text: '…',
      status: 'retrying',
      attempts: 0,
    },
  ],
  at: '2026-05-06T09:00:00+08:00',
  ...overrides,
});

const noSleep = async () => {};

describe('deliver', () => {
  it('sends every message and records them sent, once', async () => {
    const store = new MemoryStore();
    const notifier = new ScriptedNotifier();
    const out = await deliver({ store: store.asStore(), notifier, sleep: noSleep }, record());
    expect(out).toMatchObject({ delivered: true, duplicate: false });
    expect(store.records.get(record().id)!.messages.map((m) => [m.status, m.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
    ]);
    expect(notifier.calls.map((c) => c.channel).sort()).toEqual(['email', 'sms']);
    expect(notifier.calls[0]!.meta).toEqual({
      ticketId: 'tabc',
      kind: 'dispatch',
      notificationId: record().id,
      unitId: 'u-szwh',
    });
  });

  it('retries a throttled message with the backoff, showing `retrying` while it waits', async () => {
    const store = new MemoryStore();
    const notifier = new ScriptedNotifier({ '+8613800000001': ['ThrottledException', 'Throttling', 'ok'] });
    const waits: number[] = [];
    const seenWhileWaiting: string[] = [];
    const out = await deliver(
      {
        store: store.asStore(),
        notifier,
        backoffMs: [5, 10, 20],
        sleep: async (ms) => {
          waits.push(ms);
          seenWhileWaiting.push(store.records.get(record().id)!.messages[0]!.status);
        },
      },
      record(),
    );
    expect(out.delivered).toBe(true);
    expect(waits).toEqual([5, 10]);
    expect(seenWhileWaiting).toEqual(['retrying', 'retrying']);
    const sms = store.records.get(record().id)!.messages[0]!;
    expect(sms).toMatchObject({ status: 'sent', attempts: 3 });
    expect(sms.error).toBeUndefined();
    // One snapshot while waiting, one final write.
    expect(store.writes.map((w) => w.op)).toEqual(['put', 'replace']);
  });

  it('gives up after the last retry: failed, with the error, and a dead letter', async () => {
    const store = new MemoryStore();
    const parked: { id: string; channel: string; to: string }[] = [];
    const deadLetters: DeadLetters = {
      put: async (r, m) => {
        parked.push({ id: r.id, channel: m.channel, to: m.to });
      },
    };
    const notifier = new ScriptedNotifier({ '+8613800000001': Array(10).fill('InternalErrorException') });
    const out = await deliver({ store: store.asStore(), notifier, sleep: noSleep, deadLetters }, record());
    expect(out).toMatchObject({ delivered: false, duplicate: false });
    const [sms, email] = store.records.get(record().id)!.messages;
    expect(sms).toMatchObject({
      status: 'failed',
      attempts: DEFAULT_BACKOFF_MS.length + 1,
      error: 'InternalErrorException',
    });
    expect(email).toMatchObject({ status: 'sent', attempts: 1 });
    expect(parked).toEqual([{ id: record().id, channel: 'sms', to: '+8613800000001' }]);
  });

  it('fails a permanent refusal at once, without retrying', async () => {
    const store = new MemoryStore();
    const notifier = new ScriptedNotifier({ '+8613800000001': ['InvalidParameterException', 'ok'] });
    const waits: number[] = [];
    const out = await deliver(
      { store: store.asStore(), notifier, sleep: async (ms) => void waits.push(ms) },
      record(),
    );
    expect(out.delivered).toBe(false);
    expect(waits).toEqual([]);
    expect(store.records.get(record().id)!.messages[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: 'InvalidParameterException',
    });
  });

  it('marks a message with no recipient failed without calling the channel', async () => {
    const store = new MemoryStore();
    const notifier = new ScriptedNotifier();
    const nobody = record({
      messages: [{ channel: 'sms', to: '', text: '…', status: 'retrying', attempts: 0 }],
    });
    const out = await deliver({ store: store.asStore(), notifier, sleep: noSleep }, nobody);
    expect(out.delivered).toBe(false);
    expect(notifier.calls).toEqual([]);
    expect(store.records.get(nobody.id)!.messages[0]).toMatchObject({
      status: 'failed',
      attempts: 0,
      error: NO_RECIPIENT,
    });
  });

  it('returns a settled record as a duplicate with its stored outcome, sending nothing', async () => {
    const store = new MemoryStore();
    const failing = new ScriptedNotifier({ '+8613800000001': ['InvalidParameterException'] });
    await deliver({ store: store.asStore(), notifier: failing, sleep: noSleep }, record());
    const again = new ScriptedNotifier();
    const out = await deliver({ store: store.asStore(), notifier: again, sleep: noSleep }, record());
    expect(out).toMatchObject({ delivered: false, duplicate: true });
    expect(out.record.messages[0]!.status).toBe('failed');
    expect(again.calls).toEqual([]);
  });

  it('resumes a notice a crashed task left `retrying`: sends only what never went out', async () => {
    const store = new MemoryStore();
    const halfSent = record();
    halfSent.messages[0] = { ...halfSent.messages[0]!, status: 'retrying', attempts: 2, error: 'Throttling' };
    halfSent.messages[1] = { ...halfSent.messages[1]!, status: 'sent', attempts: 1 };
    store.records.set(halfSent.id, structuredClone(halfSent));
    const notifier = new ScriptedNotifier();
    const out = await deliver({ store: store.asStore(), notifier, sleep: noSleep }, record());
    expect(out).toMatchObject({ delivered: true, duplicate: false });
    expect(notifier.calls.map((c) => c.channel)).toEqual(['sms']);
    expect(store.records.get(halfSent.id)!.messages.map((m) => [m.status, m.attempts])).toEqual([
      ['sent', 3],
      ['sent', 1],
    ]);
  });

  it('keeps the record when parking a dead letter fails, and reports it', async () => {
    const store = new MemoryStore();
    const reported: string[] = [];
    const out = await deliver(
      {
        store: store.asStore(),
        notifier: new ScriptedNotifier({ 'duty@u-szwh.liling.gov.cn': ['AuthorizationErrorException'] }),
        sleep: noSleep,
        deadLetters: {
          put: async () => {
            throw named('AWS.SimpleQueueService.NonExistentQueue');
          },
        },
        onDeliveryError: (message) => reported.push(message),
      },
      record(),
    );
    expect(out.delivered).toBe(false);
    expect(store.records.get(record().id)!.messages[1]!.status).toBe('failed');
    expect(reported).toEqual([`could not park ${record().id} email on the dead-letter queue`]);
  });

  it('ends every message `sent` or `failed` under any mix of faults', async () => {
    const faults = [
      'ok',
      'ThrottledException',
      'InternalErrorException',
      'InvalidParameterException',
      'TimeoutError',
    ];
    let seed = 7;
    const pick = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return faults[seed % faults.length]!;
    };
    for (let i = 0; i < 200; i += 1) {
      const store = new MemoryStore();
      const notifier = new ScriptedNotifier({
        '+8613800000001': Array.from({ length: 5 }, pick),
        'duty@u-szwh.liling.gov.cn': Array.from({ length: 5 }, pick),
      });
      const out = await deliver({ store: store.asStore(), notifier, sleep: noSleep }, record());
      const stored = store.records.get(record().id)!;
      expect(stored.messages.every((m) => m.status === 'sent' || m.status === 'failed')).toBe(true);
      expect(out.delivered).toBe(stored.messages.every((m) => m.status === 'sent'));
      for (const m of stored.messages) {
        const calls = notifier.calls.filter((c) => c.to === m.to).length;
        expect(m.attempts).toBe(calls);
        expect(calls).toBeLessThanOrEqual(DEFAULT_BACKOFF_MS.length + 1);
      }
    }
  });
});

describe('isPermanentError', () => {
  it('knows refusals no retry can change from throttling and faults', () => {
    for (const name of ['InvalidParameterException', 'AuthorizationErrorException', 'KMSDisabledException'])
      expect(isPermanentError(named(name)), name).toBe(true);
    for (const name of [
      'ThrottledException',
      'Throttling',
      'InternalErrorException',
      'TimeoutError',
      'Error',
    ])
      expect(isPermanentError(named(name)), name).toBe(false);
    expect(isPermanentError('a string')).toBe(false);
  });
});
