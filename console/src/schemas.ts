/**
 * What the console reads from API v1 (docs/api.md), as zod schemas: a response that drifts from
 * the contract shows as a readable error instead of a blank view. Objects are not strict, so the
 * API may add fields; enumerations stay strings so a new status still renders.
 */
import * as z from 'zod';

const opt = z.string().optional();

export const problemSchema = z.object({
  type: opt,
  title: z.string().default('Error'),
  status: z.number().optional(),
  detail: opt,
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable().optional() });

export const unitSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  streetId: opt,
  function: opt,
  contacts: z.object({ dutyPhone: opt, email: opt, leaderName: opt, leaderPhone: opt }).partial().optional(),
});
export type Unit = z.infer<typeof unitSchema>;
export const unitsSchema = z.object({ items: z.array(unitSchema), configVersion: z.number().optional() });

export const communitySchema = z.object({ id: z.string(), name: z.string(), streetId: z.string() });
export type Community = z.infer<typeof communitySchema>;
export const communitiesSchema = z.object({ items: z.array(communitySchema) });

export const dutyItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  category: opt,
  kind: z.string(),
  slaClass: z.string(),
  leadUnitId: opt,
  leadFunction: opt,
  coUnitIds: z.array(z.string()).default([]),
  coFunctions: z.array(z.string()).default([]),
});
export type DutyItem = z.infer<typeof dutyItemSchema>;
export const dutyItemsSchema = z.object({
  items: z.array(dutyItemSchema),
  configVersion: z.number().optional(),
});

const durationSchema = z.union([z.object({ minutes: z.number() }), z.object({ workingDays: z.number() })]);
export type Duration = z.infer<typeof durationSchema>;

export const slaPolicySchema = z.object({
  slaClass: z.string(),
  clock: z.string(),
  acknowledge: durationSchema,
  arrive: durationSchema.optional(),
  resolve: durationSchema,
  returnWindow: durationSchema.optional(),
  feedback: durationSchema,
  warnAt: z.number(),
  level2After: durationSchema,
  level3After: durationSchema,
  extension: z.object({ allowed: z.boolean(), maxWorkingDays: z.number() }),
  maxReopens: z.number().optional(),
});
export type SlaPolicy = z.infer<typeof slaPolicySchema>;
export const slaPoliciesSchema = z.object({
  items: z.array(slaPolicySchema),
  configVersion: z.number().optional(),
});

export const calendarSchema = z.object({
  year: z.number(),
  source: z.string(),
  known: z.boolean().optional(),
  mode: opt,
  holidays: z.array(z.string()),
  workdays: z.array(z.string()),
  reference: opt,
});
export type CalendarYear = z.infer<typeof calendarSchema>;
export const calendarWrittenSchema = z.object({
  year: z.number(),
  dryRun: z.boolean(),
  configVersion: z.number().optional(),
  moved: z.array(
    z.object({
      ticketId: z.string(),
      code: z.string(),
      moves: z.array(
        z.object({
          stage: z.string(),
          unitId: opt,
          field: z.string(),
          before: z.string(),
          after: z.string(),
        }),
      ),
    }),
  ),
});
export type CalendarWritten = z.infer<typeof calendarWrittenSchema>;
export const healthSchema = z.object({
  status: z.string(),
  warnings: z.array(z.object({ code: z.string(), year: z.number(), openTickets: z.number() })).optional(),
});

export const breachRowSchema = z.object({
  ticketId: z.string(),
  code: z.string(),
  unitId: z.string(),
  stage: z.string(),
  dueAt: z.string(),
  breachedAt: z.string(),
  level: z.number(),
  closedAt: opt,
  ticketStatus: opt,
  title: opt,
  streetId: opt,
});
export type BreachRow = z.infer<typeof breachRowSchema>;
export const breachesSchema = page(breachRowSchema);

export const timelineEventSchema = z.object({
  at: z.string(),
  type: z.string(),
  actor: opt,
  unitId: opt,
  detail: opt,
});
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

export const clockSchema = z.object({
  stage: z.string(),
  unitId: opt,
  startedAt: z.string(),
  warnAt: z.string(),
  dueAt: z.string(),
  level2At: z.string(),
  level3At: z.string(),
  calendarAssumed: z.boolean().optional(),
  warnedAt: opt,
  level: z.number().optional(),
  doneAt: opt,
});
export type StageClock = z.infer<typeof clockSchema>;

export const ticketSchema = z.object({
  id: z.string(),
  code: z.string(),
  status: z.string(),
  dutyItemId: opt,
  dutyItemName: opt,
  dutyKind: z.string(),
  slaClass: z.string(),
  priority: z.string(),
  channel: z.string(),
  communityId: z.string(),
  streetId: z.string(),
  title: z.string(),
  description: z.string(),
  location: z
    .object({ gridId: opt, address: opt, lat: z.number().optional(), lng: z.number().optional() })
    .optional(),
  reporter: z.object({ name: opt, phone: opt }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
  assignments: z.array(
    z.object({
      unitId: z.string(),
      role: z.string(),
      status: z.string(),
      acknowledgedAt: opt,
      arrivedAt: opt,
      resolvedAt: opt,
      returnedAt: opt,
      acknowledgeBy: opt,
    }),
  ),
  deadlines: z.object({ acknowledgeBy: opt, arriveBy: opt, resolveBy: opt, feedbackBy: opt }),
  clocks: z.array(clockSchema).default([]),
  escalationLevel: z.number(),
  breaches: z.array(
    z.object({
      stage: z.string(),
      unitId: z.string(),
      dueAt: z.string(),
      breachedAt: z.string(),
      level: z.number(),
    }),
  ),
  timeline: z.array(timelineEventSchema),
  feedback: z.object({ rating: z.string(), comment: opt, at: z.string() }).optional(),
  resolution: z.object({ summary: z.string(), at: z.string() }).optional(),
  extension: z
    .object({ workingDays: z.number(), reason: z.string(), requestedAt: z.string(), status: z.string() })
    .optional(),
  closedAt: opt,
  flags: z.array(z.string()).default([]),
  urgeCount: z.number().default(0),
  reopenCount: z.number().default(0),
});
export type Ticket = z.infer<typeof ticketSchema>;
/** A whistle in triage: the ticket with the suggestions the dispatcher chooses from. */
export const triageTicketSchema = ticketSchema.extend({
  triage: z
    .object({
      suggestions: z.array(z.object({ dutyItemId: z.string(), name: z.string(), score: z.number() })),
    })
    .optional(),
});
export const triageQueueSchema = page(triageTicketSchema);
export const ticketsSchema = page(ticketSchema);

export const notificationSchema = z.object({
  id: z.string(),
  ticketId: z.string(),
  unitId: opt,
  channel: z.string(),
  to: z.string(),
  subject: opt,
  text: z.string(),
  kind: z.string(),
  stage: opt,
  level: z.number().optional(),
  status: z.string(),
  attempts: z.number().optional(),
  at: z.string(),
});
export type Notification = z.infer<typeof notificationSchema>;
export const notificationsSchema = page(notificationSchema);

const rate = z.number().nullable();
export const metricsRowSchema = z.object({
  unitId: z.string(),
  received: z.number(),
  acknowledgedOnTime: z.number(),
  resolved: z.number(),
  resolvedOnTime: z.number(),
  returned: z.number(),
  reopened: z.number(),
  verdicts: z.number(),
  satisfied: z.number(),
  breaches: z.number(),
  responseRate: rate,
  resolutionRate: rate,
  satisfactionRate: rate,
});
export type MetricsRow = z.infer<typeof metricsRowSchema>;
export const metricsSchema = z.object({ from: opt, to: opt, items: z.array(metricsRowSchema) });
export type Metrics = z.infer<typeof metricsSchema>;

export const boardSchema = z.object({
  at: opt,
  open: z.number(),
  byStatus: z.record(z.string(), z.number()),
  byLevel: z.record(z.string(), z.number()),
  flagged: z.array(z.object({ id: z.string(), code: z.string(), flags: z.array(z.string()) })),
});
export type Board = z.infer<typeof boardSchema>;

/** `/config.json` on AWS: how to sign in with Cognito. Absent on the embedded runtime. */
export const siteConfigSchema = z.object({
  region: z.string().min(1),
  userPoolId: z.string().min(1),
  userPoolClientId: z.string().min(1),
  stage: opt,
});
export type SiteConfig = z.infer<typeof siteConfigSchema>;

export const tokenSchema = z.object({ token: z.string().min(1) });

export const cognitoAuthSchema = z.object({
  AuthenticationResult: z.object({ IdToken: z.string(), ExpiresIn: z.number().optional() }).optional(),
  ChallengeName: opt,
  Session: opt,
});

const counts = {
  lateStages: z.number(),
  tickets: z.number(),
  open: z.number(),
  byLevel: z.object({ 1: z.number(), 2: z.number(), 3: z.number() }),
};
export const breachSummarySchema = z.object({
  totals: z.object({ ...counts, rows: z.number(), units: z.number() }),
  byStreet: z.array(z.object({ streetId: z.string(), ...counts, units: z.number() })),
  byUnit: z.array(
    z.object({
      unitId: z.string(),
      unitStreetId: opt,
      ...counts,
      maxLevel: z.number(),
      lastBreachedAt: z.string(),
    }),
  ),
  byTicket: z.array(
    z.object({
      ticketId: z.string(),
      code: z.string(),
      title: opt,
      streetId: z.string(),
      status: opt,
      lateStages: z.number(),
      open: z.number(),
      maxLevel: z.number(),
      units: z.array(z.string()),
      stages: z.array(z.string()),
      firstDueAt: z.string(),
      lastBreachedAt: z.string(),
    }),
  ),
  truncated: z.boolean(),
});
export type BreachSummary = z.infer<typeof breachSummarySchema>;

export const inboxSchema = z.object({
  items: z.array(
    z.object({
      kind: z.string(),
      ticketId: z.string(),
      code: z.string(),
      title: z.string(),
      status: z.string(),
      streetId: z.string(),
      communityId: z.string(),
      since: z.string(),
      escalationLevel: z.number(),
      unitId: opt,
      detail: opt,
      workingDays: z.number().optional(),
    }),
  ),
  counts: z.record(z.string(), z.number()),
});
export type Inbox = z.infer<typeof inboxSchema>;

export const streetMetricsRowSchema = z.object({
  streetId: z.string(),
  received: z.number(),
  acknowledgedOnTime: z.number(),
  resolved: z.number(),
  resolvedOnTime: z.number(),
  returned: z.number(),
  reopened: z.number(),
  verdicts: z.number(),
  satisfied: z.number(),
  breaches: z.number(),
  responseRate: rate,
  resolutionRate: rate,
  satisfactionRate: rate,
});
export type StreetMetricsRow = z.infer<typeof streetMetricsRowSchema>;
export const streetMetricsSchema = z.object({ from: opt, to: opt, items: z.array(streetMetricsRowSchema) });

export const evidenceSlotSchema = z.object({ name: z.string(), url: z.string() });
export const openApiPathsSchema = z.object({ paths: z.record(z.string(), z.unknown()) });
