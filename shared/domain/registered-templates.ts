/**
 * Registered SMS templates (mainland gateways): a carrier only delivers text it approved, so a
 * notice is sent as a template code plus parameters, and what the unit reads is the registered text
 * with those parameters put in. This module makes the parameters of a notice, fits each to the
 * provider's documented limits (length, characters, no links outside the approved prefix) and
 * renders the text exactly as the gateway will. Pure: no I/O.
 */
import {
  defaultMaxParamChars,
  type NotificationSettings,
  type SmsTemplate,
  type TemplateParamName,
  templateVariables,
} from './model';
import { formatSmsDeadline, type MessageContext } from './notification-templates';

export type TemplateProvider = 'aliyun' | 'tencent';

export interface RenderedTemplate {
  code: string;
  signName: string;
  /** By variable name (Alibaba sends them as a JSON object). */
  params: Record<string, string>;
  /** Tencent: the values in `{1}..{n}` order. */
  order?: string[];
  /** What the recipient reads: 【signature】 plus the registered text, filled in. */
  text: string;
}

/** A parameter the provider would refuse: the sender fails the message (and falls back). */
export class TemplateParamError extends Error {
  override readonly name = 'TemplateParamRejected';
}

const ZH_STAGE: Record<string, string> = {
  acknowledge: '签收',
  arrive: '到场',
  resolve: '办结',
  feedback: '评价',
};
const ZH_LEVEL: Record<number, string> = { 1: '催办', 2: '督办', 3: '通报' };
const DEFAULT_STAGE: Record<string, string> = { dispatch: '签收', feedback_request: '评价', reopen: '办结' };

/**
 * Free text as a template variable: one line, no 【】 (the carrier would read a second signature),
 * nothing that looks like a link or a phone number (gateways refuse links in variables and the
 * templates allow no contacts), never empty (Alibaba refuses an empty value).
 */
export function cleanParam(value: string): string {
  return value
    .replace(/[\p{Cc}\s]+/gu, ' ')
    .replace(/[【】[\]]/g, '')
    .replace(/(https?:\/\/|www\.)\S*/gi, '')
    .replace(/\S+\.(?:cn|com|net|org|gov)\S*/gi, '')
    .replace(/\d{7,}/g, (d) => `${d.slice(0, 3)}…`)
    .replace(/[$]\{/g, '{')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Cut to `max` characters (code points), ending in '…' when cut. */
export function fitParam(value: string, max: number): string {
  const chars = Array.from(cleanParam(value));
  if (chars.length === 0) return '-';
  if (chars.length <= max) return chars.join('');
  return `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** Every parameter a notice can offer, before fitting. */
export function noticeParams(
  ctx: MessageContext,
  linkBase: string | undefined,
): Record<TemplateParamName, string> {
  const stage = ctx.stage ? ZH_STAGE[ctx.stage] : DEFAULT_STAGE[ctx.kind];
  let link = '';
  if (linkBase) {
    if (!ctx.link.startsWith(linkBase))
      throw new TemplateParamError(`link ${ctx.link} is not under the approved prefix ${linkBase}`);
    link = ctx.link.slice(linkBase.length);
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(link))
      throw new TemplateParamError(`link code ${link} is not a plain code`);
  }
  return {
    code: ctx.ticketCode,
    item: ctx.itemName,
    place: ctx.place,
    unit: ctx.unitName ?? '',
    stage: stage ?? '处理',
    due: ctx.dueAt ? formatSmsDeadline(ctx.dueAt) : '尽快',
    level: ZH_LEVEL[ctx.level ?? 1] ?? '催办',
    note: ctx.note ?? '',
    link,
  };
}

/** The template of `kind`, its parameters fitted, and the text exactly as the gateway renders it. */
export function renderRegistered(settings: NotificationSettings, ctx: MessageContext): RenderedTemplate {
  const provider = settings.sms.provider;
  if (provider === 'sns') throw new Error('SNS sends plain text, not registered templates');
  const template = settings.sms.templates.find((t) => t.kind === ctx.kind);
  if (!template || !settings.sms.signName)
    throw new TemplateParamError(`no registered ${provider} template for ${ctx.kind}`);
  const limit = settings.sms.maxParamChars ?? defaultMaxParamChars[provider];
  const all = noticeParams(ctx, settings.sms.linkBase);
  const names = variableNames(provider, template);
  const params: Record<string, string> = {};
  for (const name of names) {
    const raw = all[name as TemplateParamName] ?? '';
    const value = name === 'link' || name === 'code' || name === 'due' ? raw : fitParam(raw, limit);
    if (Array.from(value).length > limit)
      throw new TemplateParamError(`${name} has ${value.length} characters; ${provider} allows ${limit}`);
    params[name] = value;
  }
  return {
    code: template.code,
    signName: settings.sms.signName,
    params,
    ...(provider === 'tencent' ? { order: names.map((n) => params[n] ?? '') } : {}),
    text: `【${settings.sms.signName}】${fillTemplate(provider, template, params)}`,
  };
}

/** Variable names in the order the text uses them. */
export function variableNames(provider: TemplateProvider, template: SmsTemplate): string[] {
  return provider === 'aliyun' ? templateVariables('aliyun', template.text) : (template.params ?? []);
}

/** The registered text with its variables replaced, as the gateway does it. */
export function fillTemplate(
  provider: TemplateProvider,
  template: SmsTemplate,
  params: Record<string, string>,
): string {
  if (provider === 'aliyun')
    return template.text.replace(/\$\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
  const names = template.params ?? [];
  return template.text.replace(/\{(\d+)\}/g, (_, n: string) => params[names[Number(n) - 1] ?? ''] ?? '');
}
