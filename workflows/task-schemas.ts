/** zod schemas of the task inputs the ASL passes (the Parameters blocks), shared with the handlers. */
import * as z from 'zod';
import { parseExecutionName } from './contract';

/** `$$.Execution.Name`, parsed into the ticket and the generation it runs. */
const execution = z.string().transform((name, ctx) => {
  const parsed = parseExecutionName(name);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `not a lifecycle execution name: ${name}` });
    return z.NEVER;
  }
  return parsed;
});

export const waitInput = z.object({
  ticketId: z.string().min(1),
  party: z.string().min(1),
  unitId: z.string(),
  stage: z.enum(['acknowledge', 'arrive', 'resolve', 'feedback', 'ruling', 'triage']),
  timerAt: z.iso.datetime({ offset: true }),
  timerSeconds: z.number().int().positive(),
  execution,
});

export const awaitInput = waitInput.extend({ taskToken: z.string().min(1) });

export const advanceInput = z.object({ ticketId: z.string().min(1), execution });

export const clockFailedInput = z.object({
  ticketId: z.string().min(1),
  execution,
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).partial().optional(),
});
