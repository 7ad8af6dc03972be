/**
 * 分拨 / Triage (GET /v1/triage): the street's whistles that name no duty item, oldest first. The
 * dispatcher confirms a suggested item in one tap or chooses another, which routes and dispatches
 * the ticket (POST /v1/tickets/{id}/triage); a duplicate is merged into another ticket by its id
 * (POST /v1/tickets/{id}/merge). A confirm another dispatcher made first answers 409, shown here.
 */
import { useState } from 'preact/hooks';
import * as z from 'zod';
import { get, post } from '../api';
import { Card, Empty, Loading, PageHead, ProblemBox, useAsync } from '../components';
import { fmtTime } from '../format';
import { t } from '../i18n';
import { useRefs } from '../refs';
import { triageQueueSchema } from '../schemas';

const anything = z.unknown();

export function TriageView() {
  const { refs } = useRefs();
  const data = useAsync(() => get(triageQueueSchema, '/v1/triage'), []);
  const [error, setError] = useState<unknown>();
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const [into, setInto] = useState<Record<string, string>>({});
  const run = (p: Promise<unknown>) =>
    p.then(
      () => {
        setError(undefined);
        data.reload();
      },
      (e) => setError(e),
    );
  const confirm = (id: string, dutyItemId: string) =>
    run(post(anything, `/v1/tickets/${id}/triage`, { dutyItemId }));
  const items = data.data?.items ?? [];
  return (
    <div class="view">
      <PageHead title={t('triage.title')} lead={t('triage.lead')}>
        <button type="button" class="btn" onClick={data.reload} disabled={data.loading}>
          {t('common.refresh')}
        </button>
      </PageHead>
      {error ? <ProblemBox error={error} /> : null}
      {data.error ? <ProblemBox error={data.error} onRetry={data.reload} /> : null}
      {!data.data && !data.error ? <Loading /> : null}
      {data.data && !items.length ? <Empty>{t('triage.empty')}</Empty> : null}
      {items.map((tk) => (
        <Card key={tk.id} title={`${tk.code} · ${tk.title}`} id={`triage-${tk.id}`}>
          <p>{tk.description}</p>
          <p class="muted">
            {refs?.communityById.get(tk.communityId)?.name ?? tk.communityId} · {fmtTime(tk.createdAt)}
          </p>
          <div class="triage-suggestions">
            {(tk.triage?.suggestions ?? []).map((s) => (
              <button
                type="button"
                class="btn"
                key={s.dutyItemId}
                onClick={() => confirm(tk.id, s.dutyItemId)}
              >
                {t('triage.confirm')}：{s.name}
              </button>
            ))}
          </div>
          <label>
            {t('triage.other')}{' '}
            <select
              value={chosen[tk.id] ?? ''}
              onChange={(e) => setChosen({ ...chosen, [tk.id]: (e.target as HTMLSelectElement).value })}
            >
              <option value="">—</option>
              {(refs?.dutyItems ?? []).map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            class="btn primary"
            disabled={!chosen[tk.id]}
            onClick={() => confirm(tk.id, chosen[tk.id] ?? '')}
          >
            {t('triage.dispatch')}
          </button>
          <label>
            {t('triage.mergeInto')}{' '}
            <input
              value={into[tk.id] ?? ''}
              placeholder="t…"
              onInput={(e) => setInto({ ...into, [tk.id]: (e.target as HTMLInputElement).value.trim() })}
            />
          </label>
          <button
            type="button"
            class="btn"
            disabled={!into[tk.id]}
            onClick={() => run(post(anything, `/v1/tickets/${tk.id}/merge`, { into: into[tk.id] }))}
          >
            {t('triage.merge')}
          </button>
        </Card>
      ))}
    </div>
  );
}
