/**
 * Who hears about what, and delivery that never loses a record.
 *
 * Every notice becomes one record with a deterministic id (kind, recipient, the event's key), so a
 * retried task finds it instead of sending again. Messages of a record are sent in parallel, each
 * retried with backoff on throttling and transient faults; permanent refusals (a malformed number,
 * no contact at all) fail at once. The record ends with each message `sent` or `failed`; while a
 * retry waits it is stored as `retrying`, so GET /v1/notifications shows the truth at any moment,
 * and a task that died mid-delivery resumes exactly the messages that never went out.
 */
import { toShanghaiIso } from '../domain/deadlines';
import type { Breach, ConfigSnapshot, NotificationKind, Stage, Ticket } from '../domain/model';
import { type MessageContext, renderEmail, renderSms } from '../domain/notification-templates';
import type { TimerEvent } from '../domain/ticket-rules';
import type {
  DeadLetters,
  MessageMeta,
  NotificationRecord,
  Notifier,
  OutboundMessage,
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

/**
 * The phone and mailbox a notice goes to. Units: the duty phone, except escalations and urges,
 * which reach the leader's own phone (催办 is addressed to a person); the unit mailbox always.
 * The community: its own office, else the street office that runs it.
 */
export function recipientOf(t: Ticket, spec: NoticeSpec, config: ConfigSnapshot): Recipient {
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
 * origin must leave room: 47 − `/l/` − 10 = 34 characters with the scheme, 26 without.
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
    itemName: t.dutyItemName ?? t.dutyItemId,
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
  // Until delivery settles a message is `retrying` (queued): never `sent` before it was.
  const messages: Message[] = [];
  if (to.phone)
    messages.push({ channel: 'sms', to: to.phone, text: fitSms(base), status: 'retrying', attempts: 0 });
  if (to.email) {
    const email = renderEmail(base);
    messages.push({
      channel: 'email',
      to: to.email,
      subject: email.subject,
      text: email.text,
      status: 'retrying',
      attempts: 0,
    });
  }
  if (messages.length === 0) {
    // Nobody to send to: keep the SMS it would have been, addressed to no one, so the record
    // shows what was due and delivery marks it failed.
    messages.push({ channel: 'sms', to: '', text: fitSms(base), status: 'retrying', attempts: 0 });
  }
  return {
    id: `${spec.kind}.${to.id}.${spec.key}`,
    ticketId: t.id,
    ...(spec.unitId ? { unitId: to.id } : { communityId: to.id }),
    kind: spec.kind,
    ...(spec.stage ? { stage: spec.stage } : {}),
    ...(spec.level ? { level: spec.level } : {}),
    messages,
    at: toShanghaiIso(ctx.now),
  };
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
// Delivery
// ---------------------------------------------------------------------------------------------

export interface DeliveryDeps {
  store: TicketStore;
  notifier: Notifier;
  /** Backoff between attempts, ms; tests pass zeros. Its length is the number of retries. */
  backoffMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
  deadLetters?: DeadLetters;
  /** Reports what the record itself cannot (a dead letter that could not be parked). */
  onDeliveryError?: (message: string, err: unknown) => void;
}

export interface DeliveryOutcome {
  /** Every message of the record went out. */
  delivered: boolean;
  /** The record existed already with a final status: nothing was sent this time. */
  duplicate: boolean;
  record: NotificationRecord;
}

/** Three retries over about three seconds: a throttled SNS account refills within that. */
export const DEFAULT_BACKOFF_MS = [200, 800, 2_000] as const;
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Refusals that no retry can change: a malformed or unknown endpoint, missing permissions or key,
 * no recipient. Anything else (throttling, 5xx, timeouts, resets) is worth another attempt.
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
]);

export function isPermanentError(err: unknown): boolean {
  return PERMANENT_ERRORS.has(errorName(err));
}

function errorName(err: unknown): string {
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

const settled = (m: Message) => m.status !== 'retrying';

function outbound(m: Message): OutboundMessage {
  return { channel: m.channel, to: m.to, text: m.text, ...(m.subject ? { subject: m.subject } : {}) };
}

/**
 * Send every message of the record that has not gone out yet and record the outcome. A record
 * already settled is a duplicate (a retried task): its stored outcome is returned, nothing is sent.
 * A record left `retrying` by a task that died is resumed: only its unsettled messages are sent.
 */
export async function deliver(deps: DeliveryDeps, record: NotificationRecord): Promise<DeliveryOutcome> {
  const existing = await deps.store.getNotification(record.ticketId, record.id);
  if (existing?.messages.every(settled)) {
    return {
      delivered: existing.messages.every((m) => m.status === 'sent'),
      duplicate: true,
      record: existing,
    };
  }
  const current: NotificationRecord = structuredClone(existing ?? record);
  const recipient = current.unitId ?? current.communityId ?? '';
  const backoff = deps.backoffMs ?? DEFAULT_BACKOFF_MS;
  const sleep = deps.sleep ?? realSleep;
  const meta: MessageMeta = {
    ticketId: current.ticketId,
    kind: current.kind,
    notificationId: current.id,
    ...(current.unitId ? { unitId: current.unitId } : {}),
    ...(current.communityId ? { communityId: current.communityId } : {}),
  };

  let stored = existing !== undefined;
  const save = async () => {
    if (stored) return deps.store.replaceNotification(current, recipient);
    // A concurrent run of the same task may have recorded it first: ours is as true, keep it.
    if (!(await deps.store.putNotification(current, recipient)))
      await deps.store.replaceNotification(current, recipient);
    stored = true;
  };
  // Written once, at the first retry, so the wait is visible as `retrying`.
  let snapshot: Promise<void> | undefined;

  const send = async (m: Message): Promise<void> => {
    if (!m.to) {
      m.status = 'failed';
      m.error = NO_RECIPIENT;
      return;
    }
    for (let retry = 0; ; retry += 1) {
      m.attempts += 1;
      try {
        await deps.notifier.send(outbound(m), meta);
        m.status = 'sent';
        delete m.error;
        return;
      } catch (err) {
        m.error = errorName(err);
        if (isPermanentError(err) || retry >= backoff.length) {
          m.status = 'failed';
          return;
        }
        m.status = 'retrying';
        snapshot ??= save();
        await snapshot;
        await sleep(backoff[retry] ?? 1_000);
      }
    }
  };

  await Promise.all(current.messages.filter((m) => !settled(m)).map(send));
  await snapshot;
  await save();

  const failed = current.messages.filter((m) => m.status === 'failed');
  if (deps.deadLetters) {
    const parked = deps.deadLetters;
    await Promise.all(
      failed.map((m) =>
        parked.put(current, m).catch((err: unknown) => {
          // The record already says `failed` and the ticket is flagged; the DLQ is a second signal.
          deps.onDeliveryError?.(`could not park ${current.id} ${m.channel} on the dead-letter queue`, err);
        }),
      ),
    );
  }
  return { delivered: failed.length === 0, duplicate: false, record: current };
}

/**
 * Build and deliver several notices about one ticket at once (their messages go out in parallel).
 * Returns the records that did not fully go out, marking which of them failed just now.
 */
export async function deliverNotices(
  deps: DeliveryDeps,
  t: Ticket,
  specs: NoticeSpec[],
  ctx: NoticeContext,
): Promise<{ failed: NotificationRecord[]; newlyFailed: NotificationRecord[] }> {
  const outcomes = await Promise.all(specs.map((spec) => deliver(deps, buildNotice(t, spec, ctx))));
  const failed = outcomes.filter((o) => !o.delivered);
  return {
    failed: failed.map((o) => o.record),
    newlyFailed: failed.filter((o) => !o.duplicate).map((o) => o.record),
  };
}
