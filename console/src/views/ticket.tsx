/**
 * One ticket, whole: who has it, by when, every event on a visual timeline, every message sent,
 * every breach; and what a supervisor can do about it (urge, decide an extension, rule).
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, post, qs, type Session } from '../api';
import {
  Card,
  Empty,
  Field,
  LevelBadge,
  Loading,
  ProblemBox,
  StatusBadge,
  TableWrap,
  UnitPicker,
  useAsync,
  WarningBadge,
} from '../components';
import { fmtTime } from '../format';
import { lang, t, tv } from '../i18n';
import { type Refs, useRefs } from '../refs';
import { href } from '../router';
import {
  type Notification,
  notificationsSchema,
  type Ticket,
  type TimelineEvent,
  ticketSchema,
} from '../schemas';
import { NotificationChannels } from './notification-channels';
import {
  Linked,
  NewClock,
  ReporterActions,
  SupervisorExtras,
  UnitActions,
  urgeDefault,
} from './ticket-actions';

const closed = (s: string) => s === 'closed' || s === 'cancelled';

export function TicketView(props: { id: string; session: Session }) {
  const { refs } = useRefs();
  const canOversee = props.session.role === 'admin' || props.session.role === 'supervisor';
  const [ticket, setTicket] = useState<Ticket>();
  const loaded = useAsync(() => get(ticketSchema, `/v1/tickets/${encodeURIComponent(props.id)}`), [props.id]);
  // Another ticket: never show the previous one while the next loads.
  useEffect(() => setTicket(undefined), [props.id]);
  useEffect(() => {
    if (loaded.data?.id === props.id) setTicket(loaded.data);
  }, [loaded.data, props.id]);
  // Supervisors read every message; a unit the ones it was sent (with its signed links).
  const readsMessages = canOversee || props.session.role === 'unit';
  const notes = useAsync(
    () =>
      readsMessages
        ? get(notificationsSchema, `/v1/notifications${qs({ ticketId: props.id, limit: 100 })}`)
        : Promise.resolve(undefined),
    [props.id, ticket?.version],
  );

  if (loaded.error && !ticket) {
    const notFound = loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <div class="view">
        <BackLink />
        {notFound ? (
          <Empty>{t('ticket.notFound')}</Empty>
        ) : (
          <ProblemBox error={loaded.error} onRetry={loaded.reload} />
        )}
      </div>
    );
  }
  if (!ticket) return <Loading />;

  const community = refs?.communityById.get(ticket.communityId);
  const street = refs?.streetById.get(ticket.streetId);
  const dutyName =
    ticket.dutyItemName ??
    refs?.dutyItemById.get(ticket.dutyItemId ?? '')?.name ??
    ticket.dutyItemId ??
    t('triage.title');

  return (
    <div class="view">
      <BackLink />
      <div class="ticket-head card">
        <div class="ticket-head-main">
          <div class="ticket-code">
            <span class="code">{ticket.code}</span>
            <StatusBadge status={ticket.status} />
            {ticket.escalationLevel > 0 ? <LevelBadge level={ticket.escalationLevel} /> : null}
            {ticket.priority === 'urgent' ? <span class="pill danger">{t('priority.urgent')}</span> : null}
            {ticket.flags
              .filter((f) => f !== 'fallback_owner')
              .map((f) => (
                <span class="pill warn" key={f}>
                  {tv('flag', f)}
                </span>
              ))}
          </div>
          <h1>{ticket.title}</h1>
          <p class="description">{ticket.description}</p>
        </div>
        <dl class="facts">
          <div>
            <dt>{t('field.dutyItem')}</dt>
            <dd>
              {dutyName}
              <span class="sub"> · {tv('dkind', ticket.dutyKind)}</span>
            </dd>
          </div>
          <div>
            <dt>{t('field.slaClass')}</dt>
            <dd>{tv('sla', ticket.slaClass)}</dd>
          </div>
          <div>
            <dt>{t('field.community')}</dt>
            <dd>
              {community?.name ?? ticket.communityId}
              {street ? <span class="sub"> · {street.name}</span> : null}
            </dd>
          </div>
          <div>
            <dt>{t('field.channel')}</dt>
            <dd>{tv('channel', ticket.channel)}</dd>
          </div>
          <div>
            <dt>{t('field.createdAt')}</dt>
            <dd class="time">{fmtTime(ticket.createdAt, true)}</dd>
          </div>
          {ticket.location?.address ? (
            <div>
              <dt>{t('field.location')}</dt>
              <dd>{ticket.location.address}</dd>
            </div>
          ) : null}
          {ticket.reporter?.name || ticket.reporter?.phone ? (
            <div>
              <dt>{t('field.reporter')}</dt>
              <dd>{[ticket.reporter.name, ticket.reporter.phone].filter(Boolean).join(' · ')}</dd>
            </div>
          ) : null}
          {ticket.urgeCount || ticket.reopenCount ? (
            <div>
              <dt>{t('ticket.urge')}</dt>
              <dd>
                {t('ticket.urgeCount', { n: ticket.urgeCount })}
                {ticket.reopenCount ? ` · ${t('ticket.reopenCount', { n: ticket.reopenCount })}` : ''}
              </dd>
            </div>
          ) : null}
        </dl>
      </div>

      <div class="ticket-grid">
        <div class="ticket-main">
          <Card title={t('ticket.timeline')} id="timeline">
            <Timeline events={ticket.timeline} refs={refs} />
          </Card>
        </div>
        <div class="ticket-side">
          <Card
            title={
              canOversee
                ? t('ticket.actions')
                : props.session.role === 'unit'
                  ? t('ticket.unitActions')
                  : t('ticket.reporterActions')
            }
            id="actions"
          >
            {canOversee ? (
              <Actions
                key={ticket.id}
                ticket={ticket}
                refs={refs}
                onTicket={setTicket}
                admin={props.session.role === 'admin'}
              />
            ) : props.session.role === 'unit' ? (
              <UnitActions key={ticket.id} ticket={ticket} session={props.session} onTicket={setTicket} />
            ) : (
              <ReporterActions key={ticket.id} ticket={ticket} session={props.session} onTicket={setTicket} />
            )}
          </Card>
          <Card title={t('ticket.deadlines')} id="deadlines">
            <Deadlines ticket={ticket} />
          </Card>
          <Card title={t('ticket.assignments')} id="assignments">
            <ul class="assignments">
              {ticket.assignments.map((a) => (
                <li key={`${a.unitId}:${a.role}`}>
                  <div class="assignment-head">
                    <span class={`pill ${a.role === 'lead' ? 'info' : 'neutral'}`}>
                      {tv('arole', a.role)}
                    </span>
                    <strong>{refs?.unitName(a.unitId) ?? a.unitId}</strong>
                  </div>
                  <div class="assignment-meta">
                    <StatusBadge status={a.status} prefix="astatus" />
                    {a.acknowledgedAt ? (
                      <span>
                        {t('field.acknowledgedAt')} {fmtTime(a.acknowledgedAt)}
                      </span>
                    ) : a.acknowledgeBy ? (
                      <span>
                        {t('field.acknowledgeBy')} {fmtTime(a.acknowledgeBy)}
                      </span>
                    ) : null}
                    {a.arrivedAt ? (
                      <span>
                        {t('field.arrivedAt')} {fmtTime(a.arrivedAt)}
                      </span>
                    ) : null}
                    {a.resolvedAt ? (
                      <span>
                        {t('field.resolvedAt')} {fmtTime(a.resolvedAt)}
                      </span>
                    ) : null}
                  </div>
                </li>
              ))}
            </ul>
            {ticket.resolution ? (
              <div class="resolution">
                <div class="label">{t('ticket.resolution')}</div>
                <div>{ticket.resolution.summary}</div>
              </div>
            ) : null}
            {ticket.feedback ? (
              <div class="resolution">
                <div class="label">{t('ticket.feedbackGiven')}</div>
                <div>
                  {tv('rating', ticket.feedback.rating)}
                  {ticket.feedback.comment ? ` · ${ticket.feedback.comment}` : ''}
                </div>
              </div>
            ) : null}
          </Card>
        </div>
      </div>

      <Card title={t('ticket.breaches')} id="breaches">
        {ticket.breaches.length ? (
          <TableWrap label={t('ticket.breaches')}>
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">{t('field.level')}</th>
                  <th scope="col">{t('field.stage')}</th>
                  <th scope="col">{t('field.unit')}</th>
                  <th scope="col">{t('field.dueAt')}</th>
                  <th scope="col">{t('field.breachedAt')}</th>
                </tr>
              </thead>
              <tbody>
                {ticket.breaches.map((b) => (
                  <tr key={`${b.stage}:${b.unitId}:${b.level}:${b.dueAt}`} class={`lv-row-${b.level}`}>
                    <td>
                      <LevelBadge level={b.level} />
                    </td>
                    <td>{tv('stage', b.stage)}</td>
                    <td>{refs?.unitName(b.unitId) ?? b.unitId}</td>
                    <td class="time">{fmtTime(b.dueAt)}</td>
                    <td class="time">{fmtTime(b.breachedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ) : (
          <Empty />
        )}
      </Card>

      {ticket.clocks.length ? (
        <Card title={t('ticket.clocks')} id="clocks">
          <TableWrap label={t('ticket.clocks')}>
            <table class="table compact">
              <thead>
                <tr>
                  <th scope="col">{t('field.stage')}</th>
                  <th scope="col">{t('field.unit')}</th>
                  <th scope="col">{t('ticket.clock.started')}</th>
                  <th scope="col">{t('ticket.clock.warn')}</th>
                  <th scope="col">{t('ticket.clock.due')}</th>
                  <th scope="col">{t('ticket.clock.l2')}</th>
                  <th scope="col">{t('ticket.clock.l3')}</th>
                  <th scope="col">{t('ticket.clock.done')}</th>
                </tr>
              </thead>
              <tbody>
                {ticket.clocks.map((c) => (
                  <tr key={`${c.stage}:${c.unitId ?? ''}:${c.startedAt}`}>
                    <td>
                      {tv('stage', c.stage)} {c.level ? <LevelBadge level={c.level} short /> : null}
                    </td>
                    <td>{c.unitId ? (refs?.unitName(c.unitId) ?? c.unitId) : t('field.community')}</td>
                    <td class="time">{fmtTime(c.startedAt)}</td>
                    <td class="time">{fmtTime(c.warnAt)}</td>
                    <td class="time">
                      {fmtTime(c.dueAt)}
                      {c.calendarAssumed && !c.doneAt ? (
                        <span class="pill warn" title={t('flag.calendar_assumed')}>
                          {t('ticket.calendarAssumed')}
                        </span>
                      ) : null}
                    </td>
                    <td class="time">{fmtTime(c.level2At)}</td>
                    <td class="time">{fmtTime(c.level3At)}</td>
                    <td class="time">{c.doneAt ? fmtTime(c.doneAt) : <span class="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </Card>
      ) : null}

      {canOversee ? <NotificationChannels refreshKey={ticket?.version} /> : null}
      <Card
        title={props.session.role === 'unit' ? t('ticket.myMessages') : t('ticket.notifications')}
        id="notifications"
      >
        {!readsMessages ? (
          <p class="muted">{t('ticket.notifyHidden')}</p>
        ) : notes.error ? (
          <ProblemBox error={notes.error} onRetry={notes.reload} />
        ) : !notes.data ? (
          <Loading />
        ) : notes.data.items.length ? (
          <Notifications items={notes.data.items} refs={refs} />
        ) : (
          <Empty />
        )}
      </Card>
    </div>
  );
}

function BackLink() {
  return (
    <a
      href={href('breaches')}
      class="back"
      onClick={(e) => {
        // Back to the list as it was (its filters live in the URL we came from).
        if (history.length > 1) {
          e.preventDefault();
          history.back();
        }
      }}
    >
      ← {t('common.back')}
    </a>
  );
}

function Deadlines(props: { ticket: Ticket }) {
  const { ticket } = props;
  const entries = (['acknowledge', 'arrive', 'resolve', 'feedback'] as const).flatMap((stage) => {
    const at = ticket.deadlines[`${stage}By`];
    if (!at) return [];
    const clocks = ticket.clocks.filter((c) => c.stage === stage);
    const level = Math.max(0, ...clocks.filter((c) => !c.doneAt).map((c) => c.level ?? 0));
    const done = clocks.length > 0 && clocks.every((c) => c.doneAt);
    const warned = clocks.some((c) => c.warnedAt && !c.doneAt);
    return [{ stage, at, level, done, warned }];
  });
  if (!entries.length) return <Empty />;
  return (
    <ul class="deadlines">
      {entries.map((d) => (
        <li key={d.stage} class={d.done ? 'done' : ''}>
          <span class="deadline-stage">{tv('stage', d.stage)}</span>
          <span class="time">{fmtTime(d.at, true)}</span>
          <span>
            {d.done ? (
              <span class="pill ok">{t('common.done')}</span>
            ) : d.level > 0 ? (
              <LevelBadge level={d.level} short />
            ) : d.warned ? (
              <WarningBadge />
            ) : null}
          </span>
        </li>
      ))}
    </ul>
  );
}

const eventTone: Record<string, string> = {
  created: 'neutral',
  dispatched: 'info',
  notified: 'neutral',
  warning: 'warn-blue',
  breach_level_1: 'lv1',
  breach_level_2: 'lv2',
  breach_level_3: 'lv3',
  acknowledged: 'teal',
  arrived: 'teal',
  progress: 'teal',
  resolved: 'ok',
  feedback: 'ok',
  closed: 'muted',
  reopened: 'lv2',
  returned: 'amber',
  held: 'amber',
  rerouted: 'amber',
  ruling: 'violet',
  ruling_required: 'amber',
  extension_requested: 'indigo',
  extension_approved: 'indigo',
  extension_rejected: 'indigo',
  reassigned: 'amber',
  urged: 'violet',
  cancelled: 'muted',
};

function actorLabel(actor: string | undefined): string {
  if (!actor) return '';
  if (actor === 'system') return lang() === 'en' ? 'System' : '系统';
  const [role = '', sub = ''] = actor.split(':');
  return sub ? `${tv('role', role)} · ${sub}` : tv('role', role);
}

/** Event details carry ids and codes; show names and words instead. */
function detailText(e: TimelineEvent, refs: Refs | undefined): string {
  const d = e.detail ?? '';
  if (!d) return '';
  const due = /^(\w+) due (\S+)$/.exec(d);
  if (due) return `${tv('stage', due[1])} · ${t('field.dueAt')} ${fmtTime(due[2])}`;
  if (e.type === 'notified') return tv('nkind', d);
  const ext = e.type === 'extension_requested' ? /^(\d+): ([\s\S]*)$/.exec(d) : null;
  if (ext) return t('ticket.extensionEvent', { n: Number(ext[1]), reason: ext[2] ?? '' });
  if (e.type === 'feedback' || (e.type === 'closed' && /^[a-z_]+$/.test(d))) return tv('rating', d);
  if (e.type === 'ruling') {
    const [decision = '', ...rest] = d.split(': ');
    return [tv('ticket.decision', decision), rest.join(': ')].filter(Boolean).join(' · ');
  }
  const named = d.replace(/\bu-[a-z0-9-]+/g, (id) => refs?.unitName(id) ?? id);
  return lang() === 'zh' ? systemDetailZh(named) : named;
}

/** The rules write their system notes in English; Chinese staff read them in Chinese. */
function systemDetailZh(d: string): string {
  const fixed: Record<string, string> = {
    'no verdict in time': '逾期未评价，自动关闭',
    'no other owner: awaiting a supervisor ruling': '无其他承办单位，等待督办裁定',
    'by ruling': '依督办裁定',
    'assigned by ruling': '依督办裁定指派',
    're-routed': '已改派',
    'fallback owner (兜底)': '兜底承办',
  };
  if (fixed[d]) return fixed[d];
  return d
    .replace(/^routed to (.*)$/, (_m, units: string) => `派至 ${units.split(', ').join('、')}`)
    .replace(/^unsatisfied after (\d+) reopens$/, '重办 $1 次后仍不满意')
    .replace(/^unsatisfied:\s*/, '不满意：');
}

function Timeline(props: { events: TimelineEvent[]; refs: Refs | undefined }) {
  if (!props.events.length) return <Empty>{t('ticket.noTimeline')}</Empty>;
  return (
    <ol class="timeline" data-testid="timeline">
      {props.events.map((e, i) => (
        <li
          key={`${e.at}:${e.type}:${i}`}
          class={`tl tl-${eventTone[e.type] ?? 'neutral'}`}
          data-type={e.type}
        >
          <span class="tl-dot" aria-hidden="true" />
          <div class="tl-body">
            <div class="tl-head">
              <span class="tl-type">{tv('event', e.type)}</span>
              <time class="tl-time" dateTime={e.at}>
                {fmtTime(e.at, true)}
              </time>
            </div>
            <div class="tl-meta">
              {e.unitId ? <span class="tl-unit">{props.refs?.unitName(e.unitId) ?? e.unitId}</span> : null}
              {e.actor ? <span class="tl-actor">{actorLabel(e.actor)}</span> : null}
            </div>
            {e.detail ? <div class="tl-detail">{detailText(e, props.refs)}</div> : null}
          </div>
        </li>
      ))}
    </ol>
  );
}

function Notifications(props: { items: Notification[]; refs: Refs | undefined }) {
  const items = [...props.items].sort((a, b) => a.at.localeCompare(b.at));
  return (
    <TableWrap label={t('ticket.notifications')}>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">{t('field.time')}</th>
            <th scope="col">{t('field.kind')}</th>
            <th scope="col">{t('field.unit')}</th>
            <th scope="col">{t('field.to')}</th>
            <th scope="col">{t('field.text')}</th>
            <th scope="col">{t('field.status')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((n) => (
            <tr key={n.id}>
              <td class="time">{fmtTime(n.at)}</td>
              <td>
                <span
                  class={`pill ${n.kind === 'escalation' ? 'danger' : n.kind === 'warning' ? 'info' : 'neutral'}`}
                >
                  {tv('nkind', n.kind)}
                </span>
                {n.level ? <LevelBadge level={n.level} short /> : null}
              </td>
              <td>{n.unitId ? (props.refs?.unitName(n.unitId) ?? n.unitId) : '—'}</td>
              <td>
                <span class="channel">{n.channel === 'sms' ? 'SMS' : 'Email'}</span>{' '}
                <span class="mono">{n.to}</span>
              </td>
              <td class="msg">
                {n.channel === 'email' ? (
                  <details>
                    <summary>{n.subject ?? n.text.split('\n')[0]}</summary>
                    <pre>
                      <Linked text={n.text} />
                    </pre>
                  </details>
                ) : (
                  <Linked text={n.text} />
                )}
              </td>
              <td>
                <span
                  class={`pill ${n.status === 'sent' ? 'ok' : n.status === 'failed' ? 'danger' : 'warn'}`}
                >
                  {tv('nstatus', n.status)}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Actions(props: {
  ticket: Ticket;
  refs: Refs | undefined;
  onTicket: (t: Ticket) => void;
  admin: boolean;
}) {
  const { ticket } = props;
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const [note, setNote] = useState(urgeDefault(ticket));
  const [decision, setDecision] = useState<'close' | 'assign' | 'reopen'>('assign');
  const [rulingUnit, setRulingUnit] = useState('');
  const [rulingNote, setRulingNote] = useState('');

  const act = async (name: string, path: string, body: unknown, message: string) => {
    setBusy(name);
    setError(undefined);
    setDone(undefined);
    try {
      props.onTicket(await post(ticketSchema, `/v1/tickets/${ticket.id}/${path}`, body));
      setDone(message);
    } catch (err) {
      setError(err);
    }
    setBusy(undefined);
  };

  if (closed(ticket.status)) return <p class="muted">{t('ticket.noActions')}</p>;
  const held = ticket.status === 'returned' || ticket.flags.includes('needs_ruling');
  const pendingExtension = ticket.extension?.status === 'pending' ? ticket.extension : undefined;

  return (
    <div class="actions">
      {error ? <ProblemBox error={error} /> : null}
      {done ? (
        <p class="success" role="status">
          {done}
        </p>
      ) : null}
      {done === t('ticket.reassignDone') ? <NewClock ticket={ticket} /> : null}

      {pendingExtension ? (
        <div class="action-block">
          <h3>{t('ticket.extension')}</h3>
          <p>
            {t('ticket.extensionAsk', { n: pendingExtension.workingDays, reason: pendingExtension.reason })}
          </p>
          <div class="btn-row">
            <button
              type="button"
              class="btn btn-primary"
              disabled={Boolean(busy)}
              onClick={() => act('ext', 'extension/decision', { approve: true }, t('ticket.extensionDone'))}
            >
              {t('ticket.approve')}
            </button>
            <button
              type="button"
              class="btn"
              disabled={Boolean(busy)}
              onClick={() => act('ext', 'extension/decision', { approve: false }, t('ticket.extensionDone'))}
            >
              {t('ticket.reject')}
            </button>
          </div>
        </div>
      ) : null}

      {held ? (
        <form
          class="action-block"
          onSubmit={(e) => {
            e.preventDefault();
            act(
              'ruling',
              'ruling',
              {
                decision,
                ...(decision === 'assign' && rulingUnit ? { unitId: rulingUnit } : {}),
                ...(rulingNote.trim() ? { note: rulingNote.trim() } : {}),
              },
              t('ticket.rulingDone'),
            );
          }}
        >
          <h3>{t('ticket.ruling')}</h3>
          <p class="muted">{t('ticket.rulingHint')}</p>
          <Field label={t('ticket.decision')} id="ruling-decision">
            <select
              id="ruling-decision"
              value={decision}
              onChange={(e) => setDecision(e.currentTarget.value as typeof decision)}
            >
              {(['assign', 'close', 'reopen'] as const).map((d) => (
                <option key={d} value={d}>
                  {t(`ticket.decision.${d}`)}
                </option>
              ))}
            </select>
          </Field>
          {decision === 'assign' ? (
            <UnitPicker
              id="ruling-unit"
              label={t('field.unit')}
              units={props.refs?.units ?? []}
              value={rulingUnit}
              onChange={setRulingUnit}
            />
          ) : null}
          <Field label={t('ticket.rulingNote')} id="ruling-note">
            <textarea
              id="ruling-note"
              rows={2}
              value={rulingNote}
              onInput={(e) => setRulingNote(e.currentTarget.value)}
            />
          </Field>
          <button type="submit" class="btn btn-primary" disabled={Boolean(busy)}>
            {t('ticket.rulingSend')}
          </button>
        </form>
      ) : null}

      <form
        class="action-block"
        onSubmit={(e) => {
          e.preventDefault();
          act('urge', 'urge', { note }, t('ticket.urgeDone'));
        }}
      >
        <h3>{t('ticket.urge')}</h3>
        <Field label={t('ticket.urgeNote')} id="urge-note">
          <textarea id="urge-note" rows={3} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="btn btn-danger" disabled={Boolean(busy)}>
          {busy === 'urge' ? t('common.loading') : t('ticket.urgeSend')}
        </button>
      </form>

      <SupervisorExtras ticket={ticket} refs={props.refs} admin={props.admin} busy={busy} act={act} />
    </div>
  );
}
