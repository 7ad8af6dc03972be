import type { DaySource } from '../../shared/domain/calendar';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import { ForbiddenError, NotFoundError, ValidationError } from '../../shared/domain/errors';
import { linkIdOf } from '../../shared/domain/links';
import type { Ticket } from '../../shared/domain/model';
import { canSee, type Principal, requireRole } from '../../shared/domain/principal';
import { openStatuses } from '../../shared/domain/ticket-rules';
import type { BreachRecord, NotificationRecord } from '../../shared/ports';
import { suggestForConfig } from '../../shared/use-cases/duty-suggestions';
import { spendMonth } from '../../shared/use-cases/notification-sender';
import { notificationSettings } from '../../shared/use-cases/notify';
import { periodMetrics } from '../../shared/use-cases/oversight';
import { getTicket } from '../../shared/use-cases/ticket-service';
import { viewTicket } from '../../shared/views/ticket-view';
import type { Deps } from '../lib/deps';
import { httpHandler, json, parse, parseQuery, type Request } from '../lib/http';
import { consoleRoutes } from './console-queries';
import { collectPage, slicePage } from './paging';
import {
  breachesQuery,
  dutyItemsQuery,
  listTicketsQuery,
  metricsQuery,
  noQuery,
  notificationsQuery,
  referenceQuery,
  ticketIdPattern,
  yearParam,
} from './schemas';
import { bound, defaultPeriodFrom, ticketByCode, ticketFilterOf } from './scope';
import { triageReadRoutes } from './triage';

async function listTickets(req: Request) {
  const p = req.principal();
  const q = parseQuery(req, listTicketsQuery);
  const filter = ticketFilterOf(p, q, await req.deps.configs.current());
  if (q.code) {
    const found = await ticketByCode(req.deps.store, p, q.code, filter);
    return json(200, { items: found.map((t) => viewTicket(t, p)), nextCursor: null });
  }
  const store = req.deps.store;
  const page = await collectPage({
    fetch: (limit, cursor) => store.listTickets(filter, limit, cursor),
    expand: (tickets: Ticket[]) => tickets.map((t) => viewTicket(t, p)),
    limit: q.limit,
    cursor: q.cursor,
    query: ['tickets', filter],
  });
  return json(200, page);
}

async function oneTicket(req: Request) {
  const p = req.principal();
  parseQuery(req, noQuery);
  const id = req.params.id ?? '';
  if (!ticketIdPattern.test(id)) throw new NotFoundError(`ticket ${id} not found`);
  return json(200, viewTicket(await getTicket(req.deps, p, id), p));
}

async function reference<K extends 'units' | 'communities' | 'dutyItems' | 'slaPolicies'>(
  req: Request,
  key: K,
) {
  const p = req.principal();
  const q = parseQuery(req, referenceQuery);
  const config = await req.deps.configs.current();
  const all = config[key].map((x) => {
    // Contacts are for dispatch, not for every reader.
    if (key === 'units' && p.role !== 'admin') {
      const { contacts: _contacts, ...rest } = x as (typeof config.units)[number];
      return rest;
    }
    return x;
  });
  const page = slicePage(all, q.limit, q.cursor, [key, config.version]);
  return json(200, { ...page, configVersion: config.version });
}

/** The duty list, or with `q` the items ranked for a description (same auth: any role). */
async function dutyItems(req: Request) {
  if (req.query.q === undefined) return reference(req, 'dutyItems');
  req.principal();
  const q = parseQuery(req, dutyItemsQuery);
  const config = await req.deps.configs.current();
  const text = q.q as string;
  const found = suggestForConfig(config, text, q.limit ?? 3);
  return json(200, { query: text, ...found, configVersion: config.version });
}

async function calendarYear(req: Request) {
  req.principal();
  parseQuery(req, noQuery);
  const year = parse(yearParam, req.params.year, 'year');
  const deps = req.deps;
  const config = await deps.configs.current();
  const cal = await deps.configs.calendar();
  const loaded = config.calendars.find((c) => c.year === year);
  const named = new Set([...(loaded?.holidays ?? []), ...(loaded?.workdays ?? [])]);
  const offDays: string[] = [];
  const workingWeekends: string[] = [];
  const days: { date: string; working: boolean; source: DaySource }[] = [];
  for (let d = Date.UTC(year, 0, 1); d < Date.UTC(year + 1, 0, 1); d += 86_400_000) {
    const date = new Date(d).toISOString().slice(0, 10);
    const weekend = [0, 6].includes(new Date(d).getUTCDay());
    const info = cal.dayInfo(date);
    if (!weekend && !info.working) offDays.push(date);
    if (weekend && info.working) workingWeekends.push(date);
    if (weekend === info.working || named.has(date)) days.push({ date, ...info });
  }
  const known = cal.knowsYear(year);
  return json(200, {
    year,
    source: loaded ? 'file' : known ? 'bundled' : 'assumed',
    ...(loaded ? { mode: loaded.mode ?? 'adjust' } : {}),
    known,
    holidays: offDays,
    workdays: workingWeekends,
    days,
    ...(loaded?.source ? { reference: loaded.source } : {}),
  });
}

async function breaches(req: Request) {
  const p = req.principal();
  requireRole(p, ['supervisor', 'admin'], 'review breaches');
  const q = parseQuery(req, breachesQuery);
  if (p.role === 'supervisor' && p.streetId && q.streetId && q.streetId !== p.streetId) {
    throw new ForbiddenError('outside your street');
  }
  const deps = req.deps;
  const from = bound(q.from, false);
  const to = bound(q.to, true);
  if (from && to && from > to)
    throw new ValidationError('empty period', [{ path: 'from', message: 'must not be after to' }]);
  const streetId = p.role === 'supervisor' && p.streetId ? p.streetId : q.streetId;
  const filter = {
    ...(q.unitId ? { unitId: q.unitId } : {}),
    ...(q.stage ? { stage: q.stage } : {}),
    ...(q.level ? { level: q.level } : {}),
    ...(streetId ? { streetId } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
  const page = await collectPage({
    fetch: (limit, cursor) => deps.store.listBreaches(filter, limit, cursor),
    expand: async (records: BreachRecord[]) => {
      // closedAt: when the breached stage was finally done (from the ticket record).
      const tickets = await ticketsById(
        deps.store,
        records.map((b) => b.ticketId),
      );
      return records.map((b) => {
        const t = tickets.get(b.ticketId);
        const clock = t?.clocks.find(
          (c) => c.stage === b.stage && (c.unitId ?? '') === b.unitId && c.dueAt === b.dueAt,
        );
        return {
          ...b,
          ...(clock?.doneAt ? { closedAt: clock.doneAt } : {}),
          ...(t ? { ticketStatus: t.status, title: t.title } : {}),
        };
      });
    },
    limit: q.limit,
    cursor: q.cursor,
    query: ['breaches', filter],
  });
  return json(200, page);
}

async function ticketsById(store: Deps['store'], ids: string[]): Promise<Map<string, Ticket>> {
  const unique = [...new Set(ids)];
  const recs = await Promise.all(unique.map((id) => store.getTicket(id)));
  return new Map(recs.flatMap((r) => (r ? [[r.ticket.id, r.ticket] as const] : [])));
}

/** A signed link in a message, with or without its scheme (an SMS may drop it). */
const LINK_IN_TEXT = /(?:https?:\/\/)?[^\s/]+\/l\/([0-9A-Za-z]{10,})/g;

/**
 * A message as its reader may see it. A live link is a credential (it acts as the unit), so only
 * the recipient sees it: everyone else reads that a link was sent, named by its id (the same id
 * the timeline shows when the link is used), never the link itself.
 */
function readableText(text: string, recipient: boolean): { text: string; links: string[] } {
  const links = [...text.matchAll(LINK_IN_TEXT)].map((m) => linkIdOf(m[1] as string));
  if (recipient) return { text, links };
  return { text: text.replace(LINK_IN_TEXT, (_all, code: string) => `[链接 ${linkIdOf(code)}]`), links };
}

/** Whether the caller is who the notice went to: its unit, or (verdicts) its community. */
function isRecipient(p: Principal, n: NotificationRecord): boolean {
  if (p.role === 'unit') return n.unitId === p.unitId;
  if (p.role === 'reporter') return !n.unitId && n.communityId === p.communityId;
  return false;
}

/** One row per message (the contract's shape); the record groups a notice's SMS, e-mail and group messages. */
function notificationRows(n: NotificationRecord, p: Principal) {
  const recipient = isRecipient(p, n);
  return n.messages.map((m, i) => {
    const { text, links } = readableText(m.text, recipient);
    return {
      id: `${n.id}#${i}`,
      ticketId: n.ticketId,
      ...(n.unitId ? { unitId: n.unitId } : {}),
      ...(n.communityId ? { communityId: n.communityId } : {}),
      channel: m.channel,
      ...(m.provider ? { provider: m.provider } : {}),
      to: m.to,
      ...(m.subject ? { subject: m.subject } : {}),
      text,
      ...(links.length ? { links } : {}),
      ...(m.template ? { template: m.template.code } : {}),
      kind: n.kind,
      ...(n.stage ? { stage: n.stage } : {}),
      ...(n.level ? { level: n.level } : {}),
      status: m.status,
      attempts: m.attempts,
      ...(m.error ? { error: m.error } : {}),
      ...(m.errorDetail ? { errorDetail: m.errorDetail } : {}),
      ...(m.deliveredAt ? { deliveredAt: m.deliveredAt } : {}),
      ...(m.fallbackFor !== undefined ? { fallbackFor: `${n.id}#${m.fallbackFor}` } : {}),
      at: n.at,
    };
  });
}

/** Rates, this month's SMS spend against the cap, and the queue: the console's channel panel. */
async function notificationChannels(req: Request) {
  const p = req.principal();
  requireRole(p, ['supervisor', 'admin'], 'review notification channels');
  parseQuery(req, noQuery);
  const deps = req.deps;
  const settings = notificationSettings(await deps.configs.current());
  const nowMs = deps.realNow?.() ?? Date.now();
  const month = spendMonth(nowMs);
  const [spentFen, due, waiting] = deps.delivery
    ? await Promise.all([
        deps.delivery.monthSpend(month),
        deps.delivery.listDue(new Date(nowMs).toISOString(), 1000),
        deps.delivery.listDue('9999-12-31T23:59:59Z', 1000),
      ])
    : [0, [], []];
  const robots = (kind: 'wecom' | 'dingtalk') => settings.robots.filter((r) => r.kind === kind).length;
  const origin = deps.publicBaseUrl.replace(/\/$/, '');
  return json(200, {
    at: toShanghaiIso(deps.clock.now()),
    smsProvider: settings.sms.provider,
    month,
    spentYuan: spentFen / 100,
    capYuan: settings.monthlySpendCapYuan ?? null,
    queue: { due: due.length, waiting: waiting.length },
    channels: [
      { channel: 'sms', provider: settings.sms.provider, perSecond: settings.rates.smsPerSecond },
      { channel: 'email', provider: 'sns', perSecond: settings.rates.emailPerSecond },
      {
        channel: 'wecom',
        provider: 'wecom',
        perSecond: settings.rates.robotPerMinute / 60,
        robots: robots('wecom'),
      },
      {
        channel: 'dingtalk',
        provider: 'dingtalk',
        perSecond: settings.rates.robotPerMinute / 60,
        robots: robots('dingtalk'),
      },
    ],
    ...(p.role === 'admin' && deps.links
      ? {
          receiptUrls: Object.fromEntries(
            (['aliyun', 'tencent'] as const).map((g) => [
              g,
              `${origin}/v1/receipts/${g}/${deps.links?.receiptKey(g)}`,
            ]),
          ),
        }
      : {}),
  });
}

/**
 * Messages: oversight sees those of its scope (links withheld); a unit sees the messages sent to
 * it, and a reporter the verdict requests of its community's ticket, with their live links.
 */
async function notifications(req: Request) {
  const p = req.principal();
  const q = parseQuery(req, notificationsQuery);
  const deps = req.deps;
  if (p.role === 'unit' && q.unitId && q.unitId !== p.unitId) {
    throw new ForbiddenError('a unit lists only the messages sent to it');
  }
  if (p.role === 'reporter' && !q.ticketId) {
    throw new ForbiddenError('a reporter lists the messages of one of its community’s tickets (ticketId)');
  }
  const unitId = p.role === 'unit' ? p.unitId : q.unitId;
  const filter = {
    ...(q.ticketId ? { ticketId: q.ticketId } : {}),
    ...(unitId ? { unitId } : {}),
  };
  // A street's supervisor sees the messages of its street's tickets only.
  const street = p.role === 'supervisor' ? p.streetId : undefined;
  if ((street || p.role === 'reporter') && q.ticketId) {
    const rec = await deps.store.getTicket(q.ticketId);
    if (rec && !canSee(p, rec.ticket)) throw new ForbiddenError(`ticket ${q.ticketId} is outside your scope`);
  }
  const page = await collectPage({
    fetch: (limit, cursor) => deps.store.listNotifications(filter, limit, cursor),
    expand: async (records: NotificationRecord[]) => {
      let visible = records;
      if (street && !q.ticketId) {
        const tickets = await ticketsById(
          deps.store,
          records.map((n) => n.ticketId),
        );
        visible = records.filter((n) => tickets.get(n.ticketId)?.streetId === street);
      }
      if (p.role === 'reporter') visible = visible.filter((n) => isRecipient(p, n));
      return visible.flatMap((n) => notificationRows(n, p));
    },
    limit: q.limit,
    cursor: q.cursor,
    query: ['notifications', filter, street ?? null, p.role],
  });
  return json(200, page);
}

async function unitMetrics(req: Request) {
  const p = req.principal();
  requireRole(p, ['supervisor', 'admin'], 'read unit metrics');
  const q = parseQuery(req, metricsQuery);
  if (p.role === 'supervisor' && p.streetId && q.streetId && q.streetId !== p.streetId) {
    throw new ForbiddenError('outside your street');
  }
  const deps = req.deps;
  const now = deps.clock.now();
  const to = bound(q.to, true) ?? toShanghaiIso(now);
  const from = bound(q.from, false) ?? defaultPeriodFrom(now);
  if (from > to)
    throw new ValidationError('empty period', [{ path: 'from', message: 'must not be after to' }]);
  const streetId = p.role === 'supervisor' && p.streetId ? p.streetId : q.streetId;
  // The daily aggregates kept with the writes (periodMetrics): the cost follows the days asked.
  const { units } = await periodMetrics(deps, { from, to, ...(streetId ? { streetId } : {}) }, now);
  return json(200, { from, to, items: units, nextCursor: null });
}

async function board(req: Request) {
  const p = req.principal();
  requireRole(p, ['supervisor', 'admin'], 'watch the board');
  parseQuery(req, noQuery);
  const deps = req.deps;
  // Counters kept with the writes and the attention markers (board-counts.ts): the same reads
  // whether 100 or 100,000 tickets are open.
  const street = p.role === 'supervisor' && p.streetId ? p.streetId : undefined;
  const { counts, flagged } = await deps.store.board(street, 50);
  return json(200, {
    at: toShanghaiIso(deps.clock.now()),
    open: counts.open,
    byStatus: Object.fromEntries(openStatuses.map((s) => [s, counts.byStatus[s] ?? 0])),
    byLevel: counts.byLevel,
    flagged,
  });
}

async function configVersions(req: Request) {
  requireRole(req.principal(), ['supervisor', 'admin'], 'read config history');
  parseQuery(req, noQuery);
  return json(200, { items: await req.deps.configStore.listVersions(50), nextCursor: null });
}

export const makeQueries = (deps: Deps) =>
  httpHandler(deps, {
    'GET /v1/tickets': listTickets,
    'GET /v1/tickets/{id}': oneTicket,
    'GET /v1/units': (req) => reference(req, 'units'),
    'GET /v1/communities': (req) => reference(req, 'communities'),
    'GET /v1/duty-items': dutyItems,
    'GET /v1/sla-policies': (req) => reference(req, 'slaPolicies'),
    'GET /v1/calendar/{year}': calendarYear,
    'GET /v1/config/versions': configVersions,
    'GET /v1/breaches': breaches,
    'GET /v1/notifications': notifications,
    'GET /v1/notifications/channels': notificationChannels,
    'GET /v1/metrics/units': unitMetrics,
    'GET /v1/board': board,
    ...consoleRoutes,
    ...triageReadRoutes,
  });
