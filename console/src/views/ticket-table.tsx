/** A sortable list of tickets: the live board's open tickets and the ticket search share it. */
import { LevelBadge, rowLink, SortTh, StatusBadge, TableWrap, useSort } from '../components';
import { fmtTime } from '../format';
import { t, tv } from '../i18n';
import type { Refs } from '../refs';
import { href } from '../router';
import type { Ticket } from '../schemas';

const lead = (x: Ticket) => x.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');

/** The earliest deadline still running: what the unit must meet next. */
export function nextDeadline(x: Ticket): string | undefined {
  const open = x.clocks.filter((c) => !c.doneAt).map((c) => c.dueAt);
  return open.sort()[0];
}

export function TicketTable(props: { tickets: Ticket[]; refs: Refs | undefined; label: string }) {
  const { refs } = props;
  const unitName = (id: string | undefined) => (id ? (refs?.unitName(id) ?? id) : '—');
  const { sorted, sort, toggle } = useSort(
    props.tickets,
    {
      level: (x) => x.escalationLevel,
      code: (x) => x.code,
      status: (x) => x.status,
      unit: (x) => unitName(lead(x)?.unitId),
      community: (x) => refs?.communityById.get(x.communityId)?.name ?? x.communityId,
      next: (x) => nextDeadline(x),
      createdAt: (x) => x.createdAt,
    },
    { key: 'level', dir: 'desc' },
  );
  return (
    <TableWrap label={props.label} tall>
      <table class="table cards" aria-label={props.label}>
        <thead>
          <tr>
            <SortTh col="level" label={t('field.escalation')} sort={sort} onSort={toggle} />
            <SortTh col="code" label={t('field.code')} sort={sort} onSort={toggle} />
            <SortTh col="status" label={t('field.status')} sort={sort} onSort={toggle} />
            <SortTh col="unit" label={t('field.lead')} sort={sort} onSort={toggle} />
            <SortTh col="community" label={t('field.community')} sort={sort} onSort={toggle} />
            <SortTh col="next" label={t('field.nextDeadline')} sort={sort} onSort={toggle} />
            <SortTh col="createdAt" label={t('field.createdAt')} sort={sort} onSort={toggle} />
          </tr>
        </thead>
        <tbody>
          {sorted.map((x) => (
            <tr
              key={x.id}
              {...rowLink(href(`tickets/${x.id}`))}
              class={`clickable lv-row-${x.escalationLevel}`}
            >
              <td data-label={t('field.escalation')}>
                <LevelBadge level={x.escalationLevel} />
              </td>
              <td class="card-title">
                <a href={href(`tickets/${x.id}`)} class="code">
                  {x.code}
                </a>
                <div class="sub">
                  {x.title}
                  {x.priority === 'urgent' ? (
                    <span class="pill danger tiny">{t('priority.urgent')}</span>
                  ) : null}
                </div>
              </td>
              <td data-label={t('field.status')}>
                <StatusBadge status={x.status} />
              </td>
              <td data-label={t('field.lead')}>{unitName(lead(x)?.unitId)}</td>
              <td data-label={t('field.community')}>
                {refs?.communityById.get(x.communityId)?.name ?? x.communityId}
                <div class="sub">{tv('sla', x.slaClass)}</div>
              </td>
              <td class="time" data-label={t('field.nextDeadline')}>
                {fmtTime(nextDeadline(x))}
              </td>
              <td class="time" data-label={t('field.createdAt')}>
                {fmtTime(x.createdAt)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
