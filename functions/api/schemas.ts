/**
 * Request schemas of API v1: the single source for validation here and for the OpenAPI document.
 * Unknown fields are rejected (strict objects), as the contract says.
 */
import * as z from 'zod';
import {
  calendarYearSchema,
  channels,
  dutyItemSchema,
  idSchema,
  locationSchema,
  ratings,
  reporterSchema,
  roles,
  slaClasses,
  slaPolicySchema,
  stages,
  ticketStatuses,
  unitSchema,
} from '../../shared/domain/model';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const url = z.url().max(500);

export const createTicketBody = z.strictObject({
  dutyItemId: idSchema,
  communityId: idSchema,
  title: text(100),
  description: text(2000),
  channel: z.enum(channels),
  priority: z.enum(['urgent', 'normal']).optional(),
  location: locationSchema.optional(),
  reporter: reporterSchema.optional(),
  attachments: z.array(url).max(10).optional(),
});

export const emptyBody = z.strictObject({});
export const noteBody = z.strictObject({ note: text(500) });
export const resolveBody = z.strictObject({ summary: text(1000), evidence: z.array(url).max(10).optional() });
export const reasonBody = z.strictObject({ reason: text(500) });
export const extensionBody = z.strictObject({
  workingDays: z.number().int().min(1).max(30),
  reason: text(500),
});
export const decisionBody = z.strictObject({ approve: z.boolean() });
export const feedbackBody = z.strictObject({
  rating: z.enum(ratings),
  comment: z.string().trim().max(500).optional(),
});
export const rulingBody = z.strictObject({
  decision: z.enum(['close', 'assign', 'reopen']),
  unitId: idSchema.optional(),
  note: z.string().trim().max(500).optional(),
});

export const actionBodies = {
  acknowledge: emptyBody,
  arrive: emptyBody,
  progress: noteBody,
  resolve: resolveBody,
  return: reasonBody,
  extension: extensionBody,
  'extension/decision': decisionBody,
  urge: noteBody,
  feedback: feedbackBody,
  cancel: reasonBody,
  ruling: rulingBody,
} as const;

const limit = z.coerce.number().int().min(1).max(100).default(50);
const instantOrDate = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

export const listTicketsQuery = z.strictObject({
  status: z.enum(ticketStatuses).optional(),
  unitId: idSchema.optional(),
  communityId: idSchema.optional(),
  streetId: idSchema.optional(),
  breached: z.enum(['true', 'false']).optional(),
  limit,
  cursor: z.string().max(2000).optional(),
});

export const breachesQuery = z.strictObject({
  unitId: idSchema.optional(),
  stage: z.enum(stages).optional(),
  level: z.coerce.number().int().min(1).max(3).optional(),
  streetId: idSchema.optional(),
  from: instantOrDate.optional(),
  to: instantOrDate.optional(),
  limit,
  cursor: z.string().max(2000).optional(),
});

export const notificationsQuery = z.strictObject({
  ticketId: z
    .string()
    .regex(/^t[a-z0-9]{20}$/, 'a ticket id')
    .optional(),
  unitId: idSchema.optional(),
  limit,
  cursor: z.string().max(2000).optional(),
});

export const metricsQuery = z.strictObject({
  from: instantOrDate.optional(),
  to: instantOrDate.optional(),
  streetId: idSchema.optional(),
});

export const unitBody = unitSchema.omit({ id: true }).extend({ id: idSchema.optional() }).strict();
export const dutyItemBody = dutyItemSchema.omit({ id: true }).extend({ id: idSchema.optional() }).strict();
export const slaPolicyBody = slaPolicySchema
  .omit({ slaClass: true })
  .extend({ slaClass: z.enum(slaClasses).optional() })
  .strict();
export const calendarBody = z.strictObject({
  holidays: calendarYearSchema.shape.holidays,
  workdays: calendarYearSchema.shape.workdays,
  source: z.string().max(300).optional(),
  year: z.number().int().optional(),
});

export const localTokenBody = z.strictObject({
  role: z.enum(roles),
  sub: z.string().min(1).max(128).optional(),
  unitId: idSchema.optional(),
  communityId: idSchema.optional(),
  streetId: idSchema.optional(),
});
