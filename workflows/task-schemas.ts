/** zod schemas of the task inputs the ASL passes (the Parameters blocks), shared with the handlers. */
import * as z from '../shared/zod';
import { parseExecutionName } from './contract';

/** `$$.Execution.Name`, parsed into the ticket and the generation it runs. */
const execution = z.pipe(
  z.string(),
  z.transform((name, ctx) => {
    const parsed = parseExecutionName(name);
    if (!parsed) {
      ctx.issues.push({ code: 'custom', message: `not a lifecycle execution name: ${name}`, input: name });
      return z.NEVER;
    }
    return parsed;
  }),
);

export const waitInput = z.object({
  ticketId: z.string().check(z.minLength(1)),
  party: z.string().check(z.minLength(1)),
  unitId: z.string(),
  stage: z.enum(['acknowledge', 'arrive', 'resolve', 'feedback', 'ruling', 'triage']),
  timerAt: z.iso.datetime({ offset: true }),
  timerSeconds: z.number().check(z.int(), z.positive()),
  execution,
});

export const awaitInput = z.extend(waitInput, { taskToken: z.string().check(z.minLength(1)) });

export const advanceInput = z.object({ ticketId: z.string().check(z.minLength(1)), execution });

export const clockFailedInput = z.object({
  ticketId: z.string().check(z.minLength(1)),
  execution,
  error: z.optional(z.partial(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) }))),
});
