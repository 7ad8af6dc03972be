/**
 * The phone pages behind the signed links in SMS and e-mail (public routes: the link is the
 * credential). GET shows the ticket and what the link allows now; each action is a form POST that
 * redirects back to the page (POST-redirect-GET); photos are uploaded by the page's script.
 * Every refusal is a page that explains itself, never an error dump.
 */
import { StoreEvidence, s3EvidenceOrigin } from '../../shared/adapters/evidence';
import { isTransientError } from '../../shared/adapters/transient-errors';
import { addDuration } from '../../shared/domain/deadlines';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ServiceUnavailableError,
  StoreBusyError,
  UnprocessableError,
  ValidationError,
  VersionConflictError,
} from '../../shared/domain/errors';
import {
  actionsNow,
  type LinkAction,
  type LinkGrant,
  linkActions,
  linkIdOf,
} from '../../shared/domain/links';
import type { ConfigSnapshot, Ticket } from '../../shared/domain/model';
import type { EvidenceStore } from '../../shared/ports';
import {
  actThroughLink,
  evidenceNamePattern,
  type LinkDeps,
  LinkRefusal,
  MAX_EVIDENCE_BYTES,
  uploadEvidence,
} from '../../shared/use-cases/links';
import * as z from '../../shared/zod';
import type { Deps } from '../lib/deps';
import { envNames } from '../lib/env';
import { httpHandler, json, type Reply, type Request, rawBody } from '../lib/http';
import { logger } from '../lib/observability';
import { PROBLEM_CONTENT_TYPE, problemDetails } from '../lib/problem';
import { htmlSecurityHeaders } from '../lib/security-headers';
import {
  actionWords,
  type Explanation,
  explanationPage,
  type Lang,
  langOf,
  pageHeaders,
  refusalText,
  renderLinkPage,
  when,
} from './link-pages';
import { linkActionForms, linkEvidenceUpload } from './link-schemas';
import { whistlePage } from './whistle-page';

// ---------------------------------------------------------------------------------------------
// Composition
// ---------------------------------------------------------------------------------------------

/**
 * Set on AWS (photos in S3 by presigned PUT); absent on the embedded runtime (photos in the
 * store). Read here only for the pages' CSP, which must let the phone connect to the bucket's
 * origin; the photo store itself comes with the dependencies (`deps.evidence`, built by the entry).
 */
const bucket = z
  .optional(z.string().check(z.minLength(3)))
  .safeParse(process.env[envNames.evidenceBucket]).data;

class LinksUnavailable extends Error {
  override readonly name = 'LinksUnavailable';
}

function linkDeps(deps: Deps): Deps & LinkDeps {
  const { links } = deps;
  if (!links) throw new LinksUnavailable('LINK_SECRET_ARN is not configured for this function');
  return { ...deps, links };
}

function evidenceStore(deps: LinkDeps & Pick<Deps, 'evidence'>): EvidenceStore {
  return deps.evidence ?? new StoreEvidence(deps.links.store);
}

const origins = (): string[] => (bucket ? [s3EvidenceOrigin(bucket)] : []);

// ---------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------

function html(status: number, text: string): Reply {
  return { status, headers: pageHeaders(origins()), text };
}

function redirect(location: string): Reply {
  return {
    status: 303,
    headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
    text: '',
  };
}

const pagePath = (code: string, lang: Lang, done?: LinkAction) => {
  const q = [done ? `done=${done}` : '', lang === 'en' ? 'lang=en' : ''].filter(Boolean).join('&');
  // Encoded: the code comes from the request path, and a Location header must stay one header.
  return `/l/${encodeURIComponent(code)}${q ? `?${q}` : ''}`;
};

function explain(lang: Lang, e: Explanation, backTo?: string): Reply {
  return html(e.status, explanationPage(lang, e, backTo));
}

/** Why a domain action was refused, in the holder's words, from the ticket as it is now. */
function explainDomain(lang: Lang, action: LinkAction, err: AppError, t: Ticket | undefined, g: LinkGrant) {
  const zh = lang === 'zh';
  const verb = actionWords[lang][action];
  const title = zh ? `未能${verb}` : `Could not ${verb}`;
  const unitId = g.party.kind === 'unit' ? g.party.unitId : undefined;
  const a = unitId ? t?.assignments.find((x) => x.unitId === unitId && x.status !== 'returned') : undefined;
  const said = (zhText: string, enText: string): Explanation => ({
    status: err.status,
    title,
    detail: zh ? zhText : enText,
  });
  if (err instanceof ConflictError && t) {
    const state = (err.extra.state ?? {}) as Record<string, string | undefined>;
    if (t.status === 'closed' || t.status === 'cancelled') {
      return said(
        `工单已${t.status === 'closed' ? '关闭' : '撤销'}，无需再办理。`,
        `The ticket is ${t.status}; nothing more to do.`,
      );
    }
    if (action === 'acknowledge' && a?.acknowledgedAt) {
      return said(
        `本单位已于 ${when(lang, a.acknowledgedAt)} 签收，无需重复签收。`,
        `Your unit acknowledged it at ${when(lang, a.acknowledgedAt)}.`,
      );
    }
    if (action === 'arrive' && a?.arrivedAt) {
      return said(
        `本单位已于 ${when(lang, a.arrivedAt)} 报到到场。`,
        `Arrival was reported at ${when(lang, a.arrivedAt)}.`,
      );
    }
    if (action !== 'acknowledge' && action !== 'return' && a && !a.acknowledgedAt) {
      return said(`请先签收，再${verb}。`, `Acknowledge the ticket first, then ${verb}.`);
    }
    if (action === 'resolve' && t.status === 'resolved') {
      return said(
        `工单已于 ${when(lang, t.resolution?.at ?? t.updatedAt)} 办结，等待居民评价。`,
        'The ticket is already resolved.',
      );
    }
    if (action === 'return' && state.returnBy) {
      return said(
        `退单期限已于 ${when(lang, state.returnBy)} 截止。如确属他单位职责，请联系街道指挥中心改派。`,
        `The return window closed at ${when(lang, state.returnBy)}; ask the street command centre to re-route it.`,
      );
    }
    if (action === 'return' && /cannot be returned/.test(err.message) && !a?.resolvedAt) {
      return said(
        '此类工单不能退单。如确属他单位职责，请联系街道指挥中心改派。',
        'This kind of ticket cannot be returned; ask the street command centre to re-route it.',
      );
    }
    if (action === 'return' && a?.resolvedAt)
      return said('已办结的工单不能退单。', 'A resolved ticket cannot be returned.');
    if (action === 'feedback') {
      return said(
        '工单尚未办结或正在复核，暂不能评价。',
        'No verdict is expected for this ticket right now.',
      );
    }
    return said(`工单当前状态下不能${verb}。`, `The ticket’s state does not allow this (${err.message}).`);
  }
  if (err instanceof ForbiddenError || err instanceof NotFoundError) {
    if (/only the lead unit/.test(err.message))
      return said('只有牵头单位可以办结此工单。', 'Only the lead unit resolves this ticket.');
    return said(
      '本单位已不再承办此工单（可能已退单或改派）。',
      'Your unit no longer works this ticket (returned or re-routed).',
    );
  }
  return said(`提交的内容有误：${err.message}`, `The request was not accepted: ${err.message}`);
}

/** Whether the link's unit may still return the ticket (the rule's window, as a hint for the page). */
async function returnOpen(
  deps: LinkDeps,
  t: Ticket,
  g: LinkGrant,
  config: ConfigSnapshot,
  now: Date,
): Promise<boolean> {
  const window = config.slaPolicies.find((p) => p.slaClass === t.slaClass)?.returnWindow;
  const unitId = g.party.kind === 'unit' ? g.party.unitId : undefined;
  const a = unitId ? t.assignments.find((x) => x.unitId === unitId && x.status !== 'returned') : undefined;
  if (!window || !a) return false;
  const end = addDuration(new Date(a.dispatchedAt ?? t.createdAt), window, await deps.configs.calendar());
  return now.getTime() <= end.getTime();
}

async function refusalContext(
  base: Deps,
  code: string,
): Promise<{ grant: LinkGrant; ticket?: Ticket } | undefined> {
  const deps = linkDeps(base);
  const opened = await deps.links.open(code, deps.clock.now());
  if (!opened.ok) return undefined;
  const rec = await deps.store.getTicket(opened.link.grant.ticketId);
  return { grant: opened.link.grant, ...(rec ? { ticket: rec.ticket } : {}) };
}

/** Anything not explained above: busy → 503, the rest a plain 500 page (logged, no details). */
function failure(lang: Lang, err: unknown): Reply {
  const zh = lang === 'zh';
  if (err instanceof LinksUnavailable) {
    logger.error('links are not configured', err);
    return explain(lang, {
      status: 503,
      title: zh ? '链接服务暂不可用' : 'Links are unavailable',
      detail: zh
        ? '请登录吹哨报到系统办理，或联系街道指挥中心。'
        : 'Sign in to Whistle Dispatch instead, or call the street command centre.',
    });
  }
  if (err instanceof StoreBusyError || err instanceof ServiceUnavailableError || isTransientError(err)) {
    return {
      ...explain(lang, {
        status: 503,
        title: zh ? '系统繁忙' : 'Busy',
        detail: zh
          ? '请稍等片刻后刷新重试，您的操作尚未生效。'
          : 'Nothing was done yet; wait a moment and try again.',
      }),
      headers: { ...pageHeaders(origins()), 'retry-after': '1' },
    };
  }
  logger.error('link page failed', err as Error);
  return explain(lang, {
    status: 500,
    title: zh ? '出错了' : 'Something went wrong',
    detail: zh
      ? '系统出现问题，已记录。请稍后重试或登录系统办理。'
      : 'It has been logged. Try again later or sign in instead.',
  });
}

function refused(deps: Deps, lang: Lang, err: LinkRefusal, action?: LinkAction): Reply {
  const link = err.link;
  deps.metrics?.count('LinkRefusals', 1, { reason: err.reason });
  logger.debug('link refused', {
    reason: err.reason,
    linkId: link ? linkIdOf(link.grant.code) : undefined,
    action,
  });
  const text = refusalText(lang, err.reason, {
    ...(action ? { action } : {}),
    ...(action && link?.used[action] ? { usedAt: link.used[action] } : {}),
    ...(link ? { expiresAt: link.grant.expiresAt } : {}),
  });
  const back = link && err.reason !== 'expired' ? pagePath(link.grant.code, lang) : undefined;
  return explain(lang, text, back);
}

// ---------------------------------------------------------------------------------------------
// Forms
// ---------------------------------------------------------------------------------------------

const MAX_FORM_BYTES = 64 * 1024;
/** Base64 of the largest photo plus its JSON envelope. */
const MAX_UPLOAD_BYTES = Math.ceil((MAX_EVIDENCE_BYTES * 4) / 3) + 4096;

const missing: Record<string, [string, string]> = {
  note: ['请填写进展说明。', 'Write a progress note.'],
  summary: ['请填写办结情况。', 'Say what was done.'],
  reason: ['请填写退单理由。', 'Give the reason for returning.'],
  rating: ['请选择满意、基本满意或不满意。', 'Choose satisfied, basically satisfied or unsatisfied.'],
  comment: ['意见最多 500 字。', 'Comments are limited to 500 characters.'],
  evidence: ['照片无效，请重新上传。', 'A photo is not valid; upload it again.'],
};

/** Form fields (urlencoded), repeated `evidence` as a list; JSON bodies are accepted too. */
function formOf(req: Request): Record<string, unknown> {
  const raw = rawBody(req.event);
  if (Buffer.byteLength(raw, 'utf8') > MAX_FORM_BYTES) throw new ValidationError('the form is too large');
  if (/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    try {
      const parsed: unknown = JSON.parse(raw || '{}');
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    } catch {
      throw new ValidationError('the body is not valid JSON');
    }
  }
  const params = new URLSearchParams(raw);
  const out: Record<string, unknown> = {};
  for (const key of new Set(params.keys()))
    out[key] = key === 'evidence' ? params.getAll(key) : params.get(key);
  return out;
}

const isLinkAction = (a: string | undefined): a is LinkAction => linkActions.includes(a as LinkAction);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

async function showPage(req: Request): Promise<Reply> {
  const lang = langOf(req.query.lang);
  try {
    const deps = linkDeps(req.deps);
    const code = req.params.code ?? '';
    const now = deps.clock.now();
    const opened = await deps.links.open(code, now);
    if (!opened.ok) throw new LinkRefusal(opened.reason, opened.link);
    const { grant, used } = opened.link;
    if (req.query.ticket !== undefined && req.query.ticket !== grant.ticketId) {
      throw new LinkRefusal('other_ticket', opened.link);
    }
    const rec = await deps.store.getTicket(grant.ticketId);
    if (!rec) throw new LinkRefusal('unknown');
    const config = await deps.configs.version(rec.ticket.configVersion);
    const done = isLinkAction(req.query.done) ? req.query.done : undefined;
    return html(
      200,
      renderLinkPage({
        lang,
        ticket: rec.ticket,
        config,
        grant,
        used,
        actions: actionsNow(rec.ticket, grant, used, await returnOpen(deps, rec.ticket, grant, config, now)),
        now,
        done,
        evidenceMode: evidenceStore(deps).mode,
        maxEvidenceBytes: MAX_EVIDENCE_BYTES,
      }),
    );
  } catch (err) {
    if (err instanceof LinkRefusal) return refused(req.deps, lang, err);
    return failure(lang, err);
  }
}

async function takeAction(req: Request): Promise<Reply> {
  const code = req.params.code ?? '';
  const action = req.params.action;
  let lang = langOf(req.query.lang);
  if (!isLinkAction(action)) {
    return explain(lang, {
      status: 404,
      title: lang === 'zh' ? '没有这个操作' : 'No such action',
      detail: lang === 'zh' ? '请返回工单页面重新操作。' : 'Go back to the ticket page and try again.',
    });
  }
  try {
    const deps = linkDeps(req.deps);
    const fields = formOf(req);
    lang = langOf(fields.lang ?? req.query.lang);
    const form = linkActionForms[action].safeParse(fields);
    if (!form.success) {
      const paths = [...new Set(form.error.issues.map((i) => String(i.path[0] ?? '')))];
      const detail = paths.map(
        (p) => (missing[p] ?? ['请检查填写的内容。', 'Check the form.'])[lang === 'zh' ? 0 : 1],
      );
      return explain(
        lang,
        {
          status: 400,
          title: lang === 'zh' ? '请补充内容' : 'Something is missing',
          detail: detail.join(' '),
        },
        pagePath(code, lang),
      );
    }
    const { ticket } = await actThroughLink(deps, code, action, form.data as Record<string, unknown>, {
      ticketId: str(fields.ticket),
    });
    deps.metrics?.count('LinkActions', 1, { action });
    logger.debug('link action', {
      linkId: linkIdOf(code),
      action,
      ticketId: ticket.id,
      status: ticket.status,
    });
    return redirect(pagePath(code, lang, action));
  } catch (err) {
    if (err instanceof LinkRefusal) return refused(req.deps, lang, err, action);
    // Others changed the ticket at the same moment and every retry lost: the API's 409, explained.
    if (err instanceof VersionConflictError) {
      return explain(
        lang,
        {
          status: 409,
          title: lang === 'zh' ? '工单刚刚有更新' : 'The ticket just changed',
          detail:
            lang === 'zh'
              ? '提交时工单正被其他人更新，本次未生效。请返回工单页面查看后重试。'
              : 'Someone else changed the ticket at the same moment; nothing was done. Go back to the ticket and try again.',
        },
        pagePath(code, lang),
      );
    }
    if (!(err instanceof AppError) || err.status >= 500) return failure(lang, err);
    // The domain refused: explain it from the ticket as it is now (the link opened a moment ago).
    const context = await refusalContext(req.deps, code).catch(() => undefined);
    if (context) {
      return explain(
        lang,
        explainDomain(lang, action, err, context.ticket, context.grant),
        pagePath(code, lang),
      );
    }
    return explain(lang, {
      status: err.status,
      title: lang === 'zh' ? '提交的内容有误' : 'Invalid form',
      detail: err.message,
    });
  }
}

/** JSON for the page's script: `{name, url, upload?}`, or problem+json saying why not. */
async function upload(req: Request): Promise<Reply> {
  const lang = langOf(req.query.lang);
  const zh = lang === 'zh';
  const fail = (status: number, title: string, detail: string) =>
    json(status, problemDetails(status, title, detail), {
      'content-type': PROBLEM_CONTENT_TYPE,
      'cache-control': 'no-store',
    });
  try {
    const deps = linkDeps(req.deps);
    // The link first: a forged or expired one is refused as such, whatever it sends.
    const opened = await deps.links.open(req.params.code ?? '', deps.clock.now());
    if (!opened.ok) throw new LinkRefusal(opened.reason, opened.link);
    const raw = rawBody(req.event);
    if (Buffer.byteLength(raw, 'utf8') > MAX_UPLOAD_BYTES) {
      return fail(
        413,
        zh ? '照片太大' : 'Too large',
        zh ? '请压缩后重试。' : 'Downscale the photo and retry.',
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw || '{}');
    } catch {
      parsed = undefined;
    }
    const body = linkEvidenceUpload.safeParse(parsed);
    if (!body.success) {
      return fail(
        400,
        zh ? '照片无效' : 'Invalid photo',
        zh ? '请上传 JPEG、PNG 或 WebP 照片。' : 'Send a JPEG, PNG or WebP photo.',
      );
    }
    const out = await uploadEvidence(deps, evidenceStore(deps), req.params.code ?? '', body.data);
    logger.debug('evidence uploaded', { linkId: linkIdOf(req.params.code ?? ''), name: out.name });
    return json(201, out, { 'cache-control': 'no-store' });
  } catch (err) {
    if (err instanceof LinkRefusal) {
      const e = refusalText(lang, err.reason, { action: 'resolve' });
      return fail(e.status, e.title, e.detail);
    }
    if (err instanceof UnprocessableError) return fail(422, zh ? '照片无效' : 'Invalid photo', err.message);
    const page = failure(lang, err);
    return fail(page.status, zh ? '上传失败' : 'Upload failed', zh ? '请稍后重试。' : 'Try again shortly.');
  }
}

/** A resolution photo, by its unguessable name: the bytes (embedded) or a short presigned GET (AWS). */
async function photo(req: Request): Promise<Reply> {
  const lang = langOf(req.query.lang);
  const name = req.params.photo ?? '';
  const notFound = () =>
    explain(lang, {
      status: 404,
      title: lang === 'zh' ? '照片不存在' : 'No such photo',
      detail:
        lang === 'zh'
          ? '照片链接有误或照片未上传成功。'
          : 'The photo link is wrong or the upload did not finish.',
    });
  try {
    if (!evidenceNamePattern.test(name)) return notFound();
    const found = await evidenceStore(linkDeps(req.deps)).open(name);
    if (!found) return notFound();
    if ('redirect' in found)
      return { status: 302, headers: { location: found.redirect, 'cache-control': 'no-store' }, text: '' };
    return {
      status: 200,
      headers: {
        'content-type': found.contentType,
        'cache-control': 'private, max-age=86400, immutable',
        'content-security-policy': "default-src 'none'",
        'x-content-type-options': 'nosniff',
      },
      text: Buffer.from(found.bytes).toString('base64'),
      base64: true,
    };
  } catch (err) {
    return failure(lang, err);
  }
}

export const makeLinks = (deps: Deps) =>
  httpHandler(
    deps,

    {
      'GET /l/{code}': showPage,
      'GET /w': async (req) => {
        const config = await req.deps.configs.current();
        const page = whistlePage(langOf(req.query.lang), config.communities);
        return {
          status: 200,
          headers: {
            ...htmlSecurityHeaders(page.csp),
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-store',
          },
          text: page.html,
        };
      },
      'POST /l/{code}/evidence': upload,
      'POST /l/{code}/{action}': takeAction,
      'GET /l/evidence/{photo}': photo,
      // The address bar after a refused POST, opened again: back to the page, never a 405.
      'GET /l/{code}/{action}': async (req) =>
        redirect(pagePath(req.params.code ?? '', langOf(req.query.lang))),
    },
    { onError: (err) => toResult(failure('zh', err)) },
  );

function toResult(reply: Reply) {
  return { statusCode: reply.status, headers: reply.headers ?? {}, body: reply.text ?? '' };
}
