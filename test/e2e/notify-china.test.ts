/**
 * Issue 21's "Done when", offline: a deployment configured (over HTTP) with Alibaba Cloud SMS and a
 * WeCom work-group robot sends a dispatch as a registered template code with parameters, and the
 * group message with the one-tap link when the SMS is refused; the gateway's receipt marks the SMS
 * delivered; the ticket shows the fallback. The gateway and the robot are local servers that verify
 * the SDK's signature and the webhook key. Then: queued notices survive a restart, sent once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import { ManualClock } from '../../infra/local/sim-clock';
import { mainlandNumber } from '../../shared/adapters/channel-errors';
import { seedConfig } from '../../shared/config/seed';
import { aliyunTemplates } from '../../shared/config/sms-templates';
import type { MessageMeta, Notifier, OutboundMessage } from '../../shared/ports';
import { ApiClient } from '../helpers/api-client';
import { NANQIAO } from '../helpers/fixtures';
import { type ProviderServers, startProviderServers } from '../helpers/provider-servers';
import { bootRuntime, startTestRuntime } from '../helpers/runtime';

interface Row {
  id: string;
  channel: string;
  provider?: string;
  to: string;
  text: string;
  template?: string;
  kind: string;
  status: string;
  error?: string;
  fallbackFor?: string;
}
interface TicketView {
  id: string;
  timeline: { type: string; detail?: string }[];
  flags: string[];
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'notify-china-'));
  dirs.push(d);
  return d;
};
const dutyPhone = seedConfig('2026-05-11T08:00:00+08:00').units.find((u) => u.id === 'u-szwh')!.contacts
  .dutyPhone;
const ticketBody = {
  dutyItemId: 'di-streetlight',
  communityId: NANQIAO,
  title: '路灯不亮',
  description: '建设路12号门口路灯连续三晚不亮',
  channel: 'grid',
};

describe('a deployment on Alibaba Cloud SMS with a WeCom group robot', () => {
  const aliyunOptions = {
    accessKeyId: 'LTAI-acceptance',
    accessKeySecret: 'acceptance-secret',
    signName: '吹哨报到',
    templates: aliyunTemplates('http://placeholder/l/'),
  };
  let servers: ProviderServers;
  let rt: Runtime;
  let api: ApiClient;
  let admin: string;
  let reporter: string;
  /** The unit the dispatches go to: oversight sees the texts with the units' links masked. */
  let szwh: string;
  const settle = async () => {
    await rt.workflow.settled();
    await rt.outbox.drained();
    await rt.workflow.settled();
  };
  const rows = async (ticketId: string, as = admin) =>
    (await api.call<{ items: Row[] }>('GET', `/v1/notifications?ticketId=${ticketId}&limit=100`, as)).body
      .items;

  beforeAll(async () => {
    servers = await startProviderServers({
      aliyun: aliyunOptions,
      wecom: { 'wecom-szwh': 'wecom-acceptance-key' },
    });
    const channelsFile = join(tempDir(), 'channels.json');
    writeFileSync(
      channelsFile,
      JSON.stringify({
        aliyun: {
          accessKeyId: 'LTAI-acceptance',
          accessKeySecret: 'acceptance-secret',
          endpoint: `127.0.0.1:${servers.port}`,
          protocol: 'http',
        },
        wecom: { base: servers.url, robots: { 'wecom-szwh': { key: 'wecom-acceptance-key' } } },
      }),
    );
    ({ rt, api } = await bootRuntime({
      clock: new ManualClock(Date.parse('2026-05-11T09:00:00+08:00')),
      channelsFile,
    }));
    admin = await api.token({ role: 'admin' });
    reporter = await api.token({ role: 'reporter', communityId: NANQIAO });
    szwh = await api.token({ role: 'unit', unitId: 'u-szwh' });
    // The templates as registered, with this deployment's link prefix.
    aliyunOptions.templates = aliyunTemplates(`${rt.url}/l/`);
    const put = await api.call('PUT', '/v1/notification-settings', admin, {
      sms: {
        provider: 'aliyun',
        signName: '吹哨报到',
        linkBase: `${rt.url}/l/`,
        templates: aliyunOptions.templates,
      },
      robots: [{ id: 'wecom-szwh', kind: 'wecom', name: '市政设施维护中心派单群', members: ['u-szwh'] }],
      primary: ['sms', 'email'],
      fallback: ['group'],
      monthlySpendCapYuan: 500,
    });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await rt?.stop();
    await servers?.close();
  });

  it('refuses a template set that cannot carry every kind, naming the field', async () => {
    const res = await api.call<{ errors: { path: string; message: string }[] }>(
      'PUT',
      '/v1/notification-settings',
      admin,
      {
        sms: {
          provider: 'aliyun',
          signName: '吹哨报到',
          linkBase: `${rt.url}/l/`,
          templates: aliyunOptions.templates.slice(1),
        },
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({
      path: 'sms.templates',
      message: 'no template for dispatch: the aliyun channel cannot carry it',
    });
  });

  it('sends the dispatch as a template code with parameters; a receipt marks it delivered', async () => {
    const created = await api.call<TicketView>('POST', '/v1/tickets', reporter, ticketBody);
    expect(created.status).toBe(201);
    await settle();
    const sms = (await rows(created.body.id, szwh)).find(
      (r) => r.kind === 'dispatch' && r.channel === 'sms',
    )!;
    const sent = servers.sms.at(-1)!;
    expect(sms).toMatchObject({
      provider: 'aliyun',
      template: sent.templateCode,
      status: 'sent',
      to: dutyPhone,
    });
    expect(sent.templateCode).toBe(aliyunOptions.templates.find((t) => t.kind === 'dispatch')!.code);
    // What the handset shows is what the record says, byte for byte.
    expect(sent.rendered).toBe(sms.text);
    expect(sent.params).toMatchObject({
      code: expect.stringMatching(/^WD/),
      due: expect.stringMatching(/^\d\d\/\d\d \d\d:\d\d$/),
    });
    expect(servers.groups).toHaveLength(0);

    const channels = await api.call<{
      receiptUrls: Record<string, string>;
      smsProvider: string;
      spentYuan: number;
    }>('GET', '/v1/notifications/channels', admin);
    expect(channels.body).toMatchObject({ smsProvider: 'aliyun' });
    expect(channels.body.spentYuan).toBeGreaterThan(0);
    const receiptPath = new URL(channels.body.receiptUrls.aliyun!).pathname;
    const wrongKey = await api.call('POST', '/v1/receipts/aliyun/not-the-key', undefined, []);
    expect(wrongKey.status).toBe(404);
    const receipt = await api.call('POST', receiptPath, undefined, [
      {
        phone_number: mainlandNumber(dutyPhone),
        send_time: '2026-05-11 09:00:01',
        report_time: '2026-05-11 09:00:04',
        success: true,
        err_code: 'DELIVERED',
        err_msg: '用户接收成功',
        sms_size: '1',
        biz_id: sent.id,
        out_id: '',
      },
    ]);
    expect(receipt).toMatchObject({ status: 200, body: { code: 0 } });
    expect((await rows(created.body.id)).find((r) => r.id === sms.id)).toMatchObject({ status: 'delivered' });
  });

  it('falls back to the group message with the one-tap link when the gateway refuses the SMS, and the ticket shows it', async () => {
    servers.refusePhone.set(mainlandNumber(dutyPhone), 'isv.MOBILE_NUMBER_ILLEGAL');
    try {
      const created = await api.call<TicketView>('POST', '/v1/tickets', reporter, {
        ...ticketBody,
        title: '路灯又不亮',
      });
      await settle();
      const dispatch = (await rows(created.body.id, szwh)).filter((r) => r.kind === 'dispatch');
      const sms = dispatch.find((r) => r.channel === 'sms')!;
      const group = dispatch.find((r) => r.channel === 'wecom')!;
      expect(sms).toMatchObject({ status: 'failed', error: 'RecipientRefused' });
      expect(group).toMatchObject({ status: 'sent', to: 'wecom-szwh', fallbackFor: sms.id });
      const post = servers.groups.at(-1)!;
      expect(post.body.text.content).toBe(group.text);
      expect(post.body.text.content).toMatch(new RegExp(`处理链接：${rt.url}/l/\\w{10}`));
      expect(post.body.text.mentioned_mobile_list).toEqual([mainlandNumber(dutyPhone)]);
      const ticket = (await api.call<TicketView>('GET', `/v1/tickets/${created.body.id}`, admin)).body;
      expect(ticket.timeline.find((e) => e.type === 'notification_fallback')?.detail).toContain('sms');
      expect(ticket.flags).not.toContain('notification_failed');
    } finally {
      servers.refusePhone.clear();
    }
  });
});

describe('the embedded queue across a restart', () => {
  /** SNS stand-in: SMS throttled while `throttle` is set; every call counted. */
  class CountingNotifier implements Notifier {
    readonly calls: string[] = [];
    constructor(private readonly throttle: boolean) {}
    async send(m: OutboundMessage, _meta: MessageMeta) {
      this.calls.push(`${m.channel} ${m.to}`);
      if (this.throttle && m.channel === 'sms')
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' });
    }
  }

  it('sends what a stopped runtime left queued after the restart, once, and nothing sent before again', async () => {
    const dataDir = tempDir();
    const clock = new ManualClock(Date.parse('2026-05-11T09:00:00+08:00'));
    const start = (notifier: Notifier) => startTestRuntime({ backoffMs: [400], clock, dataDir, notifier });
    const first = new CountingNotifier(true);
    const a = await start(first);
    const api = new ApiClient(a.url);
    const created = await api.call<{ id: string }>(
      'POST',
      '/v1/tickets',
      await api.token({ role: 'reporter', communityId: NANQIAO }),
      ticketBody,
    );
    await a.workflow.settled();
    await a.outbox.drained();
    expect(first.calls.filter((c) => c.startsWith('sms'))).toHaveLength(1);
    expect(first.calls.filter((c) => c.startsWith('email'))).toHaveLength(1);
    await a.stop();

    const second = new CountingNotifier(false);
    const b = await start(second);
    try {
      const deadline = Date.now() + 5_000;
      let sms: { status: string; attempts: number } | undefined;
      while (Date.now() < deadline) {
        await b.outbox.drained();
        const records = (await b.deps.store.listNotifications({ ticketId: created.body.id }, 10)).items;
        sms = records.find((r) => r.kind === 'dispatch')?.messages.find((m) => m.channel === 'sms');
        if (sms?.status === 'sent') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(sms).toMatchObject({ status: 'sent', attempts: 2 });
      // The SMS once more (its retry), the e-mail not again.
      expect(second.calls).toEqual([expect.stringMatching(/^sms /)]);
    } finally {
      await b.stop();
    }
  });
});
