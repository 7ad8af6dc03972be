/** GET /v1/admin/clock-audit: every open party whose SLA clock is not running as its record says. */
import { toShanghaiIso } from '../../shared/domain/deadlines';
import { requireRole } from '../../shared/domain/principal';
import { auditTickets, dueTicketIds } from '../../shared/use-cases/clock-reconciler';
import type { Deps } from '../lib/deps';
import { httpHandler, json, parseQuery } from '../lib/http';
import { noQuery } from './schemas';

/** On AWS: how long work in flight may take before it counts (the reconciler uses the same). */
const AWS_GRACE_MS = 15 * 60_000;

export const makeClockAudit = (deps: Deps) =>
  httpHandler(deps, {
    'GET /v1/admin/clock-audit': async (req) => {
      requireRole(req.principal(), ['admin'], 'audit clocks');
      parseQuery(req, noQuery);
      const deps = req.deps;
      const at = toShanghaiIso(deps.clock.now());
      // The embedded engine answers from memory for every open ticket; Step Functions is asked only
      // about the tickets whose next instant passed the grace period ago (the due index).
      const report = deps.clockAudit
        ? await deps.clockAudit()
        : await auditTickets(deps, await dueTicketIds(deps, { graceMs: AWS_GRACE_MS }), {
            graceMs: AWS_GRACE_MS,
          });
      return json(200, { at, ...report }, { 'cache-control': 'no-store' });
    },
  });
