/** Advance task: every unit's branch ended; re-plan from the ticket record. */
import { advance } from '../../shared/use-cases/ticket-service';
import { advanceInput } from '../../workflows/task-schemas';
import { getDeps } from '../lib/deps';
import { taskHandler } from '../lib/task';

export const handler = taskHandler(async (event: unknown) =>
  advance(getDeps(), advanceInput.parse(event).ticketId),
);
