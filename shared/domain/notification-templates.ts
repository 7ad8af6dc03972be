/**
 * Message texts for every notification the engine sends: one-segment SMS and full-detail email, in
 * Chinese (default) and English. Pure: no I/O, no AWS; the adapters only deliver what this renders.
 *
 * SMS must fit ONE segment whatever the inputs, because a split SMS arrives out of order or not at
 * all on some handsets and costs double. The ticket code, the deadline and the link are what a duty
 * officer acts on, so they are never cut; everything else gives way in a fixed order (see `ladder`).
 */
import { SHANGHAI_OFFSET_MS } from './calendar';
import type { NotificationKind, Stage } from './model';

export type Locale = 'zh' | 'en';

export interface MessageContext {
  kind: NotificationKind;
  locale: Locale;
  /** e.g. 'WD-3K7P9Q' (never truncated). */
  ticketCode: string;
  /** Duty item, e.g. '电动车楼道充电'. */
  itemName: string;
  /** Community name and/or address, e.g. '石羊塘社区 建设路12号'. */
  place: string;
  /** The reporter's title (email only). */
  title: string;
  /** Email only. */
  description: string;
  /** Recipient unit (dispatch/warning/urge/reopen) or the late unit (escalation). */
  unitName?: string;
  /** The stage the message is about. */
  stage?: Stage;
  /** ISO 8601 instant (with offset) of the stage deadline. */
  dueAt?: string;
  /** Escalation level (escalation kind). */
  level?: 1 | 2 | 3;
  /** Urge note / reopen reason (email, and SMS if it fits). */
  note?: string;
  /** Short action link (never truncated). */
  link: string;
  streetName?: string;
}

/** One UCS-2 segment, counted in UTF-16 code units: any Chinese text is sent as UCS-2. */
export const SMS_SEGMENT_CHARS = 70;
/** One GSM-7 segment, counted in septets: only for texts made entirely of GSM-7 characters. */
export const GSM7_SEGMENT_SEPTETS = 160;

// ---------------------------------------------------------------------------------------------
// SMS encoding
// ---------------------------------------------------------------------------------------------

// GSM 03.38 default alphabet (without ESC) and its extension table; extension characters take an
// escape septet, so they count twice.
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM7_EXTENSION = new Set('\f^{}\\[~]|€');

export type SmsEncoding = 'gsm7' | 'ucs2';

export function smsEncoding(text: string): SmsEncoding {
  for (const ch of text) {
    if (!GSM7_BASIC.has(ch) && !GSM7_EXTENSION.has(ch)) return 'ucs2';
  }
  return 'gsm7';
}

function septets(text: string): number {
  let n = 0;
  for (const ch of text) n += GSM7_EXTENSION.has(ch) ? 2 : 1;
  return n;
}

/** How a carrier counts `text` and what one segment allows under that encoding. */
export function smsSegment(text: string): { encoding: SmsEncoding; units: number; limit: number } {
  return smsEncoding(text) === 'gsm7'
    ? { encoding: 'gsm7', units: septets(text), limit: GSM7_SEGMENT_SEPTETS }
    : { encoding: 'ucs2', units: text.length, limit: SMS_SEGMENT_CHARS };
}

// ---------------------------------------------------------------------------------------------
// Deadlines: Asia/Shanghai has had no daylight saving since 1991, so fixed +08:00 is exact and
// keeps rendering independent of the host's time zone and ICU data.
// ---------------------------------------------------------------------------------------------

// Without an offset, Date.parse reads the string in the host's zone: the result would depend on
// where the Lambda runs.
const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

function shanghaiParts(iso: string): { y: string; mo: string; d: string; h: string; mi: string } {
  const ms = HAS_OFFSET.test(iso) ? Date.parse(iso) : Number.NaN;
  const t = new Date(ms + SHANGHAI_OFFSET_MS);
  if (Number.isNaN(t.getTime())) throw new RangeError(`dueAt is not an ISO 8601 instant with offset: ${iso}`);
  const two = (n: number): string => String(n).padStart(2, '0');
  return {
    y: String(t.getUTCFullYear()).padStart(4, '0'),
    mo: two(t.getUTCMonth() + 1),
    d: two(t.getUTCDate()),
    h: two(t.getUTCHours()),
    mi: two(t.getUTCMinutes()),
  };
}

/** 'MM/DD HH:mm' in Beijing time: the year is obvious to the reader and costs 5 SMS characters. */
export function formatSmsDeadline(iso: string): string {
  const p = shanghaiParts(iso);
  return `${p.mo}/${p.d} ${p.h}:${p.mi}`;
}

/** 'YYYY-MM-DD HH:mm' in Beijing time (the zone label is added by the email template). */
export function formatEmailDeadline(iso: string): string {
  const p = shanghaiParts(iso);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}`;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

type Level = 1 | 2 | 3;

const ZH_VERB: Record<Stage, string> = {
  acknowledge: '签收',
  arrive: '到场',
  resolve: '办结',
  feedback: '评价',
  triage: '分拨',
};
const ZH_STAGE_NAME: Record<Stage, string> = {
  acknowledge: '签收',
  arrive: '到场（报到）',
  resolve: '办结',
  feedback: '回访评价',
  triage: '分拨（确定履职事项）',
};
const EN_VERB: Record<Stage, string> = {
  acknowledge: 'acknowledge',
  arrive: 'arrive on site',
  resolve: 'resolve',
  feedback: 'give the verdict',
  triage: 'triage',
};
const EN_SHORT_VERB: Record<Stage, string> = {
  acknowledge: 'ack',
  arrive: 'arrive',
  resolve: 'resolve',
  feedback: 'rate',
  triage: 'triage',
};
const EN_NOUN: Record<Stage, string> = {
  acknowledge: 'acknowledgement',
  arrive: 'arrival',
  resolve: 'resolution',
  feedback: 'verdict',
  triage: 'triage',
};
const EN_STAGE_NAME: Record<Stage, string> = {
  acknowledge: 'acknowledge',
  arrive: 'arrive on site',
  resolve: 'resolve',
  feedback: 'feedback',
  triage: 'triage (choose the duty item)',
};

const ZH_LEVEL = { 1: '催办', 2: '督办', 3: '通报' } as const;
const ZH_LEVEL_ORDINAL = { 1: '一级', 2: '二级', 3: '三级' } as const;
const ZH_LEVEL_EXPLAIN = {
  1: '超过时限，向单位负责人催办',
  2: '超时后仍未处理，提请街道大工委督办',
  3: '严重超时，提请市委社会工作部通报',
} as const;
const EN_LEVEL = { 1: 'Urge', 2: 'Supervision', 3: 'Public notice' } as const;
const EN_LEVEL_EXPLAIN = {
  1: 'deadline missed; the unit leader is urged',
  2: 'still overdue; the street working committee (大工委) supervises',
  3: 'seriously overdue; the city social-work department issues a public notice',
} as const;

// Which stage a message talks about when the caller did not say: the stage each kind is normally
// sent for. Warning, escalation and urge apply to any stage, so they fall back to a generic verb.
const DEFAULT_STAGE: Partial<Record<NotificationKind, Stage>> = {
  dispatch: 'acknowledge',
  feedback_request: 'feedback',
  reopen: 'resolve',
};

function stageOf(ctx: MessageContext): Stage | undefined {
  return ctx.stage ?? DEFAULT_STAGE[ctx.kind];
}

function levelOf(ctx: MessageContext): Level {
  return ctx.level ?? 1;
}

// ---------------------------------------------------------------------------------------------
// SMS fitting
// ---------------------------------------------------------------------------------------------

type SlotName = 'item' | 'place' | 'unit' | 'note';
/** A variable part of an SMS with the glue that appears only when the part does. */
interface Slot {
  slot: SlotName;
  before?: string;
  after?: string;
}
type Piece = string | Slot;
/** One wording of a message; `keepItem` is how few item characters it accepts before a terser rung wins. */
interface Rung {
  pieces: Piece[];
  keepItem: number;
}

interface Metric {
  limit: number;
  measure: (s: string) => number;
  ellipsis: string;
}

const UCS2: Metric = { limit: SMS_SEGMENT_CHARS, measure: (s) => s.length, ellipsis: '…' };
// '…' is not in GSM-7: using it would silently switch the whole text to UCS-2 and 70 characters.
const GSM7: Metric = { limit: GSM7_SEGMENT_SEPTETS, measure: septets, ellipsis: '...' };

// Who is late (unit) and what the supervisor said (note) get a few characters reserved before the
// item takes the rest; the place only gets what is left after that, so it is the first to be cut,
// then the item (the recipient sees the full place behind the link).
const RESERVED: readonly SlotName[] = ['unit', 'note'];
// Characters kept before the ellipsis, below which a part says nothing useful ('石…') and is dropped.
const KEEP_OPTIONAL = 3;
// Rungs that keep the signature or the longer wording must keep this much of the item: three
// characters are still recognisable ('电动车…'); shorter cuts are not worth the signature.
const KEEP_ITEM_WORDY = 3;
// The tersest worded rung; the templates are sized so that a 10-char code and a 40-char link
// always leave this much (see the test).
const KEEP_ITEM_TERSE = 1;

const graphemes = new Intl.Segmenter('zh', { granularity: 'grapheme' });

/** Cuts `text` to at most `max` units, ending in the ellipsis, without splitting a character. */
function shorten(text: string, max: number, metric: Metric): string {
  const { measure, ellipsis } = metric;
  if (measure(text) <= max) return text;
  const room = max - measure(ellipsis);
  if (room <= 0) return '';
  let kept = '';
  for (const { segment } of graphemes.segment(text)) {
    if (measure(kept + segment) > room) break;
    kept += segment;
  }
  if (kept === '') {
    // A single grapheme longer than the room (an emoji sequence, stacked marks): keep what code
    // points fit rather than nothing.
    for (const ch of text) {
      if (measure(kept + ch) > room) break;
      kept += ch;
    }
  }
  kept = kept.trimEnd();
  return kept === '' ? '' : kept + ellipsis;
}

/** Renders one rung within the metric's limit, or undefined when even the minimums do not fit. */
function fitRung(rung: Rung, values: Record<SlotName, string>, metric: Metric): string | undefined {
  const { measure } = metric;
  const slotOf = (name: SlotName): Slot | undefined =>
    rung.pieces.find((p): p is Slot => typeof p !== 'string' && p.slot === name);
  const glue = (s: Slot): number => measure(s.before ?? '') + measure(s.after ?? '');
  const length = (name: SlotName): number => measure(values[name]);
  const least = (name: SlotName, keep: number): number =>
    Math.min(length(name), keep + measure(metric.ellipsis));
  const fixed = rung.pieces.reduce((n, p) => n + (typeof p === 'string' ? measure(p) : 0), 0);
  let room = metric.limit - fixed;
  const given = new Map<SlotName, number>();

  const item = slotOf('item');
  if (item) {
    const need = least('item', rung.keepItem);
    room -= glue(item) + need;
    if (room < 0) return undefined;
    given.set('item', need);
  }
  for (const name of RESERVED) {
    const slot = slotOf(name);
    const need = least(name, KEEP_OPTIONAL);
    if (slot && need > 0 && glue(slot) + need <= room) {
      room -= glue(slot) + need;
      given.set(name, need);
    }
  }
  for (const name of ['item', ...RESERVED] as const) {
    const current = given.get(name);
    if (current === undefined) continue;
    const extra = Math.min(length(name) - current, room);
    given.set(name, current + extra);
    room -= extra;
  }
  const place = slotOf('place');
  const placeNeed = least('place', KEEP_OPTIONAL);
  if (place && placeNeed > 0 && glue(place) + placeNeed <= room) {
    given.set('place', Math.min(length('place'), room - glue(place)));
  }

  const text = rung.pieces
    .map((p) => {
      if (typeof p === 'string') return p;
      const budget = given.get(p.slot);
      if (budget === undefined) return '';
      return (p.before ?? '') + shorten(values[p.slot], budget, metric) + (p.after ?? '');
    })
    .join('');
  return measure(text) <= metric.limit ? text : undefined;
}

/** Per-kind wording at three lengths; `min` carries no optional parts. */
interface Phrases {
  label: string;
  /** Word before the code in the longest rung ('工单'); kinds whose label already says it omit it. */
  ticketWord?: string;
  full: Piece[];
  compact: Piece[];
  min: string;
}

const unitSlot = (before = '', after = ''): Slot => ({ slot: 'unit', before, after });
const noteSlot = (before = '', after = ''): Slot => ({ slot: 'note', before, after });

function zhPhrases(ctx: MessageContext, due: string | undefined): Phrases {
  const stage = stageOf(ctx);
  const verb = stage ? ZH_VERB[stage] : '处理';
  const by = due ? `请于${due}前${verb}` : `请尽快${verb}`;
  const byShort = due ? `${due}前${verb}` : `请${verb}`;
  switch (ctx.kind) {
    case 'dispatch':
      return { label: '', full: [`，${by}`], compact: [` ${byShort}`], min: ` ${byShort}` };
    case 'warning':
      return {
        label: '预警：',
        full: [`即将超时，${by}`],
        compact: [` 即将超时，${byShort}`],
        min: due ? ` ${due}即将超时` : ' 即将超时',
      };
    case 'escalation': {
      const level = levelOf(ctx);
      const name = ZH_LEVEL[level];
      const late = level === 3 ? '严重超时' : '已超时';
      const ask = { 1: '，请督促', 2: '，请大工委督办', 3: '，提请市社工部通报' }[level];
      return {
        label: `${name}：`,
        full: ['，', unitSlot(), `${verb}${late}${due ? `（时限${due}）` : ''}${ask}`],
        compact: [
          ' ',
          unitSlot('', ' '),
          `${due ?? ''}${verb}${level === 3 ? '严重超时' : '超时'}，${level === 1 ? '请督促' : `请${name}`}`,
        ],
        min: due ? ` ${due}超时${name}` : ` 超时${name}`,
      };
    }
    case 'urge':
      return {
        label: '督办提醒：',
        full: [noteSlot('，'), `，${by}`],
        compact: [' ', noteSlot('', '，'), byShort],
        min: due ? ` 督办${due}前${verb}` : ` 督办请${verb}`,
      };
    case 'feedback_request':
      return {
        label: '回访：',
        full: [`已办结，${due ? `请于${due}前` : '请'}反馈居民评价（满意/基本满意/不满意）`],
        compact: [due ? ` 已办结，${due}前评价` : ' 已办结，请评价'],
        min: due ? ` ${due}前评价` : ' 请评价',
      };
    case 'reopen':
      return {
        label: '工单重办：',
        ticketWord: '',
        full: [noteSlot('，原因：'), due ? `，请于${due}前重新${verb}` : `，请尽快重新${verb}`],
        compact: [' ', noteSlot('', '，'), due ? `${due}前重新${verb}` : `请重新${verb}`],
        min: due ? ` 重办${due}前${verb}` : ` 重办请${verb}`,
      };
    case 'closure':
      return {
        label: '办结告知：',
        full: ['，您一同反映的问题已办结，感谢参与'],
        compact: [' 您反映的问题已办结'],
        min: ' 已办结',
      };
  }
}

function enPhrases(ctx: MessageContext, due: string | undefined): Phrases {
  const stage = stageOf(ctx);
  const verb = stage ? EN_VERB[stage] : 'act';
  const shortVerb = stage ? EN_SHORT_VERB[stage] : 'act';
  const by = due ? `by ${due}` : 'as soon as possible';
  switch (ctx.kind) {
    case 'dispatch':
      return {
        label: '',
        full: [`: please ${verb} ${by}.`],
        compact: [due ? ` ${verb} by ${due}` : ` ${verb} now`],
        min: due ? ` ${shortVerb} by ${due}` : ` ${shortVerb}`,
      };
    case 'warning':
      return {
        label: 'Warning: ',
        full: [`: about to run late; please ${verb} ${by}.`],
        compact: [due ? ` due soon: ${verb} by ${due}` : ` due soon: ${verb}`],
        min: due ? ` due ${due}` : ' due soon',
      };
    case 'escalation': {
      const level = levelOf(ctx);
      const noun = stage ? EN_NOUN[stage] : 'action';
      const ask = {
        1: 'please urge your team.',
        2: 'the street working committee is asked to supervise.',
        3: 'submitted to the city social-work department for public notice.',
      }[level];
      return {
        label: `${EN_LEVEL[level]} (L${level}): `,
        full: [`: ${noun}`, unitSlot(' by '), due ? ` overdue since ${due}; ${ask}` : ` overdue; ${ask}`],
        compact: [` ${noun}`, unitSlot(' by '), due ? ` late since ${due}` : ' late'],
        min: due ? ` late ${due} L${level}` : ` late L${level}`,
      };
    }
    case 'urge':
      return {
        label: 'Urge: ',
        full: [`: please ${verb} ${by}.`, noteSlot(' Note: ')],
        compact: [due ? ` ${verb} by ${due}` : ` ${verb} now`, noteSlot('. ')],
        min: due ? ` urge: ${shortVerb} by ${due}` : ` urge: ${shortVerb}`,
      };
    case 'feedback_request':
      return {
        label: 'Feedback: ',
        full: [
          ` was resolved; please give the resident's verdict (satisfied / basically satisfied / unsatisfied) ${by}.`,
        ],
        compact: [due ? ` resolved; verdict by ${due}` : ' resolved; verdict please'],
        min: due ? ` rate by ${due}` : ' rate',
      };
    case 'reopen':
      return {
        label: 'Reopened: ',
        full: [noteSlot(': '), due ? `. Please ${verb} again by ${due}.` : `. Please ${verb} again.`],
        compact: [noteSlot(' ', ';'), due ? ` ${shortVerb} again by ${due}` : ` ${shortVerb} again`],
        min: due ? ` redo by ${due}` : ' redo',
      };
    case 'closure':
      return {
        label: 'Closed: ',
        full: [': the issue you also reported is closed. Thank you.'],
        compact: [' the issue you reported is closed'],
        min: ' closed',
      };
  }
}

/** From most to least complete; the first rung that fits wins. */
function ladder(locale: Locale, p: Phrases, code: string, link: string, due: string | undefined): Rung[] {
  const zh = locale === 'zh';
  const sign = zh ? '【吹哨报到】' : '[Whistle Dispatch] ';
  const ticketWord = p.ticketWord ?? (zh ? '工单' : 'Ticket ');
  const item: Slot = { slot: 'item', before: ' ' };
  const place: Slot = { slot: 'place', before: zh ? '@' : ' @ ' };
  return [
    {
      pieces: [sign, p.label, ticketWord, code, item, place, ...p.full, ' ', link],
      keepItem: KEEP_ITEM_WORDY,
    },
    { pieces: [sign, p.label, code, item, place, ...p.compact, ' ', link], keepItem: KEEP_ITEM_WORDY },
    { pieces: [p.label, code, item, place, ...p.compact, ' ', link], keepItem: KEEP_ITEM_WORDY },
    { pieces: [code, item, p.min, ' ', link], keepItem: KEEP_ITEM_TERSE },
    { pieces: [code, p.min, ' ', link], keepItem: 0 },
    // Last resort: only what must never be cut. Longer than a segment only when the code and the
    // link themselves leave no room, and then a split SMS beats a broken link.
    { pieces: [code, ' ', ...(due ? [due, ' '] : []), link], keepItem: 0 },
  ];
}

// Free text comes from forms: line breaks and runs of spaces waste SMS room, and a stray 【】 in the
// body can be mistaken by carriers for the signature.
function clean(text: string | undefined): string {
  return (text ?? '')
    .replace(/[\p{Cc}\s]+/gu, ' ')
    .replace(/【/g, '[')
    .replace(/】/g, ']')
    .trim();
}

/**
 * One-segment SMS. Tries ever terser wordings (signature and long phrasing first, then the place,
 * then most of the item); code, deadline and link are kept whole in every wording.
 */
export function renderSms(ctx: MessageContext): string {
  const due = ctx.dueAt === undefined ? undefined : formatSmsDeadline(ctx.dueAt);
  const values: Record<SlotName, string> = {
    item: clean(ctx.itemName),
    place: clean(ctx.place),
    unit: clean(ctx.unitName),
    note: clean(ctx.note),
  };
  const phrases = ctx.locale === 'zh' ? zhPhrases(ctx, due) : enPhrases(ctx, due);
  const rungs = ladder(ctx.locale, phrases, ctx.ticketCode, ctx.link, due);
  // Chinese is always UCS-2. English gets the 160 septets of GSM-7 only if the text it ends up with
  // is all GSM-7 (a Chinese item makes it UCS-2); otherwise it is fitted again to 70 UTF-16 units.
  const attempts = ctx.locale === 'en' ? [GSM7, UCS2] : [UCS2];
  for (const metric of attempts) {
    for (const rung of rungs) {
      const text = fitRung(rung, values, metric);
      if (text === undefined) continue;
      if (metric === UCS2 || smsEncoding(text) === 'gsm7') return text;
      break;
    }
  }
  const last = rungs[rungs.length - 1];
  return last ? last.pieces.filter((p): p is string => typeof p === 'string').join('') : '';
}

// ---------------------------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------------------------

const ZH_KIND: Record<Exclude<NotificationKind, 'escalation'>, string> = {
  dispatch: '派单',
  warning: '超时预警',
  urge: '督办提醒',
  feedback_request: '回访评价',
  reopen: '工单重办',
  closure: '办结告知',
};
const EN_KIND: Record<Exclude<NotificationKind, 'escalation'>, string> = {
  dispatch: 'Dispatch',
  warning: 'Deadline warning',
  urge: 'Urge',
  feedback_request: 'Feedback request',
  reopen: 'Reopened',
  closure: 'Closed',
};

const ZH_NOTE_LABEL: Partial<Record<NotificationKind, string>> = { urge: '督办意见', reopen: '重办原因' };
const EN_NOTE_LABEL: Partial<Record<NotificationKind, string>> = {
  urge: 'Supervisor note',
  reopen: 'Reason for reopening',
};

function kindLabel(ctx: MessageContext): string {
  if (ctx.kind === 'escalation') {
    const level = levelOf(ctx);
    return ctx.locale === 'zh'
      ? `${ZH_LEVEL_ORDINAL[level]}${ZH_LEVEL[level]}`
      : `Escalation L${level} (${EN_LEVEL[level]})`;
  }
  return ctx.locale === 'zh' ? ZH_KIND[ctx.kind] : EN_KIND[ctx.kind];
}

function zhIntro(ctx: MessageContext, due: string | undefined): string {
  const stage = stageOf(ctx);
  const verb = stage ? ZH_VERB[stage] : '处理';
  const by = due ? `请于${due}前${verb}` : `请尽快${verb}`;
  switch (ctx.kind) {
    case 'dispatch':
      return `街社吹哨，请部门报到：以下工单已派至贵单位，${by}。`;
    case 'warning':
      return `以下工单${verb}即将超时，${by}。`;
    case 'escalation': {
      const level = levelOf(ctx);
      const who = ctx.unitName ? clean(ctx.unitName) : '承办单位';
      const tail = {
        1: '，请督促尽快办理。',
        2: '，提请街道大工委督办。',
        3: '，提请市委社会工作部通报。',
      }[level];
      return `${who}${verb}${level === 3 ? '严重超时' : '已超时'}${tail}`;
    }
    case 'urge':
      return `上级督办提醒：${by}。`;
    case 'feedback_request':
      return `以下工单承办单位已办结，${due ? `请于${due}前` : '请'}反馈居民评价：满意 / 基本满意 / 不满意。`;
    case 'reopen':
      return `以下工单需重新办理，${due ? `请于${due}前` : '请尽快'}重新${verb}。`;
    case 'closure':
      return '您一同反映的问题已办结，感谢您的参与。';
  }
}

function enIntro(ctx: MessageContext, due: string | undefined): string {
  const stage = stageOf(ctx);
  const verb = stage ? EN_VERB[stage] : 'act on';
  const by = due ? `by ${due}` : 'as soon as possible';
  switch (ctx.kind) {
    case 'dispatch':
      return `The community has blown the whistle and your unit is called to report for duty: please ${verb} the ticket below ${by}.`;
    case 'warning':
      return `The ticket below is about to run late: please ${verb} it ${by}.`;
    case 'escalation': {
      const level = levelOf(ctx);
      const who = ctx.unitName ? clean(ctx.unitName) : 'The handling unit';
      const noun = stage ? EN_NOUN[stage] : 'action';
      const tail = {
        1: 'please urge the team to act now.',
        2: 'the street working committee is asked to supervise.',
        3: 'it is submitted to the city social-work department for public notice.',
      }[level];
      return `${who}: ${noun} is ${level === 3 ? 'seriously ' : ''}overdue; ${tail}`;
    }
    case 'urge':
      return `A supervisor urges your unit: please ${verb} the ticket below ${by}.`;
    case 'feedback_request':
      return `The ticket below was resolved: please give the resident's verdict (satisfied / basically satisfied / unsatisfied) ${by}.`;
    case 'reopen':
      return `The ticket below was reopened: please ${verb} it again ${by}.`;
    case 'closure':
      return 'The issue you also reported (ticket below) is closed. Thank you for reporting it.';
  }
}

/** Full-detail email; the subject is one line (a line break would inject headers). */
export function renderEmail(ctx: MessageContext): { subject: string; text: string } {
  const zh = ctx.locale === 'zh';
  const stage = stageOf(ctx);
  const dueText = ctx.dueAt === undefined ? undefined : formatEmailDeadline(ctx.dueAt);
  const dueLine = dueText === undefined ? undefined : `${dueText} ${zh ? '(北京时间)' : '(Beijing time)'}`;
  const item = clean(ctx.itemName);
  const subject = zh
    ? `【吹哨报到】${kindLabel(ctx)}：${clean(ctx.ticketCode)} ${item}`
    : `[Whistle Dispatch] ${kindLabel(ctx)}: ${clean(ctx.ticketCode)} ${item}`;

  const level = levelOf(ctx);
  const noteLabel = (zh ? ZH_NOTE_LABEL : EN_NOTE_LABEL)[ctx.kind] ?? (zh ? '备注' : 'Note');
  const field = (label: string, value: string | undefined): string[] =>
    value === undefined || value.trim() === '' ? [] : [`${label}${zh ? '：' : ': '}${value}`];
  // Keep the description's own line breaks (it is the reporter's text), only normalising CRLF.
  const description = ctx.description.replace(/\r\n?/g, '\n').trim();

  const lines = [
    ...(ctx.unitName && ctx.kind !== 'escalation' ? [`${clean(ctx.unitName)}${zh ? '：' : ','}`, ''] : []),
    zh ? zhIntro(ctx, dueLine) : enIntro(ctx, dueLine),
    '',
    // Code and link are what the recipient acts on: printed as given, never dropped as blank.
    `${zh ? '工单编号：' : 'Ticket: '}${ctx.ticketCode}`,
    ...field(zh ? '类型' : 'Type', kindLabel(ctx)),
    ...field(zh ? '履职事项' : 'Duty item', ctx.itemName),
    ...field(zh ? '标题' : 'Title', ctx.title),
    ...field(zh ? '地点' : 'Place', ctx.place),
    ...field(zh ? '所属街道' : 'Street', ctx.streetName),
    ...field(zh ? '承办单位' : 'Unit', ctx.unitName),
    ...field(zh ? '环节' : 'Stage', stage ? (zh ? ZH_STAGE_NAME[stage] : EN_STAGE_NAME[stage]) : undefined),
    ...field(zh ? '时限' : 'Deadline', dueLine),
    ...(ctx.kind === 'escalation'
      ? field(
          zh ? '升级级别' : 'Escalation level',
          zh
            ? `${ZH_LEVEL_ORDINAL[level]}${ZH_LEVEL[level]}（${ZH_LEVEL_EXPLAIN[level]}）`
            : `${level}, ${EN_LEVEL[level]} (${EN_LEVEL_EXPLAIN[level]})`,
        )
      : []),
    ...field(noteLabel, ctx.note),
    ...(description === '' ? [] : ['', zh ? '问题描述：' : 'Description:', description]),
    '',
    `${zh ? '处理链接：' : 'Link: '}${ctx.link}`,
    '',
    zh
      ? '—— 吹哨报到调度系统（请勿直接回复本邮件）'
      : '-- Whistle Dispatch (please do not reply to this email)',
  ];
  return { subject, text: lines.join('\n') };
}

// ---------------------------------------------------------------------------------------------
// Work-group message (WeCom / DingTalk robot)
// ---------------------------------------------------------------------------------------------

/**
 * A group message: seen by everyone in the unit's work group, so it names the unit it is for, then
 * the e-mail's intro, the place and the one-tap link. Plain text (robots @mention the duty phone).
 */
export function renderGroupText(ctx: MessageContext): string {
  const zh = ctx.locale === 'zh';
  const dueText = ctx.dueAt === undefined ? undefined : formatEmailDeadline(ctx.dueAt);
  const dueLine = dueText === undefined ? undefined : `${dueText} ${zh ? '(北京时间)' : '(Beijing time)'}`;
  const subject = renderEmail(ctx).subject;
  const who = ctx.unitName && ctx.kind !== 'escalation' ? `${clean(ctx.unitName)}${zh ? '：' : ': '}` : '';
  const noteLabel = (zh ? ZH_NOTE_LABEL : EN_NOTE_LABEL)[ctx.kind] ?? (zh ? '备注' : 'Note');
  return [
    subject,
    `${who}${zh ? zhIntro(ctx, dueLine) : enIntro(ctx, dueLine)}`,
    `${zh ? '地点：' : 'Place: '}${clean(ctx.place)}`,
    ...(ctx.note && clean(ctx.note) !== '' ? [`${noteLabel}${zh ? '：' : ': '}${clean(ctx.note)}`] : []),
    `${zh ? '处理链接：' : 'Link: '}${ctx.link}`,
  ].join('\n');
}
