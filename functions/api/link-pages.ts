/**
 * The phone pages behind signed links: server-rendered HTML, inline CSS, plain forms that POST and
 * redirect back (they work without JavaScript), and one small inline script that downscales and
 * uploads resolution photos. No external requests at all, so a slow 3G connection loads the page
 * in one round trip (~8 KB). Chinese by default, English with `?lang=en`.
 */
import { createHash } from 'node:crypto';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { LinkUse } from '../../shared/domain/links';
import { type LinkAction, type LinkGrant, type LinkRefusalReason, linkIdOf } from '../../shared/domain/links';
import type { ConfigSnapshot, Stage, Ticket } from '../../shared/domain/model';
import { escapeMarkup } from '../lib/markup';

export type Lang = 'zh' | 'en';

export function langOf(value: unknown): Lang {
  return value === 'en' ? 'en' : 'zh';
}

// ---------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------

const statusWords: Record<Lang, Record<Ticket['status'], string>> = {
  zh: {
    triage: '分拨中',
    received: '已接收',
    dispatched: '待签收',
    acknowledged: '已签收',
    in_progress: '处理中',
    resolved: '已办结，待评价',
    closed: '已关闭',
    reopened: '重新办理',
    returned: '已退单，待裁定',
    cancelled: '已撤销',
  },
  en: {
    triage: 'in triage',
    received: 'received',
    dispatched: 'awaiting acknowledgement',
    acknowledged: 'acknowledged',
    in_progress: 'in progress',
    resolved: 'resolved, awaiting the verdict',
    closed: 'closed',
    reopened: 'reopened',
    returned: 'returned, awaiting a ruling',
    cancelled: 'cancelled',
  },
};

const stageWords: Record<Lang, Record<Stage, string>> = {
  zh: { acknowledge: '签收', arrive: '到场（报到）', resolve: '办结', feedback: '评价', triage: '分拨' },
  en: {
    acknowledge: 'Acknowledge',
    arrive: 'Arrive on site',
    resolve: 'Resolve',
    feedback: 'Verdict',
    triage: 'Triage',
  },
};

/** The verb of each action, for buttons and explanations. */
export const actionWords: Record<Lang, Record<LinkAction, string>> = {
  zh: {
    acknowledge: '签收',
    arrive: '报到到场',
    progress: '提交进展',
    resolve: '办结',
    return: '退单',
    feedback: '评价',
  },
  en: {
    acknowledge: 'acknowledge',
    arrive: 'report arrival',
    progress: 'report progress',
    resolve: 'resolve',
    return: 'return',
    feedback: 'give the verdict',
  },
};

const ratingWords: Record<Lang, Record<'satisfied' | 'basically_satisfied' | 'unsatisfied', string>> = {
  zh: { satisfied: '满意', basically_satisfied: '基本满意', unsatisfied: '不满意' },
  en: { satisfied: 'Satisfied', basically_satisfied: 'Basically satisfied', unsatisfied: 'Unsatisfied' },
};

const words = {
  zh: {
    brand: '吹哨报到',
    other: 'English',
    otherLang: 'en',
    item: '事项',
    place: '地点',
    problem: '问题',
    contact: '联系人',
    deadlines: '时限',
    urgent: '紧急',
    level: (n: number) => `已升级至${n}级`,
    left: (d: string) => `剩余 ${d}`,
    overdue: (d: string) => `已超时 ${d}`,
    doneAt: (at: string) => `已完成 ${at}`,
    ack: '签收',
    arrive: '已到场',
    summary: '办结情况',
    summaryHint: '做了什么、结果如何',
    photos: '现场照片（选填）',
    photoButton: '拍照或选择照片',
    resolve: '办结',
    note: '进展说明',
    progress: '提交进展',
    reason: '退单理由',
    reasonHint: '为什么不属于本单位职责',
    returnConfirm: '确认退单',
    verdictAsk: '请对本次办理结果作出评价',
    comment: '意见（选填）',
    resolution: '办理结果',
    viewOnly: '此链接仅供查看，不能办理。',
    nothingNow: '当前没有需要通过此链接办理的事项。',
    validUntil: (at: string) => `链接有效至 ${at}`,
    help: '如有疑问，请联系街道指挥中心。',
    helpCall: (street: string) => `如有疑问，请致电${street}指挥中心：`,
    back: '返回工单',
    uploading: '正在上传照片…',
    uploaded: '已上传 {n} 张照片',
    uploadFailed: '照片上传失败，可重试或不附照片直接办结。',
  },
  en: {
    brand: 'Whistle Dispatch',
    other: '中文',
    otherLang: 'zh',
    item: 'Item',
    place: 'Place',
    problem: 'Problem',
    contact: 'Contact',
    deadlines: 'Deadlines',
    urgent: 'Urgent',
    level: (n: number) => `Escalated to level ${n}`,
    left: (d: string) => `${d} left`,
    overdue: (d: string) => `overdue by ${d}`,
    doneAt: (at: string) => `done ${at}`,
    ack: 'Acknowledge',
    arrive: 'Arrived on site',
    summary: 'What was done',
    summaryHint: 'What you did and the outcome',
    photos: 'Photos (optional)',
    photoButton: 'Take or choose photos',
    resolve: 'Resolve',
    note: 'Progress note',
    progress: 'Report progress',
    reason: 'Reason for returning',
    reasonHint: 'Why this is not your unit’s duty',
    returnConfirm: 'Return the ticket',
    verdictAsk: 'How was the problem handled?',
    comment: 'Comment (optional)',
    resolution: 'Resolution',
    viewOnly: 'This link is for viewing only.',
    nothingNow: 'Nothing to do through this link right now.',
    validUntil: (at: string) => `Link valid until ${at}`,
    help: 'Questions? Call the street command centre.',
    helpCall: (street: string) => `Questions? Call the ${street} command centre: `,
    back: 'Back to the ticket',
    uploading: 'Uploading photo…',
    uploaded: '{n} photo(s) uploaded',
    uploadFailed: 'The photo did not upload; retry, or resolve without it.',
  },
};

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

export const esc = escapeMarkup;

/** Beijing time, short: `10月8日 17:30` / `10-08 17:30`. */
export function when(lang: Lang, instant: string | Date): string {
  const iso = toShanghaiIso(typeof instant === 'string' ? new Date(instant) : instant);
  const [mo, d, hm] = [iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 16)];
  return lang === 'zh' ? `${Number(mo)}月${Number(d)}日 ${hm}` : `${mo}-${d} ${hm}`;
}

export function span(lang: Lang, ms: number): string {
  const minutes = Math.max(1, Math.round(Math.abs(ms) / 60_000));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (lang === 'zh') {
    if (d > 0) return `${d}天${h ? `${h}小时` : ''}`;
    if (h > 0) return `${h}小时${m ? `${m}分` : ''}`;
    return `${m}分钟`;
  }
  if (d > 0) return `${d} d${h ? ` ${h} h` : ''}`;
  if (h > 0) return `${h} h${m ? ` ${m} min` : ''}`;
  return `${m} min`;
}

// ---------------------------------------------------------------------------------------------
// Static assets: one stylesheet and one script, both allowed by hash in the CSP
// ---------------------------------------------------------------------------------------------

const CSS = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 -apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f2f4f7;color:#1d2129}
header{display:flex;justify-content:space-between;align-items:center;padding:12px 16px;background:#c4161c;color:#fff}header a{color:#fff}
main{max-width:560px;margin:0 auto;padding:12px}
.card{background:#fff;border-radius:12px;padding:16px;margin:0 0 12px}
h1{font-size:20px;margin:8px 0}h2{font-size:16px;margin:0 0 8px}
.chip{display:inline-block;padding:2px 8px;border-radius:10px;background:#e8f3ff;color:#165dff;font-size:14px;margin-right:6px}
.chip.hot{background:#ffece8;color:#cb2634}.code{font-weight:600;margin-right:8px}
dl{margin:0}dt{color:#4e5969;font-size:14px;margin-top:8px}dd{margin:0;white-space:pre-wrap;word-break:break-word}
ul{list-style:none;margin:0;padding:0}li{display:flex;flex-wrap:wrap;justify-content:space-between;padding:8px 0;border-top:1px solid #f2f3f5}
li:first-child{border-top:0}.late{color:#cb2634;font-weight:600}.ok{color:#007a4d}.soon{color:#a84800}
.flash{background:#e8ffea;color:#00693e;border-radius:12px;padding:14px 16px;margin:0 0 12px;font-size:18px;font-weight:600}
.refused{background:#fff7e8;color:#7a4a00}
button{width:100%;min-height:56px;margin:8px 0 0;border:0;border-radius:10px;font-size:19px;font-weight:600;background:#e5e6eb;color:#1d2129}
button.primary{background:#c4161c;color:#fff}button.danger{background:#fff;color:#cb2634;border:2px solid #cb2634}button:disabled{opacity:.5}
textarea{width:100%;min-height:88px;padding:10px;font:inherit;border:1px solid #c9cdd4;border-radius:8px}
label{display:block;margin:12px 0 4px;font-weight:600}
details{margin-top:12px}summary{padding:12px 0;font-size:17px;color:#165dff}
.file{position:relative;display:block;text-align:center;padding:18px;border:2px dashed #c9cdd4;border-radius:10px;color:#165dff;font-weight:400}
.file input{position:absolute;inset:0;width:100%;height:100%;opacity:0}
.thumbs{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}.thumbs img{width:72px;height:72px;object-fit:cover;border-radius:6px}
.rate{display:grid;gap:0}
footer{color:#4e5969;font-size:13px;text-align:center;padding:8px 0 24px}`;

/**
 * Photo upload, only on pages that can resolve: downscale on the phone (≤ 1600 px, JPEG, quality
 * stepping down until it fits), then either send it inline or PUT it to the presigned URL. Each
 * uploaded photo becomes a hidden `evidence` field of the resolve form.
 */
const SCRIPT = `(function(){var f=document.getElementById('photo');if(!f)return;
var form=document.getElementById('resolve'),list=document.getElementById('thumbs'),st=document.getElementById('upload-status');
var btn=form.querySelector('button'),url=form.dataset.upload,mode=form.dataset.mode,max=+form.dataset.max,t=JSON.parse(form.dataset.words),n=0,busy=0;
function say(s){st.textContent=s}function hold(d){busy+=d;btn.disabled=busy>0}
function load(file){return new Promise(function(ok,no){var i=new Image(),u=URL.createObjectURL(file);i.onload=function(){URL.revokeObjectURL(u);ok(i)};i.onerror=function(){URL.revokeObjectURL(u);no(new Error('decode'))};i.src=u})}
function jpeg(c,q){return new Promise(function(ok){c.toBlob(ok,'image/jpeg',q)})}
async function shrink(file){var i=await load(file),s=Math.min(1,1600/Math.max(i.naturalWidth,i.naturalHeight)),q=0.82,c=document.createElement('canvas');
for(var k=0;k<12;k++){c.width=Math.max(1,Math.round(i.naturalWidth*s));c.height=Math.max(1,Math.round(i.naturalHeight*s));c.getContext('2d').drawImage(i,0,0,c.width,c.height);
var b=await jpeg(c,q);if(b&&b.size<=max)return b;if(q>0.5)q-=0.12;else s*=0.8}throw new Error('size')}
function b64(b){return new Promise(function(ok){var r=new FileReader();r.onload=function(){ok(String(r.result).split(',')[1])};r.readAsDataURL(b)})}
async function send(b){var body={contentType:'image/jpeg',size:b.size};if(mode==='inline')body.data=await b64(b);
var r=await fetch(url,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)}),j=await r.json().catch(function(){return{}});
if(!r.ok)throw new Error(j.detail||'');if(j.upload){var p=await fetch(j.upload.url,{method:'PUT',headers:j.upload.headers,body:b});if(!p.ok)throw new Error('')}return j}
f.addEventListener('change',async function(){var files=[].slice.call(f.files);f.value='';
for(var x=0;x<files.length;x++){hold(1);say(t.uploading);try{var b=await shrink(files[x]),j=await send(b),s=document.createElement('span'),im=document.createElement('img'),h=document.createElement('input');
im.src=URL.createObjectURL(b);im.alt='';h.type='hidden';h.name='evidence';h.value=j.name;s.appendChild(im);s.appendChild(h);list.appendChild(s);n++;say(t.uploaded.replace('{n}',n))}
catch(e){say(t.failed+(e.message?' '+e.message:''))}finally{hold(-1)}}})})();`;

const sha = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
const CSS_HASH = sha(CSS);
const SCRIPT_HASH = sha(SCRIPT);

/**
 * Headers of every page: nothing cached or framed, and the link never leaks as a Referer.
 * `origins` are the evidence bucket's (AWS): photos are PUT there and shown from there.
 */
export function pageHeaders(origins: readonly string[] = []): Record<string, string> {
  const extra = origins.map((o) => ` ${o}`).join('');
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'x-robots-tag': 'noindex, nofollow',
    'content-security-policy': [
      "default-src 'none'",
      `style-src ${CSS_HASH}`,
      `script-src ${SCRIPT_HASH}`,
      `img-src 'self' blob: data:${extra}`,
      `connect-src 'self'${extra}`,
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  };
}

function shell(lang: Lang, title: string, body: string, script = false): string {
  const t = words[lang];
  return `<!doctype html><html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${esc(title)} · ${t.brand}</title><style>${CSS}</style></head><body>
<header><b>${t.brand}</b><a href="?lang=${t.otherLang}">${t.other}</a></header><main>${body}</main>${script ? `<script>${SCRIPT}</script>` : ''}</body></html>`;
}

// ---------------------------------------------------------------------------------------------
// Explanations: every refusal is a page that says what happened and what to do
// ---------------------------------------------------------------------------------------------

export interface Explanation {
  status: number;
  title: string;
  detail: string;
}

export function refusalText(
  lang: Lang,
  reason: LinkRefusalReason,
  extra: { action?: LinkAction; usedAt?: string; expiresAt?: string; code?: string } = {},
): Explanation {
  const zh = lang === 'zh';
  const verb = extra.action ? actionWords[lang][extra.action] : '';
  switch (reason) {
    case 'malformed':
    case 'forged':
    case 'unknown':
    case 'tampered':
      return {
        status: 404,
        title: zh ? '链接无效' : 'This link is not valid',
        detail: zh
          ? '无法识别这个链接，可能抄写有误或被改动过。请直接点按短信或邮件中的原链接；仍无法打开请联系街道指挥中心。'
          : 'This link was not recognised: it may be mistyped or altered. Tap the link in the original SMS or e-mail; if it still fails, call the street command centre.',
      };
    case 'expired':
      return {
        status: 410,
        title: zh ? '链接已过期' : 'This link has expired',
        detail: zh
          ? `此链接的有效期${extra.expiresAt ? `（至 ${when(lang, extra.expiresAt)}）` : ''}已过，不能再办理。请登录吹哨报到系统或联系街道指挥中心。`
          : `This link expired${extra.expiresAt ? ` at ${when(lang, extra.expiresAt)}` : ''}. Sign in to Whistle Dispatch or call the street command centre.`,
      };
    case 'used':
      return {
        status: 409,
        title: zh ? `已${verb}` : `Already done: ${verb}`,
        detail: zh
          ? `已于 ${extra.usedAt ? when(lang, extra.usedAt) : '此前'} 通过此链接${verb}，无需重复操作。`
          : `You already did this (${verb}) through this link${extra.usedAt ? ` at ${when(lang, extra.usedAt)}` : ''}; nothing more to do.`,
      };
    case 'not_granted':
      return {
        status: 403,
        title: zh ? '此链接不能执行该操作' : 'Not allowed through this link',
        detail: zh
          ? `此链接不能用于${verb || '该操作'}。请使用相应短信中的链接，或登录系统办理。`
          : `This link cannot be used to ${verb || 'do that'}. Use the link in the matching message, or sign in.`,
      };
    case 'other_ticket':
      return {
        status: 403,
        title: zh ? '链接与工单不符' : 'This link is for another ticket',
        detail: zh
          ? '此链接只能办理它所属的那张工单，不能用于其他工单，未做任何操作。'
          : 'A link works only for its own ticket; nothing was done.',
      };
    case 'evidence_full':
      return {
        status: 409,
        title: zh ? '照片已达上限' : 'Photo limit reached',
        detail: zh ? '每次办结最多上传 10 张照片。' : 'At most 10 photos per resolution.',
      };
  }
}

/** A page that explains, with a way back to the ticket when the link still opens. */
export function explanationPage(lang: Lang, e: Explanation, backTo?: string): string {
  const back = backTo ? `<p><a href="${esc(backTo)}">${words[lang].back}</a></p>` : '';
  return shell(
    lang,
    e.title,
    `<section class="card refused"><h1>${esc(e.title)}</h1><p>${esc(e.detail)}</p>${back}</section>
<footer>${words[lang].help}</footer>`,
  );
}

// ---------------------------------------------------------------------------------------------
// The ticket page
// ---------------------------------------------------------------------------------------------

export interface LinkPageModel {
  lang: Lang;
  ticket: Ticket;
  config: ConfigSnapshot;
  grant: LinkGrant;
  used: LinkUse;
  /** What the page offers now (shared/domain/links.ts actionsNow). */
  actions: LinkAction[];
  now: Date;
  /** The action just taken (after the POST-redirect-GET). */
  done?: LinkAction | undefined;
  evidenceMode: 'inline' | 'presigned';
  maxEvidenceBytes: number;
}

function flashText(m: LinkPageModel): string {
  const zh = m.lang === 'zh';
  const t = m.ticket;
  switch (m.done) {
    case 'acknowledge':
      return zh ? '✓ 已签收' : '✓ Acknowledged';
    case 'arrive':
      return zh ? '✓ 已报到到场' : '✓ Arrival reported';
    case 'progress':
      return zh ? '✓ 进展已提交' : '✓ Progress reported';
    case 'resolve':
      return zh ? '✓ 已办结，等待居民评价' : '✓ Resolved; the verdict is next';
    case 'return':
      return zh ? '✓ 已退单' : '✓ Returned';
    case 'feedback': {
      const rating = t.feedback ? ratingWords[m.lang][t.feedback.rating] : '';
      if (t.status === 'closed')
        return zh ? `✓ 评价已提交（${rating}），工单已关闭` : `✓ Verdict recorded (${rating}); closed`;
      if (t.status === 'reopened')
        return zh ? `✓ 评价已提交（${rating}），已退回重新办理` : `✓ Verdict recorded (${rating}); reopened`;
      return zh ? `✓ 评价已提交（${rating}）` : `✓ Verdict recorded (${rating})`;
    }
    default:
      return '';
  }
}

function clockRows(m: LinkPageModel): string {
  const { ticket: t, grant, lang, now } = m;
  const w = words[lang];
  const unitId = grant.party.kind === 'unit' ? grant.party.unitId : undefined;
  const stages: Stage[] = unitId ? ['acknowledge', 'arrive', 'resolve'] : ['feedback'];
  const rows: string[] = [];
  for (const stage of stages) {
    const c = [...t.clocks].reverse().find((x) => x.stage === stage && x.unitId === unitId);
    if (!c) continue;
    const due = Date.parse(c.dueAt);
    const left = due - now.getTime();
    const state = c.doneAt
      ? `<span class="ok">${w.doneAt(when(lang, c.doneAt))}</span>`
      : left >= 0
        ? `<span class="${left < 3_600_000 ? 'soon' : ''}">${w.left(span(lang, left))}</span>`
        : `<span class="late">${w.overdue(span(lang, left))}</span>`;
    // A deadline counted over a year nobody published yet may still move: say so where it is read.
    const assumed =
      c.calendarAssumed && !c.doneAt
        ? ` <small class="soon">${lang === 'zh' ? '（节假日未发布，暂按周一至周五推算，可能调整）' : '(holidays not yet published: Mon–Fri assumed, may move)'}</small>`
        : '';
    rows.push(`<li><span>${stageWords[lang][stage]} · ${when(lang, c.dueAt)}${assumed}</span>${state}</li>`);
  }
  return rows.length
    ? `<section class="card"><h2>${w.deadlines}</h2><ul>${rows.join('')}</ul></section>`
    : '';
}

function hidden(m: LinkPageModel): string {
  return `<input type="hidden" name="ticket" value="${esc(m.ticket.id)}"><input type="hidden" name="lang" value="${m.lang}">`;
}

function actionForms(m: LinkPageModel): string {
  const { lang, grant } = m;
  const w = words[lang];
  const post = (a: LinkAction) => `/l/${grant.code}/${a}`;
  const out: string[] = [];
  const has = (a: LinkAction) => m.actions.includes(a);
  if (has('acknowledge')) {
    out.push(
      `<form method="post" action="${post('acknowledge')}">${hidden(m)}<button class="primary" id="do-acknowledge">${w.ack}</button></form>`,
    );
  }
  if (has('arrive')) {
    out.push(
      `<form method="post" action="${post('arrive')}">${hidden(m)}<button class="primary" id="do-arrive">${w.arrive}</button></form>`,
    );
  }
  if (has('resolve')) {
    const msgs = esc(
      JSON.stringify({ uploading: w.uploading, uploaded: w.uploaded, failed: w.uploadFailed }),
    );
    out.push(`<form method="post" action="${post('resolve')}" id="resolve" data-upload="/l/${grant.code}/evidence" data-mode="${m.evidenceMode}" data-max="${m.maxEvidenceBytes}" data-words="${msgs}">${hidden(m)}
<label for="summary">${w.summary}</label><textarea id="summary" name="summary" required maxlength="1000" placeholder="${w.summaryHint}"></textarea>
<label>${w.photos}</label><label class="file">${w.photoButton}<input type="file" id="photo" accept="image/*" multiple></label>
<div class="thumbs" id="thumbs"></div><p id="upload-status" role="status"></p>
<button class="primary" id="do-resolve">${w.resolve}</button></form>`);
  }
  if (has('progress')) {
    out.push(`<details><summary>${w.progress}</summary><form method="post" action="${post('progress')}">${hidden(m)}
<label for="note">${w.note}</label><textarea id="note" name="note" required maxlength="500"></textarea><button id="do-progress">${w.progress}</button></form></details>`);
  }
  if (has('return')) {
    out.push(`<details><summary>${actionWords[lang].return}</summary><form method="post" action="${post('return')}">${hidden(m)}
<label for="reason">${w.reason}</label><textarea id="reason" name="reason" required maxlength="500" placeholder="${w.reasonHint}"></textarea><button class="danger" id="do-return">${w.returnConfirm}</button></form></details>`);
  }
  if (has('feedback')) {
    const rating = (r: keyof (typeof ratingWords)['zh'], cls: string) =>
      `<button name="rating" value="${r}" class="${cls}" id="rate-${r}">${ratingWords[lang][r]}</button>`;
    out.push(`<form method="post" action="${post('feedback')}">${hidden(m)}<h2>${w.verdictAsk}</h2>
<label for="comment">${w.comment}</label><textarea id="comment" name="comment" maxlength="500"></textarea>
<div class="rate">${rating('satisfied', 'primary')}${rating('basically_satisfied', '')}${rating('unsatisfied', 'danger')}</div></form>`);
  }
  if (out.length === 0) {
    return `<section class="card"><p>${grant.actions.length === 0 ? w.viewOnly : w.nothingNow}</p></section>`;
  }
  return `<section class="card">${out.join('\n')}</section>`;
}

/** A phone number as a link a phone dials on tap (E.164 in the href, as written in the text). */
function telLink(phone: string): string {
  const digits = phone.replace(/[^+\d]/g, '');
  return `<a href="tel:${esc(digits)}">${esc(phone)}</a>`;
}

export function renderLinkPage(m: LinkPageModel): string {
  const { ticket: t, config, lang } = m;
  const w = words[lang];
  const community = config.communities.find((c) => c.id === t.communityId);
  const grid = config.grids.find((g) => g.id === t.location?.gridId);
  const place =
    [community?.name, grid?.name, t.location?.address].filter(Boolean).join(' · ') || t.communityId;
  const chips = [
    `<span class="code">${esc(t.code)}</span>`,
    `<span class="chip" id="status">${statusWords[lang][t.status]}</span>`,
    t.priority === 'urgent' ? `<span class="chip hot">${w.urgent}</span>` : '',
    t.escalationLevel > 0 ? `<span class="chip hot">${w.level(t.escalationLevel)}</span>` : '',
  ].join('');
  const contact =
    m.grant.party.kind === 'unit' && t.reporter && (t.reporter.name || t.reporter.phone)
      ? `<dt>${w.contact}</dt><dd>${[
          t.reporter.name ? esc(t.reporter.name) : '',
          t.reporter.phone ? telLink(t.reporter.phone) : '',
        ]
          .filter(Boolean)
          .join(' ')}</dd>`
      : '';
  // The street office is the street's command centre (街道指挥中心): its duty phone, one tap away.
  const street = config.streets.find((s) => s.id === t.streetId);
  const office = config.units.find((u) => u.kind === 'street' && u.streetId === t.streetId);
  const help =
    street && office?.contacts?.dutyPhone
      ? `${esc(w.helpCall(street.name))}${telLink(office.contacts.dutyPhone)}`
      : w.help;
  const resolution =
    t.resolution && m.grant.party.kind === 'community'
      ? `<section class="card"><h2>${w.resolution}</h2><p>${esc(t.resolution.summary)}</p>${
          t.resolution.evidence?.length
            ? `<div class="thumbs">${t.resolution.evidence.map((u) => `<a href="${esc(u)}"><img src="${esc(u)}" alt=""></a>`).join('')}</div>`
            : ''
        }</section>`
      : '';
  const flash = m.done ? `<p class="flash" role="status" id="flash">${esc(flashText(m))}</p>` : '';
  const body = `${flash}<section class="card"><p>${chips}</p><h1>${esc(t.title)}</h1><dl>
<dt>${w.item}</dt><dd>${esc(t.dutyItemName ?? t.dutyItemId ?? '')}</dd><dt>${w.place}</dt><dd>${esc(place)}</dd>
<dt>${w.problem}</dt><dd>${esc(t.description)}</dd>${contact}</dl></section>
${clockRows(m)}${resolution}${actionForms(m)}
<footer>${w.validUntil(when(lang, m.grant.expiresAt))} · ${esc(linkIdOf(m.grant.code))}<br>${help}</footer>`;
  return shell(lang, t.code, body, m.actions.includes('resolve'));
}
