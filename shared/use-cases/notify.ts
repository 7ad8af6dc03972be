/**
 * Who hears about what, and delivery that never loses a record: every notification is recorded
 * once (deterministic id, conditional put) with each message's final status; a retried task finds
 * the record and does not send again.
 */
import { toShanghaiIso } from '../domain/deadlines';
import type { ConfigSnapshot, NotificationKind, Stage, Ticket, Unit } from '../domain/model';
import { renderEmail, renderSms } from '../domain/notification-templates';
import type { NotificationRecord, Notifier, OutboundMessage, TicketStore } from '../ports';

export const CITY_SOCIAL_WORK_UNIT = 'u-city-social-work';

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

function recipientsOf(
  t: Ticket,
  spec: NoticeSpec,
  config: ConfigSnapshot,
): { id: string; unit?: Unit; phone: string; email: string } {
  const streetOffice = config.units.find((u) => u.kind === 'street' && u.streetId === t.streetId);
  if (!spec.unitId) {
    const community = config.communities.find((c) => c.id === t.communityId);
    const contacts = community?.contacts ?? streetOffice?.contacts;
    return { id: t.communityId, phone: contacts?.dutyPhone ?? '', email: contacts?.email ?? '' };
  }
  const unit = config.units.find((u) => u.id === spec.unitId);
  if (!unit) return { id: spec.unitId, phone: '', email: '' };
  // Escalations and urges reach the leader's own phone; everything else the duty phone.
  const leader = spec.kind === 'escalation' || spec.kind === 'urge';
  return {
    id: unit.id,
    unit,
    phone: leader ? unit.contacts.leaderPhone : unit.contacts.dutyPhone,
    email: unit.contacts.email,
  };
}

export function buildNotice(t: Ticket, spec: NoticeSpec, ctx: NoticeContext): NotificationRecord {
  const { config } = ctx;
  const to = recipientsOf(t, spec, config);
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
  const email = renderEmail(base);
  const messages: NotificationRecord['messages'] = [];
  if (to.phone)
    messages.push({ channel: 'sms', to: to.phone, text: renderSms(base), status: 'sent', attempts: 0 });
  if (to.email)
    messages.push({
      channel: 'email',
      to: to.email,
      subject: email.subject,
      text: email.text,
      status: 'sent',
      attempts: 0,
    });
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

export interface DeliveryDeps {
  store: TicketStore;
  notifier: Notifier;
  /** Backoff between attempts, ms; tests pass zeros. */
  backoffMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

const defaultBackoff = [200, 800, 2_000] as const;
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Send every message of the record (retrying with backoff) and record the outcome. Returns false
 * when some message could not be delivered: the caller flags the ticket for supervisors.
 */
export async function deliver(
  deps: DeliveryDeps,
  record: NotificationRecord,
): Promise<{ delivered: boolean; duplicate: boolean }> {
  if (await deps.store.hasNotification(record.ticketId, record.id))
    return { delivered: true, duplicate: true };
  const backoff = deps.backoffMs ?? defaultBackoff;
  const sleep = deps.sleep ?? realSleep;
  let recordedRetrying = false;
  for (const m of record.messages) {
    const meta = {
      ticketId: record.ticketId,
      kind: record.kind,
      ...(record.unitId ? { unitId: record.unitId } : {}),
    };
    for (let attempt = 0; ; attempt += 1) {
      m.attempts = attempt + 1;
      try {
        await deps.notifier.send(stripStatus(m), meta);
        m.status = 'sent';
        delete m.error;
        break;
      } catch (err) {
        m.error = (err as Error).name || 'Error';
        if (attempt >= backoff.length) {
          m.status = 'failed';
          break;
        }
        m.status = 'retrying';
        if (!recordedRetrying) {
          // Make the retry visible (GET /v1/notifications shows `retrying`) before waiting it out.
          recordedRetrying = await deps.store.putNotification(
            record,
            record.unitId ?? record.communityId ?? '',
          );
        }
        await sleep(backoff[attempt] ?? 1_000);
      }
    }
  }
  const recipient = record.unitId ?? record.communityId ?? '';
  if (recordedRetrying) await deps.store.replaceNotification(record, recipient);
  else await deps.store.putNotification(record, recipient);
  return { delivered: record.messages.every((m) => m.status === 'sent'), duplicate: false };
}

function stripStatus(m: NotificationRecord['messages'][number]): OutboundMessage {
  return { channel: m.channel, to: m.to, text: m.text, ...(m.subject ? { subject: m.subject } : {}) };
}
