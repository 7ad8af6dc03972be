/**
 * What the phone pages accept and answer, as zod schemas: the handler validates with them and the
 * OpenAPI document describes them. Kept apart from links.ts so the document does not pull in S3.
 */
import { type LinkAction, linkActions } from '../../shared/domain/links';
import { ratings } from '../../shared/domain/model';
import { optionalText, plainText } from '../../shared/domain/text';
import {
  evidenceNamePattern,
  evidenceTypes,
  MAX_EVIDENCE_BYTES,
  MAX_EVIDENCE_PER_LINK,
} from '../../shared/use-cases/links';
import * as z from '../../shared/zod';

/** The same text rules as the API (shared/domain/text.ts): what a phone page posts goes into SMS too. */
const text = (max: number) => plainText(max, { multiline: true });
const evidenceName = z.string().check(z.regex(evidenceNamePattern));

/** Each action's form, as the page posts it (urlencoded; `evidence` may repeat). */
export const linkActionForms = {
  acknowledge: z.object({}),
  arrive: z.object({}),
  progress: z.object({ note: text(500) }),
  resolve: z.object({
    summary: text(1000),
    evidence: z._default(z.array(evidenceName).check(z.maxLength(MAX_EVIDENCE_PER_LINK)), []),
  }),
  return: z.object({ reason: text(500) }),
  feedback: z.object({
    rating: z.enum(ratings),
    comment: z.pipe(
      z.optional(optionalText(500, { multiline: true })),
      z.transform((c: string | undefined) => c || undefined),
    ),
  }),
} satisfies Record<LinkAction, z.core.$ZodType>;

/** Every field any action's form may carry, for the reference document. */
export const linkActionForm = z
  .object({
    ticket: z
      .optional(z.string())
      .check(z.describe('The ticket id the page was showing; another ticket’s id is refused')),
    lang: z.optional(z.enum(['zh', 'en'])).check(z.describe('Language of the page the redirect lands on')),
    note: z.optional(text(500)).check(z.describe('progress: the note')),
    summary: z.optional(text(1000)).check(z.describe('resolve: what was done')),
    evidence: z
      .optional(z.array(evidenceName).check(z.maxLength(MAX_EVIDENCE_PER_LINK)))
      .check(z.describe('resolve: names of photos uploaded through this link')),
    reason: z.optional(text(500)).check(z.describe('return: why the ticket is not this unit’s')),
    rating: z.optional(z.enum(ratings)).check(z.describe('feedback: the verdict')),
    comment: z
      .optional(z.string().check(z.maxLength(500)))
      .check(z.describe('feedback: the resident’s comment')),
  })
  .check(z.describe(`One of the link actions: ${linkActions.join(', ')}`));

export const linkEvidenceUpload = z.strictObject({
  contentType: z.enum(Object.keys(evidenceTypes) as [keyof typeof evidenceTypes]),
  size: z
    .number()
    .check(z.int(), z.positive(), z.describe(`Bytes, at most ${MAX_EVIDENCE_BYTES} after downscaling`)),
  data: z
    .optional(z.string().check(z.maxLength(Math.ceil((MAX_EVIDENCE_BYTES * 4) / 3) + 4)))
    .check(z.describe('Base64 of the photo: embedded runtime only (on AWS it goes to `upload.url`)')),
});

export const linkEvidenceSlot = z.object({
  name: z.string().check(z.describe('Pass it as `evidence` with the resolve form')),
  url: z.string().check(z.describe('Where the photo can be seen; cited in the ticket’s resolution')),
  upload: z
    .optional(
      z.object({ method: z.literal('PUT'), url: z.string(), headers: z.record(z.string(), z.string()) }),
    )
    .check(z.describe('AWS: a presigned PUT for exactly this type and size, valid 10 minutes')),
});
