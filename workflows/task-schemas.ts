/** zod schemas of the task inputs the ASL passes (the Parameters blocks), shared with the handlers. */
import * as z from 'zod';

export const waitInput = z.object({
  ticketId: z.string().min(1),
  unitId: z.string(),
  stage: z.enum(['acknowledge', 'arrive', 'resolve', 'feedback', 'ruling']),
  timerAt: z.iso.datetime({ offset: true }),
  timerSeconds: z.number().int().positive(),
});

export const armInput = waitInput.extend({ taskToken: z.string().min(1) });

export const advanceInput = z.object({ ticketId: z.string().min(1) });
