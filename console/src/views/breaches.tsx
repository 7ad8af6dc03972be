/**
 * SLA breaches for the weekly meeting. The late units at a glance (with per-street subtotals),
 * the late tickets, or every breach row: the figures come from GET /v1/breaches/summary over the
 * whole filtered set, the rows from GET /v1/breaches page by page. Filters and the view live in
 * the URL; every view exports to Excel or CSV with the same filters, and prints whole.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { currentSession, get, qs } from '../api';
import {
  Card,
  Empty,
  ExportBar,
  Field,
  LevelBadge,
  Loading,
  PageHead,
  ProblemBox,
  rowLink,
  SortTh,
  StatusBadge,
  TableWrap,
  UnitPicker,
  useAsync,
  useSort,
} from '../components';
import { fmtSpan, fmtTime } from '../format';
import { t, tv } from '../i18n';
import { type Refs, unitsServing, useRefs } from '../refs';
import { href, navigate, type Route } from '../router';
import { type BreachRow, type BreachSummary, breachesSchema, breachSummarySchema } from '../schemas';

const filterKeys = ['unitId', 'stage', 'level', 'streetId', 'from', 'to'] as const;
type Filters = Record<(typeof filterKeys)[number], string>;
const stages = ['acknowledge', 'arrive', 'resolve', 'feedback'];
const views = ['units', 'tickets', 'rows'] as const;
type View = (typeof views)[number];

function filtersOf(route: Route): Filters {
  return Object.fromEntries(filterKeys.map((k) => [k, route.query.get(k) ?? ''])) as Filters;
}

export function BreachesView(props: { route: Route }) {
  const { refs } = useRefs();
  const applied = filtersOf(props.route);
  const view: View = views.includes(props.route.query.get('view') as View)
    ? (props.route.query.get('view') as View)
    : 'units';
  const key = filterKeys.map((k) => applied[k]).join('|');
  const summary = useAsync(() => get(breachSummarySchema, `/v1/breaches/summary${qs(applied)}`), [key]);
  const s = summary.data;
  const go = (v: View) => navigate('breaches', { ...applied, view: v });

  return (
    <div class="view">
      <PageHead title={t('breaches.title')} lead={t('breaches.lead')}>
        <button type="button" class="btn no-print" onClick={summary.reload} disabled={summary.loading}>
          {t('common.refresh')}
        </button>
      </PageHead>

      <BreachFilters applied={applied} view={view} refs={refs} />

      {summary.error ? <ProblemBox error={summary.error} onRetry={summary.reload} /> : null}
      <div class="kpis" data-testid="breach-kpis">
        <Kpi label={t('breaches.lateUnits')} value={s?.totals.units} testid="late-units" />
        <Kpi label={t('breaches.lateTickets')} value={s?.totals.tickets} testid="late-tickets" />
        <Kpi label={t('breaches.lateStages')} value={s?.totals.lateStages} testid="breach-count" />
        <Kpi label={t('breaches.openCount')} value={s?.totals.open} />
        {[1, 2, 3].map((l) => (
          <div class={`kpi kpi-lv${l}`} key={`lv${l}`}>
            <div class="kpi-label">
              <LevelBadge level={l} />
            </div>
            <div class="kpi-value">{s ? s.totals.byLevel[l as 1 | 2 | 3] : '…'}</div>
          </div>
        ))}
      </div>
      <p class="muted small">{t('breaches.stageHint')}</p>
      {s?.truncated ? <p class="notice">{t('breaches.truncated')}</p> : null}

      <div class="view-bar">
        <div class="tabs" role="tablist" aria-label={t('breaches.view')}>
          {views.map((v) => (
            <button
              type="button"
              role="tab"
              key={v}
              aria-selected={view === v}
              class={`tab ${view === v ? 'active' : ''}`}
              onClick={() => go(v)}
            >
              {t(`breaches.view.${v}`)}
            </button>
          ))}
        </div>
        <ExportBar path="/v1/exports/breaches" query={{ ...applied, view }} />
      </div>

      {view === 'rows' ? (
        <BreachRows applied={applied} refs={refs} />
      ) : !s ? (
        summary.error ? null : (
          <Loading />
        )
      ) : view === 'units' ? (
        <UnitsTable s={s} refs={refs} applied={applied} />
      ) : (
        <TicketsTable s={s} refs={refs} />
      )}
    </div>
  );
}

function Kpi(props: { label: string; value: number | undefined; testid?: string }) {
  return (
    <div class="kpi">
      <div class="kpi-label">{props.label}</div>
      <div class="kpi-value" data-testid={props.testid}>
        {props.value ?? '…'}
      </div>
    </div>
  );
}

const streetName = (refs: Refs | undefined, id: string | undefined) =>
  id ? (refs?.streetById.get(id)?.name ?? id) : t('breaches.cityDept');

function LevelCounts(props: { c: { byLevel: { 1: number; 2: number; 3: number } } }) {
  return (
    <>
      {([1, 2, 3] as const).map((l) => (
        <td
          class={`num ${props.c.byLevel[l] ? `lv-count-${l}` : ''}`}
          key={l}
          data-label={tv('level.short', l)}
        >
          {props.c.byLevel[l]}
        </td>
      ))}
    </>
  );
}

function UnitsTable(props: { s: BreachSummary; refs: Refs | undefined; applied: Filters }) {
  const { s, refs } = props;
  if (!s.byUnit.length) return <Empty>{t('breaches.none')}</Empty>;
  const head = (
    <>
      <th scope="col" class="num">
        {t('breaches.lateTickets')}
      </th>
      <th scope="col" class="num">
        {t('breaches.lateStages')}
      </th>
      <th scope="col" class="num">
        {t('breaches.openCount')}
      </th>
      {[1, 2, 3].map((l) => (
        <th scope="col" class="num" key={l}>
          <LevelBadge level={l} short />
        </th>
      ))}
    </>
  );
  return (
    <>
      <Card title={t('breaches.lateUnits')} id="late-units">
        <TableWrap label={t('breaches.lateUnits')} tall>
          <table class="table cards" aria-label={t('breaches.lateUnits')} data-testid="units-table">
            <thead>
              <tr>
                <th scope="col">{t('field.unit')}</th>
                <th scope="col">{t('breaches.unitStreet')}</th>
                {head}
                <th scope="col">{t('breaches.lastBreach')}</th>
              </tr>
            </thead>
            <tbody>
              {s.byUnit.map((u) => (
                <tr key={u.unitId} data-unit={u.unitId} class={`lv-row-${u.maxLevel}`}>
                  <th scope="row" class="card-title">
                    <a href={href('breaches', { ...props.applied, unitId: u.unitId, view: 'tickets' })}>
                      {refs?.unitName(u.unitId) ?? u.unitId}
                    </a>
                  </th>
                  <td data-label={t('breaches.unitStreet')}>{streetName(refs, u.unitStreetId)}</td>
                  <td class="num" data-label={t('breaches.lateTickets')}>
                    {u.tickets}
                  </td>
                  <td class="num" data-label={t('breaches.lateStages')}>
                    {u.lateStages}
                  </td>
                  <td class={`num ${u.open ? 'bad' : ''}`} data-label={t('breaches.openCount')}>
                    {u.open}
                  </td>
                  <LevelCounts c={u} />
                  <td class="time" data-label={t('breaches.lastBreach')}>
                    {fmtTime(u.lastBreachedAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </Card>
      <Card title={t('breaches.byStreet')} id="street-totals">
        <TableWrap label={t('breaches.byStreet')}>
          <table class="table cards" aria-label={t('breaches.byStreet')} data-testid="street-totals">
            <thead>
              <tr>
                <th scope="col">{t('field.street')}</th>
                <th scope="col" class="num">
                  {t('breaches.lateUnits')}
                </th>
                {head}
              </tr>
            </thead>
            <tbody>
              {s.byStreet.map((st) => (
                <tr key={st.streetId} data-street={st.streetId}>
                  <th scope="row" class="card-title">
                    {t('breaches.subtotal', { street: streetName(refs, st.streetId) })}
                  </th>
                  <td class="num" data-label={t('breaches.lateUnits')}>
                    {st.units}
                  </td>
                  <td class="num" data-label={t('breaches.lateTickets')}>
                    {st.tickets}
                  </td>
                  <td class="num" data-label={t('breaches.lateStages')}>
                    {st.lateStages}
                  </td>
                  <td class="num" data-label={t('breaches.openCount')}>
                    {st.open}
                  </td>
                  <LevelCounts c={st} />
                </tr>
              ))}
              <tr class="total-row">
                <th scope="row" class="card-title">
                  {t('breaches.total')}
                </th>
                <td class="num" data-label={t('breaches.lateUnits')}>
                  {s.totals.units}
                </td>
                <td class="num" data-label={t('breaches.lateTickets')}>
                  {s.totals.tickets}
                </td>
                <td class="num" data-label={t('breaches.lateStages')}>
                  {s.totals.lateStages}
                </td>
                <td class="num" data-label={t('breaches.openCount')}>
                  {s.totals.open}
                </td>
                <LevelCounts c={s.totals} />
              </tr>
            </tbody>
          </table>
        </TableWrap>
      </Card>
    </>
  );
}

function TicketsTable(props: { s: BreachSummary; refs: Refs | undefined }) {
  const { s, refs } = props;
  if (!s.byTicket.length) return <Empty>{t('breaches.none')}</Empty>;
  return (
    <Card title={t('breaches.lateTickets')} id="late-tickets">
      <TableWrap label={t('breaches.lateTickets')} tall>
        <table class="table cards" aria-label={t('breaches.lateTickets')} data-testid="tickets-table">
          <thead>
            <tr>
              <th scope="col">{t('breaches.maxLevel')}</th>
              <th scope="col">{t('field.code')}</th>
              <th scope="col">{t('breaches.units')}</th>
              <th scope="col">{t('breaches.stages')}</th>
              <th scope="col" class="num">
                {t('breaches.openCount')}
              </th>
              <th scope="col">{t('breaches.lastBreach')}</th>
              <th scope="col">{t('field.status')}</th>
            </tr>
          </thead>
          <tbody>
            {s.byTicket.map((x) => (
              <tr
                key={x.ticketId}
                data-ticket={x.ticketId}
                {...rowLink(href(`tickets/${x.ticketId}`))}
                class={`clickable lv-row-${x.maxLevel}`}
              >
                <td data-label={t('breaches.maxLevel')}>
                  <LevelBadge level={x.maxLevel} />
                </td>
                <td class="card-title">
                  <a href={href(`tickets/${x.ticketId}`)} class="code">
                    {x.code}
                  </a>
                  {x.title ? <div class="sub">{x.title}</div> : null}
                  <div class="sub">{streetName(refs, x.streetId)}</div>
                </td>
                <td data-label={t('breaches.units')}>
                  {x.units.map((u) => refs?.unitName(u) ?? u).join('、')}
                </td>
                <td data-label={t('breaches.stages')}>{x.stages.map((st) => tv('stage', st)).join('、')}</td>
                <td class={`num ${x.open ? 'bad' : ''}`} data-label={t('breaches.openCount')}>
                  {x.open}
                </td>
                <td class="time" data-label={t('breaches.lastBreach')}>
                  {fmtTime(x.lastBreachedAt)}
                </td>
                <td data-label={t('field.status')}>{x.status ? <StatusBadge status={x.status} /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </Card>
  );
}

/** Every breach row (one per level reached), page by page with the API's cursor. */
function BreachRows(props: { applied: Filters; refs: Refs | undefined }) {
  const { applied, refs } = props;
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
      const page = await get(breachesSchema, `/v1/breaches${qs({ ...applied, limit: 100, cursor: after })}`);
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
  return (
    <Card>
      {error ? <ProblemBox error={error} onRetry={() => load()} /> : null}
      {!rows.length && loading ? <Loading /> : null}
      {!rows.length && !loading && !error ? (
        <Empty>
          <span data-filters={shownKey}>{t('breaches.none')}</span>
        </Empty>
      ) : null}
      {rows.length ? (
        <TableWrap label={t('breaches.title')}>
          <table class="table cards" aria-label={t('breaches.title')} data-filters={shownKey}>
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
                  <td data-label={t('field.level')}>
                    <LevelBadge level={r.level} />
                  </td>
                  <td class="card-title">
                    <a href={href(`tickets/${r.ticketId}`)} class="code">
                      {r.code}
                    </a>
                    {r.title ? <div class="sub">{r.title}</div> : null}
                  </td>
                  <td data-label={t('field.unit')}>
                    {unitName(r.unitId)}
                    {r.streetId && refs?.streetById.get(r.streetId) ? (
                      <div class="sub">{refs.streetById.get(r.streetId)?.name}</div>
                    ) : null}
                  </td>
                  <td data-label={t('field.stage')}>{tv('stage', r.stage)}</td>
                  <td class="time" data-label={t('field.dueAt')}>
                    {fmtTime(r.dueAt)}
                  </td>
                  <td class="time" data-label={t('field.breachedAt')}>
                    {fmtTime(r.breachedAt)}
                    {r.level > 1 ? (
                      <div class="sub">+{fmtSpan(Date.parse(r.breachedAt) - Date.parse(r.dueAt))}</div>
                    ) : null}
                  </td>
                  <td class="time" data-label={t('breaches.done')}>
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
        </TableWrap>
      ) : null}
      <div class="table-foot no-print">
        <span class="muted">{t('common.loaded', { n: rows.length })}</span>
        {cursor ? (
          <button type="button" class="btn" onClick={() => load(cursor)} disabled={loading}>
            {loading ? t('common.loading') : t('common.loadMore')}
          </button>
        ) : null}
      </div>
    </Card>
  );
}

function BreachFilters(props: { applied: Filters; view: View; refs: Refs | undefined }) {
  const [f, setF] = useState<Filters>(props.applied);
  const { refs } = props;
  // A street's supervisor only ever sees that street: the API scopes it, the filters show it.
  const scopedStreet = currentSession()?.streetId;
  const appliedKey = JSON.stringify(props.applied);
  useEffect(() => setF(props.applied), [appliedKey]);
  const set = (k: keyof Filters) => (e: Event) =>
    setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const units = unitsServing(refs, scopedStreet || f.streetId || undefined);

  return (
    <form
      class="filters card no-print"
      aria-label={t('common.filter')}
      onSubmit={(e) => {
        e.preventDefault();
        navigate('breaches', { ...f, view: props.view });
      }}
    >
      <UnitPicker
        id="f-unit"
        label={t('field.unit')}
        units={units}
        value={f.unitId}
        onChange={(unitId) => setF({ ...f, unitId })}
        allowAll
      />
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
            navigate('breaches', { view: props.view });
          }}
        >
          {t('common.reset')}
        </button>
      </div>
    </form>
  );
}
