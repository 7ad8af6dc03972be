/** clockFailed (`ClockFailed`): the ASL's catch-all flags the ticket for the reconciler. */
import { clockFailed } from '../../shared/use-cases/ticket-service';
import { clockFailedInput } from '../../workflows/task-schemas';
import { getDeps } from '../lib/deps';
import { taskHandler } from '../lib/task';

export const handler = taskHandler(async (event: unknown) => {
  const { ticketId, execution, error } = clockFailedInput.parse(event);
  await clockFailed(getDeps(), ticketId, error, execution);
  return { flagged: true };
});
