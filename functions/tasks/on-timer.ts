/** Timer task (UnitTimer / TicketTimer): warnings, breaches and escalations due now; returns the next Step. */
import { onTimer } from '../../shared/use-cases/ticket-service';
import { waitInput } from '../../workflows/task-schemas';
import { getDeps } from '../lib/deps';
import { taskHandler } from '../lib/task';

export const handler = taskHandler(async (event: unknown) => onTimer(getDeps(), waitInput.parse(event)));
