/**
 * The schemas of API v1: the single source for request validation in the handlers, for the
 * response shapes, and for the OpenAPI document (openapi.ts turns these very objects into JSON
 * Schema). Request objects are strict: unknown fields and unknown query parameters are a 400 that
 * names them, as the contract says.
 */
import {
  breachSchema,
  calendarYearSchema,
  channels,
  communitySchema,
  contactsSchema,
  dutyItemSchema,
  idSchema,
  instantSchema,
  locationSchema,
  notificationKinds,
  notificationSettingsSchema,
  reporterSchema,
  roles,
  slaClasses,
  slaPolicySchema,
  smsProviders,
  stages,
  ticketSchema,
  ticketStatuses,
  unitSchema,
} from '../../shared/domain/model';
import { missingScope } from '../../shared/domain/principal';
import { optionalText, plainText, webUrl } from '../../shared/domain/text';
import {
  type ActionPolicy,
  actionBodies,
  actionPolicy,
  type TicketAction,
} from '../../shared/domain/ticket-actions';
import * as z from '../../shared/zod';

/** An integer within the safe range (JSON Schema `integer`). */
const integer = () => z.number().check(z.int());
/** Free text, normalised and refused when it carries control characters or nothing visible. */
const text = (max: number, multiline = true) => plainText(max, { multiline });
/**
 * `http:` URLs (attachments, evidence, Open311 media_url) are refused unless the deployment
 * allows them: WHISTLE_HTTP_URLS=on, for an embedded runtime on a plain-HTTP network only.
 */
export const allowHttpUrls =
  z._default(z.enum(['on', 'off']), 'off').safeParse(process.env.WHISTLE_HTTP_URLS).data === 'on';
const url = webUrl(500, { allowHttp: allowHttpUrls });

/** Ticket ids are `t` + 20 base32 characters; anything else cannot name a ticket. */
export {
  decisionBody,
  emptyBody,
  extensionBody,
  feedbackBody,
  noteBody,
  reasonBody,
  reassignBody,
  resolveBody,
  rulingBody,
} from '../../shared/domain/ticket-actions';

/** Ticket ids are `t` + 20 base32 characters; anything else cannot name a ticket. */
export const ticketIdPattern = /^t[a-z0-9]{20}$/;
export const ticketIdSchema = z.string().check(z.regex(ticketIdPattern, 'a ticket id (t + 20 characters)'));

// ---------------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------------

export const createTicketBody = z
  .strictObject({
    dutyItemId: z
      .optional(idSchema)
      .check(
        z.describe(
          'Absent: the description is matched against the duty list; a confident match routes the ticket, anything else puts it in its street’s triage queue (status `triage`) with the suggestions attached.',
        ),
      ),
    communityId: idSchema,
    title: z
      .optional(text(100, false))
      .check(z.describe('Absent: the first line of the description, cut to 30 characters')),
    description: text(2000),
    channel: z.enum(channels),
    priority: z.optional(z.enum(['urgent', 'normal'])),
    location: z.optional(locationSchema),
    reporter: z.optional(reporterSchema),
    attachments: z.optional(z.array(url).check(z.maxLength(10))),
  })
  .check(
    z.meta({
      examples: [
        {
          dutyItemId: 'di-neighbor-dispute',
          communityId: 'cm-nanqiao',
          title: '楼道堆放杂物',
          description: '3栋2单元楼道堆满杂物，影响通行',
          channel: 'grid',
          location: { address: '南桥社区3栋2单元' },
        },
      ],
    }),
  );

/** POST /v1/tickets/{id}/triage: the duty item a dispatcher confirms or chooses. */
export const triageBody = z.strictObject({ dutyItemId: idSchema });
/** POST /v1/tickets/{id}/join: the reporter joins; the phone (optional) receives the closure SMS. */
export const joinBody = z.strictObject({
  name: z.optional(plainText(40)),
  phone: z.optional(z.string().check(z.regex(/^\+?\d{5,15}$/, 'digits, optionally with a leading +'))),
});
/** POST /v1/tickets/{id}/merge: the ticket this one duplicates. */
export const mergeBody = z.strictObject({
  into: z.string().check(z.regex(/^t[a-z0-9]{20}$/, 'a ticket id')),
});
export const triageQuery = z.strictObject({
  streetId: z
    .optional(idSchema)
    .check(z.describe('Admins: the street whose queue (others: their own street)')),
});
export const similarQuery = z.strictObject({
  q: plainText(500, { multiline: true }).check(z.describe('What the reporter typed')),
  communityId: idSchema,
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(10))),
});
export const similarTicketView = z.object({
  id: z.string(),
  code: z.string(),
  title: z.string(),
  status: z.enum(ticketStatuses),
  dutyItemName: z.optional(z.string()),
  createdAt: z.string(),
  joined: integer().check(z.describe('Reporters who joined it so far')),
  score: z.number().check(z.describe('Share of the query’s words the ticket contains, 0–1')),
  matched: z.array(z.string()),
});
export const similarTicketList = z.object({ items: z.array(similarTicketView) });
export const mergeResult = z.object({
  duplicate: z.lazy(() => ticketView),
  into: z.lazy(() => ticketView),
});
export interface ActionSpec {
  body: z.ZodMiniType;
  /** Who may attempt the action at all (403 for anyone else, before the ticket is even read). */
  roles: ActionPolicy['roles'];
  status: 200 | 202;
  summary: string;
}
/**
 * Every ticket action: its body, the roles that may attempt it, its success status and summary.
 * Scope (which unit, which community, which street) is then checked against the ticket itself.
 */
export const ticketActions = {
  acknowledge: {
    body: actionBodies.acknowledge,
    roles: actionPolicy.acknowledge.roles,
    status: 200,
    summary: 'An assigned unit signs for the ticket (签收). Again → 409.',
  },
  arrive: {
    body: actionBodies.arrive,
    roles: actionPolicy.arrive.roles,
    status: 200,
    summary: 'An assigned unit reports arrival on site (到场/报到), after acknowledging.',
  },
  progress: {
    body: actionBodies.progress,
    roles: actionPolicy.progress.roles,
    status: 200,
    summary: 'An assigned unit reports progress, after acknowledging.',
  },
  resolve: {
    body: actionBodies.resolve,
    roles: actionPolicy.resolve.roles,
    status: 200,
    summary: 'The lead unit resolves the ticket (办结), after acknowledging; status `resolved`.',
  },
  return: {
    body: actionBodies.return,
    roles: actionPolicy.return.roles,
    status: 200,
    summary:
      'An assigned unit returns a misrouted ticket (退单) before resolving, within the return window: re-routed, or held as `returned` for a ruling.',
  },
  extension: {
    body: actionBodies.extension,
    roles: actionPolicy.extension.roles,
    status: 202,
    summary: 'The lead unit asks for more working days (延期); 202 until a supervisor decides.',
  },
  'extension/decision': {
    body: actionBodies['extension/decision'],
    roles: actionPolicy['extension/decision'].roles,
    status: 200,
    summary: 'A supervisor (within its street) approves or rejects the pending extension.',
  },
  urge: {
    body: actionBodies.urge,
    roles: actionPolicy.urge.roles,
    status: 200,
    summary: 'A supervisor or admin urges the lead unit (催办/督办); the unit leader gets an SMS.',
  },
  feedback: {
    body: actionBodies.feedback,
    roles: actionPolicy.feedback.roles,
    status: 200,
    summary:
      'The reporter of the ticket’s community gives the resident’s verdict after resolution: `closed`, or `reopened` with a new resolve deadline.',
  },
  cancel: {
    body: actionBodies.cancel,
    roles: actionPolicy.cancel.roles,
    status: 200,
    summary: 'An admin cancels an open ticket; status `cancelled`.',
  },
  ruling: {
    body: actionBodies.ruling,
    roles: actionPolicy.ruling.roles,
    status: 200,
    summary: 'A supervisor rules on a held ticket: close it, assign it to a unit, or reopen it.',
  },
  reassign: {
    body: actionBodies.reassign,
    roles: actionPolicy.reassign.roles,
    status: 200,
    summary:
      'A supervisor (within its street) or admin hands any open, unresolved ticket to another lead unit (改派): the old lead’s clocks close, the new lead gets fresh clocks from now and is dispatched. The unit must be one of the street’s own units or a city department.',
  },
} as const satisfies Record<TicketAction, ActionSpec>;
export type TicketActionName = keyof typeof ticketActions;

export const unitBody = z.extend(z.omit(unitSchema, { id: true }), { id: z.optional(idSchema) });
export const dutyItemBody = z.extend(z.omit(dutyItemSchema, { id: true }), { id: z.optional(idSchema) });
export const slaPolicyBody = z.extend(z.omit(slaPolicySchema, { slaClass: true }), {
  slaClass: z.optional(z.enum(slaClasses)),
});
export const calendarBody = z
  .strictObject({
    mode: z
      ._default(z.enum(['adjust', 'replace']), 'adjust')
      .check(
        z.describe(
          '`adjust` (default): the days listed change the bundled year, every other day stays as bundled. `replace`: the file is the whole year; unlisted days are plain Monday–Friday.',
        ),
      ),
    holidays: calendarYearSchema.shape.holidays.check(
      z.describe(
        'Days off (weekend days inside a holiday range may be listed too). In adjust mode a bundled make-up working day listed here is cancelled.',
      ),
    ),
    workdays: calendarYearSchema.shape.workdays.check(
      z.describe(
        'Make-up working days (调休上班): weekend days only; in adjust mode also a bundled holiday, to cancel it.',
      ),
    ),
    source: z.optional(optionalText(300)),
    year: z.optional(integer()),
  })
  .check(
    z.meta({
      examples: [
        {
          holidays: ['2027-01-01', '2027-02-05', '2027-02-08'],
          workdays: ['2027-02-07'],
          source: '国务院办公厅关于2027年部分节假日安排的通知',
        },
      ],
    }),
  );

export const localTokenBody = z
  .strictObject({
    role: z.enum(roles),
    sub: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    unitId: z.optional(idSchema),
    communityId: z.optional(idSchema),
    streetId: z.optional(idSchema),
  })
  .check(
    z.superRefine((b, ctx) => {
      // The same rule the principal applies: a token without its scope would be refused anyway.
      const field = missingScope(b);
      if (field) ctx.addIssue({ code: 'custom', path: [field], message: `required for role ${b.role}` });
    }),
    z.meta({ examples: [{ role: 'reporter', communityId: 'cm-nanqiao' }] }),
  );

export const idempotencyKeySchema = z
  .string()
  .check(z.minLength(1), z.maxLength(200), z.regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'));

// ---------------------------------------------------------------------------------------------
// Query strings (every GET validates its query; unknown parameters are a 400 naming them)
// ---------------------------------------------------------------------------------------------

export const MAX_LIMIT = 100;
const limit = z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_LIMIT)), 50);
const optionalLimit = z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_LIMIT)));
const cursor = z.string().check(z.minLength(1), z.maxLength(2000));
/**
 * Years the service can reason about: a date outside them is a client's mistake (400), not a
 * clock the store and the calendar cannot represent (year 9999 + 8 h is year 10000).
 */
export const plausibleYear = (s: string) => {
  const year = Number(s.slice(0, 4));
  return year >= 2000 && year <= 2100;
};
const inYears = 'must be a date between the years 2000 and 2100';
/** A calendar date (a whole Asia/Shanghai day) or an instant with its offset. */
const instantOrDate = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .check(z.refine(plausibleYear, inYears));

export const noQuery = z.strictObject({});
/** `PUT /v1/calendar/{year}?dryRun=true`: what the file would move, nothing written. */
export const calendarWriteQuery = z.strictObject({ dryRun: z.optional(z.enum(['true', 'false'])) });

/** Reference lists are small: all items by default; `limit`/`cursor` page them if asked. */
export const referenceQuery = z.strictObject({ limit: optionalLimit, cursor: z.optional(cursor) });

/**
 * `GET /v1/duty-items`: the list as before, or with `q` the items ranked for a description
 * (`limit` 1..10, default 3, no paging: a suggestion is a short answer, not a list to walk).
 */
export const MAX_SUGGESTIONS = 10;
/**
 * The start of a description says what it is about; 500 Han characters are 4.5 kB percent-encoded,
 * inside every URL limit on the way (Node's 16 kB of headers, API Gateway's 10 kB).
 */
export const MAX_QUERY = 500;
export const dutyItemsQuery = z
  .extend(referenceQuery, {
    q: z
      .optional(plainText(MAX_QUERY, { multiline: true }))
      .check(
        z.describe(
          'A description in the reporter’s words: answers the best-matching items instead of the list',
        ),
      ),
  })
  .check(
    z.superRefine((v, ctx) => {
      if (v.q === undefined) return;
      if (v.limit !== undefined && v.limit > MAX_SUGGESTIONS) {
        ctx.addIssue({ code: 'custom', path: ['limit'], message: `at most ${MAX_SUGGESTIONS} with q` });
      }
      if (v.cursor !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'suggestions are not paged' });
      }
    }),
  );

/** A ticket's code as people read it out (`WD` + 8 characters); case and spaces do not matter. */
export const ticketCodeSchema = z.pipe(
  z.pipe(
    z.string(),
    z.transform((s: string) => s.replace(/\s+/g, '').toUpperCase()),
  ),
  z.string().check(z.regex(/^WD[0-9A-Z]{8}$/, 'a ticket code: WD and 8 letters or digits')),
);

/** The filters of the ticket list (and of its export). */
export const ticketFilterFields = {
  status: z.optional(z.enum(ticketStatuses)),
  unitId: z.optional(idSchema),
  communityId: z.optional(idSchema),
  streetId: z.optional(idSchema),
  breached: z.optional(z.enum(['true', 'false'])),
  code: z.optional(ticketCodeSchema).check(z.describe('Exactly this ticket (WD…), if the caller may see it')),
  from: z.optional(instantOrDate).check(z.describe('Created at or after (a date: from its 00:00)')),
  to: z.optional(instantOrDate).check(z.describe('Created at or before (a date: to its 23:59)')),
  slaClass: z.optional(z.enum(slaClasses)),
  level: z
    .optional(z.coerce.number().check(z.int(), z.gte(0), z.lte(3)))
    .check(z.describe('Current escalation level, exactly')),
};

export const listTicketsQuery = z.strictObject({ ...ticketFilterFields, limit, cursor: z.optional(cursor) });

export const breachesQuery = z.strictObject({
  unitId: z.optional(idSchema),
  stage: z.optional(z.enum(stages)),
  level: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(3))),
  streetId: z.optional(idSchema),
  from: z.optional(instantOrDate),
  to: z.optional(instantOrDate),
  limit,
  cursor: z.optional(cursor),
});

/** The filters of the breach list, without paging: summaries and exports cover the whole set. */
export const breachFilterFields = {
  unitId: z.optional(idSchema),
  stage: z.optional(z.enum(stages)),
  level: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(3))),
  streetId: z.optional(idSchema),
  from: z.optional(instantOrDate),
  to: z.optional(instantOrDate),
};
export const breachSummaryQuery = z.strictObject(breachFilterFields);

export const exportFormat = z._default(z.enum(['xlsx', 'csv']), 'xlsx');
export const exportLang = z._default(z.enum(['zh', 'en']), 'zh');
export const breachExportQuery = z.strictObject({
  ...breachFilterFields,
  view: z
    ._default(z.enum(['rows', 'tickets', 'units']), 'rows')
    .check(z.describe('One row per breach, per ticket or per unit')),
  format: exportFormat,
  lang: exportLang,
});
export const ticketExportQuery = z.strictObject({
  ...ticketFilterFields,
  format: exportFormat,
  lang: exportLang,
});
export const rankingExportQuery = z.strictObject({
  from: z.optional(instantOrDate),
  to: z.optional(instantOrDate),
  streetId: z.optional(idSchema),
  of: z._default(z.enum(['units', 'streets']), 'units'),
  format: exportFormat,
  lang: exportLang,
});

export const notificationsQuery = z.strictObject({
  ticketId: z.optional(ticketIdSchema),
  unitId: z.optional(idSchema),
  limit,
  cursor: z.optional(cursor),
});

export const metricsQuery = z.strictObject({
  from: z.optional(instantOrDate),
  to: z.optional(instantOrDate),
  streetId: z.optional(idSchema),
});

export const yearParam = z.coerce.number().check(z.int(), z.gte(2000), z.lte(2100));

/** A resolution photo uploaded by a signed-in unit, as the phone page uploads it (base64 inline). */
export const ticketEvidenceBody = z
  .strictObject({
    contentType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
    size: z.number().check(z.int(), z.gte(1), z.lte(350 * 1024)),
    /** The bytes, base64 (embedded runtime); absent on AWS, where the answer is a presigned PUT. */
    data: z.optional(z.string().check(z.maxLength(480 * 1024))),
  })
  .check(z.meta({ examples: [{ contentType: 'image/jpeg', size: 123456, data: '/9j/4AAQ…' }] }));

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/** `{items, nextCursor}`: nextCursor is opaque, and null on the last page. */
export const listOf = <T extends z.core.SomeType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z
      .nullable(z.string())
      .check(z.describe('Opaque: pass it back as `cursor` for the next page; null on the last page.')),
  });

export const ticketView = ticketSchema;
export const ticketList = listOf(ticketView);

/** Units as every role sees them; only admins get the contacts. */
export const unitView = z.extend(unitSchema, { contacts: z.optional(contactsSchema) });
export const unitList = z.extend(listOf(unitView), { configVersion: integer() });
export const communityView = communitySchema;
export const communityList = z.extend(listOf(communityView), { configVersion: integer() });
export const dutyItemView = dutyItemSchema;
export const dutyItemList = z.extend(listOf(dutyItemView), { configVersion: integer() });
export const dutyItemSuggestion = z.strictObject({
  dutyItemId: idSchema,
  name: z.string(),
  category: z.optional(z.string()),
  score: z.number().check(z.describe('BM25F relevance: compare within one answer only')),
  matched: z.array(z.string()).check(z.describe('The item’s words found in the description')),
});
export const dutyItemSuggestions = z.strictObject({
  query: z.string(),
  items: z.array(dutyItemSuggestion),
  confident: z
    .boolean()
    .check(
      z.describe('The first item is clearly good enough to dispatch without a person; otherwise triage'),
    ),
  configVersion: integer(),
});
export const slaPolicyView = slaPolicySchema;
export const slaPolicyList = z.extend(listOf(slaPolicyView), { configVersion: integer() });

export const breachRow = z.extend(breachSchema, {
  ticketId: z.string(),
  code: z.string(),
  streetId: idSchema,
  /** When the breached stage was finally done. */
  closedAt: z.optional(instantSchema),
  ticketStatus: z.optional(z.enum(ticketStatuses)),
  title: z.optional(z.string()),
});
export const breachList = listOf(breachRow);

export const notificationRow = z.object({
  links: z
    .optional(z.array(z.string()))
    .check(
      z.describe(
        'Ids of the signed links the message carried; the live link is shown to its recipient only (others read "[链接 <id>]")',
      ),
    ),
  id: z.string(),
  ticketId: z.string(),
  unitId: z.optional(idSchema),
  communityId: z.optional(idSchema),
  /** `wecom` / `dingtalk`: a group message through the work group's robot (`to` names the robot). */
  channel: z.enum(['sms', 'email', 'wecom', 'dingtalk']),
  /** Who carried it: SNS, Alibaba or Tencent Cloud SMS, or the robot. */
  provider: z.optional(z.enum(['sns', 'aliyun', 'tencent', 'wecom', 'dingtalk'])),
  to: z.string(),
  subject: z.optional(z.string()),
  /** Exactly what the recipient reads (a registered template, rendered). */
  text: z.string(),
  /** The registered template code (mainland SMS). */
  template: z.optional(z.string()),
  kind: z.enum(notificationKinds),
  stage: z.optional(z.enum(stages)),
  level: z.optional(integer()),
  /** `queued` until the sender takes it; `delivered` once the carrier's receipt says so. */
  status: z.enum(['queued', 'sent', 'delivered', 'failed', 'retrying']),
  attempts: integer(),
  error: z.optional(z.string()),
  /** The carrier's or gateway's words for a failure. */
  errorDetail: z.optional(z.string()),
  deliveredAt: z.optional(z.string()),
  /** Row id of the message whose failure this one replaces (fallback). */
  fallbackFor: z.optional(z.string()),
  at: instantSchema,
});
export const notificationList = listOf(notificationRow);

// ---------------------------------------------------------------------------------------------
// Notification channels (issue 21)
// ---------------------------------------------------------------------------------------------

/** PUT /v1/notification-settings: the whole section, checked like the rest of the configuration. */
export const notificationSettingsBody = notificationSettingsSchema;
export const notificationSettingsWritten = z.object({
  settings: notificationSettingsSchema,
  configVersion: integer(),
});

/** GET /v1/notifications/channels: what the console's notification view shows. */
export const channelStatusView = z.object({
  at: instantSchema,
  smsProvider: z.enum(smsProviders),
  /** `YYYY-MM` in Beijing time: the spend cap's period. */
  month: z.string(),
  spentYuan: z.number(),
  capYuan: z.nullable(z.number()),
  queue: z.object({
    /** Records with something to send now. */
    due: integer(),
    /** Records waiting (due now or for a retry later). */
    waiting: integer(),
  }),
  channels: z.array(
    z.object({
      channel: z.enum(['sms', 'email', 'wecom', 'dingtalk']),
      provider: z.enum(['sns', 'aliyun', 'tencent', 'wecom', 'dingtalk']),
      /** The bucket's rate; robots: per robot. */
      perSecond: z.number(),
      /** Robots of this kind in the configuration. */
      robots: z.optional(integer()),
    }),
  ),
  /** Admins only: the URLs to register as the gateways' receipt (status callback) addresses. */
  receiptUrls: z.optional(z.record(z.string(), z.string())),
});

/** Alibaba Cloud SmsReport (HTTP batch push): a JSON array of delivery reports. */
export const aliyunReceiptBody = z
  .array(
    z.looseObject({
      phone_number: z.optional(z.string()),
      success: z.boolean(),
      err_code: z.optional(z.string()),
      err_msg: z.optional(z.string()),
      report_time: z.optional(z.string()),
      biz_id: z.string().check(z.minLength(1)),
      out_id: z.optional(z.string()),
    }),
  )
  .check(z.maxLength(1000));

/** Tencent Cloud SMS status callback: a JSON array of delivery reports. */
export const tencentReceiptBody = z
  .array(
    z.looseObject({
      user_receive_time: z.optional(z.string()),
      mobile: z.optional(z.string()),
      report_status: z.enum(['SUCCESS', 'FAIL']),
      errmsg: z.optional(z.string()),
      description: z.optional(z.string()),
      sid: z.string().check(z.minLength(1)),
    }),
  )
  .check(z.maxLength(1000));

export const receiptProvider = z.enum(['aliyun', 'tencent']);

const rate = z.nullable(z.number().check(z.gte(0), z.lte(1)));
/** The 三率 row of one unit (the metrics module may add counters: the object stays open). */
export const unitMetricsRow = z.looseObject({
  unitId: idSchema,
  received: integer(),
  acknowledgedOnTime: integer(),
  resolved: integer(),
  resolvedOnTime: integer(),
  returned: integer(),
  reopened: integer(),
  verdicts: integer(),
  satisfied: integer(),
  breaches: integer(),
  responseRate: rate.check(z.describe('acknowledged on time / received (响应率)')),
  resolutionRate: rate.check(z.describe('resolved on time / resolved (办结率)')),
  satisfactionRate: rate.check(z.describe('satisfied or basically satisfied / verdicts (满意率)')),
});
export const unitMetricsList = z.extend(listOf(unitMetricsRow), { from: instantSchema, to: instantSchema });

const lateCounts = {
  lateStages: integer().check(
    z.describe('Distinct late stages (ticket × stage × unit), whatever level each reached'),
  ),
  tickets: integer().check(z.describe('Distinct tickets with a late stage')),
  open: integer().check(z.describe('Late stages not yet done')),
  byLevel: z
    .object({ 1: integer(), 2: integer(), 3: integer() })
    .check(z.describe('Late stages by the highest level reached')),
  byStage: z.partialRecord(z.enum(stages), integer()),
};
export const breachSummaryView = z.object({
  totals: z.object({
    ...lateCounts,
    rows: integer().check(z.describe('Breach rows (one per level reached), as GET /v1/breaches lists them')),
    units: integer(),
  }),
  byStreet: z.array(
    z
      .object({ streetId: idSchema, ...lateCounts, units: integer() })
      .check(z.describe('Per street of the tickets')),
  ),
  byUnit: z.array(
    z.object({
      unitId: idSchema,
      unitStreetId: z
        .optional(idSchema)
        .check(z.describe('The unit’s own street; absent for city departments')),
      ...lateCounts,
      maxLevel: integer(),
      lastBreachedAt: instantSchema,
    }),
  ),
  byTicket: z.array(
    z.object({
      ticketId: z.string(),
      code: z.string(),
      title: z.optional(z.string()),
      streetId: idSchema,
      status: z.optional(z.enum(ticketStatuses)),
      lateStages: integer(),
      open: integer(),
      maxLevel: integer(),
      units: z.array(idSchema),
      stages: z.array(z.enum(stages)),
      firstDueAt: instantSchema,
      lastBreachedAt: instantSchema,
    }),
  ),
  truncated: z
    .boolean()
    .check(z.describe('More than 20,000 rows matched: the figures cover the newest 20,000')),
});

export const inboxItemView = z.object({
  kind: z
    .enum(['extension', 'ruling', 'verdict', 'acknowledge', 'rework'])
    .check(z.describe('What is asked. New kinds may be added: show the ones you know, count the rest.')),
  ticketId: z.string(),
  code: z.string(),
  title: z.string(),
  status: z.enum(ticketStatuses),
  streetId: idSchema,
  communityId: idSchema,
  since: instantSchema,
  escalationLevel: integer(),
  unitId: z.optional(idSchema),
  detail: z.optional(z.string()),
  workingDays: z.optional(integer()),
});
export const inboxView = z.object({
  items: z.array(inboxItemView),
  counts: z.record(z.string(), integer()).check(z.describe('Items per kind, and `total`')),
  nextCursor: z.null(),
});

/** A street's row of the league table (its tickets, whichever units handled them). */
export const streetMetricsRow = z.looseObject({
  streetId: idSchema,
  received: integer(),
  acknowledgedOnTime: integer(),
  resolved: integer(),
  resolvedOnTime: integer(),
  overdueOpen: integer(),
  returned: integer(),
  reopened: integer(),
  verdicts: integer(),
  satisfied: integer(),
  breaches: integer(),
  responseRate: rate.check(z.describe('tickets whose lead signed for them on time / tickets (响应率)')),
  resolutionRate: rate.check(z.describe('resolved on time / (resolved + overdue still open) (办结率)')),
  satisfactionRate: rate.check(z.describe('satisfied or basically satisfied / verdicts (满意率)')),
});
export const streetMetricsList = z.extend(listOf(streetMetricsRow), {
  from: instantSchema,
  to: instantSchema,
});

export const evidenceSlot = z.object({
  name: z.string(),
  url: z.string().check(z.describe('Cite it in the resolve body’s `evidence`')),
  upload: z
    .optional(
      z.object({ method: z.literal('PUT'), url: z.string(), headers: z.record(z.string(), z.string()) }),
    )
    .check(z.describe('AWS: PUT the bytes here with exactly these headers')),
});

const daySource = z
  .enum(['file', 'bundled', 'assumed'])
  .check(
    z.describe(
      '`file`: a loaded year file; `bundled`: the built-in State Council data; `assumed`: Monday–Friday, nobody published the year',
    ),
  );
export const calendarView = z.object({
  year: integer(),
  source: daySource.check(
    z.describe(
      'Where the year comes from: a loaded file (over the bundled data in adjust mode), the bundled data, or assumed Monday–Friday',
    ),
  ),
  mode: z.optional(z.enum(['adjust', 'replace'])).check(z.describe('The loaded file’s mode')),
  known: z
    .boolean()
    .check(z.describe('False while the year is assumed: deadlines over it are flagged `calendar_assumed`')),
  holidays: z.array(z.iso.date()).check(z.describe('Weekdays off')),
  workdays: z.array(z.iso.date()).check(z.describe('Weekend days worked (调休上班)')),
  days: z
    .array(z.object({ date: z.iso.date(), working: z.boolean(), source: daySource }))
    .check(
      z.describe('Every day that is not plain Monday–Friday, and every day a file names, with its source'),
    ),
  reference: z.optional(z.string()),
});

const deadlineMove = z.object({
  stage: z.string(),
  unitId: z.optional(z.string()),
  field: z.enum(['warnAt', 'dueAt', 'level2At', 'level3At']),
  before: instantSchema,
  after: instantSchema,
});
const ticketMoves = z.object({ ticketId: z.string(), code: z.string(), moves: z.array(deadlineMove) });

export const configVersionRow = z.object({
  version: integer(),
  createdAt: instantSchema,
  createdBy: z.string(),
  note: z.optional(z.string()),
});
export const configVersionList = listOf(configVersionRow);

export const boardView = z.object({
  at: instantSchema,
  open: integer(),
  byStatus: z.record(z.string(), integer()),
  byLevel: z.record(z.string(), integer()),
  flagged: z.array(z.object({ id: z.string(), code: z.string(), flags: z.array(z.string()) })),
});

export const clockAuditView = z.object({
  at: instantSchema,
  stranded: integer().check(z.describe('Open parties whose clock does not run as the ticket record says')),
  tickets: integer().check(z.describe('Tickets with at least one finding')),
  checked: integer().check(z.describe('Tickets audited')),
  items: z.array(
    z.object({
      ticketId: z.string(),
      party: z.string().check(z.describe('`lead`, `co:<unitId>`, `ticket`, or `*` for the execution')),
      kind: z.enum([
        'no_execution',
        'no_wait',
        'wrong_wait',
        'late_timer',
        'overdue',
        'pending_start',
        'pending_signal',
      ]),
      expected: z.string(),
      found: z.string(),
    }),
  ),
});

const configVersionField = {
  configVersion: integer().check(z.describe('The configuration version created')),
};
export const unitWritten = z.extend(unitSchema, configVersionField);
export const dutyItemWritten = z.extend(dutyItemSchema, configVersionField);
export const slaPolicyWritten = z.extend(slaPolicySchema, configVersionField);
export const calendarWritten = z.object({
  year: integer(),
  mode: z.enum(['adjust', 'replace']),
  holidays: z.array(z.iso.date()),
  workdays: z.array(z.iso.date()),
  source: z.optional(z.string()),
  dryRun: z.boolean().check(z.describe('True when nothing was written (`?dryRun=true`)')),
  configVersion: z
    .optional(integer())
    .check(z.describe('The configuration version created (absent on a dry run)')),
  moved: z
    .array(ticketMoves)
    .check(z.describe('Open tickets whose not-yet-passed instants moved (or would move, on a dry run)')),
});

export const healthView = z.object({
  status: z.literal('ok'),
  configVersion: z.optional(integer()),
  warnings: z
    .optional(
      z.array(
        z.object({
          code: z.literal('calendar_year_unknown'),
          year: integer(),
          openTickets: integer(),
        }),
      ),
    )
    .check(
      z.describe(
        'From 1 November while next year has no calendar: the year and the open tickets flagged `calendar_assumed`',
      ),
    ),
});
export const localToken = z.object({ token: z.string() });

export const fieldErrorSchema = z.object({
  path: z
    .string()
    .check(z.describe('Dotted path of the offending field or query parameter ("" for the whole body)')),
  message: z.string(),
});
/** RFC 9457 problem details: every error of API v1. */
export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: integer(),
    detail: z.string(),
    errors: z.optional(z.array(fieldErrorSchema)).check(z.describe('400: one entry per invalid field')),
    state: z
      .optional(z.record(z.string(), z.unknown()))
      .check(z.describe('409: the state the action conflicts with (e.g. the ticket status)')),
  })
  .check(
    z.meta({
      examples: [
        {
          type: 'about:blank',
          title: 'Invalid request',
          status: 400,
          detail: 'invalid ticket',
          errors: [{ path: 'channel', message: 'Invalid option: expected one of "grid"|"hotline"|…' }],
        },
      ],
    }),
  );

// ---------------------------------------------------------------------------------------------
// Open311 GeoReport v2 (form fields and snake_case by the spec)
// ---------------------------------------------------------------------------------------------

export const open311Jurisdiction = z.optional(z.string().check(z.maxLength(100)));

export const open311ServicesQuery = z.strictObject({ jurisdiction_id: open311Jurisdiction });

const commaList = <T extends z.core.$ZodType<unknown, string>>(item: T, max: number) =>
  z.pipe(
    z.pipe(
      z.string().check(z.maxLength(2000)),
      z.transform((s: string) => s.split(',').map((x) => x.trim())),
    ),
    z.array(item).check(z.maxLength(max)),
  );

export const open311RequestsQuery = z.strictObject({
  jurisdiction_id: open311Jurisdiction,
  service_request_id: z.optional(commaList(ticketIdSchema, 100)),
  service_code: z.optional(commaList(idSchema, 50)),
  status: z.optional(commaList(z.enum(['open', 'closed']), 2)),
  start_date: z
    .optional(instantOrDate)
    .check(z.describe('An instant with its offset, or a date (a whole day)')),
  end_date: z
    .optional(instantOrDate)
    .check(z.describe('An instant with its offset, or a date (a whole day)')),
});

/** Phone numbers as people type them: spaces, dashes, dots and brackets are dropped. */
const open311Phone = z.pipe(
  z.pipe(
    z.string(),
    z.transform((s: string) => s.replace(/[\s\-().]/g, '')),
  ),
  z.string().check(z.regex(/^\+?\d{5,15}$/, 'a phone number')),
);

/**
 * The form of POST requests.json. Open311 clients send `attribute[code]` fields of their own
 * (FixMyStreet sends several): those are accepted and ignored unless known here.
 */
const open311Fields = {
  api_key: z.optional(z.string().check(z.minLength(10), z.maxLength(4000))),
  jurisdiction_id: open311Jurisdiction,
  service_code: idSchema,
  description: text(2000),
  lat: z.optional(z.coerce.number().check(z.gte(-90), z.lte(90))),
  long: z.optional(z.coerce.number().check(z.gte(-180), z.lte(180))),
  address_string: z.optional(text(200, false)),
  address_id: z.optional(z.string().check(z.maxLength(100))),
  email: z.optional(z.string().check(z.maxLength(200))),
  device_id: z.optional(z.string().check(z.maxLength(100))),
  account_id: z.optional(z.string().check(z.maxLength(100))),
  first_name: z.optional(optionalText(20)),
  last_name: z.optional(optionalText(20)),
  phone: z.optional(open311Phone),
  media_url: z.optional(url),
  'attribute[title]': z.optional(text(100, false)),
  'attribute[channel]': z.optional(z.enum(channels)),
  'attribute[grid_id]': z.optional(idSchema),
};

export const open311RequestForm = z
  .catchall(z.object(open311Fields), z.string().check(z.maxLength(2000)))
  .check(
    z.superRefine((f, ctx) => {
      for (const key of Object.keys(f)) {
        if (!(key in open311Fields) && !/^attribute\[[^\]]{1,64}\](\[\])?$/.test(key)) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'unknown field' });
        }
      }
      if ((f.lat === undefined) !== (f.long === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [f.lat === undefined ? 'lat' : 'long'],
          message: 'send lat and long together',
        });
      }
    }),
    z.meta({
      examples: [
        {
          api_key: '<a reporter’s bearer token>',
          service_code: 'di-neighbor-dispute',
          description: '3栋2单元楼道堆满杂物，影响通行',
          lat: 27.646,
          long: 113.496,
          address_string: '南桥社区3栋2单元',
        },
      ],
    }),
  );

export const open311Service = z.object({
  service_code: z.string(),
  service_name: z.string(),
  description: z.string(),
  metadata: z.boolean(),
  type: z.enum(['realtime', 'batch', 'blackbox']),
  keywords: z.string(),
  group: z.string(),
});
export const open311ServiceList = z.array(open311Service);

export const open311ServiceDefinition = z.object({
  service_code: z.string(),
  attributes: z.array(
    z.object({
      variable: z.boolean(),
      code: z.string(),
      datatype: z.enum(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist']),
      required: z.boolean(),
      datatype_description: z.nullable(z.string()),
      order: integer(),
      description: z.string(),
      values: z.optional(z.array(z.object({ key: z.string(), name: z.string() }))),
    }),
  ),
});

export const open311Discovery = z.object({
  changeset: instantSchema,
  contact: z.string(),
  key_service: z.string(),
  endpoints: z.array(
    z.object({
      specification: z.string(),
      url: z.string(),
      changeset: instantSchema,
      type: z.enum(['production', 'test']),
      formats: z.array(z.string()),
    }),
  ),
});

export const open311Request = z.object({
  service_request_id: z.string(),
  status: z.enum(['open', 'closed']),
  status_notes: z.nullable(z.string()),
  service_name: z.string(),
  service_code: z.string(),
  description: z.nullable(z.string()).check(z.describe('Null unless the deployment publishes descriptions')),
  agency_responsible: z.nullable(z.string()),
  service_notice: z.nullable(z.string()),
  requested_datetime: instantSchema,
  updated_datetime: instantSchema,
  expected_datetime: z.nullable(instantSchema).check(z.describe('The current resolve deadline (SLA)')),
  address: z
    .nullable(z.string())
    .check(z.describe('The street and community; the address too where published')),
  address_id: z.nullable(z.string()),
  zipcode: z.nullable(z.string()),
  lat: z.nullable(z.number()),
  long: z.nullable(z.number()),
  media_url: z.nullable(z.string()),
});
export const open311RequestList = z.array(open311Request);

export const open311Created = z.array(
  z.object({
    service_request_id: z.string(),
    service_notice: z.string(),
    account_id: z.nullable(z.string()),
  }),
);

/** Open311 errors: an array of `{code, description}`; the HTTP status says 400, 403 or 404. */
export const open311Errors = z
  .array(z.object({ code: integer(), description: z.string() }))
  .check(z.meta({ examples: [[{ code: 403, description: 'api_key must be a valid reporter token' }]] }));
