/**
 * awaitParty (`AwaitUnit` / `AwaitTicket`): arms a party's wait with its task token. Throws named
 * errors the ASL retries (StoreBusyError, VersionConflictError) or catches (TicketGoneError,
 * ExecutionSupersededError).
 */
import { awaitParty } from '../../shared/use-cases/ticket-service';
import { awaitInput } from '../../workflows/task-schemas';
import type { Deps } from '../lib/deps';
import { taskHandler } from '../lib/task';

export const makeAwaitParty = (deps: Deps) =>
  taskHandler(async (event: unknown) => {
    const { taskToken, execution, timerSeconds: _engine, ...wait } = awaitInput.parse(event);
    await awaitParty(deps, wait, taskToken, execution);
    return { armed: true };
  });
