/**
 * Registered templates (pure): the configuration refuses a template set that cannot carry every
 * notice on its gateway, parameters are fitted to the gateway's documented limits, and the text a
 * unit reads is the registered text with the parameters put in.
 */
import { describe, expect, it } from 'vitest';
import { aliyunTemplates, tencentTemplates } from '../../shared/config/sms-templates';
import { notificationKinds, notificationSettingsSchema } from '../../shared/domain/model';
import type { MessageContext } from '../../shared/domain/notification-templates';
import {
  cleanParam,
  fitParam,
  renderRegistered,
  TemplateParamError,
} from '../../shared/domain/registered-templates';

const LINK_BASE = 'https://wd.liling.gov.cn/l/';
const aliyun = (templates = aliyunTemplates(LINK_BASE), extra: Record<string, unknown> = {}) =>
  notificationSettingsSchema.safeParse({
    sms: { provider: 'aliyun', signName: '吹哨报到', linkBase: LINK_BASE, templates, ...extra },
  });
const messages = (r: ReturnType<typeof aliyun>) => (r.success ? [] : r.error.issues.map((i) => i.message));

const ctx: MessageContext = {
  kind: 'escalation',
  locale: 'zh',
  ticketCode: 'WD7K3P9Q2M',
  itemName: '路灯不亮',
  place: '南桥社区',
  title: '',
  description: '',
  unitName: '醴陵市市政设施维护中心【测试】 https://evil.example.com 13800000000',
  stage: 'resolve',
  dueAt: '2026-05-07T17:30:00+08:00',
  level: 2,
  link: `${LINK_BASE}Ab3dE5gH9k`,
};

describe('the template set', () => {
  it('accepts the recommended texts on both gateways (Tencent with the account’s variable length)', () => {
    expect(aliyun().success).toBe(true);
    const tencent = notificationSettingsSchema.safeParse({
      sms: {
        provider: 'tencent',
        signName: '吹哨报到',
        linkBase: LINK_BASE,
        maxParamChars: 12,
        templates: tencentTemplates(LINK_BASE),
      },
    });
    expect(tencent.success).toBe(true);
  });

  it('keeps SNS as the default: no section, no templates needed', () => {
    expect(notificationSettingsSchema.parse({})).toMatchObject({
      sms: { provider: 'sns' },
      primary: ['sms', 'email'],
      fallback: ['group'],
    });
  });

  it('refuses a set that cannot carry a kind', () => {
    const r = aliyun(aliyunTemplates(LINK_BASE).filter((t) => t.kind !== 'reopen'));
    expect(messages(r)).toContain('no template for reopen: the aliyun channel cannot carry it');
  });

  it('refuses unknown or repeated variables, variables side by side, and a missing ticket code', () => {
    const [first, ...rest] = aliyunTemplates(LINK_BASE);
    const bad = (text: string) => messages(aliyun([{ ...first!, text }, ...rest]));
    expect(bad('工单${code}，${phone}请处理')).toContainEqual(
      expect.stringContaining('unknown variables phone'),
    );
    expect(bad('工单${code}，${code}请处理')).toContain('a variable may appear only once');
    expect(bad('工单${code}${item}请处理')).toContain('two variables may not stand side by side');
    expect(bad('工单${item}请处理')).toContain('every template carries the ticket code (code)');
    expect(bad('【吹哨】工单${code}请处理')).toContain(
      'no 【】 in a template: the gateway adds the signature',
    );
  });

  it('refuses a link outside the approved prefix', () => {
    const [first, ...rest] = aliyunTemplates(LINK_BASE);
    const r = aliyun([{ ...first!, text: '工单${code}，详情 https://other.example.com/l/${link}' }, ...rest]);
    expect(messages(r)).toContain(`the link variable must follow the fixed prefix ${LINK_BASE}`);
  });

  it('refuses fixed-size values longer than the gateway’s variables (Tencent’s documented 6)', () => {
    const r = notificationSettingsSchema.safeParse({
      sms: {
        provider: 'tencent',
        signName: '吹哨报到',
        linkBase: LINK_BASE,
        templates: tencentTemplates(LINK_BASE),
      },
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message)).toContainEqual(
      'code needs 10 characters; tencent variables carry 6 (set maxParamChars if your account allows more)',
    );
  });
});

describe('rendering', () => {
  const settings = aliyun();
  if (!settings.success) throw new Error('fixture');

  it('fills the registered text, cutting free text and never links, brackets or phone numbers into it', () => {
    const r = renderRegistered(settings.data, ctx);
    expect(r.code).toBe(aliyunTemplates(LINK_BASE).find((t) => t.kind === 'escalation')!.code);
    expect(r.params).toEqual({
      code: 'WD7K3P9Q2M',
      stage: '办结',
      due: '05/07 17:30',
      level: '督办',
      unit: '醴陵市市政设施维护中心测试 138…',
      link: 'Ab3dE5gH9k',
    });
    expect(r.text).toBe(
      '【吹哨报到】工单WD7K3P9Q2M的办结已超时（时限05/07 17:30），督办：醴陵市市政设施维护中心测试 138…，详情：https://wd.liling.gov.cn/l/Ab3dE5gH9k',
    );
  });

  it('renders every kind within the variable limit', () => {
    for (const kind of notificationKinds) {
      const r = renderRegistered(settings.data, {
        ...ctx,
        kind,
        itemName: '电'.repeat(80),
        note: '快'.repeat(80),
      });
      for (const v of Object.values(r.params)) expect([...v].length).toBeLessThanOrEqual(35);
    }
  });

  it('refuses a link that is not under the approved prefix (the sender then falls back)', () => {
    expect(() =>
      renderRegistered(settings.data, { ...ctx, link: 'https://d1234.cloudfront.net/l/Ab3dE5gH9k' }),
    ).toThrow(TemplateParamError);
  });

  it('cleans and fits parameters', () => {
    expect(cleanParam('【加急】 www.example.com 建设路\n12号')).toBe('加急 建设路 12号');
    expect(fitParam('', 10)).toBe('-');
    expect(fitParam('一二三四五六七八九十', 6)).toBe('一二三四五…');
  });
});
