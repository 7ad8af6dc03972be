/**
 * Callback task (AwaitUnit / AwaitTicket): arms a wait with its task token. Throws named errors
 * the ASL retries (StoreBusyError, VersionConflictError) or catches (TicketGoneError).
 */
import { armWait } from '../../shared/use-cases/ticket-service';
import { armInput } from '../../workflows/task-schemas';
import { getDeps } from '../lib/deps';
import { taskHandler } from '../lib/task';

export const handler = taskHandler(async (event: unknown) => {
  const input = armInput.parse(event);
  const { taskToken, ...wait } = input;
  await armWait(getDeps(), wait, taskToken);
  return { armed: true };
});
