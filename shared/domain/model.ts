/**
 * The domain vocabulary as zod schemas; every type is inferred from its schema so validation and
 * types cannot drift. Pure: no AWS, no I/O.
 */
import * as z from '../zod';
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
export const idSchema = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lowercase letters, digits and dashes'));
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
  contacts: z.optional(
    z.strictObject({ dutyPhone: z.string().check(z.regex(/^\+\d{8,15}$/)), email: z.email() }),
  ),
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
  dutyPhone: z.string().check(z.regex(/^\+\d{8,15}$/, 'E.164 phone number')),
  email: z.email(),
  leaderName: plainText(30),
  /** The unit leader, urged by SMS at escalation level 1. */
  leaderPhone: z.string().check(z.regex(/^\+\d{8,15}$/, 'E.164 phone number')),
});
export type Contacts = z.infer<typeof contactsSchema>;

export const unitSchema = z.strictObject({
  id: idSchema,
  name: plainText(60),
  /** `street` units are street offices (街道办事处); everything else is a department or company. */
  kind: z.enum(['department', 'street']),
  /** Street offices and per-street units (e.g. a 派出所) belong to one street. */
  streetId: z.optional(idSchema),
  /**
   * Function code shared by per-street units (e.g. `police-station`): a duty item that names the
   * function is routed to the unit of the ticket's street that carries it.
   */
  function: z.optional(idSchema),
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
  leadUnitId: z.optional(idSchema),
  /** Lead by function code resolved per street (retracted items owned by per-street units). */
  leadFunction: z.optional(idSchema),
  /** Co-handling departments for cooperative items (joint dispatch). */
  coUnitIds: z._default(z.array(idSchema).check(z.maxLength(10)), []),
  /** Co-handlers by function code, resolved to the unit of the ticket's street. */
  coFunctions: z._default(z.array(idSchema).check(z.maxLength(10)), []),
  /**
   * Words residents and grid workers use for this item (电瓶车, 飞线充电): the description a
   * reporter types is matched against them to suggest the item (shared/domain/suggest.ts).
   */
  keywords: z.optional(z.array(plainText(20)).check(z.maxLength(40))),
  /** Other names for the whole item (楼道充电, 室内充电): weighted a little below the keywords. */
  synonyms: z.optional(z.array(plainText(30)).check(z.maxLength(20))),
});
export type DutyItem = z.infer<typeof dutyItemSchema>;

/** A span of time on one of the two clocks. */
export const durationSchema = z.union([
  z.strictObject({
    minutes: z.number().check(z.int(), z.positive(), z.lte(60 * 24 * 60)),
  }),
  z.strictObject({ workingDays: z.number().check(z.int(), z.positive(), z.lte(60)) }),
]);
export type Duration = z.infer<typeof durationSchema>;

export const slaPolicySchema = z.strictObject({
  slaClass: z.enum(slaClasses),
  /** `24x7` counts wall-clock time; `workday` counts Chinese working days, ending at 17:30. */
  clock: z.enum(['24x7', 'workday']),
  acknowledge: durationSchema,
  /** On-site arrival (报到), urgent whistles only. */
  arrive: z.optional(durationSchema),
  resolve: durationSchema,
  /** How long after dispatch a unit may still return (退单) the ticket. */
  returnWindow: z.optional(durationSchema),
  feedback: durationSchema,
  /** Fraction of a stage's time after which the blue warning goes out. */
  warnAt: z._default(z.number().check(z.gt(0), z.lt(1)), 0.75),
  /** Still overdue this long after the deadline → level 2 (street 大工委 督办). */
  level2After: durationSchema,
  /** Still overdue this long after the deadline → level 3 (city 通报). */
  level3After: durationSchema,
  extension: z.strictObject({
    allowed: z.boolean(),
    maxWorkingDays: z.number().check(z.int(), z.gte(0), z.lte(30)),
  }),
  /** Reopens allowed after unsatisfied verdicts before a supervisor must rule. */
  maxReopens: z._default(z.number().check(z.int(), z.gte(0), z.lte(5)), 2),
});
export type SlaPolicy = z.infer<typeof slaPolicySchema>;

/** One year of the State Council's holiday notice: days off and make-up working days. */
export const calendarYearSchema = z
  .strictObject({
    year: z.number().check(z.int(), z.gte(2000), z.lte(2100)),
    /**
     * `adjust` (the default, also when absent): the days listed change the bundled year, the
     * rest stay as bundled. `replace`: the file is the whole year, unlisted days are Mon–Fri.
     */
    mode: z.optional(z.enum(['adjust', 'replace'])),
    holidays: z.array(dateSchema).check(z.maxLength(60)),
    workdays: z.array(dateSchema).check(z.maxLength(30)),
    source: z.optional(z.string().check(z.maxLength(300))),
  })
  .check(
    z.superRefine((y, ctx) => {
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
    }),
  );
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
  code: z.string().check(z.regex(/^[A-Za-z0-9_]{1,40}$/, 'letters, digits and underscores')),
  /** The text exactly as registered, without the signature: Alibaba `${code}`, Tencent `{1}`. */
  text: z.string().check(z.minLength(1), z.maxLength(500)),
  /** Tencent only: the parameter each `{n}` carries, in order. */
  params: z.optional(z.array(z.enum(templateParamNames)).check(z.maxLength(20))),
});
export type SmsTemplate = z.infer<typeof smsTemplateSchema>;

export const robotSchema = z.strictObject({
  /** Names the robot's webhook credentials in the deployment's channel secret. */
  id: idSchema,
  kind: z.enum(robotKinds),
  /** The work group, as people call it ('建设路街道派单群'). */
  name: z.string().check(z.minLength(1), z.maxLength(60)),
  /** Units and communities whose notices this group receives (their `group` channel). */
  members: z.array(idSchema).check(z.minLength(1), z.maxLength(500)),
});
export type Robot = z.infer<typeof robotSchema>;

const channelOrder = z.array(z.enum(deliveryChannels)).check(z.maxLength(deliveryChannels.length));

export const notificationSettingsSchema = z
  .strictObject({
    sms: z.prefault(
      z.strictObject({
        provider: z._default(z.enum(smsProviders), 'sns'),
        /** The approved signature, without 【】 (mainland gateways add it). */
        signName: z.optional(z.string().check(z.minLength(2), z.maxLength(20))),
        /** Longest value of one variable; defaults to the provider's documented limit. */
        maxParamChars: z.optional(z.number().check(z.int(), z.gte(1), z.lte(100))),
        /** Fixed prefix written before `${link}` in the templates: `https://<approved domain>/l/`. */
        linkBase: z.optional(
          z
            .string()
            .check(
              z.regex(
                /^(https:\/\/[a-z0-9.-]+|http:\/\/(127\.0\.0\.1|localhost))(:\d+)?\/l\/$/,
                'https://<domain>/l/',
              ),
            ),
        ),
        templates: z._default(z.array(smsTemplateSchema).check(z.maxLength(60)), []),
        /** Price of one SMS segment, yuan: what the spend cap counts. */
        unitPriceYuan: z._default(z.number().check(z.gte(0), z.lte(10)), 0.045),
      }),
      {},
    ),
    robots: z._default(z.array(robotSchema).check(z.maxLength(500)), []),
    /** Sent at once to every recipient that has an address for them. */
    primary: z._default(channelOrder.check(z.minLength(1)), ['sms', 'email']),
    /** Tried one at a time when a primary SMS or group message fails for good. */
    fallback: z._default(channelOrder, ['group']),
    /** Per recipient (unit or community id): its own primary and fallback. */
    recipients: z._default(
      z
        .array(
          z.strictObject({
            id: idSchema,
            primary: z.optional(channelOrder.check(z.minLength(1))),
            fallback: z.optional(channelOrder),
          }),
        )
        .check(z.maxLength(1000)),
      [],
    ),
    rates: z.prefault(
      z.strictObject({
        smsPerSecond: z._default(z.number().check(z.positive(), z.lte(5000)), 20),
        emailPerSecond: z._default(z.number().check(z.positive(), z.lte(5000)), 10),
        /** Per robot: WeCom and DingTalk both allow 20 messages a minute to one group. */
        robotPerMinute: z._default(z.number().check(z.positive(), z.lte(60)), 20),
      }),
      {},
    ),
    /** Monthly SMS spend cap of the deployment, yuan; past it SMS fall back to the next channel. */
    monthlySpendCapYuan: z.optional(z.number().check(z.positive(), z.lte(100_000_000))),
  })
  .check(
    z.superRefine((s, ctx) => {
      for (const issue of templateSetIssues(s)) ctx.addIssue({ code: 'custom', ...issue });
    }),
  );
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
  officeMinutes: z._default(z.number().check(z.int(), z.positive(), z.lte(600)), 30),
  warnAt: z._default(z.number().check(z.gt(0), z.lt(1)), 0.75),
  /** Office minutes after the deadline to level 2 and to level 3. */
  level2AfterOfficeMinutes: z._default(z.number().check(z.int(), z.positive(), z.lte(2400)), 60),
  level3AfterOfficeMinutes: z._default(z.number().check(z.int(), z.positive(), z.lte(4800)), 240),
  /** A description-only whistle skips triage when the top suggestion is confident. */
  autoRouteConfident: z._default(z.boolean(), true),
});
export type TriagePolicy = z.infer<typeof triagePolicySchema>;

/** Everything the rules read, as one immutable, numbered version. */
export const configSnapshotSchema = z.strictObject({
  version: z.number().check(z.int(), z.positive()),
  createdAt: instantSchema,
  createdBy: z.string(),
  note: z.optional(z.string().check(z.maxLength(200))),
  streets: z.array(streetSchema),
  communities: z.array(communitySchema),
  grids: z.array(gridSchema),
  units: z.array(unitSchema),
  dutyItems: z.array(dutyItemSchema),
  slaPolicies: z.array(slaPolicySchema),
  calendars: z.array(calendarYearSchema),
  /** Channels, templates, robots, rates and spend cap; absent means SNS SMS and e-mail as before. */
  notifications: z.optional(notificationSettingsSchema),
  /** The triage clock (分拨); absent means the defaults of `triagePolicySchema`. */
  triage: z.optional(triagePolicySchema),
});
export type ConfigSnapshot = z.infer<typeof configSnapshotSchema>;

// ---------------------------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------------------------

export const assignmentSchema = z.object({
  unitId: idSchema,
  role: z.enum(['lead', 'co']),
  status: z.enum(['dispatched', 'acknowledged', 'arrived', 'in_progress', 'resolved', 'returned']),
  acknowledgedAt: z.optional(instantSchema),
  arrivedAt: z.optional(instantSchema),
  resolvedAt: z.optional(instantSchema),
  returnedAt: z.optional(instantSchema),
  /**
   * A supervisor handed the ticket to another unit (改派): the assignment ends like a return (status
   * `returned`, never routed to again) but the unit did not return it, so it counts as no 退单.
   */
  reassignedAt: z.optional(instantSchema),
  /** When this unit's acknowledge clock started (dispatch, or re-dispatch after a return). */
  dispatchedAt: z.optional(instantSchema),
  acknowledgeBy: z.optional(instantSchema),
});
export type Assignment = z.infer<typeof assignmentSchema>;

/** The instants a stage's clock acts at, computed once by the rules and stored on the ticket. */
export const stageClockSchema = z.object({
  stage: z.enum(stages),
  unitId: z.optional(idSchema),
  startedAt: instantSchema,
  warnAt: instantSchema,
  dueAt: instantSchema,
  level2At: instantSchema,
  level3At: instantSchema,
  /**
   * Some instant was counted over a year with no bundled or loaded calendar (Mon–Fri assumed):
   * publishing that year moves it (shared/use-cases/calendar-service.ts).
   */
  calendarAssumed: z.optional(z.boolean()),
  /** Bookkeeping the workflow's timer handler keeps, so every notice goes out once. */
  warnedAt: z.optional(instantSchema),
  level: z.optional(z.number().check(z.int(), z.gte(0), z.lte(3))),
  notifiedAt: z.optional(instantSchema),
  doneAt: z.optional(instantSchema),
});
export type StageClock = z.infer<typeof stageClockSchema>;

export const breachSchema = z.object({
  stage: z.enum(stages),
  unitId: idSchema,
  dueAt: instantSchema,
  breachedAt: instantSchema,
  level: z.number().check(z.int(), z.gte(1), z.lte(3)),
});
export type Breach = z.infer<typeof breachSchema>;

export const timelineEventSchema = z.object({
  at: instantSchema,
  type: z.string(),
  actor: z.optional(z.string()),
  unitId: z.optional(idSchema),
  detail: z.optional(z.string()),
});
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

export const locationSchema = z.strictObject({
  gridId: z.optional(idSchema),
  address: z.optional(plainText(200)),
  lat: z.optional(z.number().check(z.gte(-90), z.lte(90))),
  lng: z.optional(z.number().check(z.gte(-180), z.lte(180))),
});

export const reporterSchema = z.strictObject({
  name: z.optional(plainText(40)),
  phone: z.optional(z.string().check(z.regex(/^\+?\d{5,15}$/, 'digits, optionally with a leading +'))),
});

/** A duty item the suggestion proposed for a whistle in triage. */
export const triageSuggestionSchema = z.object({
  dutyItemId: idSchema,
  name: z.string(),
  category: z.optional(z.string()),
  score: z.number(),
  matched: z.array(z.string()),
});
export type TriageSuggestion = z.infer<typeof triageSuggestionSchema>;

/** Someone who reported the same thing and joined this ticket instead of filing another. */
export const joinedReporterSchema = z.object({
  /** `role:sub` of the principal, or `ticket:<id>` for the reporter of a merged ticket. */
  by: z.string(),
  name: z.optional(z.string()),
  phone: z.optional(z.string()),
  at: instantSchema,
});
export type JoinedReporter = z.infer<typeof joinedReporterSchema>;

export const ticketSchema = z.object({
  id: z.string(),
  code: z.string(),
  status: z.enum(ticketStatuses),
  /** Absent only while the ticket is in `triage` (no duty item chosen yet). */
  dutyItemId: z.optional(idSchema),
  dutyItemName: z.optional(z.string()),
  dutyKind: z.enum(dutyKinds),
  slaClass: z.enum(slaClasses),
  priority: z.enum(['urgent', 'normal']),
  channel: z.enum(channels),
  communityId: idSchema,
  streetId: idSchema,
  title: z.string(),
  description: z.string(),
  location: z.optional(locationSchema),
  reporter: z.optional(reporterSchema),
  attachments: z.optional(z.array(z.string())),
  createdAt: instantSchema,
  updatedAt: instantSchema,
  createdBy: z.string(),
  version: z.number().check(z.int(), z.nonnegative()),
  configVersion: z.number().check(z.int(), z.positive()),
  assignments: z.array(assignmentSchema),
  deadlines: z.object({
    acknowledgeBy: z.optional(instantSchema),
    arriveBy: z.optional(instantSchema),
    resolveBy: z.optional(instantSchema),
    feedbackBy: z.optional(instantSchema),
  }),
  /** Open clocks, one per (stage, unit): what the workflow waits on. */
  clocks: z.array(stageClockSchema),
  escalationLevel: z.number().check(z.int(), z.gte(0), z.lte(3)),
  breaches: z.array(breachSchema),
  timeline: z.array(timelineEventSchema),
  feedback: z.optional(
    z.object({ rating: z.enum(ratings), comment: z.optional(z.string()), at: instantSchema }),
  ),
  reopenCount: z.number().check(z.int(), z.nonnegative()),
  resolution: z.optional(
    z.object({ summary: z.string(), evidence: z.optional(z.array(z.string())), at: instantSchema }),
  ),
  extension: z.optional(
    z.object({
      workingDays: z.number().check(z.int()),
      reason: z.string(),
      requestedAt: instantSchema,
      status: z.enum(['pending', 'approved', 'rejected']),
      decidedAt: z.optional(instantSchema),
    }),
  ),
  closedAt: z.optional(instantSchema),
  closeReason: z.optional(z.enum(['verdict', 'no_verdict', 'cancelled', 'ruling', 'duplicate'])),
  /** Triage (分拨): the suggestions shown to the dispatcher and who decided. */
  triage: z.optional(
    z.object({
      suggestions: z.array(triageSuggestionSchema),
      confirmedAt: z.optional(instantSchema),
      confirmedBy: z.optional(z.string()),
    }),
  ),
  /** Reporters who joined this ticket (and those of tickets merged into it); told at closure. */
  joinedReporters: z.optional(z.array(joinedReporterSchema)),
  /** Closed as a duplicate of this ticket (`closeReason: duplicate`). */
  duplicateOf: z.optional(z.string()),
  /** Units that returned the ticket: never routed to again. */
  excludedUnitIds: z.array(idSchema),
  /** Set when a dispatch could not be delivered: supervisors must look. */
  flags: z.array(z.string()),
  /** Urges (催办/督办) by supervisors and admins. */
  urgeCount: z.number().check(z.int(), z.nonnegative()),
});
export type Ticket = z.infer<typeof ticketSchema>;
