/** advance (`Advance`): every unit party is done; what the ticket does next, from the record. */
import { advance } from '../../shared/use-cases/ticket-service';
import { advanceInput } from '../../workflows/task-schemas';
import type { Deps } from '../lib/deps';
import { taskHandler } from '../lib/task';

export const makeAdvance = (deps: Deps) =>
  taskHandler(async (event: unknown) => {
    const { ticketId, execution } = advanceInput.parse(event);
    return deps.workflow.encode(await advance(deps, ticketId, execution));
  });
