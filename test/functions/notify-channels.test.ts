/**
 * Each channel adapter against a local server that implements the provider's documented request,
 * signature and answer: the adapters sign (Alibaba ACS3-HMAC-SHA256, Tencent TC3-HMAC-SHA256),
 * the server verifies independently, renders the registered template and answers as the gateway
 * does. What the handset would show is byte for byte the text the record holds. No network.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AliyunSms } from '../../shared/adapters/aliyun-sms';
import { ChannelRouter } from '../../shared/adapters/channel-router';
import { DingtalkRobots, WecomRobots } from '../../shared/adapters/group-robots';
import { TencentSms } from '../../shared/adapters/tencent-sms';
import { aliyunTemplates, tencentTemplates } from '../../shared/config/sms-templates';
import { type NotificationSettings, notificationSettingsSchema } from '../../shared/domain/model';
import type { MessageContext } from '../../shared/domain/notification-templates';
import { renderRegistered } from '../../shared/domain/registered-templates';
import type { MessageMeta, OutboundMessage } from '../../shared/ports';
import { isPermanentError } from '../../shared/use-cases/notify';
import { type ProviderServers, startProviderServers } from '../helpers/provider-servers';

const LINK_BASE = 'https://wd.liling.gov.cn/l/';
const meta: MessageMeta = { ticketId: 'tabc', kind: 'dispatch', notificationId: 'dispatch.u-szwh.k' };
const ctx: MessageContext = {
  kind: 'dispatch',
  locale: 'zh',
  ticketCode: 'WD7K3P9Q2M',
  itemName: '电动车在楼道内充电，存在严重火灾隐患需要立即清理的情况',
  place: '石羊塘社区 建设路12号',
  title: '楼道充电',
  description: '',
  unitName: '来龙门街道办事处',
  stage: 'acknowledge',
  dueAt: '2026-05-07T17:30:00+08:00',
  link: `${LINK_BASE}Ab3dE5gH9k`,
};
const settings = (provider: 'aliyun' | 'tencent'): NotificationSettings =>
  notificationSettingsSchema.parse({
    sms: {
      provider,
      signName: '吹哨报到',
      linkBase: LINK_BASE,
      ...(provider === 'tencent' ? { maxParamChars: 12 } : {}),
      templates: provider === 'aliyun' ? aliyunTemplates(LINK_BASE) : tencentTemplates(LINK_BASE),
    },
  });
const smsOf = (s: NotificationSettings, to = '+8613800000001'): OutboundMessage => {
  const { text, ...template } = renderRegistered(s, ctx);
  return { channel: 'sms', provider: s.sms.provider as 'aliyun', to, text, template };
};

let servers: ProviderServers;
beforeAll(async () => {
  servers = await startProviderServers({
    aliyun: {
      accessKeyId: 'LTAI-test',
      accessKeySecret: 'ali-secret',
      signName: '吹哨报到',
      templates: aliyunTemplates(LINK_BASE),
    },
    tencent: {
      secretId: 'AKID-test',
      secretKey: 'tc-secret',
      sdkAppId: '1400000001',
      signName: '吹哨报到',
      templates: tencentTemplates(LINK_BASE),
    },
    wecom: { 'wecom-lailongmen': 'wecom-key-1' },
    dingtalk: { 'ding-szwh': { accessToken: 'ding-token', secret: 'SECding' } },
  });
});
afterAll(async () => {
  await servers?.close();
});

const aliyun = (secret = 'ali-secret') =>
  new AliyunSms({
    accessKeyId: 'LTAI-test',
    accessKeySecret: secret,
    endpoint: `127.0.0.1:${servers.port}`,
    protocol: 'http',
  });
const tencent = (secret = 'tc-secret') =>
  new TencentSms({
    secretId: 'AKID-test',
    secretKey: secret,
    sdkAppId: '1400000001',
    protocol: 'http://',
    agent: servers.agent,
  });

describe('Alibaba Cloud SMS (signed SendSms call)', () => {
  it('sends the template code and parameters; the handset text is the record’s text, byte for byte', async () => {
    const m = smsOf(settings('aliyun'));
    const out = await aliyun().send(m, meta);
    const sent = servers.sms.at(-1)!;
    expect(out.providerMessageId).toBe(sent.id);
    expect(sent).toMatchObject({ provider: 'aliyun', phone: '13800000001', templateCode: 'SMS_480000001' });
    expect(sent.rendered).toBe(m.text);
    expect(m.text).toBe(
      '【吹哨报到】工单WD7K3P9Q2M（电动车在楼道内充电，存在严重火灾隐患需要立即清理的情况）已派至贵单位，请于05/07 17:30前签收，处理：https://wd.liling.gov.cn/l/Ab3dE5gH9k',
    );
  });

  it('is refused with a wrong secret: the server checks the signature', async () => {
    const err = await aliyun('wrong')
      .send(smsOf(settings('aliyun')), meta)
      .catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'ChannelMisconfigured' });
    expect(servers.refusedAuth).toContain('aliyun');
  });

  it('names a refused number as a permanent refusal (the sender falls back)', async () => {
    servers.refusePhone.set('13800000009', 'isv.MOBILE_NUMBER_ILLEGAL');
    const err = await aliyun()
      .send(smsOf(settings('aliyun'), '+8613800000009'), meta)
      .catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'RecipientRefused' });
    expect(isPermanentError(err)).toBe(true);
  });
});

describe('Tencent Cloud SMS (signed SendSms call)', () => {
  it('sends the template id with the parameters in order; the handset text is the record’s text', async () => {
    const m = smsOf(settings('tencent'));
    const out = await tencent().send(m, meta);
    const sent = servers.sms.at(-1)!;
    expect(sent).toMatchObject({ provider: 'tencent', phone: '+8613800000001', templateCode: '2100001' });
    expect(out.providerMessageId).toBe(sent.id);
    expect(sent.rendered).toBe(m.text);
    // Tencent's variables carry 12 characters here: the duty item is cut, code, deadline and link whole.
    expect(sent.params).toEqual(['WD7K3P9Q2M', '电动车在楼道内充电，存…', '05/07 17:30', 'Ab3dE5gH9k']);
  });

  it('is refused with a wrong key: the server checks the TC3 signature', async () => {
    const err = await tencent('wrong')
      .send(smsOf(settings('tencent')), meta)
      .catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'ChannelMisconfigured' });
    expect(servers.refusedAuth).toContain('tencent');
  });
});

describe('group robots', () => {
  const group: OutboundMessage = {
    channel: 'wecom',
    provider: 'wecom',
    to: 'wecom-lailongmen',
    text: '【吹哨报到】派单：WD7K3P9Q2M 电动车楼道充电\n处理链接：https://wd.liling.gov.cn/l/Ab3dE5gH9k',
    mention: ['+8613800000001'],
  };

  it('posts to the WeCom webhook named by its key, mentioning the duty phone', async () => {
    await new WecomRobots({ 'wecom-lailongmen': { key: 'wecom-key-1' } }, servers.url).send(group, meta);
    expect(servers.groups.at(-1)).toEqual({
      provider: 'wecom',
      robot: 'wecom-lailongmen',
      body: { msgtype: 'text', text: { content: group.text, mentioned_mobile_list: ['13800000001'] } },
    });
  });

  it('refuses a robot without a key and a key WeCom does not know', async () => {
    const none = await new WecomRobots({}, servers.url).send(group, meta).catch((e: Error) => e);
    expect(none).toMatchObject({ name: 'ChannelMisconfigured' });
    const wrong = await new WecomRobots({ 'wecom-lailongmen': { key: 'nope' } }, servers.url)
      .send(group, meta)
      .catch((e: Error) => e);
    expect(wrong).toMatchObject({ name: 'ChannelMisconfigured' });
  });

  it('signs DingTalk calls (加签) and is refused with a wrong secret', async () => {
    const msg = { ...group, channel: 'dingtalk' as const, provider: 'dingtalk' as const, to: 'ding-szwh' };
    await new DingtalkRobots(
      { 'ding-szwh': { accessToken: 'ding-token', secret: 'SECding' } },
      servers.url,
    ).send(msg, meta);
    expect(servers.groups.at(-1)).toMatchObject({
      provider: 'dingtalk',
      robot: 'ding-szwh',
      body: { msgtype: 'text', at: { atMobiles: ['13800000001'], isAtAll: false } },
    });
    const err = await new DingtalkRobots(
      { 'ding-szwh': { accessToken: 'ding-token', secret: 'SECwrong' } },
      servers.url,
    )
      .send(msg, meta)
      .catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'ChannelMisconfigured' });
  });

  it('routes by provider and refuses a provider the deployment has no credentials for', async () => {
    const router = ChannelRouter.fromCredentials(
      { wecom: { base: servers.url, robots: { 'wecom-lailongmen': { key: 'wecom-key-1' } } } },
      {
        send: async () => {},
      },
    );
    await router.send(group, meta);
    const err = await router.send(smsOf(settings('aliyun')), meta).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'ChannelMisconfigured' });
  });
});
