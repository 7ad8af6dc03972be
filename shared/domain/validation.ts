/** zod's issues in the contract's problem+json shape, for every boundary that validates a body. */
import type * as z from '../zod';

/**
 * zod issues → the contract's `errors: [{path, message}]`, one entry per offending field: an
 * unknown field is reported under its own path, a missing one as `required`.
 */
export function zodIssues(error: z.core.$ZodError): { path: string; message: string }[] {
  return error.issues.flatMap((i) => {
    const at = i.path.map(String);
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({ path: [...at, k].join('.'), message: 'unknown field' }));
    }
    const missing = i.code === 'invalid_type' && /received undefined$/.test(i.message);
    return [{ path: at.join('.'), message: missing ? 'required' : i.message }];
  });
}
