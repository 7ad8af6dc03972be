import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { notificationKinds as everyKind, stages } from '../../shared/domain/model';

// The closure notice (to reporters who joined a ticket) carries no deadline: the deadline
// guarantees below are about the notices that ask someone to act by a time.
const notificationKinds = everyKind.filter((k) => k !== 'closure');

import {
  formatEmailDeadline,
  formatSmsDeadline,
  GSM7_SEGMENT_SEPTETS,
  type MessageContext,
  renderEmail,
  renderSms,
  SMS_SEGMENT_CHARS,
  smsEncoding,
  smsSegment,
} from '../../shared/domain/notification-templates';

const base: MessageContext = {
  kind: 'dispatch',
  locale: 'zh',
  ticketCode: 'WD-3K7P9Q',
  itemName: '电动车楼道充电',
  place: '石羊塘社区',
  title: '楼道里有人给电动车充电',
  description: '三单元一楼楼道，每晚都有电动车推进来充电。\n住户担心起火。',
  unitName: '市城市管理和综合执法局',
  stage: 'acknowledge',
  dueAt: '2025-10-08T09:30:00Z', // 17:30 in Beijing
  link: 'https://wd.li/Ab3dE9',
  streetName: '西山街道',
};
const localLink = 'http://127.0.0.1:3000/l/Ab3dE9xK';
const levels = [1, 2, 3] as const;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Independent oracle for the Beijing wall clock: ICU's zone data instead of fixed +08:00. */
function beijing(iso: string): { sms: string; email: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return {
    sms: `${parts.month}/${parts.day} ${parts.hour}:${parts.minute}`,
    email: `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`,
  };
}

/** Every kind, with each escalation level, in one locale. */
function allKinds(locale: MessageContext['locale'], over: Partial<MessageContext> = {}): MessageContext[] {
  return notificationKinds.flatMap((kind): MessageContext[] =>
    kind === 'escalation'
      ? levels.map((level) => ({ ...base, ...over, kind, locale, level }))
      : [{ ...base, ...over, kind, locale }],
  );
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const cjk = (minLength: number, maxLength: number) =>
  fc.string({
    unit: fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCharCode(c)),
    minLength,
    maxLength,
  });
const anyText = fc.oneof(
  cjk(0, 120),
  fc.string({ unit: 'grapheme', maxLength: 120 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 160 }),
);
const wdCode = fc.stringMatching(/^WD-[0-9A-Z]{1,7}$/);
const code = fc.oneof(
  wdCode,
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 5 }).filter((s) => s.length <= 10),
);
const link = fc.oneof(
  fc
    .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 })
    .map((s) => `https://x/${s}`.slice(0, 40)),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }),
);
const instant = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-12-31T23:59:59Z'), noInvalidDate: true })
  .chain((d) =>
    fc.constantFrom(
      d.toISOString(),
      // The same instant written with the +08:00 offset, as a Chinese client would send it.
      new Date(d.getTime() + 8 * 3600_000).toISOString().replace('Z', '+08:00'),
    ),
  );
const context = (locale: MessageContext['locale']) =>
  fc.record({
    kind: fc.constantFrom(...notificationKinds),
    locale: fc.constant(locale),
    ticketCode: code,
    itemName: anyText,
    place: anyText,
    title: anyText,
    description: anyText,
    unitName: fc.option(anyText, { nil: undefined }),
    stage: fc.option(fc.constantFrom(...stages), { nil: undefined }),
    dueAt: fc.option(instant, { nil: undefined }),
    level: fc.option(fc.constantFrom(...levels), { nil: undefined }),
    note: fc.option(anyText, { nil: undefined }),
    link,
    streetName: fc.option(anyText, { nil: undefined }),
  });

// ---------------------------------------------------------------------------------------------

describe('deadline formatting (Beijing time, fixed +08:00)', () => {
  it('formats SMS as MM/DD HH:mm and email as YYYY-MM-DD HH:mm', () => {
    expect(formatSmsDeadline('2025-10-08T09:30:00Z')).toBe('10/08 17:30');
    expect(formatSmsDeadline('2025-10-08T17:30:00+08:00')).toBe('10/08 17:30');
    expect(formatEmailDeadline('2025-10-08T09:30:00.000Z')).toBe('2025-10-08 17:30');
  });

  it('rolls over the date and the year at Beijing midnight', () => {
    expect(formatSmsDeadline('2025-12-31T16:00:00Z')).toBe('01/01 00:00');
    expect(formatEmailDeadline('2025-12-31T16:00:00Z')).toBe('2026-01-01 00:00');
    expect(formatEmailDeadline('2025-12-31T15:59:00Z')).toBe('2025-12-31 23:59');
  });

  it('agrees with the tz database for any instant', () => {
    fc.assert(
      fc.property(instant, (iso) => {
        const expected = beijing(iso);
        expect(formatSmsDeadline(iso)).toBe(expected.sms);
        expect(formatEmailDeadline(iso)).toBe(expected.email);
      }),
    );
  });

  it('rejects instants without an offset (they would depend on the host zone) and garbage', () => {
    expect(() => formatSmsDeadline('2025-10-08T17:30:00')).toThrow(RangeError);
    expect(() => formatSmsDeadline('tomorrow')).toThrow(RangeError);
    expect(() => renderSms({ ...base, dueAt: 'not a date' })).toThrow(RangeError);
  });
});

describe('SMS wording', () => {
  it('renders the full dispatch text with the signature when it fits', () => {
    const sms = renderSms(base);
    expect(sms).toBe(
      '【吹哨报到】工单WD-3K7P9Q 电动车楼道充电@石羊塘社区，请于10/08 17:30前签收 https://wd.li/Ab3dE9',
    );
    expect(sms.length).toBeLessThanOrEqual(SMS_SEGMENT_CHARS);
  });

  it('uses the stage verb: 签收, 到场, 办结, 评价, 分拨', () => {
    const verbs = {
      acknowledge: '签收',
      arrive: '到场',
      resolve: '办结',
      feedback: '评价',
      triage: '分拨',
    } as const;
    for (const stage of stages) {
      expect(renderSms({ ...base, stage })).toContain(`10/08 17:30前${verbs[stage]}`);
    }
  });

  it('defaults the dispatch stage to 签收 and asks for it as soon as possible without a deadline', () => {
    expect(renderSms({ ...base, stage: undefined })).toContain('前签收');
    const sms = renderSms({ ...base, dueAt: undefined });
    expect(sms).toContain('请尽快签收');
    expect(sms).not.toMatch(/\d{2}\/\d{2}/);
  });

  it('says what each kind is about', () => {
    const sms = (over: Partial<MessageContext>) => renderSms({ ...base, ...over });
    expect(sms({ kind: 'warning', stage: 'resolve' })).toMatch(/即将超时.*10\/08 17:30前办结/);
    expect(sms({ kind: 'escalation', level: 1 })).toMatch(/^【吹哨报到】催办：.*超时，请督促 /);
    expect(sms({ kind: 'urge', note: '今日办结', stage: 'resolve' })).toMatch(
      /督办提醒.*今日办结.*10\/08 17:30前办结/,
    );
    expect(sms({ kind: 'feedback_request' })).toMatch(/已办结.*10\/08 17:30前.*评价/);
    expect(sms({ kind: 'reopen', stage: 'resolve' })).toMatch(/工单重办.*10\/08 17:30前重新办结/);
  });

  it('gives the three escalation levels different wording, also in the tersest form', () => {
    const forLevels = (over: Partial<MessageContext>) =>
      levels.map((level) => renderSms({ ...base, ...over, kind: 'escalation', level }));
    const normal = forLevels({});
    expect(new Set(normal).size).toBe(3);
    expect(normal[0]).toContain('催办');
    expect(normal[1]).toContain('督办');
    expect(normal[2]).toContain('通报');
    // A 10-char code and a 40-char link leave room only for the terse rung.
    const terse = forLevels({ ticketCode: 'WD-ABCDEFG', link: `https://x.gov.cn/l/${'a'.repeat(21)}` });
    expect(new Set(terse).size).toBe(3);
    terse.forEach((sms, i) => {
      expect(sms).toContain(['催办', '督办', '通报'][i]);
      expect(sms.length).toBeLessThanOrEqual(SMS_SEGMENT_CHARS);
    });
  });

  it('shortens the place before the item', () => {
    const sms = renderSms({ ...base, place: '石羊塘社区 建设路12号院3单元楼道口东侧' });
    expect(sms).toContain('电动车楼道充电@石羊塘社区');
    expect(sms).toContain('…，请于');
    expect(sms).toHaveLength(SMS_SEGMENT_CHARS);
  });

  it('drops the place entirely and shortens the item when the item is long', () => {
    const itemName = '居民楼楼道、地下室及消防通道内电动自行车违规停放和私拉电线充电问题';
    const sms = renderSms({ ...base, itemName });
    expect(sms).not.toContain('@');
    expect(sms).not.toContain('石羊塘');
    expect(sms).toMatch(/ 居民楼楼道.*…/);
    expect(sms).toContain('https://wd.li/Ab3dE9');
    expect(sms.length).toBeLessThanOrEqual(SMS_SEGMENT_CHARS);
  });

  it('drops the signature rather than cutting the item below three characters', () => {
    // With this 36-char link the signature would leave the item 2 characters; without it, all 7.
    const link = `https://x.gov.cn/l/${'a'.repeat(17)}`;
    const sms = renderSms({ ...base, link });
    expect(sms).toBe(`WD-3K7P9Q 电动车楼道充电 10/08 17:30前签收 ${link}`);
    // One character less of link and the signature comes back, with the item cut to '电动车…'.
    expect(renderSms({ ...base, link: link.slice(0, -2) })).toBe(
      `【吹哨报到】WD-3K7P9Q 电动车… 10/08 17:30前签收 ${link.slice(0, -2)}`,
    );
  });

  it('keeps code, deadline and link whole with the local 32-char link', () => {
    for (const ctx of allKinds('zh', { link: localLink, place: '石羊塘社区 建设路12号' })) {
      const sms = renderSms(ctx);
      expect(sms.length).toBeLessThanOrEqual(SMS_SEGMENT_CHARS);
      expect(sms).toContain('WD-3K7P9Q');
      expect(sms).toContain('10/08 17:30');
      expect(sms.endsWith(` ${localLink}`)).toBe(true);
    }
  });

  it('flattens line breaks and replaces 【】 in free text', () => {
    const sms = renderSms({ ...base, itemName: '【紧急】\n电动车\t充电', place: '' });
    expect(sms).toContain(' [紧急] 电动车 充电，');
    expect(sms.match(/【/g)).toHaveLength(1);
    expect(sms).not.toMatch(/[\n\t]/);
  });

  it('renders the English variant with the stage verb in GSM-7 when the inputs are GSM-7', () => {
    const sms = renderSms({
      ...base,
      locale: 'en',
      itemName: 'E-bike charging in corridor',
      place: 'Shiyangtang',
    });
    expect(sms).toBe(
      '[Whistle Dispatch] Ticket WD-3K7P9Q E-bike charging in corridor @ Shiyangtang: please acknowledge by 10/08 17:30. https://wd.li/Ab3dE9',
    );
    expect(smsSegment(sms)).toMatchObject({ encoding: 'gsm7' });
  });

  it('uses ... in GSM-7 English (… would force UCS-2) and fits 160 septets', () => {
    const sms = renderSms({ ...base, locale: 'en', itemName: 'x'.repeat(200), place: 'Shiyangtang' });
    expect(sms).toContain('x...');
    expect(sms).not.toContain('…');
    expect(smsSegment(sms)).toEqual({
      encoding: 'gsm7',
      units: GSM7_SEGMENT_SEPTETS,
      limit: GSM7_SEGMENT_SEPTETS,
    });
  });

  it('holds English with Chinese inputs to one UCS-2 segment', () => {
    expect(renderSms({ ...base, locale: 'en', link: localLink })).toBe(
      `WD-3K7P9Q 电动车楼道充电 ack by 10/08 17:30 ${localLink}`,
    );
    for (const ctx of allKinds('en', { link: localLink })) {
      const sms = renderSms(ctx);
      expect(sms.length).toBeLessThanOrEqual(SMS_SEGMENT_CHARS);
      expect(sms).toContain('10/08 17:30');
      expect(sms).toContain(localLink);
    }
  });
});

describe('SMS length guarantee', () => {
  it('fits every Chinese SMS in one 70-char segment with code, deadline and link whole', () => {
    fc.assert(
      fc.property(context('zh'), (ctx) => {
        const sms = renderSms(ctx);
        expect(sms.length).toBeLessThanOrEqual(SMS_SEGMENT_CHARS);
        expect(sms).toContain(ctx.ticketCode);
        expect(sms).toContain(ctx.link);
        if (ctx.dueAt) expect(sms).toContain(beijing(ctx.dueAt).sms);
        expect(sms).not.toMatch(LONE_SURROGATE);
      }),
      { numRuns: 2000 },
    );
  });

  it('always keeps at least 2 characters of the item for codes ≤ 10 and links ≤ 40', () => {
    fc.assert(
      fc.property(context('zh'), wdCode, cjk(2, 120), (ctx, ticketCode, itemName) => {
        const sms = renderSms({ ...ctx, ticketCode, itemName });
        expect(sms.length).toBeLessThanOrEqual(SMS_SEGMENT_CHARS);
        // The item follows the code: whole, or a prefix of at least one character plus '…'.
        const at = sms.indexOf(`${ticketCode} `);
        expect(at).toBeGreaterThanOrEqual(0);
        const shown = sms.slice(at + ticketCode.length + 1).match(/^[\u4e00-\u9fff]+…?/)?.[0] ?? '';
        expect(shown.length).toBeGreaterThanOrEqual(2);
        // Whole items may run into the wording ('…即将超时'); cut ones end at the ellipsis.
        const ok =
          shown.startsWith(itemName) || (shown.endsWith('…') && itemName.startsWith(shown.slice(0, -1)));
        expect(ok).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('fits every English SMS in one segment of its encoding (≤ 160 GSM-7, ≤ 70 UCS-2)', () => {
    fc.assert(
      fc.property(context('en'), (ctx) => {
        const sms = renderSms(ctx);
        const segment = smsSegment(sms);
        expect(segment.units).toBeLessThanOrEqual(segment.limit);
        expect(sms.length).toBeLessThanOrEqual(GSM7_SEGMENT_SEPTETS);
        expect(sms).toContain(ctx.ticketCode);
        expect(sms).toContain(ctx.link);
        if (ctx.dueAt) expect(sms).toContain(beijing(ctx.dueAt).sms);
      }),
      { numRuns: 2000 },
    );
  });

  it('never cuts code, deadline or link, even when they alone overflow the segment', () => {
    const long = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 80 });
    fc.assert(
      fc.property(context('zh'), long, long, instant, (ctx, ticketCode, link, dueAt) => {
        const sms = renderSms({ ...ctx, ticketCode, link, dueAt });
        const due = formatSmsDeadline(dueAt);
        expect(sms).toContain(ticketCode);
        expect(sms).toContain(link);
        expect(sms).toContain(due);
        // Whenever the bare essentials fit, the whole message does.
        if (`${ticketCode} ${due} ${link}`.length <= SMS_SEGMENT_CHARS) {
          expect(sms.length).toBeLessThanOrEqual(SMS_SEGMENT_CHARS);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('SMS encoding', () => {
  it('counts GSM-7 extension characters twice and switches to UCS-2 on anything else', () => {
    expect(smsEncoding('Hello @ 10/08')).toBe('gsm7');
    expect(smsSegment('a[b]')).toEqual({ encoding: 'gsm7', units: 6, limit: 160 });
    expect(smsSegment('签收…')).toEqual({ encoding: 'ucs2', units: 3, limit: 70 });
    expect(smsEncoding('ok…')).toBe('ucs2');
  });
});

describe('email', () => {
  it('renders every kind in both locales with the full detail', () => {
    for (const locale of ['zh', 'en'] as const) {
      for (const ctx of allKinds(locale, { note: '请今日内处理完毕' })) {
        const { subject, text } = renderEmail(ctx);
        expect(subject).toContain('WD-3K7P9Q');
        expect(subject).toContain('电动车楼道充电');
        for (const part of [
          'WD-3K7P9Q',
          '电动车楼道充电',
          base.title,
          '三单元一楼楼道，每晚都有电动车推进来充电。\n住户担心起火。',
          '石羊塘社区',
          '市城市管理和综合执法局',
          '西山街道',
          '请今日内处理完毕',
          base.link,
        ]) {
          expect(text).toContain(part);
        }
        expect(text).toContain(
          locale === 'zh' ? '2025-10-08 17:30 (北京时间)' : '2025-10-08 17:30 (Beijing time)',
        );
      }
    }
  });

  it('names the kind in the subject', () => {
    const subject = (over: Partial<MessageContext>) => renderEmail({ ...base, ...over }).subject;
    expect(subject({})).toBe('【吹哨报到】派单：WD-3K7P9Q 电动车楼道充电');
    expect(subject({ kind: 'warning' })).toContain('超时预警');
    expect(subject({ kind: 'urge' })).toContain('督办提醒');
    expect(subject({ kind: 'feedback_request' })).toContain('回访评价');
    expect(subject({ kind: 'reopen' })).toContain('工单重办');
    expect(subject({ locale: 'en' })).toBe('[Whistle Dispatch] Dispatch: WD-3K7P9Q 电动车楼道充电');
    expect(subject({ locale: 'en', kind: 'feedback_request' })).toContain('Feedback request');
  });

  it('explains each escalation level', () => {
    const zh = levels.map((level) => renderEmail({ ...base, kind: 'escalation', level }));
    expect(zh[0]?.subject).toContain('一级催办');
    expect(zh[0]?.text).toMatch(/升级级别：一级催办（.*单位负责人/);
    expect(zh[1]?.subject).toContain('二级督办');
    expect(zh[1]?.text).toContain('街道大工委督办');
    expect(zh[2]?.subject).toContain('三级通报');
    expect(zh[2]?.text).toContain('社会工作部通报');
    const en = levels.map((level) => renderEmail({ ...base, locale: 'en', kind: 'escalation', level }).text);
    expect(en[0]).toContain('unit leader');
    expect(en[1]).toContain('street working committee');
    expect(en[2]).toContain('city social-work department');
  });

  it('asks the community for the resident verdict in feedback requests', () => {
    expect(renderEmail({ ...base, kind: 'feedback_request' }).text).toMatch(/满意 \/ 基本满意 \/ 不满意/);
    expect(renderEmail({ ...base, kind: 'feedback_request', locale: 'en' }).text).toContain(
      'satisfied / basically satisfied / unsatisfied',
    );
  });

  it('labels the note by kind and omits absent fields', () => {
    expect(renderEmail({ ...base, kind: 'urge', note: '今日办结' }).text).toContain('督办意见：今日办结');
    expect(renderEmail({ ...base, kind: 'reopen', note: '居民不满意' }).text).toContain(
      '重办原因：居民不满意',
    );
    const bare = renderEmail({ ...base, dueAt: undefined, note: undefined, streetName: undefined }).text;
    expect(bare).not.toContain('时限');
    expect(bare).not.toContain('备注');
    expect(bare).not.toContain('所属街道');
    expect(bare).toContain('请尽快签收');
  });

  it('keeps the subject on one line whatever the item contains', () => {
    fc.assert(
      fc.property(context('zh'), (ctx) => {
        const { subject, text } = renderEmail(ctx);
        expect(subject).not.toMatch(/[\r\n]/);
        expect(text).toContain(ctx.link);
        expect(text).toContain(ctx.ticketCode);
      }),
      { numRuns: 300 },
    );
  });
});
