/**
 * The console's oversight reads (issue 22), served by the queries function: breach summaries
 * over the whole filtered set, the decisions waiting for the caller, and the streets' league
 * table. Thin: parse, scope, call shared/use-cases/oversight.ts, answer.
 */
import { toShanghaiIso } from '../../shared/domain/deadlines';
import { ForbiddenError, ValidationError } from '../../shared/domain/errors';
import { type Principal, requireRole } from '../../shared/domain/principal';
import type { BreachFilter } from '../../shared/ports';
import {
  collectBreaches,
  inbox,
  inboxCounts,
  periodMetrics,
  summarizeBreaches,
} from '../../shared/use-cases/oversight';
import { json, parseQuery, type Request, type RouteHandler } from '../lib/http';
import { breachSummaryQuery, metricsQuery, noQuery } from './schemas';
import { bound, defaultPeriodFrom } from './scope';

type BreachQuery = {
  unitId?: string | undefined;
  stage?: BreachFilter['stage'];
  level?: number | undefined;
  streetId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
};

/** The breach list's filters as a store filter, within the caller's street. */
export function breachFilterOf(p: Principal, q: BreachQuery): BreachFilter {
  requireRole(p, ['supervisor', 'admin'], 'review breaches');
  if (p.role === 'supervisor' && p.streetId && q.streetId && q.streetId !== p.streetId) {
    throw new ForbiddenError('outside your street');
  }
  const from = bound(q.from, false);
  const to = bound(q.to, true);
  if (from && to && from > to)
    throw new ValidationError('empty period', [{ path: 'from', message: 'must not be after to' }]);
  const streetId = p.role === 'supervisor' && p.streetId ? p.streetId : q.streetId;
  return {
    ...(q.unitId ? { unitId: q.unitId } : {}),
    ...(q.stage ? { stage: q.stage } : {}),
    ...(q.level ? { level: q.level } : {}),
    ...(streetId ? { streetId } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/** A metrics period: the last 30 days by default; a street supervisor's tickets are its street's. */
export function metricsPeriodOf(
  p: Principal,
  q: { from?: string | undefined; to?: string | undefined; streetId?: string | undefined },
  now: Date,
) {
  requireRole(p, ['supervisor', 'admin'], 'read metrics');
  if (p.role === 'supervisor' && p.streetId && q.streetId && q.streetId !== p.streetId) {
    throw new ForbiddenError('outside your street');
  }
  const to = bound(q.to, true) ?? toShanghaiIso(now);
  const from = bound(q.from, false) ?? defaultPeriodFrom(now);
  if (from > to)
    throw new ValidationError('empty period', [{ path: 'from', message: 'must not be after to' }]);
  const streetId = p.role === 'supervisor' && p.streetId ? p.streetId : q.streetId;
  return { from, to, ...(streetId ? { streetId } : {}) };
}

async function breachSummary(req: Request) {
  const p = req.principal();
  const filter = breachFilterOf(p, parseQuery(req, breachSummaryQuery));
  const deps = req.deps;
  const [collected, config] = await Promise.all([
    collectBreaches(deps.store, filter),
    deps.configs.current(),
  ]);
  return json(200, summarizeBreaches(collected, config));
}

async function waiting(req: Request) {
  const p = req.principal();
  parseQuery(req, noQuery);
  const items = await inbox(req.deps.store, p);
  return json(200, { items, counts: inboxCounts(items), nextCursor: null }, { 'cache-control': 'no-store' });
}

/**
 * The streets' league table. Aggregate rates, as the city publishes them: a street supervisor
 * sees every street's row (to compare), while its ticket lists stay within its street.
 */
async function streetMetrics(req: Request) {
  const p = req.principal();
  const q = parseQuery(req, metricsQuery);
  const deps = req.deps;
  const now = deps.clock.now();
  // Every street's row: the period without the supervisor's own street scope.
  const { streetId: _own, ...period } = metricsPeriodOf(p, { from: q.from, to: q.to }, now);
  const config = await deps.configs.current();
  const { streets } = await periodMetrics(
    deps,
    { ...period, ...(q.streetId ? { streetId: q.streetId } : {}) },
    now,
    config.streets.map((s) => s.id),
  );
  return json(200, { from: period.from, to: period.to, items: streets, nextCursor: null });
}

export const consoleRoutes: Record<string, RouteHandler> = {
  'GET /v1/breaches/summary': breachSummary,
  'GET /v1/inbox': waiting,
  'GET /v1/metrics/streets': streetMetrics,
};
