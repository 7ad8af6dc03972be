/**
 * The domain vocabulary as zod schemas; every type is inferred from its schema so validation and
 * types cannot drift. Pure: no AWS, no I/O.
 */
import * as z from 'zod';
import { ticketStatuses } from './statuses';
import { plainText } from './text';

export { openStatuses, ticketStatuses, workingStatuses } from './statuses';

export const dutyKinds = ['basic', 'cooperative', 'retracted'] as const;
export const slaClasses = ['urgent', 'fast', 'general', 'complex'] as const;
/** `triage`: a dispatcher names the duty item of a whistle raised without one (分拨). */
export const stages = ['acknowledge', 'arrive', 'resolve', 'feedback', 'triage'] as const;
export const channels = ['grid', 'hotline', 'market_day', 'night_patrol', 'walk_in', 'online'] as const;
/** `dispatcher`: triages a street's whistles (分拨) and merges duplicates, scoped to a streetId. */
export const roles = ['reporter', 'unit', 'supervisor', 'admin', 'dispatcher'] as const;
export const ratings = ['satisfied', 'basically_satisfied', 'unsatisfied'] as const;
export const notificationKinds = [
  'dispatch',
  'warning',
  'escalation',
  'urge',
  'feedback_request',
  'reopen',
  /** To each reporter who joined a ticket instead of filing a duplicate: it is closed. */
  'closure',
] as const;

export type DutyKind = (typeof dutyKinds)[number];
export type SlaClass = (typeof slaClasses)[number];
export type Stage = (typeof stages)[number];
export type Channel = (typeof channels)[number];
export type Role = (typeof roles)[number];
export type { TicketStatus } from './statuses';
export type Rating = (typeof ratings)[number];
export type NotificationKind = (typeof notificationKinds)[number];

/** Ids are short, URL-safe slugs: they appear in paths, SMS links and DynamoDB keys. */
export const idSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lowercase letters, digits and dashes');
/** A calendar date, `YYYY-MM-DD`, always meant in Asia/Shanghai. */
export const dateSchema = z.iso.date();
/** An instant, ISO 8601 with an offset. */
export const instantSchema = z.iso.datetime({ offset: true });

// ---------------------------------------------------------------------------------------------
// Configuration (versioned as a whole: see shared/config)
// ---------------------------------------------------------------------------------------------

export const streetSchema = z.strictObject({
  id: idSchema,
  name: plainText(60),
});
export type Street = z.infer<typeof streetSchema>;

export const communitySchema = z.strictObject({
  id: idSchema,
  name: plainText(60),
  streetId: idSchema,
  /** The community office that asks residents for their verdict (falls back to the street office). */
  contacts: z.strictObject({ dutyPhone: z.string().regex(/^\+\d{8,15}$/), email: z.email() }).optional(),
});
export type Community = z.infer<typeof communitySchema>;

export const gridSchema = z.strictObject({
  id: idSchema,
  name: plainText(60),
  communityId: idSchema,
});
export type Grid = z.infer<typeof gridSchema>;

export const contactsSchema = z.strictObject({
  /** Duty phone that receives dispatch SMS (E.164). */
  dutyPhone: z.string().regex(/^\+\d{8,15}$/, 'E.164 phone number'),
  email: z.email(),
  leaderName: plainText(30),
  /** The unit leader, urged by SMS at escalation level 1. */
  leaderPhone: z.string().regex(/^\+\d{8,15}$/, 'E.164 phone number'),
});
export type Contacts = z.infer<typeof contactsSchema>;

export const unitSchema = z.strictObject({
  id: idSchema,
  name: plainText(60),
  /** `street` units are street offices (街道办事处); everything else is a department or company. */
  kind: z.enum(['department', 'street']),
  /** Street offices and per-street units (e.g. a 派出所) belong to one street. */
  streetId: idSchema.optional(),
  /**
   * Function code shared by per-street units (e.g. `police-station`): a duty item that names the
   * function is routed to the unit of the ticket's street that carries it.
   */
  function: idSchema.optional(),
  contacts: contactsSchema,
});
export type Unit = z.infer<typeof unitSchema>;

export const dutyItemSchema = z.strictObject({
  id: idSchema,
  name: plainText(80),
  category: plainText(40),
  kind: z.enum(dutyKinds),
  slaClass: z.enum(slaClasses),
  /** Lead department for `retracted` items; absent for basic/cooperative (the street leads). */
  leadUnitId: idSchema.optional(),
  /** Lead by function code resolved per street (retracted items owned by per-street units). */
  leadFunction: idSchema.optional(),
  /** Co-handling departments for cooperative items (joint dispatch). */
  coUnitIds: z.array(idSchema).max(10).default([]),
  /** Co-handlers by function code, resolved to the unit of the ticket's street. */
  coFunctions: z.array(idSchema).max(10).default([]),
  /**
   * Words residents and grid workers use for this item (电瓶车, 飞线充电): the description a
   * reporter types is matched against them to suggest the item (shared/domain/suggest.ts).
   */
  keywords: z.array(plainText(20)).max(40).optional(),
  /** Other names for the whole item (楼道充电, 室内充电): weighted a little below the keywords. */
  synonyms: z.array(plainText(30)).max(20).optional(),
});
export type DutyItem = z.infer<typeof dutyItemSchema>;

/** A span of time on one of the two clocks. */
export const durationSchema = z.union([
  z.strictObject({
    minutes: z
      .number()
      .int()
      .positive()
      .max(60 * 24 * 60),
  }),
  z.strictObject({ workingDays: z.number().int().positive().max(60) }),
]);
export type Duration = z.infer<typeof durationSchema>;

export const slaPolicySchema = z.strictObject({
  slaClass: z.enum(slaClasses),
  /** `24x7` counts wall-clock time; `workday` counts Chinese working days, ending at 17:30. */
  clock: z.enum(['24x7', 'workday']),
  acknowledge: durationSchema,
  /** On-site arrival (报到), urgent whistles only. */
  arrive: durationSchema.optional(),
  resolve: durationSchema,
  /** How long after dispatch a unit may still return (退单) the ticket. */
  returnWindow: durationSchema.optional(),
  feedback: durationSchema,
  /** Fraction of a stage's time after which the blue warning goes out. */
  warnAt: z.number().gt(0).lt(1).default(0.75),
  /** Still overdue this long after the deadline → level 2 (street 大工委 督办). */
  level2After: durationSchema,
  /** Still overdue this long after the deadline → level 3 (city 通报). */
  level3After: durationSchema,
  extension: z.strictObject({
    allowed: z.boolean(),
    maxWorkingDays: z.number().int().min(0).max(30),
  }),
  /** Reopens allowed after unsatisfied verdicts before a supervisor must rule. */
  maxReopens: z.number().int().min(0).max(5).default(2),
});
export type SlaPolicy = z.infer<typeof slaPolicySchema>;

/** One year of the State Council's holiday notice: days off and make-up working days. */
export const calendarYearSchema = z
  .strictObject({
    year: z.number().int().min(2000).max(2100),
    /**
     * `adjust` (the default, also when absent): the days listed change the bundled year, the
     * rest stay as bundled. `replace`: the file is the whole year, unlisted days are Mon–Fri.
     */
    mode: z.enum(['adjust', 'replace']).optional(),
    holidays: z.array(dateSchema).max(60),
    workdays: z.array(dateSchema).max(30),
    source: z.string().max(300).optional(),
  })
  .superRefine((y, ctx) => {
    for (const [field, days] of [
      ['holidays', y.holidays],
      ['workdays', y.workdays],
    ] as const) {
      days.forEach((d, i) => {
        if (!d.startsWith(`${y.year}-`)) {
          ctx.addIssue({ code: 'custom', path: [field, i], message: `date ${d} is not in ${y.year}` });
        }
      });
    }
    const off = new Set(y.holidays);
    y.workdays.forEach((d, i) => {
      if (off.has(d))
        ctx.addIssue({ code: 'custom', path: ['workdays', i], message: `${d} is also a holiday` });
    });
  });
export type CalendarYear = z.infer<typeof calendarYearSchema>;

// ---------------------------------------------------------------------------------------------
// Notification channels (issue 21): which gateway carries SMS, the templates registered with it,
// the work-group robots, the order channels are tried in, rates and the monthly spend cap.
// ---------------------------------------------------------------------------------------------

/** Channels as the configuration names them; `group` is the recipient's WeCom/DingTalk robot. */
export const deliveryChannels = ['sms', 'email', 'group'] as const;
export type DeliveryChannel = (typeof deliveryChannels)[number];
export const smsProviders = ['sns', 'aliyun', 'tencent'] as const;
export type SmsProvider = (typeof smsProviders)[number];
export const robotKinds = ['wecom', 'dingtalk'] as const;
export type RobotKind = (typeof robotKinds)[number];
/** What a registered template's variables may carry, by name (shared/domain/registered-templates.ts). */
export const templateParamNames = [
  'code',
  'item',
  'place',
  'unit',
  'stage',
  'due',
  'level',
  'note',
  'link',
] as const;
export type TemplateParamName = (typeof templateParamNames)[number];
/** Values of a fixed length: a provider whose variables are shorter cannot carry them. */
export const fixedParamChars: Partial<Record<TemplateParamName, number>> = { code: 10, due: 11, link: 10 };
/** The documented longest value of one variable: Alibaba Cloud 35; Tencent Cloud 6 (more if granted). */
export const defaultMaxParamChars: Record<Exclude<SmsProvider, 'sns'>, number> = { aliyun: 35, tencent: 6 };

export const smsTemplateSchema = z.strictObject({
  kind: z.enum(notificationKinds),
  /** The code the provider assigned on approval: Alibaba `SMS_123456789`, Tencent `1234567`. */
  code: z.string().regex(/^[A-Za-z0-9_]{1,40}$/, 'letters, digits and underscores'),
  /** The text exactly as registered, without the signature: Alibaba `${code}`, Tencent `{1}`. */
  text: z.string().min(1).max(500),
  /** Tencent only: the parameter each `{n}` carries, in order. */
  params: z.array(z.enum(templateParamNames)).max(20).optional(),
});
export type SmsTemplate = z.infer<typeof smsTemplateSchema>;

export const robotSchema = z.strictObject({
  /** Names the robot's webhook credentials in the deployment's channel secret. */
  id: idSchema,
  kind: z.enum(robotKinds),
  /** The work group, as people call it ('建设路街道派单群'). */
  name: z.string().min(1).max(60),
  /** Units and communities whose notices this group receives (their `group` channel). */
  members: z.array(idSchema).min(1).max(500),
});
export type Robot = z.infer<typeof robotSchema>;

const channelOrder = z.array(z.enum(deliveryChannels)).max(deliveryChannels.length);

export const notificationSettingsSchema = z
  .strictObject({
    sms: z
      .strictObject({
        provider: z.enum(smsProviders).default('sns'),
        /** The approved signature, without 【】 (mainland gateways add it). */
        signName: z.string().min(2).max(20).optional(),
        /** Longest value of one variable; defaults to the provider's documented limit. */
        maxParamChars: z.number().int().min(1).max(100).optional(),
        /** Fixed prefix written before `${link}` in the templates: `https://<approved domain>/l/`. */
        linkBase: z
          .string()
          // http only on the loopback (the embedded runtime); carriers take https links.
          .regex(
            /^(https:\/\/[a-z0-9.-]+|http:\/\/(127\.0\.0\.1|localhost))(:\d+)?\/l\/$/,
            'https://<domain>/l/',
          )
          .optional(),
        templates: z.array(smsTemplateSchema).max(60).default([]),
        /** Price of one SMS segment, yuan: what the spend cap counts. */
        unitPriceYuan: z.number().min(0).max(10).default(0.045),
      })
      .prefault({}),
    robots: z.array(robotSchema).max(500).default([]),
    /** Sent at once to every recipient that has an address for them. */
    primary: channelOrder.min(1).default(['sms', 'email']),
    /** Tried one at a time when a primary SMS or group message fails for good. */
    fallback: channelOrder.default(['group']),
    /** Per recipient (unit or community id): its own primary and fallback. */
    recipients: z
      .array(
        z.strictObject({
          id: idSchema,
          primary: channelOrder.min(1).optional(),
          fallback: channelOrder.optional(),
        }),
      )
      .max(1000)
      .default([]),
    rates: z
      .strictObject({
        smsPerSecond: z.number().positive().max(5000).default(20),
        emailPerSecond: z.number().positive().max(5000).default(10),
        /** Per robot: WeCom and DingTalk both allow 20 messages a minute to one group. */
        robotPerMinute: z.number().positive().max(60).default(20),
      })
      .prefault({}),
    /** Monthly SMS spend cap of the deployment, yuan; past it SMS fall back to the next channel. */
    monthlySpendCapYuan: z.number().positive().max(100_000_000).optional(),
  })
  .superRefine((s, ctx) => {
    for (const issue of templateSetIssues(s)) ctx.addIssue({ code: 'custom', ...issue });
  });
export type NotificationSettings = z.infer<typeof notificationSettingsSchema>;

/** Variables of a registered text in order of appearance: Alibaba `${name}`, Tencent `{n}`. */
export function templateVariables(provider: 'aliyun' | 'tencent', text: string): string[] {
  const pattern = provider === 'aliyun' ? /\$\{(\w+)\}/g : /\{(\d+)\}/g;
  return [...text.matchAll(pattern)].map((m) => m[1] as string);
}

/**
 * Why a template set cannot carry every notice on its provider (empty when it can): every kind
 * registered once, known variables used once each and never side by side, the ticket code in
 * each, links only behind the fixed approved prefix, fixed-size values within the variable limit.
 */
export function templateSetIssues(s: {
  sms: {
    provider: SmsProvider;
    signName?: string | undefined;
    maxParamChars?: number | undefined;
    linkBase?: string | undefined;
    templates: SmsTemplate[];
  };
}): { path: (string | number)[]; message: string }[] {
  const { provider } = s.sms;
  if (provider === 'sns') return [];
  const issues: { path: (string | number)[]; message: string }[] = [];
  const at = (path: (string | number)[], message: string) => issues.push({ path: ['sms', ...path], message });
  if (!s.sms.signName) at(['signName'], `the ${provider} channel needs the approved signature`);
  const limit = s.sms.maxParamChars ?? defaultMaxParamChars[provider];
  for (const kind of notificationKinds) {
    const n = s.sms.templates.filter((t) => t.kind === kind).length;
    if (n !== 1)
      at(
        ['templates'],
        n === 0
          ? `no template for ${kind}: the ${provider} channel cannot carry it`
          : `${kind} is registered ${n} times`,
      );
  }
  s.sms.templates.forEach((t, i) => {
    const vars = templateVariables(provider, t.text);
    if (/[【】]/.test(t.text))
      at(['templates', i, 'text'], 'no 【】 in a template: the gateway adds the signature');
    const names: string[] = provider === 'aliyun' ? vars : (t.params ?? []);
    if (provider === 'tencent') {
      const expected = names.map((_, k) => String(k + 1));
      if (vars.join(',') !== expected.join(','))
        at(
          ['templates', i, 'params'],
          `the text must use {1}..{${names.length}} in order, once each, one per params entry`,
        );
    } else if (t.params) at(['templates', i, 'params'], 'Alibaba templates name their variables in the text');
    const unknown = names.filter((v) => !(templateParamNames as readonly string[]).includes(v));
    if (unknown.length)
      at(
        ['templates', i, 'text'],
        `unknown variables ${unknown.join(', ')}: use ${templateParamNames.join(', ')}`,
      );
    if (new Set(names).size !== names.length) at(['templates', i, 'text'], 'a variable may appear only once');
    if (/\}\s*(\$\{|\{\d)/.test(t.text))
      at(['templates', i, 'text'], 'two variables may not stand side by side');
    if (t.text.replace(provider === 'aliyun' ? /\$\{\w+\}/g : /\{\d+\}/g, '').trim() === '')
      at(['templates', i, 'text'], 'a template may not be variables only');
    if (!names.includes('code'))
      at(['templates', i, 'text'], 'every template carries the ticket code (code)');
    for (const name of names) {
      const size = fixedParamChars[name as TemplateParamName];
      if (size !== undefined && size > limit)
        at(
          ['templates', i, 'text'],
          `${name} needs ${size} characters; ${provider} variables carry ${limit} (set maxParamChars if your account allows more)`,
        );
    }
    if (names.includes('link')) {
      const slot = provider === 'aliyun' ? '${link}' : `{${names.indexOf('link') + 1}}`;
      if (!s.sms.linkBase)
        at(['linkBase'], 'templates with a link need linkBase, the approved prefix before it');
      else if (!t.text.includes(`${s.sms.linkBase}${slot}`))
        at(['templates', i, 'text'], `the link variable must follow the fixed prefix ${s.sms.linkBase}`);
    }
  });
  return issues;
}

/**
 * How long a whistle may wait in its street's triage queue. Counted in office minutes (09:00–12:00,
 * 13:00–17:30 on working days): a whistle raised at night waits for the morning, not for nobody.
 * The warning, the deadline and the two escalation levels go to the street office like any
 * other stage's notices.
 */
export const triagePolicySchema = z.strictObject({
  officeMinutes: z.number().int().positive().max(600).default(30),
  warnAt: z.number().gt(0).lt(1).default(0.75),
  /** Office minutes after the deadline to level 2 and to level 3. */
  level2AfterOfficeMinutes: z.number().int().positive().max(2400).default(60),
  level3AfterOfficeMinutes: z.number().int().positive().max(4800).default(240),
  /** A description-only whistle skips triage when the top suggestion is confident. */
  autoRouteConfident: z.boolean().default(true),
});
export type TriagePolicy = z.infer<typeof triagePolicySchema>;

/** Everything the rules read, as one immutable, numbered version. */
export const configSnapshotSchema = z.strictObject({
  version: z.number().int().positive(),
  createdAt: instantSchema,
  createdBy: z.string(),
  note: z.string().max(200).optional(),
  streets: z.array(streetSchema),
  communities: z.array(communitySchema),
  grids: z.array(gridSchema),
  units: z.array(unitSchema),
  dutyItems: z.array(dutyItemSchema),
  slaPolicies: z.array(slaPolicySchema),
  calendars: z.array(calendarYearSchema),
  /** Channels, templates, robots, rates and spend cap; absent means SNS SMS and e-mail as before. */
  notifications: notificationSettingsSchema.optional(),
  /** The triage clock (分拨); absent means the defaults of `triagePolicySchema`. */
  triage: triagePolicySchema.optional(),
});
export type ConfigSnapshot = z.infer<typeof configSnapshotSchema>;

// ---------------------------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------------------------

export const assignmentSchema = z.object({
  unitId: idSchema,
  role: z.enum(['lead', 'co']),
  status: z.enum(['dispatched', 'acknowledged', 'arrived', 'in_progress', 'resolved', 'returned']),
  acknowledgedAt: instantSchema.optional(),
  arrivedAt: instantSchema.optional(),
  resolvedAt: instantSchema.optional(),
  returnedAt: instantSchema.optional(),
  /**
   * A supervisor handed the ticket to another unit (改派): the assignment ends like a return (status
   * `returned`, never routed to again) but the unit did not return it, so it counts as no 退单.
   */
  reassignedAt: instantSchema.optional(),
  /** When this unit's acknowledge clock started (dispatch, or re-dispatch after a return). */
  dispatchedAt: instantSchema.optional(),
  acknowledgeBy: instantSchema.optional(),
});
export type Assignment = z.infer<typeof assignmentSchema>;

/** The instants a stage's clock acts at, computed once by the rules and stored on the ticket. */
export const stageClockSchema = z.object({
  stage: z.enum(stages),
  unitId: idSchema.optional(),
  startedAt: instantSchema,
  warnAt: instantSchema,
  dueAt: instantSchema,
  level2At: instantSchema,
  level3At: instantSchema,
  /**
   * Some instant was counted over a year with no bundled or loaded calendar (Mon–Fri assumed):
   * publishing that year moves it (shared/use-cases/calendar-service.ts).
   */
  calendarAssumed: z.boolean().optional(),
  /** Bookkeeping the workflow's timer handler keeps, so every notice goes out once. */
  warnedAt: instantSchema.optional(),
  level: z.number().int().min(0).max(3).optional(),
  notifiedAt: instantSchema.optional(),
  doneAt: instantSchema.optional(),
});
export type StageClock = z.infer<typeof stageClockSchema>;

export const breachSchema = z.object({
  stage: z.enum(stages),
  unitId: idSchema,
  dueAt: instantSchema,
  breachedAt: instantSchema,
  level: z.number().int().min(1).max(3),
});
export type Breach = z.infer<typeof breachSchema>;

export const timelineEventSchema = z.object({
  at: instantSchema,
  type: z.string(),
  actor: z.string().optional(),
  unitId: idSchema.optional(),
  detail: z.string().optional(),
});
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

export const locationSchema = z.strictObject({
  gridId: idSchema.optional(),
  address: plainText(200).optional(),
  lat: z.number().min(-90).max(90).optional(),
  lng: z.number().min(-180).max(180).optional(),
});

export const reporterSchema = z.strictObject({
  name: plainText(40).optional(),
  phone: z
    .string()
    .regex(/^\+?\d{5,15}$/, 'digits, optionally with a leading +')
    .optional(),
});

/** A duty item the suggestion proposed for a whistle in triage. */
export const triageSuggestionSchema = z.object({
  dutyItemId: idSchema,
  name: z.string(),
  category: z.string().optional(),
  score: z.number(),
  matched: z.array(z.string()),
});
export type TriageSuggestion = z.infer<typeof triageSuggestionSchema>;

/** Someone who reported the same thing and joined this ticket instead of filing another. */
export const joinedReporterSchema = z.object({
  /** `role:sub` of the principal, or `ticket:<id>` for the reporter of a merged ticket. */
  by: z.string(),
  name: z.string().optional(),
  phone: z.string().optional(),
  at: instantSchema,
});
export type JoinedReporter = z.infer<typeof joinedReporterSchema>;

export const ticketSchema = z.object({
  id: z.string(),
  code: z.string(),
  status: z.enum(ticketStatuses),
  /** Absent only while the ticket is in `triage` (no duty item chosen yet). */
  dutyItemId: idSchema.optional(),
  dutyItemName: z.string().optional(),
  dutyKind: z.enum(dutyKinds),
  slaClass: z.enum(slaClasses),
  priority: z.enum(['urgent', 'normal']),
  channel: z.enum(channels),
  communityId: idSchema,
  streetId: idSchema,
  title: z.string(),
  description: z.string(),
  location: locationSchema.optional(),
  reporter: reporterSchema.optional(),
  attachments: z.array(z.string()).optional(),
  createdAt: instantSchema,
  updatedAt: instantSchema,
  createdBy: z.string(),
  version: z.number().int().nonnegative(),
  configVersion: z.number().int().positive(),
  assignments: z.array(assignmentSchema),
  deadlines: z.object({
    acknowledgeBy: instantSchema.optional(),
    arriveBy: instantSchema.optional(),
    resolveBy: instantSchema.optional(),
    feedbackBy: instantSchema.optional(),
  }),
  /** Open clocks, one per (stage, unit): what the workflow waits on. */
  clocks: z.array(stageClockSchema),
  escalationLevel: z.number().int().min(0).max(3),
  breaches: z.array(breachSchema),
  timeline: z.array(timelineEventSchema),
  feedback: z
    .object({ rating: z.enum(ratings), comment: z.string().optional(), at: instantSchema })
    .optional(),
  reopenCount: z.number().int().nonnegative(),
  resolution: z
    .object({ summary: z.string(), evidence: z.array(z.string()).optional(), at: instantSchema })
    .optional(),
  extension: z
    .object({
      workingDays: z.number().int(),
      reason: z.string(),
      requestedAt: instantSchema,
      status: z.enum(['pending', 'approved', 'rejected']),
      decidedAt: instantSchema.optional(),
    })
    .optional(),
  closedAt: instantSchema.optional(),
  closeReason: z.enum(['verdict', 'no_verdict', 'cancelled', 'ruling', 'duplicate']).optional(),
  /** Triage (分拨): the suggestions shown to the dispatcher and who decided. */
  triage: z
    .object({
      suggestions: z.array(triageSuggestionSchema),
      confirmedAt: instantSchema.optional(),
      confirmedBy: z.string().optional(),
    })
    .optional(),
  /** Reporters who joined this ticket (and those of tickets merged into it); told at closure. */
  joinedReporters: z.array(joinedReporterSchema).optional(),
  /** Closed as a duplicate of this ticket (`closeReason: duplicate`). */
  duplicateOf: z.string().optional(),
  /** Units that returned the ticket: never routed to again. */
  excludedUnitIds: z.array(idSchema),
  /** Set when a dispatch could not be delivered: supervisors must look. */
  flags: z.array(z.string()),
  /** Urges (催办/督办) by supervisors and admins. */
  urgeCount: z.number().int().nonnegative(),
});
export type Ticket = z.infer<typeof ticketSchema>;
