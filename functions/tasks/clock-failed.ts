/** clockFailed (`ClockFailed`): the ASL's catch-all flags the ticket for the reconciler. */
import { clockFailed } from '../../shared/use-cases/ticket-service';
import { clockFailedInput } from '../../workflows/task-schemas';
import type { Deps } from '../lib/deps';
import { taskHandler } from '../lib/task';

export const makeClockFailed = (deps: Deps) =>
  taskHandler(async (event: unknown) => {
    const { ticketId, execution, error } = clockFailedInput.parse(event);
    await clockFailed(deps, ticketId, error, execution);
    return { flagged: true };
  });
