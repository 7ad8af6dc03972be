/**
 * Who hears about what, and handing it to the sender without losing a record.
 *
 * Every notice becomes one record with a deterministic id (kind, recipient, the event's key), so a
 * retried task finds it instead of recording it again. The record holds the messages to send at
 * once (the recipient's primary channels) and, rendered up front, the fallback messages to send if
 * one of them fails for good. Tasks and actions only record it (`queued`) and hand it to the queue
 * (`enqueue`): the sender (notification-sender.ts) drains the queue at each channel's rate, retries,
 * falls back, and tells the ticket what failed. GET /v1/notifications shows the truth at any moment.
 */
import { toShanghaiIso } from '../domain/deadlines';
import {
  type Breach,
  type ConfigSnapshot,
  type DeliveryChannel,
  type NotificationKind,
  type NotificationSettings,
  notificationSettingsSchema,
  type Stage,
  type Ticket,
} from '../domain/model';
import {
  type MessageContext,
  renderEmail,
  renderGroupText,
  renderSms,
} from '../domain/notification-templates';
import { renderRegistered } from '../domain/registered-templates';
import type { TimerEvent } from '../domain/ticket-rules';
import type {
  DeadLetters,
  NotificationQueue,
  NotificationRecord,
  NotificationRef,
  TicketStore,
} from '../ports';

export type { DeadLetters } from '../ports';

export const CITY_SOCIAL_WORK_UNIT = 'u-city-social-work';
/** The flag a supervisor filters on: some notice about this ticket never reached its recipient. */
export const NOTIFICATION_FAILED_FLAG = 'notification_failed';
/** Error recorded on a message whose recipient has no phone or email in the configuration. */
export const NO_RECIPIENT = 'NoRecipient';

export interface NoticeSpec {
  kind: NotificationKind;
  /** Recipient: a unit id, or undefined for the ticket's community. */
  unitId?: string;
  /** The unit the notice is about when it differs from the recipient (escalations). */
  aboutUnitId?: string;
  stage?: Stage;
  dueAt?: string;
  level?: 1 | 2 | 3;
  note?: string;
  /** Makes the id unique per logical event (a clock start, a due instant, a ticket version). */
  key: string;
  /** A person rather than a unit or the community: a reporter who joined the ticket (`closure`). */
  person?: { id: string; phone: string };
}

export interface NoticeContext {
  config: ConfigSnapshot;
  publicBaseUrl: string;
  now: Date;
  /** Short link for the recipient; defaults to the ticket's code page. */
  linkFor?: (t: Ticket, spec: NoticeSpec) => string;
}

export type Message = NotificationRecord['messages'][number];

// ---------------------------------------------------------------------------------------------
// Recipients
// ---------------------------------------------------------------------------------------------

export interface Recipient {
  /** Unit id, or the community id for notices to the reporter's side. */
  id: string;
  phone: string;
  email: string;
}

const settingsCache = new WeakMap<ConfigSnapshot, NotificationSettings>();

/** The configuration's notification settings, defaults filled in (versions before issue 21 have none). */
export function notificationSettings(config: ConfigSnapshot): NotificationSettings {
  let settings = settingsCache.get(config);
  if (!settings) {
    settings = notificationSettingsSchema.parse(config.notifications ?? {});
    settingsCache.set(config, settings);
  }
  return settings;
}

/** The channels a recipient is sent at once, and those tried when one fails for good. */
export function channelPlan(
  settings: NotificationSettings,
  recipientId: string,
): { primary: DeliveryChannel[]; fallback: DeliveryChannel[] } {
  const own = settings.recipients.find((r) => r.id === recipientId);
  const primary = own?.primary ?? settings.primary;
  const fallback = (own?.fallback ?? settings.fallback).filter((c) => !primary.includes(c));
  return { primary, fallback };
}

/**
 * The phone and mailbox a notice goes to. Units: the duty phone, except escalations and urges,
 * which reach the leader's own phone (催办 is addressed to a person); the unit mailbox always.
 * The community: its own office, else the street office that runs it.
 */
export function recipientOf(t: Ticket, spec: NoticeSpec, config: ConfigSnapshot): Recipient {
  if (spec.person) return { id: spec.person.id, phone: spec.person.phone, email: '' };
  if (!spec.unitId) {
    const community = config.communities.find((c) => c.id === t.communityId);
    const streetOffice = config.units.find((u) => u.kind === 'street' && u.streetId === t.streetId);
    const contacts = community?.contacts ?? streetOffice?.contacts;
    return { id: t.communityId, phone: contacts?.dutyPhone ?? '', email: contacts?.email ?? '' };
  }
  const unit = config.units.find((u) => u.id === spec.unitId);
  if (!unit) return { id: spec.unitId, phone: '', email: '' };
  const leader = spec.kind === 'escalation' || spec.kind === 'urge';
  return {
    id: unit.id,
    phone: leader ? unit.contacts.leaderPhone : unit.contacts.dutyPhone,
    email: unit.contacts.email,
  };
}

/**
 * The escalation ladder's audience: level 1 the late unit itself (its leader), level 2 the street
 * office of the ticket's street (街道大工委 督办), level 3 the city social-work department (通报).
 * A missing recipient still yields a notice: it is recorded as failed and flags the ticket, where
 * silence would hide that nobody above the unit was told.
 */
export function escalationSpecs(t: Ticket, breach: Breach, config: ConfigSnapshot): NoticeSpec[] {
  const base = {
    kind: 'escalation' as const,
    stage: breach.stage,
    dueAt: breach.dueAt,
    level: breach.level as 1 | 2 | 3,
    key: `${breach.stage}.${breach.unitId}.${breach.level}.${breach.dueAt}`,
  };
  if (breach.level === 1) return [{ ...base, unitId: breach.unitId }];
  if (breach.level === 2) {
    const office = config.units.find((u) => u.kind === 'street' && u.streetId === t.streetId);
    return [{ ...base, unitId: office?.id ?? t.streetId, aboutUnitId: breach.unitId }];
  }
  return [{ ...base, unitId: CITY_SOCIAL_WORK_UNIT, aboutUnitId: breach.unitId }];
}

/**
 * At closure, each reporter who joined the ticket (or whose duplicate was merged into it) and left
 * a phone is told by SMS; one notice per reporter and closure, so a retry sends nothing twice.
 */
export function closureSpecs(t: Ticket): NoticeSpec[] {
  if (t.status !== 'closed' || t.closeReason === 'duplicate' || !t.closedAt) return [];
  return (t.joinedReporters ?? []).flatMap((r, i): NoticeSpec[] =>
    r.phone
      ? [{ kind: 'closure', person: { id: `reporter-${i + 1}`, phone: r.phone }, key: t.closedAt as string }]
      : [],
  );
}

/** Notices for what a timer found due: blue warnings (or the verdict reminder) and escalations. */
export function timerNoticeSpecs(t: Ticket, events: TimerEvent[], config: ConfigSnapshot): NoticeSpec[] {
  const specs: NoticeSpec[] = [];
  for (const e of events) {
    if (e.kind === 'warning') {
      specs.push({
        // At 75% of the verdict window the community is reminded; everyone else is warned.
        kind: e.clock.stage === 'feedback' ? 'feedback_request' : 'warning',
        ...(e.clock.unitId ? { unitId: e.clock.unitId } : {}),
        stage: e.clock.stage,
        dueAt: e.clock.dueAt,
        key: `warn.${e.clock.stage}.${e.clock.dueAt}`,
      });
    }
    if (e.kind === 'breach') specs.push(...escalationSpecs(t, e.breach, config));
  }
  return specs;
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

/**
 * The longest link (with the ticket code) every SMS template fits in one segment next to a
 * 10-character code and a deadline (test/unit/notify-notices.test.ts measures it). The console's
 * origin must leave room for `/l/` and the 13-character link code: 31 characters with the scheme,
 * 23 without.
 */
export const SMS_MAX_LINK_CHARS = 47;

/**
 * The SMS text, one segment. The templates keep code, deadline and link whole and fit their full
 * wording around any link up to SMS_MAX_LINK_CHARS; a longer one (the default CloudFront link
 * `https://d….cloudfront.net/l/<code>` is 50) would push them down to the bare last rung, so it is
 * sent without its scheme: handsets still recognise it, and CloudFront redirects http to https.
 */
export function fitSms(ctx: MessageContext): string {
  const bare = ctx.link.replace(/^https?:\/\//, '');
  return renderSms(ctx.link.length > SMS_MAX_LINK_CHARS ? { ...ctx, link: bare } : ctx);
}

export function buildNotice(t: Ticket, spec: NoticeSpec, ctx: NoticeContext): NotificationRecord {
  const { config } = ctx;
  const to = recipientOf(t, spec, config);
  const community = config.communities.find((c) => c.id === t.communityId);
  const street = config.streets.find((s) => s.id === t.streetId);
  const about = config.units.find((u) => u.id === (spec.aboutUnitId ?? spec.unitId));
  const link = ctx.linkFor?.(t, spec) ?? `${ctx.publicBaseUrl}/l/${t.code}`;
  const place = [community?.name, t.location?.address].filter(Boolean).join(' ');
  const base = {
    kind: spec.kind,
    locale: 'zh' as const,
    ticketCode: t.code,
    itemName: t.dutyItemName ?? t.dutyItemId ?? '分拨中',
    place: place || t.communityId,
    title: t.title,
    description: t.description,
    link,
    ...(about ? { unitName: about.name } : {}),
    ...(spec.stage ? { stage: spec.stage } : {}),
    ...(spec.dueAt ? { dueAt: spec.dueAt } : {}),
    ...(spec.level ? { level: spec.level } : {}),
    ...(spec.note ? { note: spec.note } : {}),
    ...(street ? { streetName: street.name } : {}),
  };
  const settings = notificationSettings(config);
  const plan = channelPlan(settings, to.id);
  const forChannel = (channel: DeliveryChannel): Message[] => messagesFor(channel, to, base, settings);
  const messages: Message[] = plan.primary.flatMap(forChannel);
  const standby: Message[] = plan.fallback.flatMap(forChannel);
  if (messages.length === 0) {
    // Nobody to send to: keep the SMS it would have been, addressed to no one, so the record
    // shows what was due; enqueue fails it (and falls back, when there is a fallback).
    messages.push({ channel: 'sms', to: '', text: fitSms(base), status: 'queued', attempts: 0 });
  }
  return {
    id: `${spec.kind}.${to.id}.${spec.key}`,
    ticketId: t.id,
    ...(spec.unitId ? { unitId: to.id } : { communityId: to.id }),
    kind: spec.kind,
    ...(spec.stage ? { stage: spec.stage } : {}),
    ...(spec.level ? { level: spec.level } : {}),
    messages,
    ...(standby.length ? { standby } : {}),
    at: toShanghaiIso(ctx.now),
  };
}

/** The messages one channel makes for a recipient (none when it has no address there). */
function messagesFor(
  channel: DeliveryChannel,
  to: Recipient,
  ctx: MessageContext,
  settings: NotificationSettings,
): Message[] {
  const queued = { status: 'queued' as const, attempts: 0 };
  if (channel === 'email') {
    if (!to.email) return [];
    const email = renderEmail(ctx);
    return [{ channel: 'email', to: to.email, subject: email.subject, text: email.text, ...queued }];
  }
  if (channel === 'group') {
    const text = renderGroupText(ctx);
    return settings.robots
      .filter((r) => r.members.includes(to.id))
      .map((r) => ({
        channel: r.kind,
        provider: r.kind,
        to: r.id,
        text,
        ...(to.phone ? { mention: [to.phone] } : {}),
        ...queued,
      }));
  }
  if (!to.phone) return [];
  const provider = settings.sms.provider;
  if (provider === 'sns') return [{ channel: 'sms', to: to.phone, text: fitSms(ctx), ...queued }];
  try {
    const { text, ...template } = renderRegistered(settings, ctx);
    return [{ channel: 'sms', provider, to: to.phone, text, template, ...queued }];
  } catch (err) {
    // A notice the registered template cannot carry (a link outside the approved domain): recorded
    // as the SMS it would have been, failed, so enqueue falls back at once.
    return [
      {
        channel: 'sms',
        provider,
        to: to.phone,
        text: fitSms(ctx),
        status: 'failed',
        attempts: 0,
        error: (err as Error).name,
        errorDetail: (err as Error).message,
      },
    ];
  }
}

/**
 * The ticket with the failed-notification flag and a timeline event naming the notice, for the
 * supervisors' board. Pure; the caller writes it in the same conditional write as the rest.
 */
export function flagFailedNotice(t: Ticket, record: NotificationRecord, now: Date): Ticket {
  const who = record.unitId ?? record.communityId;
  return {
    ...t,
    flags: t.flags.includes(NOTIFICATION_FAILED_FLAG) ? t.flags : [...t.flags, NOTIFICATION_FAILED_FLAG],
    timeline: [
      ...t.timeline,
      {
        at: toShanghaiIso(now),
        type: NOTIFICATION_FAILED_FLAG,
        actor: 'system',
        ...(record.unitId ? { unitId: record.unitId } : {}),
        detail: `${record.kind} to ${who ?? 'nobody'}: ${failureSummary(record)}`,
      },
    ],
  };
}

function failureSummary(record: NotificationRecord): string {
  return record.messages
    .filter((m) => m.status === 'failed')
    .map((m) => `${m.channel} ${m.error ?? 'failed'}`)
    .join(', ');
}

// ---------------------------------------------------------------------------------------------
// Record transitions (pure): what a failure does to a record
// ---------------------------------------------------------------------------------------------

/** The timeline event a fallback leaves on the ticket (the flag is for notices nobody received). */
export const NOTIFICATION_FALLBACK_EVENT = 'notification_fallback';

/** Nothing more will be sent for this message (a receipt may still move `sent` to delivered or failed). */
export const isSettled = (m: Message): boolean => m.status !== 'queued' && m.status !== 'retrying';

export function recipientOfRecord(record: NotificationRecord): string {
  return record.unitId ?? record.communityId ?? '';
}

/**
 * Message `index` failed for good. E-mail is the record of last resort and does not fall back; an
 * SMS or group message that fails activates the next fallback message (queued now). When none is
 * left, the record owes the ticket a flag. Mutates `record`; returns what happened.
 */
export function failMessage(
  record: NotificationRecord,
  index: number,
  error: string,
  detail?: string,
): { fellBackTo?: Message; exhausted: boolean } {
  const m = record.messages[index];
  if (!m) throw new RangeError(`message ${index} of ${record.id} does not exist`);
  m.status = 'failed';
  m.error = error;
  if (detail) m.errorDetail = detail;
  delete m.nextAttemptAt;
  const next = m.channel === 'email' ? undefined : record.standby?.shift();
  if (record.standby?.length === 0) delete record.standby;
  record.report ??= {};
  if (next) {
    const activated: Message = { ...next, status: 'queued', attempts: 0, fallbackFor: index };
    record.messages.push(activated);
    record.report.fallbacks = [
      ...(record.report.fallbacks ?? []),
      `${m.channel} ${m.to || '-'} ${error} → ${activated.channel} ${activated.to}`,
    ];
    return { fellBackTo: activated, exhausted: false };
  }
  record.report.failed = failureSummary(record);
  return { exhausted: true };
}

/** When the sender should next look at the record: its earliest due message, now for a pending report. */
export function nextLook(record: NotificationRecord, nowMs: number): string | undefined {
  const due = record.messages
    .filter((m) => !isSettled(m))
    .map((m) => (m.nextAttemptAt ? Date.parse(m.nextAttemptAt) : nowMs));
  if (record.report) due.push(nowMs);
  return due.length ? new Date(Math.min(...due)).toISOString() : undefined;
}

// ---------------------------------------------------------------------------------------------
// Enqueue
// ---------------------------------------------------------------------------------------------

export interface DeliveryDeps {
  store: TicketStore;
  queue: NotificationQueue;
  /** Real time in ms (queue keys and retry instants follow the gateways' clock, not the simulated one). */
  realNow?: () => number;
  deadLetters?: DeadLetters;
  /** Reports what the record itself cannot (a dead letter that could not be parked). */
  onDeliveryError?: (message: string, err: unknown) => void;
}

export interface DeliveryOutcome {
  /** No message of the record has failed for good so far (the sender may still fail one later). */
  delivered: boolean;
  /** The record existed already (a retried task): nothing new was recorded. */
  duplicate: boolean;
  record: NotificationRecord;
}

/**
 * Refusals that no retry can change: a malformed or unknown endpoint, missing permissions or key,
 * no recipient, a template the gateway does not know. Anything else (throttling, 5xx, timeouts,
 * resets) is worth another attempt.
 */
export const PERMANENT_ERRORS: ReadonlySet<string> = new Set([
  NO_RECIPIENT,
  'InvalidParameterException',
  'InvalidParameterValueException',
  'ValidationException',
  'AuthorizationErrorException',
  'AccessDeniedException',
  'NotFoundException',
  'EndpointDisabledException',
  'InvalidSecurityException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'KMSAccessDeniedException',
  'OptedOutException',
  // Mainland gateways and robots (shared/adapters/*-sms.ts, *-robot.ts name their refusals so).
  'TemplateParamRejected',
  'RecipientRefused',
  'ChannelMisconfigured',
  'SpendCapReached',
]);

export function isPermanentError(err: unknown): boolean {
  return PERMANENT_ERRORS.has(errorName(err));
}

export function errorName(err: unknown): string {
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

const refOf = (r: NotificationRecord): NotificationRef => ({ ticketId: r.ticketId, notificationId: r.id });

/**
 * Record the notice (`queued`) and hand it to the sender; never waits on a gateway. What cannot be
 * sent at all (no address, a template the notice does not fit) fails here and falls back at once;
 * when nothing is left to try, the outcome says so and the caller flags the ticket in its own write.
 * A record that exists already is a duplicate (a retried task): it is handed to the queue again if
 * it is still unsent, and its outcome so far is returned.
 */
export async function enqueue(deps: DeliveryDeps, record: NotificationRecord): Promise<DeliveryOutcome> {
  const now = deps.realNow?.() ?? Date.now();
  // No read first: the record is prepared without side effects and its put is conditional, so a
  // duplicate (a retried task, rare) costs a refused put and a read; a new notice, one put.
  const current: NotificationRecord = structuredClone(record);
  let exhausted = false;
  const failNow = (index: number, error: string, detail?: string) => {
    exhausted = failMessage(current, index, error, detail).exhausted || exhausted;
  };
  // Failures known before sending (the list may grow as fallbacks activate).
  for (let i = 0; i < current.messages.length; i += 1) {
    const m = current.messages[i] as Message;
    if (m.status === 'failed') {
      m.status = 'queued';
      failNow(i, m.error ?? 'Error', m.errorDetail);
    } else if (!m.to) failNow(i, NO_RECIPIENT);
  }
  // The caller flags an exhausted record in its own write: the sender has nothing to tell.
  if (current.report?.failed) delete current.report.failed;
  if (current.report && !current.report.fallbacks) delete current.report;
  const look = nextLook(current, now);
  if (look) current.sendAfter = look;
  if (!(await deps.store.putNotification(current, recipientOfRecord(current)))) {
    // An earlier or concurrent run of the same task recorded it first: that record is the one.
    const first = await deps.store.getNotification(record.ticketId, record.id);
    if (first) return duplicateOutcome(deps, first);
  }
  if (current.sendAfter) await deps.queue.enqueue([refOf(current)]);
  if (exhausted) await park(deps, current);
  return { delivered: !exhausted, duplicate: false, record: current };
}

async function duplicateOutcome(deps: DeliveryDeps, existing: NotificationRecord): Promise<DeliveryOutcome> {
  if (existing.sendAfter) await deps.queue.enqueue([refOf(existing)]);
  const failedChain = existing.messages.some(
    (m, i) => m.status === 'failed' && !existing.messages.some((f) => f.fallbackFor === i),
  );
  return { delivered: !failedChain, duplicate: true, record: existing };
}

/** Every failed message that nothing replaced goes to the dead-letter queue (a second signal). */
export async function park(
  deps: Pick<DeliveryDeps, 'deadLetters' | 'onDeliveryError'>,
  record: NotificationRecord,
): Promise<void> {
  if (!deps.deadLetters) return;
  const parked = deps.deadLetters;
  const dead = record.messages.filter(
    (m, i) => m.status === 'failed' && !record.messages.some((f) => f.fallbackFor === i),
  );
  await Promise.all(
    dead.map((m) =>
      parked.put(record, m).catch((err: unknown) => {
        deps.onDeliveryError?.(`could not park ${record.id} ${m.channel} on the dead-letter queue`, err);
      }),
    ),
  );
}

/** Record several notices about one ticket and queue them; returns those that failed at once. */
export async function enqueueNotices(
  deps: DeliveryDeps,
  t: Ticket,
  specs: NoticeSpec[],
  ctx: NoticeContext,
): Promise<{ failed: NotificationRecord[]; newlyFailed: NotificationRecord[] }> {
  const outcomes = await Promise.all(specs.map((spec) => enqueue(deps, buildNotice(t, spec, ctx))));
  const failed = outcomes.filter((o) => !o.delivered);
  return {
    failed: failed.map((o) => o.record),
    newlyFailed: failed.filter((o) => !o.duplicate).map((o) => o.record),
  };
}
