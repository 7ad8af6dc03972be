/**
 * SLA breaches (GET /v1/breaches): filters live in the URL, so a filtered list survives opening a
 * ticket and coming back; pages are appended with the API's cursor ("load more").
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { currentSession, get, qs } from '../api';
import {
  Card,
  Empty,
  Field,
  LevelBadge,
  Loading,
  PageHead,
  ProblemBox,
  rowLink,
  SortTh,
  StatusBadge,
  useSort,
} from '../components';
import { fmtSpan, fmtTime } from '../format';
import { t, tv } from '../i18n';
import { type Refs, useRefs } from '../refs';
import { href, navigate, type Route } from '../router';
import { type BreachRow, breachesSchema } from '../schemas';

const filterKeys = ['unitId', 'stage', 'level', 'streetId', 'from', 'to'] as const;
type Filters = Record<(typeof filterKeys)[number], string>;
const stages = ['acknowledge', 'arrive', 'resolve', 'feedback'];

function filtersOf(route: Route): Filters {
  return Object.fromEntries(filterKeys.map((k) => [k, route.query.get(k) ?? ''])) as Filters;
}

export function BreachesView(props: { route: Route }) {
  const { refs } = useRefs();
  const applied = filtersOf(props.route);
  const key = filterKeys.map((k) => applied[k]).join('|');
  const [rows, setRows] = useState<BreachRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  // Which filters the rows on screen answer (old rows stay visible while new ones load).
  const [shownKey, setShownKey] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const seq = useRef(0);

  const load = async (after?: string) => {
    const mine = ++seq.current;
    setLoading(true);
    setError(undefined);
    try {
      const page = await get(breachesSchema, `/v1/breaches${qs({ ...applied, limit: 50, cursor: after })}`);
      if (mine !== seq.current) return;
      setRows((prev) => (after ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor ?? null);
      setShownKey(qs(applied));
    } catch (err) {
      if (mine === seq.current) setError(err);
    }
    if (mine === seq.current) setLoading(false);
  };

  useEffect(() => {
    load();
  }, [key]);

  const unitName = (id: string) => refs?.unitName(id) ?? id;
  const { sorted, sort, toggle } = useSort(
    rows,
    {
      level: (r) => r.level,
      code: (r) => r.code,
      unit: (r) => unitName(r.unitId),
      stage: (r) => stages.indexOf(r.stage),
      dueAt: (r) => r.dueAt,
      breachedAt: (r) => r.breachedAt,
      closedAt: (r) => r.closedAt,
    },
    { key: 'breachedAt', dir: 'desc' },
  );
  const byLevel = [1, 2, 3].map((l) => rows.filter((r) => r.level === l).length);
  const open = rows.filter((r) => !r.closedAt).length;

  return (
    <div class="view">
      <PageHead title={t('breaches.title')} lead={t('breaches.lead')}>
        <button type="button" class="btn" onClick={() => load()} disabled={loading}>
          {t('common.refresh')}
        </button>
      </PageHead>

      <BreachFilters applied={applied} refs={refs} />

      <div class="kpis">
        <div class="kpi">
          <div class="kpi-label">{t('breaches.count')}</div>
          <div class="kpi-value" data-testid="breach-count">
            {rows.length}
            {cursor ? '+' : ''}
          </div>
        </div>
        <div class="kpi">
          <div class="kpi-label">{t('breaches.openCount')}</div>
          <div class="kpi-value">{open}</div>
        </div>
        {byLevel.map((n, i) => (
          <div class={`kpi kpi-lv${i + 1}`} key={`lv${i + 1}`}>
            <div class="kpi-label">
              <LevelBadge level={i + 1} />
            </div>
            <div class="kpi-value">{n}</div>
          </div>
        ))}
      </div>

      <Card>
        {error ? <ProblemBox error={error} onRetry={() => load()} /> : null}
        {!rows.length && loading ? <Loading /> : null}
        {!rows.length && !loading && !error ? (
          <Empty>
            <span data-filters={shownKey}>{t('breaches.none')}</span>
          </Empty>
        ) : null}
        {rows.length ? (
          <div class="table-wrap">
            <table class="table" aria-label={t('breaches.title')} data-filters={shownKey}>
              <thead>
                <tr>
                  <SortTh col="level" label={t('field.level')} sort={sort} onSort={toggle} />
                  <SortTh col="code" label={t('field.code')} sort={sort} onSort={toggle} />
                  <SortTh col="unit" label={t('field.unit')} sort={sort} onSort={toggle} />
                  <SortTh col="stage" label={t('field.stage')} sort={sort} onSort={toggle} />
                  <SortTh col="dueAt" label={t('field.dueAt')} sort={sort} onSort={toggle} />
                  <SortTh col="breachedAt" label={t('field.breachedAt')} sort={sort} onSort={toggle} />
                  <SortTh col="closedAt" label={t('breaches.done')} sort={sort} onSort={toggle} />
                </tr>
              </thead>
              <tbody>
                {sorted.map((r) => (
                  <tr
                    key={`${r.ticketId}:${r.stage}:${r.unitId}:${r.level}:${r.dueAt}`}
                    {...rowLink(href(`tickets/${r.ticketId}`))}
                    class={`clickable lv-row-${r.level}`}
                    data-ticket={r.ticketId}
                  >
                    <td>
                      <LevelBadge level={r.level} />
                    </td>
                    <td>
                      <a href={href(`tickets/${r.ticketId}`)} class="code">
                        {r.code}
                      </a>
                      {r.title ? <div class="sub">{r.title}</div> : null}
                    </td>
                    <td>
                      {unitName(r.unitId)}
                      {r.streetId && refs?.streetById.get(r.streetId) ? (
                        <div class="sub">{refs.streetById.get(r.streetId)?.name}</div>
                      ) : null}
                    </td>
                    <td>{tv('stage', r.stage)}</td>
                    <td class="time">{fmtTime(r.dueAt)}</td>
                    <td class="time">
                      {fmtTime(r.breachedAt)}
                      {r.level > 1 ? (
                        <div class="sub">+{fmtSpan(Date.parse(r.breachedAt) - Date.parse(r.dueAt))}</div>
                      ) : null}
                    </td>
                    <td class="time">
                      {r.closedAt ? (
                        fmtTime(r.closedAt)
                      ) : r.ticketStatus ? (
                        <StatusBadge status={r.ticketStatus} />
                      ) : (
                        <span class="pill warn">{t('common.open')}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <div class="table-foot">
          <span class="muted">{t('common.loaded', { n: rows.length })}</span>
          {cursor ? (
            <button type="button" class="btn" onClick={() => load(cursor)} disabled={loading}>
              {loading ? t('common.loading') : t('common.loadMore')}
            </button>
          ) : null}
        </div>
      </Card>
    </div>
  );
}

function BreachFilters(props: { applied: Filters; refs: Refs | undefined }) {
  const [f, setF] = useState<Filters>(props.applied);
  const { refs } = props;
  // A street's supervisor only ever sees that street: the API scopes it, the filter shows it.
  const scopedStreet = currentSession()?.streetId;
  // Follow the URL when it changes under us (back button, a link with filters).
  const appliedKey = JSON.stringify(props.applied);
  useEffect(() => setF(props.applied), [appliedKey]);
  const set = (k: keyof Filters) => (e: Event) =>
    setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const units = refs
    ? [...refs.units].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name, 'zh-CN'))
    : [];

  return (
    <form
      class="filters card"
      aria-label={t('common.filter')}
      onSubmit={(e) => {
        e.preventDefault();
        navigate('breaches', f);
      }}
    >
      <Field label={t('field.unit')} id="f-unit" wide>
        <select id="f-unit" value={f.unitId} onChange={set('unitId')}>
          <option value="">{t('common.all')}</option>
          {units.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('field.stage')} id="f-stage">
        <select id="f-stage" value={f.stage} onChange={set('stage')}>
          <option value="">{t('common.all')}</option>
          {stages.map((s) => (
            <option key={s} value={s}>
              {tv('stage', s)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('field.level')} id="f-level">
        <select id="f-level" value={f.level} onChange={set('level')}>
          <option value="">{t('common.all')}</option>
          {[1, 2, 3].map((l) => (
            <option key={l} value={String(l)}>
              {tv('level', l)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('field.street')} id="f-street">
        <select
          id="f-street"
          value={scopedStreet ?? f.streetId}
          onChange={set('streetId')}
          disabled={Boolean(scopedStreet)}
        >
          <option value="">{t('common.all')}</option>
          {(refs?.streets ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('common.from')} id="f-from">
        <input id="f-from" type="date" value={f.from} onInput={set('from')} max={f.to || undefined} />
      </Field>
      <Field label={t('common.to')} id="f-to">
        <input id="f-to" type="date" value={f.to} onInput={set('to')} min={f.from || undefined} />
      </Field>
      <div class="filter-buttons">
        <button type="submit" class="btn btn-primary">
          {t('common.search')}
        </button>
        <button
          type="button"
          class="btn btn-ghost"
          onClick={() => {
            setF(filtersOf({ path: [], query: new URLSearchParams() }));
            navigate('breaches');
          }}
        >
          {t('common.reset')}
        </button>
      </div>
    </form>
  );
}
