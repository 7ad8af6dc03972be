/**
 * Waiting for me (GET /v1/inbox): the decisions and tasks the signed-in person owes, oldest
 * first, grouped by kind. A kind this console does not know yet (triage) is still listed.
 */
import { get } from '../api';
import { Card, Empty, LevelBadge, Loading, PageHead, ProblemBox, useAsync } from '../components';
import { fmtTime } from '../format';
import { type MessageKey, t } from '../i18n';
import { useRefs } from '../refs';
import { href } from '../router';
import { type Inbox, inboxSchema } from '../schemas';

const known = ['extension', 'ruling', 'verdict', 'acknowledge', 'rework'];

export function InboxView() {
  const { refs } = useRefs();
  const data = useAsync(() => get(inboxSchema, '/v1/inbox'), []);
  const items = data.data?.items ?? [];
  const kinds = [...known, ...new Set(items.map((i) => i.kind).filter((k) => !known.includes(k)))];
  const label = (k: string) =>
    known.includes(k) ? t(`inbox.kind.${k}` as MessageKey) : `${t('inbox.other')} (${k})`;
  return (
    <div class="view">
      <PageHead title={t('inbox.title')} lead={t('inbox.lead')}>
        <button type="button" class="btn" onClick={data.reload} disabled={data.loading}>
          {t('common.refresh')}
        </button>
      </PageHead>
      {data.error ? <ProblemBox error={data.error} onRetry={data.reload} /> : null}
      {!data.data && !data.error ? <Loading /> : null}
      {data.data && !items.length ? <Empty>{t('inbox.empty')}</Empty> : null}
      {kinds.map((k) => {
        const list = items.filter((i) => i.kind === k);
        if (!list.length) return null;
        return (
          <Card key={k} title={`${label(k)} (${list.length})`} id={`inbox-${k}`}>
            <ul class="inbox-list">
              {list.map((i: Inbox['items'][number]) => (
                <li key={`${i.kind}:${i.ticketId}`} data-kind={i.kind} data-ticket={i.ticketId}>
                  <div class="inbox-head">
                    <a href={href(`tickets/${i.ticketId}`)} class="code">
                      {i.code}
                    </a>
                    <span class="inbox-title">{i.title}</span>
                    {i.escalationLevel > 0 ? <LevelBadge level={i.escalationLevel} short /> : null}
                  </div>
                  <div class="inbox-meta muted">
                    {i.unitId ? <span>{refs?.unitName(i.unitId) ?? i.unitId}</span> : null}
                    <span>{refs?.communityById.get(i.communityId)?.name ?? i.communityId}</span>
                    <span>{t('inbox.since', { t: fmtTime(i.since) })}</span>
                  </div>
                  {i.workingDays || i.detail ? (
                    <div class="inbox-detail">
                      {i.workingDays ? `${t('inbox.days', { n: i.workingDays })}：` : ''}
                      {i.detail}
                    </div>
                  ) : null}
                </li>
              ))}
            </ul>
          </Card>
        );
      })}
    </div>
  );
}
