/**
 * What the phone pages accept and answer, as zod schemas: the handler validates with them and the
 * OpenAPI document describes them. Kept apart from links.ts so the document does not pull in S3.
 */
import * as z from 'zod';
import { type LinkAction, linkActions } from '../../shared/domain/links';
import { ratings } from '../../shared/domain/model';
import { optionalText, plainText } from '../../shared/domain/text';
import {
  evidenceNamePattern,
  evidenceTypes,
  MAX_EVIDENCE_BYTES,
  MAX_EVIDENCE_PER_LINK,
} from '../../shared/use-cases/links';

/** The same text rules as the API (shared/domain/text.ts): what a phone page posts goes into SMS too. */
const text = (max: number) => plainText(max, { multiline: true });
const evidenceName = z.string().regex(evidenceNamePattern);

/** Each action's form, as the page posts it (urlencoded; `evidence` may repeat). */
export const linkActionForms = {
  acknowledge: z.object({}),
  arrive: z.object({}),
  progress: z.object({ note: text(500) }),
  resolve: z.object({
    summary: text(1000),
    evidence: z.array(evidenceName).max(MAX_EVIDENCE_PER_LINK).default([]),
  }),
  return: z.object({ reason: text(500) }),
  feedback: z.object({
    rating: z.enum(ratings),
    comment: optionalText(500, { multiline: true })
      .optional()
      .transform((c) => c || undefined),
  }),
} satisfies Record<LinkAction, z.ZodType>;

/** Every field any action's form may carry, for the reference document. */
export const linkActionForm = z
  .object({
    ticket: z
      .string()
      .optional()
      .describe('The ticket id the page was showing; another ticket’s id is refused'),
    lang: z.enum(['zh', 'en']).optional().describe('Language of the page the redirect lands on'),
    note: text(500).optional().describe('progress: the note'),
    summary: text(1000).optional().describe('resolve: what was done'),
    evidence: z
      .array(evidenceName)
      .max(MAX_EVIDENCE_PER_LINK)
      .optional()
      .describe('resolve: names of photos uploaded through this link'),
    reason: text(500).optional().describe('return: why the ticket is not this unit’s'),
    rating: z.enum(ratings).optional().describe('feedback: the verdict'),
    comment: z.string().max(500).optional().describe('feedback: the resident’s comment'),
  })
  .describe(`One of the link actions: ${linkActions.join(', ')}`);

export const linkEvidenceUpload = z.strictObject({
  contentType: z.enum(Object.keys(evidenceTypes) as [keyof typeof evidenceTypes]),
  size: z.number().int().positive().describe(`Bytes, at most ${MAX_EVIDENCE_BYTES} after downscaling`),
  data: z
    .string()
    .max(Math.ceil((MAX_EVIDENCE_BYTES * 4) / 3) + 4)
    .optional()
    .describe('Base64 of the photo: embedded runtime only (on AWS it goes to `upload.url`)'),
});

export const linkEvidenceSlot = z.object({
  name: z.string().describe('Pass it as `evidence` with the resolve form'),
  url: z.string().describe('Where the photo can be seen; cited in the ticket’s resolution'),
  upload: z
    .object({ method: z.literal('PUT'), url: z.string(), headers: z.record(z.string(), z.string()) })
    .optional()
    .describe('AWS: a presigned PUT for exactly this type and size, valid 10 minutes'),
});
