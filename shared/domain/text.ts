/**
 * What people type, made safe once at the boundary: every free-text field of the API (titles,
 * descriptions, notes, names) and every URL goes through these schemas. Text ends up in SMS,
 * e-mail, the console and the phone pages, so it is normalised (NFC, trimmed) and refused when it
 * carries control characters (NUL, ESC, …), bidirectional overrides that make a text read
 * differently from what it is (U+202E "abc‮gpj.exe"), or nothing visible at all.
 */
import * as z from '../zod';

/** C0 controls but tab and line breaks, DEL, and the C1 block. */
const CONTROL = /(?![\t\n\r])\p{Cc}/u;
/** Embeddings, overrides and isolates (and the marks that steer them). */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const LINE_BREAK = /[\r\n\u2028\u2029]/;
/** White space and the characters that print nothing (zero-width, fillers, variation selectors). */
const INVISIBLE = /[\s\p{Default_Ignorable_Code_Point}]/gu;

export function hasVisibleText(s: string): boolean {
  return s.replace(INVISIBLE, '').length > 0;
}

/** Each check stops the others (`abort`): one message per field, the first that applies. */
function textChecks<T extends z.ZodMiniString>(schema: T, multiline: boolean): T {
  return schema.check(
    z.refine((s: string) => !CONTROL.test(s), { error: 'must not contain control characters', abort: true }),
    z.refine((s: string) => !BIDI.test(s), {
      error: 'must not contain bidirectional override characters',
      abort: true,
    }),
    z.refine((s: string) => multiline || !LINE_BREAK.test(s), {
      error: 'must be a single line',
      abort: true,
    }),
  ) as unknown as T;
}

/**
 * A required text field: NFC, trimmed, 1..max characters with something visible. `multiline`
 * allows line breaks (descriptions, notes); single-line fields (titles, names) refuse them.
 */
export function plainText(max: number, opts: { multiline?: boolean } = {}) {
  const multiline = opts.multiline ?? false;
  return textChecks(
    z
      .string()
      .check(
        z.normalize('NFC'),
        z.trim(),
        z.minLength(1, { error: 'must not be empty', abort: true }),
        z.maxLength(max, { abort: true }),
        z.refine(hasVisibleText, { error: 'must contain visible text', abort: true }),
      ),
    multiline,
  );
}

/** An optional text field that may be empty ("" and blanks read as absent by the caller). */
export function optionalText(max: number, opts: { multiline?: boolean } = {}) {
  return textChecks(
    z.string().check(z.normalize('NFC'), z.trim(), z.maxLength(max)),
    opts.multiline ?? false,
  );
}

/**
 * A DNS host name (zod's own `regexes.hostname`, copied: naming it through `z.regexes` keeps every
 * one of zod's patterns in each Lambda bundle).
 */
const HOSTNAME =
  /^(?=.{1,253}\.?$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[-0-9a-zA-Z]{0,61}[0-9a-zA-Z])?)*\.?$/;

/**
 * A URL a person can follow: `https:` only, or also `http:` where the deployment allows it (an
 * embedded runtime on a plain-HTTP network). Never `javascript:`, `data:`, `file:` and the like.
 */
export function webUrl(max: number, opts: { allowHttp?: boolean } = {}) {
  return z.pipe(
    z.string().check(z.trim(), z.maxLength(max)),
    z.url({
      protocol: opts.allowHttp ? /^https?$/ : /^https$/,
      hostname: HOSTNAME,
      error: opts.allowHttp ? 'must be an http(s) URL' : 'must be an https URL',
    }),
  );
}
