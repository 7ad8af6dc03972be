/**
 * GET /v1/exports/{breaches|tickets|rankings}: every console list as an Excel workbook or a CSV
 * file, with the list's own filters (scoped to the caller exactly as the list is) and a header
 * saying what and when. The rows are computed here over the whole filtered set, so the file
 * matches the screen's figures, not just the page the browser loaded.
 */
import { toShanghaiIso } from '../../shared/domain/deadlines';
import { requireRole } from '../../shared/domain/principal';
import { previousPeriod } from '../../shared/domain/rankings';
import {
  collectBreaches,
  collectTickets,
  periodMetrics,
  summarizeBreaches,
} from '../../shared/use-cases/oversight';
import type { Deps } from '../lib/deps';
import { httpHandler, parseQuery, type Reply, type Request } from '../lib/http';
import { breachFilterOf, metricsPeriodOf } from './console-queries';
import {
  attachment,
  breachRowsSheet,
  breachTicketsSheet,
  breachUnitsSheet,
  namesOf,
  rankingSheet,
  type Sheet,
  ticketsSheet,
  toCsv,
  toXlsx,
} from './export-sheets';
import { breachExportQuery, rankingExportQuery, ticketExportQuery } from './schemas';
import { ticketByCode, ticketFilterOf } from './scope';

async function file(sheet: Sheet, base: string, format: 'xlsx' | 'csv'): Promise<Reply> {
  const headers = {
    'content-disposition': attachment(base, format),
    'cache-control': 'no-store',
  };
  if (format === 'csv') {
    return {
      status: 200,
      headers: { ...headers, 'content-type': 'text/csv; charset=utf-8' },
      text: toCsv(sheet),
    };
  }
  const bytes = toXlsx(sheet);
  return {
    status: 200,
    headers: {
      ...headers,
      'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    },
    text: bytes.toString('base64'),
    base64: true,
  };
}

/** `breaches-20261012-0930`: what and when, in the file name too. */
function stamp(what: string, at: string): string {
  return `${what}-${at.slice(0, 16).replace(/[-:]/g, '').replace('T', '-')}`;
}

async function breaches(req: Request): Promise<Reply> {
  const p = req.principal();
  const q = parseQuery(req, breachExportQuery);
  const { view, format, lang, ...filters } = q;
  const filter = breachFilterOf(p, filters);
  const deps = req.deps;
  const at = toShanghaiIso(deps.clock.now());
  const [collected, config] = await Promise.all([
    collectBreaches(deps.store, filter),
    deps.configs.current(),
  ]);
  const names = namesOf(config);
  const shown = { ...filters, ...(filter.streetId ? { streetId: filter.streetId } : {}) };
  const sheet =
    view === 'rows'
      ? breachRowsSheet(lang, collected, shown, names, at)
      : view === 'tickets'
        ? breachTicketsSheet(lang, summarizeBreaches(collected, config), shown, names, at)
        : breachUnitsSheet(lang, summarizeBreaches(collected, config), shown, names, at);
  return file(sheet, stamp(`breaches-${view}`, at), format);
}

async function tickets(req: Request): Promise<Reply> {
  const p = req.principal();
  const q = parseQuery(req, ticketExportQuery);
  const { format, lang, ...filters } = q;
  const deps = req.deps;
  const config = await deps.configs.current();
  const filter = ticketFilterOf(p, filters, config);
  const at = toShanghaiIso(deps.clock.now());
  const found = filters.code
    ? { tickets: await ticketByCode(deps.store, p, filters.code, filter), truncated: false }
    : await collectTickets(deps.store, filter);
  const names = namesOf(config);
  const shown = { ...filters, ...filter };
  return file(
    ticketsSheet(lang, found.tickets, found.truncated, shown, names, at),
    stamp('tickets', at),
    format,
  );
}

async function rankings(req: Request): Promise<Reply> {
  const p = req.principal();
  requireRole(p, ['supervisor', 'admin'], 'export rankings');
  const q = parseQuery(req, rankingExportQuery);
  const deps = req.deps;
  const now = deps.clock.now();
  const at = toShanghaiIso(now);
  // Units: a street supervisor's own street (as the ranking page); streets: the whole city.
  const scoped = metricsPeriodOf(p, q.of === 'units' ? q : { from: q.from, to: q.to }, now);
  const { streetId: _own, ...unscoped } = scoped;
  const period: { from: string; to: string; streetId?: string } = q.of === 'units' ? scoped : unscoped;
  const before = previousPeriod(period.from, period.to);
  const config = await deps.configs.current();
  const streetIds = config.streets.map((s) => s.id);
  const scope = q.of === 'streets' && q.streetId ? { streetId: q.streetId } : {};
  const [current, previous] = await Promise.all([
    periodMetrics(deps, { ...period, ...scope }, now, streetIds),
    periodMetrics(
      deps,
      { ...before, ...(period.streetId ? { streetId: period.streetId } : {}), ...scope },
      now,
      streetIds,
    ),
  ]);
  const names = namesOf(config);
  const sheet =
    q.of === 'units'
      ? rankingSheet(q.lang, 'units', current.units, previous.units, period, before, names, at)
      : rankingSheet(q.lang, 'streets', current.streets, previous.streets, period, before, names, at);
  return file(sheet, stamp(`ranking-${q.of}`, at), q.format);
}

export const makeExports = (deps: Deps) =>
  httpHandler(deps, {
    'GET /v1/exports/breaches': breaches,
    'GET /v1/exports/tickets': tickets,
    'GET /v1/exports/rankings': rankings,
  });
