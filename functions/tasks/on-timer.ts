/** onTimer (`UnitTimer` / `TicketTimer`): warnings and breaches due now; returns the party's next wait. */
import { onTimer } from '../../shared/use-cases/ticket-service';
import { waitInput } from '../../workflows/task-schemas';
import type { Deps } from '../lib/deps';
import { taskHandler } from '../lib/task';

export const makeOnTimer = (deps: Deps) =>
  taskHandler(async (event: unknown) => {
    const { execution, timerSeconds: _engine, ...wait } = waitInput.parse(event);
    return deps.workflow.encode(await onTimer(deps, wait, execution));
  });
