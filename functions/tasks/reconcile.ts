/**
 * reconcile: the clock audit and its repairs on AWS. Scheduled every few minutes, it audits the
 * tickets whose next SLA instant passed the grace period ago (the store's due index: the cost
 * follows the stranded tickets, not the open ones); on a Step Functions status change (an
 * execution failed, timed out or was aborted) it audits that ticket at once. Every repair is a
 * timeline event and a `ClockRepairs` metric; what the audit found is the `StrandedClocks` metric.
 * Scheduled runs also say, from 1 November, that next year's calendar is still unknown
 * (`CalendarYearUnknown`, the AWS side of /healthz's calendar_year_unknown warning).
 */
import { unknownNextYear } from '../../shared/use-cases/calendar-service';
import { dueTicketIds, reconcile } from '../../shared/use-cases/clock-reconciler';
import { parseExecutionName } from '../../workflows/contract';
import type { Deps } from '../lib/deps';
import { logger } from '../lib/observability';
import { taskHandler } from '../lib/task';

/** Work in flight (a wave spread past 17:30, retries) may take this long before it counts. */
const GRACE_MS = 15 * 60_000;

interface StatusChange {
  source?: string;
  'detail-type'?: string;
  detail?: { name?: string; status?: string };
}

export const makeReconcile = (deps: Deps) =>
  taskHandler(async (event: unknown) => {
    const change = event as StatusChange;
    const parsed =
      change.source === 'aws.states' && change.detail?.name
        ? parseExecutionName(change.detail.name)
        : undefined;
    const ids = parsed ? [parsed.ticketId] : await dueTicketIds(deps, { graceMs: GRACE_MS });
    const result = await reconcile(deps, ids, { graceMs: GRACE_MS });
    deps.metrics?.count('StrandedClocks', result.audit.stranded);
    if (!parsed) {
      const year = await unknownNextYear(deps);
      if (year !== undefined) {
        deps.metrics?.count('CalendarYearUnknown', 1);
        logger.warn('next year has no calendar: load the holiday notice (PUT /v1/calendar/{year})', { year });
      }
    }
    for (const r of result.repairs) {
      logger.info('clock repaired', {
        ticketId: r.ticketId,
        action: r.action,
        findings: r.findings.map((f) => `${f.kind}/${f.party}`),
      });
    }
    return {
      checked: result.audit.checked,
      stranded: result.audit.stranded,
      repairs: result.repairs.length,
    };
  });
