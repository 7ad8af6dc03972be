/**
 * The queue and the sender on the real store (dynalite in memory): a notice is recorded `queued`
 * and handed to the queue, never sent inline; the sender sends every message once, retries
 * transient faults with backoff (`retrying` until due), fails permanent refusals at once and falls
 * back to the recipient's next channel, flags the ticket (timeline, dead letter, metric) only when
 * every channel failed, keeps SMS spend under the monthly cap, and never sends a message twice,
 * whether two senders race for a record or one died mid-way. Receipts move `sent` to `delivered`,
 * or to `failed` with the carrier's reason (and fall back).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_TABLE, type LocalStore, startStore } from '../../infra/local/store-server';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { seedConfig } from '../../shared/config/seed';
import { aliyunTemplates } from '../../shared/config/sms-templates';
import { createWorkCalendar } from '../../shared/domain/calendar';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { ConfigSnapshot, Ticket } from '../../shared/domain/model';
import { principalSchema } from '../../shared/domain/principal';
import * as rules from '../../shared/domain/ticket-rules';
import type {
  Clock,
  DeadLetters,
  MessageMeta,
  NotificationRecord,
  Notifier,
  OutboundMessage,
  SendResult,
} from '../../shared/ports';
import { ConfigService } from '../../shared/use-cases/config-service';
import type { NotificationSender } from '../../shared/use-cases/notification-sender';
import {
  buildNotice,
  enqueue,
  isPermanentError,
  NO_RECIPIENT,
  NOTIFICATION_FAILED_FLAG,
  NOTIFICATION_FALLBACK_EVENT,
  type NoticeSpec,
} from '../../shared/use-cases/notify';
import type { TicketDeps } from '../../shared/use-cases/ticket-service';
import { NANQIAO } from '../helpers/fixtures';
import { RecordingQueue, testSender } from '../helpers/sender-harness';
import { RecordingWorkflow } from '../helpers/stub-workflow';

const NOW = new Date('2026-05-06T09:00:00+08:00');
const clock: Clock = { now: () => NOW };
const named = (name: string) => Object.assign(new Error(name), { name });
const reporter = principalSchema.parse({ sub: 'grid-1', role: 'reporter', communityId: NANQIAO });

/** A channel that answers from a script per recipient: 'ok', or an error name to throw. */
class ScriptedNotifier implements Notifier {
  readonly calls: { to: string; channel: string; meta: MessageMeta; text: string }[] = [];
  constructor(readonly script: Record<string, string[]> = {}) {}
  async send(m: OutboundMessage, meta: MessageMeta): Promise<SendResult> {
    this.calls.push({ to: m.to, channel: m.channel, meta, text: m.text });
    const next = this.script[m.to]?.shift() ?? 'ok';
    if (next !== 'ok') throw named(next);
    return { providerMessageId: `id-${this.calls.length}` };
  }
}

let local: LocalStore;
let store: DynamoStore;
let config: ConfigSnapshot;
let seq = 0;
const LINK_BASE = 'https://wd.liling.gov.cn/l/';

beforeAll(async () => {
  local = await startStore(undefined);
  store = new DynamoStore(local.client, LOCAL_TABLE);
  const seed = seedConfig(toShanghaiIso(NOW));
  config = {
    ...seed,
    notifications: {
      sms: { provider: 'sns', templates: [], unitPriceYuan: 0.045 },
      robots: [{ id: 'wecom-szwh', kind: 'wecom', name: '住建局派单群', members: ['u-szwh'] }],
      primary: ['sms', 'email'],
      fallback: ['group'],
      recipients: [],
      rates: { smsPerSecond: 20, emailPerSecond: 10, robotPerMinute: 20 },
    },
  };
  await store.put(config);
});
afterAll(async () => {
  await local?.close();
});

interface World {
  ticket: Ticket;
  notifier: ScriptedNotifier;
  tickets: TicketDeps;
  queue: RecordingQueue;
  parked: { id: string; channel: string }[];
  metrics: string[];
  drain: () => Promise<void>;
  sender: NotificationSender;
  advance: (ms: number) => void;
  now: () => number;
}

async function world(
  script: Record<string, string[]> = {},
  backoffMs = [0, 0, 0],
  snapshot = config,
): Promise<World> {
  seq += 1;
  const ticket = rules.createTicket(
    {
      dutyItemId: 'di-streetlight',
      communityId: NANQIAO,
      title: '路灯不亮',
      description: '建设路12号门口路灯连续三晚不亮',
      channel: 'grid',
    },
    { id: `tdelivery${String(seq).padStart(11, '0')}`, code: `WD${String(seq).padStart(8, '0')}` },
    reporter,
    { now: NOW, config: snapshot, cal: createWorkCalendar([]) },
  );
  await store.createTicket({ ticket, tokens: {} });
  let now = Date.parse('2026-05-06T01:00:00Z');
  const notifier = new ScriptedNotifier(script);
  const parked: World['parked'] = [];
  const metrics: string[] = [];
  const deadLetters: DeadLetters = {
    put: async (r, m) => void parked.push({ id: r.id, channel: m.channel }),
  };
  const queue = new RecordingQueue();
  const tickets: TicketDeps = {
    store,
    configs: new ConfigService(store, clock, 0),
    clock,
    workflow: new RecordingWorkflow(),
    notifier,
    queue,
    realNow: () => now,
    publicBaseUrl: 'https://wd.liling.gov.cn',
    deadLetters,
    metrics: { count: (name) => void metrics.push(name) },
  };
  const s = testSender(tickets, local.client, LOCAL_TABLE, {
    backoffMs,
    now: () => now,
    only: (r) => r.ticketId === ticket.id,
  });
  return {
    ticket,
    notifier,
    tickets,
    queue,
    parked,
    metrics,
    ...s,
    advance: (ms) => {
      now += ms;
    },
    now: () => now,
  };
}

const dispatch = (w: World, key = 'k1', spec: Partial<NoticeSpec> = {}): NotificationRecord =>
  buildNotice(
    w.ticket,
    { kind: 'dispatch', unitId: 'u-szwh', stage: 'acknowledge', key, ...spec },
    {
      config: (spec as { cfg?: ConfigSnapshot }).cfg ?? config,
      publicBaseUrl: 'https://wd.liling.gov.cn',
      now: NOW,
    },
  );
const unit = () => config.units.find((u) => u.id === 'u-szwh')!;
const saved = async (w: World, r: NotificationRecord) => (await store.getNotification(w.ticket.id, r.id))!;
const storedTicket = async (w: World) => (await store.getTicket(w.ticket.id))!.ticket;

describe('enqueue', () => {
  it('records the notice queued and hands it to the queue; nothing is sent until the sender runs', async () => {
    const w = await world();
    const r = dispatch(w);
    const out = await enqueue(w.tickets, r);
    expect(out).toMatchObject({ delivered: true, duplicate: false });
    expect(w.queue.refs).toEqual([{ ticketId: w.ticket.id, notificationId: r.id }]);
    expect(w.notifier.calls).toEqual([]);
    expect((await saved(w, r)).messages.map((m) => [m.channel, m.status])).toEqual([
      ['sms', 'queued'],
      ['email', 'queued'],
    ]);
    // The group message waits, rendered, in case the SMS fails.
    expect((await saved(w, r)).standby?.map((m) => [m.channel, m.to])).toEqual([['wecom', 'wecom-szwh']]);
  });

  it('fails a recipient with no address at once: the caller flags in its own write', async () => {
    const w = await world();
    const noPhone: ConfigSnapshot = {
      ...config,
      notifications: { ...config.notifications!, fallback: [] },
      units: config.units.map((u) =>
        u.id === 'u-szwh' ? { ...u, contacts: { ...u.contacts, dutyPhone: '', email: '' } } : u,
      ),
    };
    const r = buildNotice(
      w.ticket,
      { kind: 'dispatch', unitId: 'u-szwh', key: 'none' },
      { config: noPhone, publicBaseUrl: 'x', now: NOW },
    );
    const out = await enqueue(w.tickets, r);
    expect(out.delivered).toBe(false);
    expect(out.record.messages[0]).toMatchObject({ status: 'failed', attempts: 0, error: NO_RECIPIENT });
    expect(out.record.sendAfter).toBeUndefined();
    expect(w.notifier.calls).toEqual([]);
    expect(w.parked).toEqual([{ id: r.id, channel: 'sms' }]);
  });
});

describe('the sender', () => {
  it('sends every message once and records it sent; a retried task records and sends nothing again', async () => {
    const w = await world();
    const r = dispatch(w);
    await enqueue(w.tickets, r);
    await w.drain();
    expect((await saved(w, r)).messages.map((m) => [m.status, m.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
    ]);
    expect((await saved(w, r)).sendAfter).toBeUndefined();
    expect(w.notifier.calls.map((c) => c.channel).sort()).toEqual(['email', 'sms']);
    expect(w.notifier.calls[0]!.meta).toEqual({
      ticketId: w.ticket.id,
      kind: 'dispatch',
      notificationId: r.id,
      unitId: 'u-szwh',
    });
    const again = await enqueue(w.tickets, dispatch(w));
    expect(again.duplicate).toBe(true);
    await w.drain();
    expect(w.notifier.calls).toHaveLength(2);
  });

  it('retries a throttled message with the backoff, showing `retrying` until it is due', async () => {
    const w = await world(
      { [unit().contacts.dutyPhone]: ['ThrottledException', 'Throttling', 'ok'] },
      [50, 100, 200],
    );
    const r = dispatch(w);
    await enqueue(w.tickets, r);
    await w.drain();
    expect((await saved(w, r)).messages[0]).toMatchObject({
      status: 'retrying',
      attempts: 1,
      error: 'ThrottledException',
    });
    w.advance(49);
    await w.drain();
    expect(w.notifier.calls.filter((c) => c.channel === 'sms')).toHaveLength(1);
    w.advance(1);
    await w.drain();
    w.advance(100);
    await w.drain();
    const sms = (await saved(w, r)).messages[0]!;
    expect(sms).toMatchObject({ status: 'sent', attempts: 3 });
    expect(sms.error).toBeUndefined();
    expect((await storedTicket(w)).flags).not.toContain(NOTIFICATION_FAILED_FLAG);
  });

  it('falls back to the group message when the SMS is refused; the ticket shows it, unflagged', async () => {
    const w = await world({ [unit().contacts.dutyPhone]: ['InvalidParameterException'] });
    const r = dispatch(w);
    await enqueue(w.tickets, r);
    await w.drain();
    const rec = await saved(w, r);
    expect(rec.messages.map((m) => [m.channel, m.status, m.attempts])).toEqual([
      ['sms', 'failed', 1],
      ['email', 'sent', 1],
      ['wecom', 'sent', 1],
    ]);
    expect(rec.messages[2]).toMatchObject({
      fallbackFor: 0,
      to: 'wecom-szwh',
      mention: [unit().contacts.dutyPhone],
    });
    expect(rec.standby).toBeUndefined();
    const t = await storedTicket(w);
    expect(t.flags).not.toContain(NOTIFICATION_FAILED_FLAG);
    expect(t.timeline.filter((e) => e.type === NOTIFICATION_FALLBACK_EVENT)).toEqual([
      expect.objectContaining({
        unitId: 'u-szwh',
        detail: `dispatch to u-szwh: sms ${unit().contacts.dutyPhone} InvalidParameterException → wecom wecom-szwh`,
      }),
    ]);
    expect(w.parked).toEqual([]);
  });

  it('flags the ticket once, parks the dead letter and counts the failure when every channel failed', async () => {
    const w = await world({
      [unit().contacts.dutyPhone]: Array(10).fill('InternalErrorException'),
      'wecom-szwh': ['ChannelMisconfigured'],
    });
    const r = dispatch(w);
    await enqueue(w.tickets, r);
    await w.drain();
    const rec = await saved(w, r);
    expect(rec.messages.map((m) => [m.channel, m.status, m.attempts, m.error])).toEqual([
      ['sms', 'failed', 4, 'InternalErrorException'],
      ['email', 'sent', 1, undefined],
      ['wecom', 'failed', 1, 'ChannelMisconfigured'],
    ]);
    const t = await storedTicket(w);
    expect(t.flags).toContain(NOTIFICATION_FAILED_FLAG);
    expect(t.timeline.filter((e) => e.type === NOTIFICATION_FAILED_FLAG)).toHaveLength(1);
    expect(w.parked).toEqual([{ id: r.id, channel: 'wecom' }]);
    expect(w.metrics.filter((m) => m === 'NotificationFailures')).toHaveLength(1);
    // A duplicate queue message changes nothing.
    await w.sender.process({ ticketId: w.ticket.id, notificationId: r.id });
    expect((await storedTicket(w)).timeline.filter((e) => e.type === NOTIFICATION_FAILED_FLAG)).toHaveLength(
      1,
    );
    expect(w.metrics.filter((m) => m === 'NotificationFailures')).toHaveLength(1);
  });

  it('sends each message once when two senders race for the same record', async () => {
    const w = await world();
    const r = dispatch(w);
    await enqueue(w.tickets, r);
    const other = testSender(w.tickets, local.client, LOCAL_TABLE, { owner: 'other', now: w.now });
    expect(other.sender).not.toBe(w.sender);
    const ref = { ticketId: w.ticket.id, notificationId: r.id };
    const outcomes = await Promise.all([
      w.sender.process(ref),
      other.sender.process(ref),
      w.sender.process(ref),
    ]);
    expect(outcomes.map((o) => o.state)).toContain('busy');
    await w.drain();
    expect(w.notifier.calls.map((c) => c.channel).sort()).toEqual(['email', 'sms']);
  });

  it('takes over a record whose sender died mid-way once its lease ran out, sending only what never went out', async () => {
    const w = await world();
    const r = dispatch(w);
    await enqueue(w.tickets, r);
    const dead = testSender(w.tickets, local.client, LOCAL_TABLE, { owner: 'dead', now: w.now });
    // The dead sender sent the e-mail, then died before writing anything: as if it had claimed only.
    const claimed = await dead.delivery.claim(
      { ticketId: w.ticket.id, notificationId: r.id },
      'dead',
      60_000,
      w.now(),
    );
    // The claim hands back the record as it stands, messages still queued.
    expect(claimed?.record?.messages.map((m) => m.status)).toEqual(['queued', 'queued']);
    expect((await w.sender.process({ ticketId: w.ticket.id, notificationId: r.id })).state).toBe('busy');
    w.advance(60_001);
    await w.drain();
    expect((await saved(w, r)).messages.map((m) => m.status)).toEqual(['sent', 'sent']);
    expect(w.notifier.calls).toHaveLength(2);
  });

  it('keeps SMS spend under the monthly cap: past it, the SMS falls back', async () => {
    const capped: ConfigSnapshot = {
      ...config,
      version: config.version + 10 + seq,
      notifications: {
        ...config.notifications!,
        sms: {
          provider: 'aliyun',
          signName: '吹哨报到',
          linkBase: LINK_BASE,
          templates: aliyunTemplates(LINK_BASE),
          unitPriceYuan: 0.05,
        },
        // Each urge is 72 characters with the signature: two segments, 0.10 yuan; two fit.
        monthlySpendCapYuan: 0.2,
      },
    };
    await store.put(capped);
    const w = await world();
    try {
      const notices = ['a', 'b', 'c'].map((k) =>
        buildNotice(
          w.ticket,
          { kind: 'urge', unitId: 'u-szwh', key: `cap-${k}`, note: '请尽快' },
          {
            config: capped,
            publicBaseUrl: 'https://wd.liling.gov.cn',
            now: NOW,
            linkFor: () => `${LINK_BASE}Ab3dE5gH9k`,
          },
        ),
      );
      for (const n of notices) await enqueue(w.tickets, n);
      await w.drain();
      const sms = await Promise.all(notices.map(async (n) => (await saved(w, n)).messages[0]!));
      expect(sms.map((m) => m.status)).toEqual(['sent', 'sent', 'failed']);
      expect(sms[2]).toMatchObject({ error: 'SpendCapReached' });
      expect((await saved(w, notices[2]!)).messages.at(-1)).toMatchObject({
        channel: 'wecom',
        status: 'sent',
      });
      expect(await w.sender['deps'].delivery.monthSpend('2026-05')).toBe(20);
    } finally {
      await store.put({ ...config, version: capped.version + 1 });
    }
  });

  it('moves a message to delivered on a receipt, and a failed receipt falls back with the carrier’s reason', async () => {
    const w = await world();
    const ok = dispatch(w, 'rcpt-ok');
    const bad = dispatch(w, 'rcpt-bad');
    await enqueue(w.tickets, ok);
    await enqueue(w.tickets, bad);
    await w.drain();
    const idOf = async (r: NotificationRecord) => (await saved(w, r)).messages[0]!.providerMessageId!;
    // SNS messages carry no provider in the record: receipts name mainland gateways; index by hand.
    for (const r of [ok, bad]) {
      await w.sender['deps'].delivery.putReceiptRef('aliyun', await idOf(r), {
        ticketId: w.ticket.id,
        notificationId: r.id,
        index: 0,
      });
    }
    expect(
      await w.sender.applyReceipt({
        provider: 'aliyun',
        providerMessageId: await idOf(ok),
        delivered: true,
        at: '2026-05-06T09:00:05+08:00',
      }),
    ).toBe('applied');
    expect((await saved(w, ok)).messages[0]).toMatchObject({
      status: 'delivered',
      deliveredAt: '2026-05-06T09:00:05+08:00',
    });
    await w.sender.applyReceipt({
      provider: 'aliyun',
      providerMessageId: await idOf(bad),
      delivered: false,
      code: 'MK:0001',
      detail: '空号',
    });
    await w.drain();
    const rec = await saved(w, bad);
    expect(rec.messages[0]).toMatchObject({ status: 'failed', error: 'MK:0001', errorDetail: '空号' });
    expect(rec.messages.at(-1)).toMatchObject({ channel: 'wecom', status: 'sent', fallbackFor: 0 });
    expect(
      await w.sender.applyReceipt({ provider: 'aliyun', providerMessageId: 'nobody', delivered: true }),
    ).toBe('unknown');
    // A repeated receipt never moves a settled message back.
    await w.sender.applyReceipt({
      provider: 'aliyun',
      providerMessageId: await idOf(ok),
      delivered: false,
      code: 'LATE',
    });
    expect((await saved(w, ok)).messages[0]!.status).toBe('delivered');
  });

  it('ends every message sent or failed under any mix of faults, each attempt counted', async () => {
    const faults = [
      'ok',
      'ThrottledException',
      'InternalErrorException',
      'InvalidParameterException',
      'TimeoutError',
    ];
    let rnd = 7;
    const pick = () => {
      rnd = (rnd * 1_103_515_245 + 12_345) % 2 ** 31;
      return faults[rnd % faults.length]!;
    };
    for (let i = 0; i < 12; i += 1) {
      const w = await world({
        [unit().contacts.dutyPhone]: Array.from({ length: 5 }, pick),
        [unit().contacts.email]: Array.from({ length: 5 }, pick),
        'wecom-szwh': Array.from({ length: 5 }, pick),
      });
      const r = dispatch(w, `fuzz-${i}`);
      await enqueue(w.tickets, r);
      await w.drain();
      const rec = await saved(w, r);
      expect(rec.messages.every((m) => m.status === 'sent' || m.status === 'failed')).toBe(true);
      expect(rec.sendAfter).toBeUndefined();
      for (const m of rec.messages) {
        expect(m.attempts).toBe(w.notifier.calls.filter((c) => c.to === m.to).length);
        expect(m.attempts).toBeLessThanOrEqual(4);
      }
      const chainFailed =
        rec.messages.some(
          (m, j) =>
            m.status === 'failed' && m.channel !== 'email' && !rec.messages.some((f) => f.fallbackFor === j),
        ) || rec.messages.some((m) => m.channel === 'email' && m.status === 'failed');
      expect((await storedTicket(w)).flags.includes(NOTIFICATION_FAILED_FLAG)).toBe(chainFailed);
    }
  });
});

describe('isPermanentError', () => {
  it('knows refusals no retry can change from throttling and faults', () => {
    for (const name of [
      'InvalidParameterException',
      'AuthorizationErrorException',
      'KMSDisabledException',
      'RecipientRefused',
      'TemplateParamRejected',
      'SpendCapReached',
    ])
      expect(isPermanentError(named(name)), name).toBe(true);
    for (const name of [
      'ThrottledException',
      'Throttling',
      'InternalErrorException',
      'TimeoutError',
      'ChannelBusy',
      'Error',
    ])
      expect(isPermanentError(named(name)), name).toBe(false);
    expect(isPermanentError('a string')).toBe(false);
  });
});

beforeEach(() => {});
