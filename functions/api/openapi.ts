/**
 * The OpenAPI 3.1 document, generated from the route table and the very zod schemas the handlers
 * validate with (zod's own JSON Schema output, draft 2020-12 as OpenAPI 3.1 uses), so the
 * document cannot drift from the code: a route without its entry here fails the build of the
 * document (and its test), and every request and response schema is the handler's own.
 */
import type { roles } from '../../shared/domain/model';
import * as z from '../../shared/zod';
import { linkActionForm, linkEvidenceSlot, linkEvidenceUpload } from './link-schemas';
import { type RouteSpec, routes } from './routes';
import {
  aliyunReceiptBody,
  boardView,
  breachExportQuery,
  breachesQuery,
  breachList,
  breachRow,
  breachSummaryQuery,
  breachSummaryView,
  calendarBody,
  calendarView,
  calendarWriteQuery,
  calendarWritten,
  channelStatusView,
  clockAuditView,
  communityList,
  communityView,
  configVersionList,
  configVersionRow,
  createTicketBody,
  dutyItemBody,
  dutyItemList,
  dutyItemSuggestions,
  dutyItemsQuery,
  dutyItemView,
  dutyItemWritten,
  evidenceSlot,
  fieldErrorSchema,
  healthView,
  inboxView,
  joinBody,
  listTicketsQuery,
  localToken,
  localTokenBody,
  mergeBody,
  mergeResult,
  metricsQuery,
  notificationList,
  notificationRow,
  notificationSettingsBody,
  notificationSettingsWritten,
  notificationsQuery,
  open311Created,
  open311Discovery,
  open311Errors,
  open311Request,
  open311RequestForm,
  open311RequestList,
  open311RequestsQuery,
  open311Service,
  open311ServiceDefinition,
  open311ServiceList,
  open311ServicesQuery,
  problemSchema,
  rankingExportQuery,
  referenceQuery,
  similarQuery,
  similarTicketList,
  slaPolicyBody,
  slaPolicyList,
  slaPolicyView,
  slaPolicyWritten,
  streetMetricsList,
  streetMetricsRow,
  tencentReceiptBody,
  ticketActions,
  ticketEvidenceBody,
  ticketExportQuery,
  ticketList,
  ticketView,
  triageBody,
  triageQuery,
  unitBody,
  unitList,
  unitMetricsList,
  unitMetricsRow,
  unitView,
  unitWritten,
} from './schemas';

type Role = (typeof roles)[number];
type JsonSchema = Record<string, unknown>;

/** The embedded runtime's dev token endpoint: documented only where it is served. */
export const LOCAL_TOKEN_ROUTE = { method: 'POST', path: '/v1/local/tokens' } as const;

// ---------------------------------------------------------------------------------------------
// Components: named schemas, referenced wherever they appear inside another
// ---------------------------------------------------------------------------------------------

const responseComponents: [string, z.core.$ZodType][] = [
  ['Ticket', ticketView],
  ['SimilarTicketList', similarTicketList],
  ['MergeResult', mergeResult],
  ['TicketList', ticketList],
  ['Unit', unitView],
  ['UnitList', unitList],
  ['Community', communityView],
  ['CommunityList', communityList],
  ['DutyItem', dutyItemView],
  ['DutyItemList', dutyItemList],
  ['DutyItemSuggestions', dutyItemSuggestions],
  ['DutyItemListOrSuggestions', z.union([dutyItemList, dutyItemSuggestions])],
  ['SlaPolicy', slaPolicyView],
  ['SlaPolicyList', slaPolicyList],
  ['Breach', breachRow],
  ['BreachList', breachList],
  ['Notification', notificationRow],
  ['NotificationList', notificationList],
  ['UnitMetrics', unitMetricsRow],
  ['UnitMetricsList', unitMetricsList],
  ['CalendarYear', calendarView],
  ['ConfigVersion', configVersionRow],
  ['ConfigVersionList', configVersionList],
  ['Board', boardView],
  ['ClockAudit', clockAuditView],
  ['UnitWritten', unitWritten],
  ['DutyItemWritten', dutyItemWritten],
  ['SlaPolicyWritten', slaPolicyWritten],
  ['CalendarWritten', calendarWritten],
  ['Health', healthView],
  ['LocalToken', localToken],
  ['FieldError', fieldErrorSchema],
  ['Problem', problemSchema],
  ['Open311Service', open311Service],
  ['Open311ServiceList', open311ServiceList],
  ['Open311Request', open311Request],
  ['Open311RequestList', open311RequestList],
  ['Open311Created', open311Created],
  ['Open311Errors', open311Errors],
  ['Open311ServiceDefinition', open311ServiceDefinition],
  ['Open311Discovery', open311Discovery],
  ['LinkEvidenceSlot', linkEvidenceSlot],
  ['BreachSummary', breachSummaryView],
  ['Inbox', inboxView],
  ['StreetMetrics', streetMetricsRow],
  ['StreetMetricsList', streetMetricsList],
  ['EvidenceSlot', evidenceSlot],
  ['ChannelStatus', channelStatusView],
  ['NotificationSettingsWritten', notificationSettingsWritten],
];

const actionComponentName = (name: string) =>
  `${name
    .split(/[/-]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')}Body`;

const requestComponents: [string, z.core.$ZodType][] = [
  ['CreateTicket', createTicketBody],
  ['TriageConfirm', triageBody],
  ['JoinTicket', joinBody],
  ['MergeTicket', mergeBody],
  ...Object.entries(ticketActions).map(([name, spec]): [string, z.core.$ZodType] => [
    actionComponentName(name),
    spec.body,
  ]),
  ['UnitWrite', unitBody],
  ['DutyItemWrite', dutyItemBody],
  ['SlaPolicyWrite', slaPolicyBody],
  ['CalendarWrite', calendarBody],
  ['LocalTokenRequest', localTokenBody],
  ['Open311RequestForm', open311RequestForm],
  ['LinkActionForm', linkActionForm],
  ['LinkEvidenceUpload', linkEvidenceUpload],
  ['TicketEvidenceUpload', ticketEvidenceBody],
  ['NotificationSettingsWrite', notificationSettingsBody],
  ['SmsReceipts', z.union([aliyunReceiptBody, tencentReceiptBody])],
];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * One schema as JSON Schema 2020-12. Named components met inside it become `$ref`s; instants
 * keep `format: date-time` without zod's long regex, which only makes the reference unreadable.
 */
function toSchema(
  schema: z.core.$ZodType,
  io: 'input' | 'output',
  names: Map<z.core.$ZodType, string>,
): JsonSchema {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      const js = ctx.jsonSchema as JsonSchema;
      const node = ctx.zodSchema as unknown as z.core.$ZodType;
      const name = names.get(node);
      if (name && node !== schema) {
        for (const k of Object.keys(js)) delete js[k];
        js.$ref = `#/components/schemas/${name}`;
        return;
      }
      if ((js.format === 'date-time' || js.format === 'date') && typeof js.pattern === 'string') {
        delete js.pattern;
      }
      // zod's int() bounds every integer by the safe range: noise for a reader.
      if (js.maximum === Number.MAX_SAFE_INTEGER) delete js.maximum;
      if (js.minimum === Number.MIN_SAFE_INTEGER) delete js.minimum;
    },
  }) as JsonSchema;
  delete out.$schema;
  delete out.$id;
  return out;
}

function componentSchemas(): Record<string, JsonSchema> {
  const outNames = new Map(responseComponents.map(([n, s]) => [s, n]));
  const inNames = new Map(requestComponents.map(([n, s]) => [s, n]));
  return Object.fromEntries([
    ...responseComponents.map(([n, s]) => [n, toSchema(s, 'output', outNames)]),
    ...requestComponents.map(([n, s]) => [n, toSchema(s, 'input', inNames)]),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

interface OperationDoc {
  tag: string;
  summary: string;
  description?: string;
  /** Who may call it; `any` = any authenticated role; `public` = no token. */
  roles: readonly Role[] | 'any' | 'public';
  query?: z.ZodMiniObject;
  body?: { component: string; contentType?: string };
  success: { status: number; component?: string; description: string; contentType?: string };
  /** Other 2xx answers (an idempotent replay). */
  alsoSuccess?: {
    status: number;
    component: string;
    description: string;
    headers?: Record<string, JsonSchema>;
  }[];
  successHeaders?: Record<string, JsonSchema>;
  /** Error statuses beyond the ones every authenticated route has (400, 401, 403, 503). */
  errors?: number[];
  headers?: { name: string; description: string; schema: JsonSchema }[];
  open311?: boolean;
  /** A phone page: its errors are explanatory HTML pages, not problem+json. */
  html?: boolean;
}

const ticketId = 'Ticket id (`t` + 20 characters). A ticket outside the caller’s scope reads as 404.';

const actionDocs: Record<string, OperationDoc> = Object.fromEntries(
  Object.entries(ticketActions).map(([name, spec]) => [
    `POST /v1/tickets/{id}/${name}`,
    {
      tag: 'Ticket actions',
      summary: spec.summary,
      roles: spec.roles,
      body: { component: actionComponentName(name) },
      success: {
        status: spec.status,
        component: 'Ticket',
        description:
          spec.status === 202
            ? 'Accepted for a decision: the ticket as it stands'
            : 'The ticket after the action',
      },
      errors: [404, 409, 413, 415],
    } satisfies OperationDoc,
  ]),
);

const docs: Record<string, OperationDoc> = {
  'POST /v1/tickets': {
    tag: 'Tickets',
    summary: 'Raise a ticket (吹哨)',
    description:
      'A reporter raises tickets for its own community only; an admin for any. With `dutyItemId` the ticket is routed by the duty list at once; without it the description is matched against the duty list, a confident match routes it and anything else puts it in its street’s triage queue (status `triage`, see GET /v1/triage); `priority: urgent` puts it on the urgent SLA class. With an `Idempotency-Key`, the same key and the same body return the ticket the first request created (200, header `Idempotent-Replayed: true`); the same key with a different body is a 409.',
    roles: ['reporter', 'admin'],
    body: { component: 'CreateTicket' },
    headers: [
      {
        name: 'Idempotency-Key',
        description: 'Makes retries safe: one ticket per key and caller.',
        schema: { type: 'string', maxLength: 200, pattern: '^[\\x21-\\x7e]+$' },
      },
    ],
    success: { status: 201, component: 'Ticket', description: 'Created' },
    successHeaders: {
      Location: { description: 'The ticket’s URL', schema: { type: 'string' } },
    },
    alsoSuccess: [
      {
        status: 200,
        component: 'Ticket',
        description: 'An Idempotency-Key replay: the ticket the first request created',
        headers: {
          'Idempotent-Replayed': { description: 'Always `true`', schema: { type: 'string', const: 'true' } },
        },
      },
    ],
    errors: [409, 413, 415, 429],
  },
  'GET /v1/tickets': {
    tag: 'Tickets',
    summary: 'List tickets in the caller’s scope, newest first',
    description:
      'A unit sees only its tickets, a reporter only its community’s, a supervisor its street’s; filters outside one’s scope are a 403. Paged: pass `nextCursor` back as `cursor` with the same filters.',
    roles: 'any',
    query: listTicketsQuery,
    success: { status: 200, component: 'TicketList', description: 'One page of tickets' },
  },
  'GET /v1/tickets/{id}': {
    tag: 'Tickets',
    summary: 'One ticket: assignments, deadlines, breaches, timeline',
    description:
      'The reporter’s community, an assigned unit, a supervisor (of its street) and admins; for anyone else the ticket reads as absent (404).',
    roles: 'any',
    success: { status: 200, component: 'Ticket', description: 'The ticket' },
    errors: [404],
  },
  ...actionDocs,
  'GET /v1/tickets/similar': {
    tag: 'Tickets',
    summary:
      'Open tickets of a community from the last 14 days with similar words (to join instead of filing)',
    description:
      'Scored by the share of the query’s words (and character pairs) the ticket’s title and description contain; none below a third, best first, `limit` (1–10, default 5). Reporters ask for their own community; dispatchers and supervisors within their street.',
    roles: ['reporter', 'dispatcher', 'supervisor', 'admin'],
    query: similarQuery,
    success: { status: 200, component: 'SimilarTicketList', description: 'Similar open tickets' },
  },
  'POST /v1/tickets/{id}/triage': {
    tag: 'Ticket actions',
    summary:
      'A dispatcher names the duty item of a whistle in triage (分拨): routed and dispatched as if raised with it',
    description:
      'Dispatchers and supervisors of the ticket’s street, admins. The triage clock stops; routing, the units’ clocks and the dispatch follow exactly as for a ticket raised with that item. A ticket no longer in triage (another dispatcher was first) is a 409 with its `status` and `dutyItemId`.',
    roles: ['dispatcher', 'supervisor', 'admin'],
    body: { component: 'TriageConfirm' },
    success: { status: 200, component: 'Ticket', description: 'The ticket, routed' },
    errors: [404, 409, 413, 415],
  },
  'POST /v1/tickets/{id}/join': {
    tag: 'Ticket actions',
    summary: 'A reporter joins an open ticket of their community instead of filing the same thing again',
    description:
      'The ticket records one more reporter (`joinedReporters`), who is told by SMS (a `closure` notice) when it closes if a phone is given. Idempotent: joining again, or joining one’s own ticket, changes nothing. A closed ticket is a 409.',
    roles: ['reporter'],
    body: { component: 'JoinTicket' },
    success: { status: 200, component: 'Ticket', description: 'The ticket' },
    errors: [404, 409, 413, 415],
  },
  'POST /v1/tickets/{id}/merge': {
    tag: 'Ticket actions',
    summary: 'Merge a duplicate into another open ticket of the same street',
    description:
      'The ticket closes with `closeReason: duplicate` and `duplicateOf` (its clocks stop, its workflow ends); its reporter and those who joined it join the other ticket. Dispatchers and supervisors of the street, admins. Either ticket closed: 409.',
    roles: ['dispatcher', 'supervisor', 'admin'],
    body: { component: 'MergeTicket' },
    success: { status: 200, component: 'MergeResult', description: 'Both tickets after the merge' },
    errors: [404, 409, 413, 415],
  },
  'GET /v1/triage': {
    tag: 'Tickets',
    summary:
      'The street’s triage queue (分拨): whistles awaiting a duty item, oldest first, with suggestions',
    description:
      'Dispatchers and supervisors see their street’s queue; admins every street, or one with `streetId`. Each ticket carries `triage.suggestions` (duty item, score, matched words) and its triage clock in `clocks` (30 office minutes by default; warning, breach and escalation like any stage, counted against the street office).',
    roles: ['dispatcher', 'supervisor', 'admin'],
    query: triageQuery,
    success: { status: 200, component: 'TicketList', description: 'Tickets in triage' },
  },
  'GET /v1/units': {
    tag: 'Reference data',
    summary: 'Units: departments and street offices',
    description: 'Contacts are shown to admins only. All units unless `limit` asks for pages.',
    roles: 'any',
    query: referenceQuery,
    success: { status: 200, component: 'UnitList', description: 'Units of the current configuration' },
  },
  'GET /v1/communities': {
    tag: 'Reference data',
    summary: 'Communities and their street',
    roles: 'any',
    query: referenceQuery,
    success: { status: 200, component: 'CommunityList', description: 'Communities' },
  },
  'GET /v1/duty-items': {
    tag: 'Reference data',
    summary: 'The duty list (履职事项清单), or with `q` the items that best match a description',
    description:
      'For `basic` and `cooperative` items the lead is the street office of the ticket’s community and `leadUnitId` is absent. With `q` (a description, 1–500 characters) the answer is a `DutyItemSuggestions`: up to `limit` items (1–10, default 3) ranked by BM25F over their names, keywords and synonyms, each with its score and the words that matched, and `confident` when the first is clearly good enough to dispatch without triage. Without `q` the answer is the `DutyItemList` as always.',
    roles: 'any',
    query: dutyItemsQuery,
    success: {
      status: 200,
      component: 'DutyItemListOrSuggestions',
      description: 'Duty items (without `q`) or suggestions (with `q`)',
    },
  },
  'GET /v1/sla-policies': {
    tag: 'Reference data',
    summary: 'SLA policies: stage limits and escalation windows per class',
    roles: 'any',
    query: referenceQuery,
    success: { status: 200, component: 'SlaPolicyList', description: 'SLA policies' },
  },
  'GET /v1/calendar/{year}': {
    tag: 'Reference data',
    summary:
      'The working-day calendar of a year: weekdays off, weekend days worked, and where each day came from (file, bundled, assumed)',
    roles: 'any',
    success: { status: 200, component: 'CalendarYear', description: 'The calendar year' },
  },
  'GET /v1/config/versions': {
    tag: 'Configuration',
    summary: 'Configuration history, newest first',
    roles: ['supervisor', 'admin'],
    success: { status: 200, component: 'ConfigVersionList', description: 'Versions' },
  },
  'GET /v1/breaches': {
    tag: 'Oversight',
    summary: 'SLA breaches, newest first',
    description: 'Dates (`2026-10-01`) bound whole Asia/Shanghai days. A supervisor sees its street only.',
    roles: ['supervisor', 'admin'],
    query: breachesQuery,
    success: { status: 200, component: 'BreachList', description: 'One page of breaches' },
  },
  'GET /v1/notifications': {
    tag: 'Oversight',
    summary: 'Notifications sent, one row per message (SMS or email)',
    roles: ['supervisor', 'admin'],
    query: notificationsQuery,
    success: { status: 200, component: 'NotificationList', description: 'One page of messages' },
  },
  'GET /v1/metrics/units': {
    tag: 'Oversight',
    summary: 'Per-unit counts and 三率 (response, resolution, satisfaction) for a period',
    description:
      'Tickets created in [from, to]; by default from midnight (Asia/Shanghai) 30 days back to now. Read from daily aggregates kept with the writes.',
    roles: ['supervisor', 'admin'],
    query: metricsQuery,
    success: { status: 200, component: 'UnitMetricsList', description: 'One row per unit' },
  },
  'GET /v1/notifications/channels': {
    tag: 'Oversight',
    summary: 'Notification channels: rates, this month’s SMS spend against the cap, the queue',
    description: 'Admins also get the receipt URLs to register with the SMS gateways.',
    roles: ['supervisor', 'admin'],
    success: { status: 200, component: 'ChannelStatus', description: 'The channels as they stand' },
  },
  'PUT /v1/notification-settings': {
    tag: 'Configuration',
    summary:
      'Replace the notification settings: SMS gateway and registered templates, robots, channel order, rates, spend cap (new configuration version)',
    description:
      'A template set that cannot carry every notice kind on its gateway (a kind without a template, unknown or repeated variables, a link outside the approved prefix, a fixed-size value longer than the gateway allows) is refused with the offending fields.',
    roles: ['admin'],
    body: { component: 'NotificationSettingsWrite' },
    success: {
      status: 200,
      component: 'NotificationSettingsWritten',
      description: 'The settings and the version created',
    },
    errors: [409, 413, 415],
  },
  'POST /v1/receipts/{provider}/{key}': {
    tag: 'Notifications',
    summary:
      'Delivery receipts pushed by a mainland SMS gateway (Alibaba SmsReport, Tencent status callback)',
    description:
      'The gateways sign nothing: the URL’s key is the credential (GET /v1/notifications/channels shows it to admins). Answers in the gateway’s format: Alibaba `{code: 0, msg}`, Tencent `{result: 0, errmsg}`; 503 asks the gateway to push again later.',
    roles: 'public',
    body: { component: 'SmsReceipts' },
    success: { status: 200, description: 'Acknowledged in the gateway’s format' },
    errors: [404, 413, 415],
  },
  'GET /v1/board': {
    tag: 'Oversight',
    summary: 'Open tickets by status and escalation level, and flagged tickets',
    roles: ['supervisor', 'admin'],
    success: { status: 200, component: 'Board', description: 'The live board' },
  },
  'GET /v1/breaches/summary': {
    tag: 'Oversight',
    summary: 'Breaches grouped: late stages, tickets, units and streets over the whole filtered set',
    description:
      'The same filters as GET /v1/breaches, computed over every matching row (not a page): totals, one row per street of the tickets, per late unit (worst first) and per late ticket. A late stage is one ticket × stage × unit × deadline, counted once at the highest level it reached. A supervisor sees its street only.',
    roles: ['supervisor', 'admin'],
    query: breachSummaryQuery,
    success: { status: 200, component: 'BreachSummary', description: 'The summary' },
  },
  'GET /v1/inbox': {
    tag: 'Oversight',
    summary: 'Waiting for me: the decisions and acts the caller owes, oldest first',
    description:
      'Supervisors and admins: `extension` (a request to decide) and `ruling` (a returned or disputed ticket), within their street. Reporters: `verdict` (a resolved ticket of their community). Units: `acknowledge` (a ticket to sign for) and `rework` (a reopened ticket they lead). New kinds may be added (a whistle to triage): show the ones you know, count the rest. `counts` has one entry per kind and `total`.',
    roles: 'any',
    success: { status: 200, component: 'Inbox', description: 'What waits, with counts' },
  },
  'GET /v1/metrics/streets': {
    tag: 'Oversight',
    summary: 'Per-street counts and 三率 for a period (the streets’ league table)',
    description:
      'Tickets created in [from, to] (by default from midnight, Asia/Shanghai, 30 days back to now), counted for the street of their community, whichever units handled them. Every street has a row. Street supervisors see every street’s aggregate row (the city publishes the table); their ticket lists stay within their street.',
    roles: ['supervisor', 'admin'],
    query: metricsQuery,
    success: { status: 200, component: 'StreetMetricsList', description: 'One row per street' },
  },
  'POST /v1/tickets/{id}/evidence': {
    tag: 'Ticket actions',
    summary: 'A resolution photo from the signed-in lead unit (cite the URL in its resolve)',
    description:
      'Embedded runtime: the bytes come base64 in `data` and are stored at once. AWS: no `data`; the answer carries a presigned PUT for exactly this type and size. Photos are at most 350 KB (downscale first) and are served at `/l/evidence/<name>`.',
    roles: ['unit'],
    body: { component: 'TicketEvidenceUpload' },
    success: { status: 201, component: 'EvidenceSlot', description: 'Where the photo is (and goes)' },
    errors: [404, 409, 413, 422],
  },
  'GET /v1/exports/breaches': {
    tag: 'Exports',
    summary: 'The breaches as an Excel workbook or CSV: one row per breach, per late ticket or per late unit',
    description:
      'The filters of GET /v1/breaches (scoped the same way), over the whole filtered set; the header says what, which filters and when. `view=units` ends with per-street subtotals and the total, as the console shows them.',
    roles: ['supervisor', 'admin'],
    query: breachExportQuery,
    success: { status: 200, description: 'The file (attachment)', contentType: 'application/octet-stream' },
  },
  'GET /v1/exports/tickets': {
    tag: 'Exports',
    summary: 'The ticket list as an Excel workbook or CSV, with the list’s filters',
    roles: 'any',
    query: ticketExportQuery,
    success: { status: 200, description: 'The file (attachment)', contentType: 'application/octet-stream' },
  },
  'GET /v1/exports/rankings': {
    tag: 'Exports',
    summary:
      'The league table of units or streets for a period, with the previous period and the score formula',
    roles: ['supervisor', 'admin'],
    query: rankingExportQuery,
    success: { status: 200, description: 'The file (attachment)', contentType: 'application/octet-stream' },
  },
  'GET /v1/admin/clock-audit': {
    tag: 'Oversight',
    summary: 'The clock audit: every open party whose SLA clock does not run as its ticket record says',
    description:
      'Compares each open ticket with the workflow engine: a party with no armed wait, a wait for the wrong stage or instant, an SLA instant long past with nothing recorded, a start or signal never delivered. The embedded runtime audits every open ticket; on AWS the tickets whose next instant passed the grace period ago. The reconciler repairs what it finds.',
    roles: ['admin'],
    success: { status: 200, component: 'ClockAudit', description: 'The findings' },
  },
  'PUT /v1/units/{id}': {
    tag: 'Configuration',
    summary: 'Create or replace a unit (new configuration version)',
    roles: ['admin'],
    body: { component: 'UnitWrite' },
    success: { status: 200, component: 'UnitWritten', description: 'The unit and the version created' },
    errors: [409, 413, 415],
  },
  'PUT /v1/duty-items/{id}': {
    tag: 'Configuration',
    summary: 'Create or replace a duty item (new configuration version)',
    roles: ['admin'],
    body: { component: 'DutyItemWrite' },
    success: { status: 200, component: 'DutyItemWritten', description: 'The item and the version created' },
    errors: [409, 413, 415],
  },
  'PUT /v1/sla-policies/{slaClass}': {
    tag: 'Configuration',
    summary: 'Replace the SLA policy of a class (new configuration version; open tickets keep theirs)',
    roles: ['admin'],
    body: { component: 'SlaPolicyWrite' },
    success: {
      status: 200,
      component: 'SlaPolicyWritten',
      description: 'The policy and the version created',
    },
    errors: [409, 413, 415],
  },
  'PUT /v1/calendar/{year}': {
    tag: 'Configuration',
    summary:
      'Load a year’s holiday notice (adjusting the bundled year by default); open tickets’ not-yet-passed instants move with it. `?dryRun=true` previews the moves without writing.',
    roles: ['admin'],
    query: calendarWriteQuery,
    body: { component: 'CalendarWrite' },
    success: { status: 200, component: 'CalendarWritten', description: 'The year and the version created' },
    errors: [409, 413, 415],
  },
  ...open311Docs(),
  'GET /healthz': {
    tag: 'Service',
    summary: 'Health: 200 once the runtime can take tickets',
    roles: 'public',
    success: { status: 200, component: 'Health', description: 'Healthy' },
    errors: [503],
  },
  'GET /openapi.json': {
    tag: 'Service',
    summary: 'This document',
    roles: 'public',
    success: { status: 200, description: 'OpenAPI 3.1 document' },
  },
  'GET /docs': {
    tag: 'Service',
    summary: 'A readable reference page rendered from this document',
    roles: 'public',
    success: { status: 200, description: 'HTML', contentType: 'text/html' },
  },
  ...linkDocs(),
  [`${LOCAL_TOKEN_ROUTE.method} ${LOCAL_TOKEN_ROUTE.path}`]: {
    tag: 'Local',
    summary: 'Dev tokens (embedded runtime only; absent from the AWS deployment)',
    description:
      'Signs a JWT with the runtime’s local key: `role` plus `unitId` (unit), `communityId` (reporter) or an optional `streetId` (supervisor scope). Off with `WHISTLE_LOCAL_TOKENS=off`.',
    roles: 'public',
    body: { component: 'LocalTokenRequest' },
    success: { status: 201, component: 'LocalToken', description: 'A bearer token (12 hours)' },
    errors: [400, 404, 413],
  },
};

const pathParamDocs: Record<string, { description: string; schema: JsonSchema }> = {
  id: { description: ticketId, schema: { type: 'string' } },
  slaClass: {
    description: 'SLA class',
    schema: { type: 'string', enum: ['urgent', 'fast', 'general', 'complex'] },
  },
  year: { description: 'Calendar year', schema: { type: 'integer', minimum: 2000, maximum: 2100 } },
  provider: { description: 'The SMS gateway', schema: { type: 'string', enum: ['aliyun', 'tencent'] } },
  key: {
    description: 'The receipt URL’s key (shown to admins in the channel view)',
    schema: { type: 'string' },
  },
  file: { description: 'The service request id with its format: `{id}.json`', schema: { type: 'string' } },
  code: { description: 'The signed link’s code: ten base62 characters', schema: { type: 'string' } },
  photo: { description: 'A photo’s name, as the upload returned it', schema: { type: 'string' } },
  action: {
    description: 'A link action',
    schema: { type: 'string', enum: ['acknowledge', 'arrive', 'progress', 'resolve', 'return', 'feedback'] },
  },
};

const problemResponses: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  410: 'Gone',
  422: 'Unprocessable',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

const problemDescriptions: Record<string, string> = {
  BadRequest: 'Invalid request: `errors[]` names each invalid field or query parameter',
  Unauthorized: 'No valid bearer token',
  Forbidden: 'The role or scope does not allow the action',
  NotFound: 'No such resource in the caller’s scope',
  Conflict: 'The action does not fit the current state: `state` tells it',
  PayloadTooLarge: 'The body is over the limit (64 KB)',
  UnsupportedMediaType: 'Send the body as application/json',
  Gone: 'The signed link has expired',
  Unprocessable: 'Understood but not acceptable (e.g. a photo that is not the image it claims to be)',
  TooManyRequests: 'Intake admission limit reached; retry after `Retry-After`',
  ServiceUnavailable: 'Starting up or a dependency is busy; retry shortly',
};

/** What each refusal of a phone page means (always an HTML page that explains it). */
const htmlErrors: Record<number, string> = {
  400: 'A page asking for what is missing (an empty summary, reason or note)',
  403: 'A page saying the link does not allow this, or is for another ticket, or the unit no longer works it',
  404: 'A page saying the link is not valid (forged, altered, unknown) or the photo does not exist',
  409: 'A page saying it was already done through this link, or the ticket’s state does not allow it',
  410: 'A page saying the link has expired',
  422: 'A page saying the request was not acceptable (a photo not uploaded through this link)',
  503: 'A page saying the service is busy; nothing was done',
};

function htmlError(status: number) {
  return {
    description: htmlErrors[status] ?? 'A page explaining the refusal',
    content: { 'text/html': { schema: { type: 'string' } } },
  };
}

/** The phone pages' routes (functions/api/links.ts). */
function linkDocs(): Record<string, OperationDoc> {
  const location = {
    Location: { description: 'The page of the link', schema: { type: 'string' } },
  };
  return {
    'GET /w': {
      tag: 'Phone links',
      summary:
        'The phone page to raise a whistle: describe it, tap a suggested item or join a similar ticket, submit',
      description:
        'Chinese by default, `?lang=en` for English. The page calls the API with the reporter’s token (kept on the phone); the community comes from the token. A report made offline is kept on the phone and sent again with the same Idempotency-Key when the network returns.',
      roles: 'public',
      success: { status: 200, description: 'HTML page', contentType: 'text/html' },
      html: true,
    },
    'GET /l/{code}': {
      tag: 'Phone links',
      summary: 'The phone page: the ticket’s place, problem, deadlines and the actions the link allows now',
      description:
        'Chinese by default, `?lang=en` for English; `?done=<action>` shows the outcome of the action just taken.',
      roles: 'public',
      success: { status: 200, description: 'HTML page', contentType: 'text/html' },
      errors: [403, 404, 410, 503],
      html: true,
    },
    'POST /l/{code}/{action}': {
      tag: 'Phone links',
      summary: 'Take one of the link’s actions (a form post), then go back to the page',
      description:
        '`action`: acknowledge, arrive, progress, resolve, return (a unit’s link) or feedback (the community’s). The same domain action as `POST /v1/tickets/{id}/<action>`, by the link’s unit or community; single-use actions are refused once done through the link.',
      roles: 'public',
      body: { component: 'LinkActionForm', contentType: 'application/x-www-form-urlencoded' },
      success: { status: 303, description: 'Done: see the page', contentType: 'text/html' },
      successHeaders: location,
      errors: [403, 404, 409, 410, 422, 503],
      html: true,
    },
    'POST /l/{code}/evidence': {
      tag: 'Phone links',
      summary: 'A resolution photo: stored at once (embedded runtime) or a presigned PUT (AWS)',
      roles: 'public',
      body: { component: 'LinkEvidenceUpload' },
      success: { status: 201, component: 'LinkEvidenceSlot', description: 'Where the photo is and goes' },
      errors: [403, 404, 409, 410, 413, 422, 503],
    },
    'GET /l/evidence/{photo}': {
      tag: 'Phone links',
      summary: 'A resolution photo by its unguessable name (on AWS: a redirect to a short presigned GET)',
      roles: 'public',
      success: { status: 200, description: 'The image', contentType: 'image/*' },
      errors: [404, 503],
      html: true,
    },
    'GET /l/{code}/{action}': {
      tag: 'Phone links',
      summary: 'An action’s address opened in the browser: back to the page',
      roles: 'public',
      success: { status: 303, description: 'See the page', contentType: 'text/html' },
      successHeaders: location,
      html: true,
    },
  };
}

/** GeoReport v2 operations, each in its `.json` and `.xml` twin (XML: the same fields as elements). */
function open311Docs(): Record<string, OperationDoc> {
  const both = (
    method: 'GET' | 'POST',
    stem: string,
    doc: Omit<OperationDoc, 'tag' | 'roles' | 'open311'>,
  ): Record<string, OperationDoc> => {
    const out: Record<string, OperationDoc> = {};
    for (const ext of ['json', 'xml'] as const) {
      out[`${method} /open311/v2/${stem}.${ext}`] = {
        tag: 'Open311',
        roles: 'public',
        open311: true,
        ...doc,
        summary: `${doc.summary}${ext === 'xml' ? ' (XML)' : ''}`,
        ...(ext === 'xml'
          ? {
              success: {
                ...doc.success,
                contentType: 'text/xml',
                description: `${doc.success.description}, as XML`,
              },
            }
          : {}),
      };
    }
    return out;
  };
  return {
    ...both('GET', 'discovery', {
      summary: 'GeoReport v2 discovery: the endpoint, its formats and whom to contact',
      success: { status: 200, component: 'Open311Discovery', description: 'Discovery document' },
    }),
    ...both('GET', 'services', {
      summary: 'GeoReport v2 service list: the duty items',
      query: open311ServicesQuery,
      success: { status: 200, component: 'Open311ServiceList', description: 'Services' },
    }),
    'GET /open311/v2/services/{file}': {
      tag: 'Open311',
      summary:
        'GeoReport v2 service definition (`{service_code}.json` or `.xml`): the optional attributes POST understands',
      roles: 'public',
      open311: true,
      query: open311ServicesQuery,
      success: { status: 200, component: 'Open311ServiceDefinition', description: 'Service definition' },
    },
    ...both('POST', 'requests', {
      summary: 'GeoReport v2: file a service request (a ticket for the reporter’s community)',
      description:
        'Form-encoded. `api_key` is a reporter’s bearer token (or send `Authorization: Bearer`); the request becomes a ticket of that reporter’s community, on channel `online` unless `attribute[channel]` says otherwise. A location is required: `lat` and `long`, `address_string`, or `address_id` (a grid of the community). Other `attribute[…]` fields are accepted and ignored. Under the same intake admission limit as `POST /v1/tickets` (429).',
      query: open311ServicesQuery,
      body: { component: 'Open311RequestForm', contentType: 'application/x-www-form-urlencoded' },
      success: { status: 201, component: 'Open311Created', description: 'The service request id' },
      errors: [413, 429],
    }),
    ...both('GET', 'requests', {
      summary: 'GeoReport v2: query service requests (default: the last 90 days, at most 1000)',
      description:
        '`status` is `open` or `closed` (closed = closed or cancelled); `expected_datetime` is the current resolve deadline. `start_date`/`end_date` take an instant or a date (a whole Asia/Shanghai day). Public: the location is the community unless the deployment publishes addresses or coordinates; `description` and `media_url` are null unless published (OPEN311_PUBLIC_FIELDS).',
      query: open311RequestsQuery,
      success: { status: 200, component: 'Open311RequestList', description: 'Service requests' },
    }),
    'GET /open311/v2/requests/{file}': {
      tag: 'Open311',
      summary: 'GeoReport v2: one service request (`{id}.json` or `{id}.xml`)',
      roles: 'public',
      open311: true,
      query: open311ServicesQuery,
      success: { status: 200, component: 'Open311RequestList', description: 'A one-element list' },
    },
  };
}

function operationId(key: string): string {
  const [method = '', path = ''] = key.split(' ');
  const words = path
    .replace(/\.json$/, '')
    .replace(/\.xml$/, 'Xml')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1));
  return `${method.toLowerCase()}${words.join('')}`;
}

function rolesText(roles: OperationDoc['roles']): string {
  if (roles === 'public') return 'Public (no token).';
  if (roles === 'any') return 'Any authenticated role.';
  return `Roles: ${roles.join(', ')}.`;
}

function operation(method: string, path: string, doc: OperationDoc, schemas: Record<string, JsonSchema>) {
  const key = `${method} ${path}`;
  const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => {
    const name = m[1] as string;
    const p = pathParamDocs[name] ?? { description: name, schema: { type: 'string' } };
    return { name, in: 'path', required: true, description: p.description, schema: p.schema };
  });
  const query = doc.query
    ? Object.entries(doc.query.shape).map(([name, s]) => {
        const schema = toSchema(s as z.core.$ZodType, 'input', new Map());
        const { description, ...rest } = schema;
        return {
          name,
          in: 'query',
          required: !z.safeParse(s as z.core.$ZodType, undefined).success,
          ...(typeof description === 'string' ? { description } : {}),
          schema: rest,
        };
      })
    : [];
  const headers = (doc.headers ?? []).map((h) => ({ ...h, in: 'header', required: false }));
  const example = (name: string) => {
    const ex = (schemas[name]?.examples as unknown[] | undefined)?.[0];
    return ex === undefined ? {} : { example: ex };
  };
  const errorStatuses = new Set<number>([
    400,
    ...(doc.roles === 'public' ? [] : [401, 403, 503]),
    ...(doc.errors ?? []),
  ]);
  const errors = Object.fromEntries(
    [...errorStatuses]
      .sort((a, b) => a - b)
      .map((status) =>
        doc.html
          ? [String(status), htmlError(status)]
          : doc.open311 && [400, 403, 404, 405, 413, 429].includes(status)
            ? [String(status), { $ref: '#/components/responses/Open311Error' }]
            : [
                String(status),
                { $ref: `#/components/responses/${problemResponses[status] ?? 'BadRequest'}` },
              ],
      ),
  );
  if (doc.open311) {
    errors['403'] = { $ref: '#/components/responses/Open311Error' };
    errors['404'] = { $ref: '#/components/responses/Open311Error' };
  }
  const success = doc.success;
  const contentType = success.contentType ?? 'application/json';
  return {
    operationId: operationId(key),
    tags: [doc.tag],
    summary: doc.summary,
    description: [doc.description, rolesText(doc.roles)].filter(Boolean).join('\n\n'),
    'x-roles':
      doc.roles === 'public'
        ? []
        : doc.roles === 'any'
          ? ['reporter', 'unit', 'supervisor', 'admin']
          : doc.roles,
    ...(doc.roles === 'public' ? { security: [] } : {}),
    ...(params.length + query.length + headers.length
      ? { parameters: [...params, ...query, ...headers] }
      : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: {
              [doc.body.contentType ?? 'application/json']: {
                schema: ref(doc.body.component),
                ...example(doc.body.component),
              },
            },
          },
        }
      : {}),
    responses: {
      [String(success.status)]: {
        description: success.description,
        ...(doc.successHeaders ? { headers: doc.successHeaders } : {}),
        content: {
          [contentType]: {
            schema: success.component
              ? ref(success.component)
              : contentType === 'text/html'
                ? { type: 'string' }
                : { type: 'object' },
          },
        },
      },
      ...Object.fromEntries(
        (doc.alsoSuccess ?? []).map((r) => [
          String(r.status),
          {
            description: r.description,
            ...(r.headers ? { headers: r.headers } : {}),
            content: { 'application/json': { schema: ref(r.component) } },
          },
        ]),
      ),
      ...errors,
    },
  };
}

export interface OpenApiOptions {
  serverUrl?: string;
  /** Document the embedded runtime's local-only routes (the dev token endpoint). */
  local?: boolean;
}

/** Every route the server answers, as `METHOD path`. */
export function servedRoutes(local: boolean): { method: string; path: string }[] {
  return [
    // A fallback (every other path under /open311/) answers errors only: not an operation.
    ...routes.filter((r) => !r.fallback).map((r: RouteSpec) => ({ method: r.method, path: r.path })),
    ...(local ? [LOCAL_TOKEN_ROUTE] : []),
  ];
}

const tagDocs = [
  { name: 'Tickets', description: 'Raise, list and read tickets (工单).' },
  {
    name: 'Ticket actions',
    description:
      'What units, residents, supervisors and admins do to a ticket. The role is checked first (403), then the scope (404 for a ticket outside it, 403 for a unit that is not the lead), then the state (409 with `state`).',
  },
  { name: 'Reference data', description: 'Units, communities, the duty list, SLA policies, the calendar.' },
  { name: 'Oversight', description: 'Breaches, notifications, unit rankings (三率) and the live board.' },
  {
    name: 'Notifications',
    description:
      'Delivery receipts from the SMS gateways (GET /v1/notifications and the channel view are under Oversight).',
  },
  { name: 'Configuration', description: 'Admin writes: each creates a new configuration version.' },
  {
    name: 'Exports',
    description:
      'Lists as files for meetings: `format=xlsx` (default) or `csv` (UTF-8 with BOM), `lang=zh` (default) or `en`.',
  },
  {
    name: 'Open311',
    description:
      'GeoReport v2 facade over the same tickets, every document in `.xml` (the spec’s first format) and `.json`. Errors are `[{code, description}]` or `<errors><error>`, also for unknown paths under `/open311/` and for 405, 413, 429 and 503.',
  },
  { name: 'Service', description: 'Health, this document and its reference page.' },
  { name: 'Local', description: 'Embedded runtime only.' },
  {
    name: 'Phone links',
    description:
      'The pages behind the signed links in SMS and e-mail (`/l/<code>`, ten characters): HTML for phones, no token, the link is the credential. A link names one ticket, one unit (or the community, for the verdict), its actions and an expiry; its actions are the same domain actions as the API’s. Forged, expired, used or other-ticket links answer with a page that explains, and change nothing.',
  },
];

export function buildOpenApi(options: OpenApiOptions = {}): Record<string, unknown> {
  const schemas = componentSchemas();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, path } of servedRoutes(options.local ?? false)) {
    const doc = docs[`${method} ${path}`];
    if (!doc) throw new Error(`openapi: route ${method} ${path} has no documentation entry`);
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[method.toLowerCase()] = operation(method, path, doc, schemas);
  }
  const problemResponse = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: ref('Problem') } },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Whistle Dispatch API',
      version: '1.0.0',
      summary: '街社吹哨、部门报到: tickets routed by the duty list, clocked, escalated and reviewed.',
      description: [
        'Raise tickets, route them by the duty list to municipal units, run SLA clocks on the Chinese working-day calendar, escalate late units, take the resident’s verdict, and review breaches and unit rankings (三率).',
        '**Auth**: `Authorization: Bearer <JWT>` with claims `sub`, `role` (reporter | unit | supervisor | admin | dispatcher) and the scope: `unitId` (unit), `communityId` (reporter), optional `streetId` (supervisor), `streetId` (dispatcher). On AWS, a Cognito ID token: groups give the role, `custom:unitId` / `custom:communityId` / `custom:streetId` the scope.',
        '**Errors**: `application/problem+json` `{type, title, status, detail}`, with `errors: [{path, message}]` on a 400 (unknown fields and query parameters included) and `state` on a 409.',
        '**Lists**: `{items, nextCursor}`; `limit` ≤ 100; pass `nextCursor` back as `cursor` with the same filters.',
        '**Times**: ISO 8601 with offset (Asia/Shanghai).',
      ].join('\n\n'),
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: tagDocs.filter((t) => t.name !== 'Local' || options.local),
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Locally: POST /v1/local/tokens. On AWS: a Cognito user pool ID token.',
        },
      },
      schemas,
      responses: {
        ...Object.fromEntries(
          Object.entries(problemDescriptions).map(([name, description]) => [
            name,
            problemResponse(description),
          ]),
        ),
        Open311Error: {
          description: 'Open311 error: 400 invalid request, 403 missing or invalid api_key, 404 not found',
          content: {
            'application/json': { schema: ref('Open311Errors') },
            'text/xml': {
              schema: {
                type: 'string',
                description: '<errors><error><code/><description/></error></errors>',
              },
            },
          },
        },
      },
    },
  };
}
