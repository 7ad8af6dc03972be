/**
 * Configuration: the duty list, units and SLA policies (read-only), and the working-day calendar,
 * where administrators enter a year's holiday notice and preview the tickets it would move.
 */
import { useMemo, useState } from 'preact/hooks';
import { get, request, type Session } from '../api';
import { Card, Empty, Field, Loading, PageHead, ProblemBox, SortTh, useAsync, useSort } from '../components';
import { fmtDuration } from '../format';
import { t, tv } from '../i18n';
import { type Refs, useRefs } from '../refs';
import { navigate, type Route } from '../router';
import {
  type CalendarWritten,
  type CalendarYear,
  calendarSchema,
  calendarWrittenSchema,
  healthSchema,
  slaPoliciesSchema,
} from '../schemas';

export function ConfigView(props: { tab: string; route: Route; session: Session }) {
  const { refs, error } = useRefs();
  if (error) return <ProblemBox error={error} />;
  switch (props.tab) {
    case 'units':
      return refs ? <UnitsTab refs={refs} admin={props.session.role === 'admin'} /> : <Loading />;
    case 'sla':
      return <SlaTab />;
    case 'calendar':
      return <CalendarTab route={props.route} admin={props.session.role === 'admin'} />;
    default:
      return refs ? <DutyItemsTab refs={refs} /> : <Loading />;
  }
}

function SearchBox(props: { value: string; onInput: (v: string) => void; id: string }) {
  return (
    <Field label={t('config.search')} id={props.id}>
      <input
        id={props.id}
        type="search"
        value={props.value}
        placeholder={t('config.search')}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </Field>
  );
}

function DutyItemsTab(props: { refs: Refs }) {
  const { refs } = props;
  const [q, setQ] = useState('');
  const leadOf = (d: Refs['dutyItems'][number]) =>
    d.leadUnitId
      ? refs.unitName(d.leadUnitId)
      : d.leadFunction
        ? tv('fn', d.leadFunction)
        : t('config.localStreet');
  const rows = refs.dutyItems.filter(
    (d) => !q || d.name.includes(q) || d.id.includes(q.toLowerCase()) || (d.category ?? '').includes(q),
  );
  const { sorted, sort, toggle } = useSort(
    rows,
    {
      name: (d) => d.name,
      category: (d) => d.category,
      kind: (d) => d.kind,
      slaClass: (d) => ['urgent', 'fast', 'general', 'complex'].indexOf(d.slaClass),
      lead: (d) => leadOf(d),
    },
    { key: 'category', dir: 'asc' },
  );
  return (
    <div class="view">
      <PageHead title={t('nav.dutyItems')} lead={t('config.dutyItems.lead')} />
      <div class="filters card">
        <SearchBox id="duty-search" value={q} onInput={setQ} />
        <span class="muted">{t('common.loaded', { n: rows.length })}</span>
      </div>
      <Card>
        <div class="table-wrap tall">
          <table class="table" aria-label={t('nav.dutyItems')}>
            <thead>
              <tr>
                <SortTh col="name" label={t('field.name')} sort={sort} onSort={toggle} />
                <SortTh col="category" label={t('field.category')} sort={sort} onSort={toggle} />
                <SortTh col="kind" label={t('field.kind')} sort={sort} onSort={toggle} />
                <SortTh col="slaClass" label={t('field.slaClass')} sort={sort} onSort={toggle} />
                <SortTh col="lead" label={t('field.lead')} sort={sort} onSort={toggle} />
                <th scope="col">{t('field.co')}</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((d) => (
                <tr key={d.id}>
                  <td>
                    {d.name}
                    <div class="sub mono">{d.id}</div>
                  </td>
                  <td>{d.category}</td>
                  <td>
                    <span class={`pill kind-${d.kind}`}>{tv('dkind', d.kind)}</span>
                  </td>
                  <td>
                    <span class={`pill sla-${d.slaClass}`}>{tv('sla', d.slaClass)}</span>
                  </td>
                  <td>{leadOf(d)}</td>
                  <td class="co-units">
                    {[
                      ...d.coUnitIds.map((u) => refs.unitName(u)),
                      ...d.coFunctions.map((f) => tv('fn', f)),
                    ].join('、') || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </div>
  );
}

function UnitsTab(props: { refs: Refs; admin: boolean }) {
  const { refs } = props;
  const [q, setQ] = useState('');
  const rows = refs.units.filter((u) => !q || u.name.includes(q) || u.id.includes(q.toLowerCase()));
  const { sorted, sort, toggle } = useSort(
    rows,
    {
      name: (u) => u.name,
      kind: (u) => u.kind,
      street: (u) => (u.streetId ? refs.streetById.get(u.streetId)?.name : undefined),
      function: (u) => u.function,
    },
    { key: 'kind', dir: 'desc' },
  );
  return (
    <div class="view">
      <PageHead title={t('nav.units')} lead={t('config.units.lead')} />
      <div class="filters card">
        <SearchBox id="unit-search" value={q} onInput={setQ} />
        <span class="muted">{t('common.loaded', { n: rows.length })}</span>
      </div>
      <Card>
        <div class="table-wrap tall">
          <table class="table" aria-label={t('nav.units')}>
            <thead>
              <tr>
                <SortTh col="name" label={t('field.name')} sort={sort} onSort={toggle} />
                <SortTh col="kind" label={t('field.kind')} sort={sort} onSort={toggle} />
                <SortTh col="street" label={t('field.street')} sort={sort} onSort={toggle} />
                <SortTh col="function" label={t('field.function')} sort={sort} onSort={toggle} />
                {props.admin ? <th scope="col">{t('field.contacts')}</th> : null}
                {props.admin ? <th scope="col">{t('field.leader')}</th> : null}
              </tr>
            </thead>
            <tbody>
              {sorted.map((u) => (
                <tr key={u.id}>
                  <td>
                    {u.name}
                    <div class="sub mono">{u.id}</div>
                  </td>
                  <td>
                    <span class={`pill ${u.kind === 'street' ? 'info' : 'neutral'}`}>
                      {tv('ukind', u.kind)}
                    </span>
                  </td>
                  <td>{u.streetId ? (refs.streetById.get(u.streetId)?.name ?? u.streetId) : '—'}</td>
                  <td>{u.function ? tv('fn', u.function) : '—'}</td>
                  {props.admin ? (
                    <td>
                      <div class="mono">{u.contacts?.dutyPhone}</div>
                      <div class="sub mono">{u.contacts?.email}</div>
                    </td>
                  ) : null}
                  {props.admin ? (
                    <td>
                      {u.contacts?.leaderName}
                      <div class="sub mono">{u.contacts?.leaderPhone}</div>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </div>
  );
}

function SlaTab() {
  const data = useAsync(() => get(slaPoliciesSchema, '/v1/sla-policies'), []);
  return (
    <div class="view">
      <PageHead title={t('nav.sla')} lead={t('config.sla.lead')} />
      {data.error ? <ProblemBox error={data.error} onRetry={data.reload} /> : null}
      {!data.data ? (
        data.error ? null : (
          <Loading />
        )
      ) : (
        <div class="sla-grid">
          {data.data.items.map((p) => (
            <Card key={p.slaClass} class={`sla-card sla-${p.slaClass}`} title={tv('sla', p.slaClass)}>
              <div class="sla-clock">
                {t('config.clock')}: <strong>{tv('config.clock', p.clock)}</strong>
              </div>
              <dl class="sla-list">
                <dt>{t('stage.acknowledge')}</dt>
                <dd>{fmtDuration(p.acknowledge)}</dd>
                <dt>{t('stage.arrive')}</dt>
                <dd>{fmtDuration(p.arrive)}</dd>
                <dt>{t('stage.resolve')}</dt>
                <dd>{fmtDuration(p.resolve)}</dd>
                <dt>{t('config.returnWindow')}</dt>
                <dd>{fmtDuration(p.returnWindow)}</dd>
                <dt>{t('stage.feedback')}</dt>
                <dd>{fmtDuration(p.feedback)}</dd>
                <dt>{t('config.warnAt')}</dt>
                <dd>{Math.round(p.warnAt * 100)}%</dd>
                <dt>{t('config.level2After')}</dt>
                <dd>+{fmtDuration(p.level2After)}</dd>
                <dt>{t('config.level3After')}</dt>
                <dd>+{fmtDuration(p.level3After)}</dd>
                <dt>{t('config.extensionCol')}</dt>
                <dd>
                  {p.extension.allowed
                    ? t('config.extensionAllowed', { n: p.extension.maxWorkingDays })
                    : t('config.extensionNone')}
                </dd>
                {p.maxReopens !== undefined ? (
                  <>
                    <dt>{t('config.maxReopens')}</dt>
                    <dd>{p.maxReopens}</dd>
                  </>
                ) : null}
              </dl>
            </Card>
          ))}
        </div>
      )}
    </div>
  );
}

function CalendarTab(props: { route: Route; admin: boolean }) {
  const year = Number(props.route.query.get('year')) || new Date().getFullYear();
  const data = useAsync(() => get(calendarSchema, `/v1/calendar/${year}`), [year]);
  // The same warning /healthz gives operators: next year's notice not loaded from 1 November.
  const health = useAsync(
    () => (props.admin ? get(healthSchema, '/healthz') : Promise.resolve(undefined)),
    [props.admin, data.data],
  );
  return (
    <div class="view">
      <PageHead title={t('nav.calendar')} lead={t('config.calendar.lead')}>
        <fieldset class="btn-group">
          <legend class="sr-only">{t('config.year')}</legend>
          <button type="button" class="btn" onClick={() => navigate('config/calendar', { year: year - 1 })}>
            ← {year - 1}
          </button>
          <span class="btn-group-label" aria-live="polite">
            {year}
          </span>
          <button type="button" class="btn" onClick={() => navigate('config/calendar', { year: year + 1 })}>
            {year + 1} →
          </button>
        </fieldset>
      </PageHead>
      {(health.data?.warnings ?? []).map((w) => (
        <div class="notice" role="alert" key={w.year}>
          {t('config.calendar.unknownYear')
            .replace('{year}', String(w.year))
            .replace('{n}', String(w.openTickets))}
        </div>
      ))}
      {data.data && data.data.known === false ? (
        <div class="notice">{t('config.calendar.assumed')}</div>
      ) : null}
      {data.error ? <ProblemBox error={data.error} onRetry={data.reload} /> : null}
      {!data.data ? data.error ? null : <Loading /> : <YearGrid cal={data.data} />}
      {props.admin && data.data ? <CalendarEditor year={year} onSaved={data.reload} /> : null}
    </div>
  );
}

/** `2027-01-01..2027-01-03`, `2027-01-01 2027-01-03` or one date: the days of each line. */
function expandRanges(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/[\n,，;；]+/)) {
    const dates = line.match(/\d{4}-\d{2}-\d{2}/g) ?? [];
    const [from, to] = [dates[0], dates[1] ?? dates[0]];
    if (!from || !to) continue;
    for (let d = Date.parse(`${from}T00:00:00Z`); d <= Date.parse(`${to}T00:00:00Z`); d += 86_400_000)
      out.push(new Date(d).toISOString().slice(0, 10));
  }
  return [...new Set(out)];
}

/** An administrator enters the notice as published: holiday ranges and make-up days. */
function CalendarEditor(props: { year: number; onSaved: () => void }) {
  const [mode, setMode] = useState<'adjust' | 'replace'>('adjust');
  const [ranges, setRanges] = useState('');
  const [makeUp, setMakeUp] = useState('');
  const [source, setSource] = useState('');
  const [result, setResult] = useState<CalendarWritten | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const send = async (dryRun: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const body = {
        mode,
        holidays: expandRanges(ranges),
        workdays: expandRanges(makeUp),
        ...(source.trim() ? { source: source.trim() } : {}),
      };
      const r = await request(
        calendarWrittenSchema,
        'PUT',
        `/v1/calendar/${props.year}${dryRun ? '?dryRun=true' : ''}`,
        body,
      );
      setResult(r);
      if (!dryRun) props.onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('config.calendar.edit').replace('{year}', String(props.year))}>
      <p class="muted">{t('config.calendar.editLead')}</p>
      <div class="filters">
        <Field label={t('config.calendar.mode')} id="cal-mode">
          <select
            id="cal-mode"
            value={mode}
            onChange={(e) => setMode(e.currentTarget.value as 'adjust' | 'replace')}
          >
            <option value="adjust">{t('config.calendar.mode.adjust')}</option>
            <option value="replace">{t('config.calendar.mode.replace')}</option>
          </select>
        </Field>
        <Field label={t('config.calendar.ranges')} id="cal-ranges" wide>
          <textarea
            id="cal-ranges"
            rows={5}
            value={ranges}
            placeholder={`${props.year}-01-01..${props.year}-01-03`}
            onInput={(e) => setRanges(e.currentTarget.value)}
          />
        </Field>
        <Field label={t('config.calendar.makeUp')} id="cal-makeup" wide>
          <textarea
            id="cal-makeup"
            rows={3}
            value={makeUp}
            onInput={(e) => setMakeUp(e.currentTarget.value)}
          />
        </Field>
        <Field label={t('config.calendar.reference')} id="cal-source" wide>
          <input id="cal-source" value={source} onInput={(e) => setSource(e.currentTarget.value)} />
        </Field>
      </div>
      <div class="btn-row">
        <button type="button" class="btn" disabled={busy} onClick={() => send(true)}>
          {t('config.calendar.preview')}
        </button>
        <button type="button" class="btn primary" disabled={busy} onClick={() => send(false)}>
          {t('config.calendar.save')}
        </button>
      </div>
      {error ? <ProblemBox error={error} /> : null}
      {result ? (
        <div aria-live="polite">
          <p>
            {(result.dryRun ? t('config.calendar.wouldMove') : t('config.calendar.moved')).replace(
              '{n}',
              String(result.moved.length),
            )}
          </p>
          {result.moved.length ? (
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">{t('config.calendar.ticket')}</th>
                  <th scope="col">{t('config.calendar.change')}</th>
                </tr>
              </thead>
              <tbody>
                {result.moved.map((m) => (
                  <tr key={m.ticketId}>
                    <td>
                      <a href={`#/tickets/${m.ticketId}`}>{m.code}</a>
                    </td>
                    <td>
                      {m.moves
                        .filter((x) => x.field === 'dueAt')
                        .map(
                          (x) =>
                            `${tv('stage', x.stage)}: ${x.before.slice(0, 16)} → ${x.after.slice(0, 16)}`,
                        )
                        .join('；') || t('config.calendar.otherInstants')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}

function YearGrid(props: { cal: CalendarYear }) {
  const { cal } = props;
  const off = useMemo(() => new Set(cal.holidays), [cal]);
  const extra = useMemo(() => new Set(cal.workdays), [cal]);
  const weekdays = [...t('weekday.short')];
  return (
    <>
      <div class="cal-legend card">
        <span>
          {t('config.source')}: <strong>{tv('config.source', cal.source)}</strong>
          {cal.reference ? <span class="muted"> · {cal.reference}</span> : null}
        </span>
        <span class="legend-item">
          <span class="cal-swatch holiday" /> {t('config.holiday')} ({cal.holidays.length})
        </span>
        <span class="legend-item">
          <span class="cal-swatch workday" /> {t('config.workday')} ({cal.workdays.length})
        </span>
        <span class="legend-item">
          <span class="cal-swatch weekend" /> {t('config.weekend')}
        </span>
      </div>
      {cal.holidays.length + cal.workdays.length === 0 && cal.source === 'assumed' ? <Empty /> : null}
      <div class="cal-grid">
        {Array.from({ length: 12 }, (_, m) => {
          const first = new Date(Date.UTC(cal.year, m, 1));
          const days = new Date(Date.UTC(cal.year, m + 1, 0)).getUTCDate();
          const lead = (first.getUTCDay() + 6) % 7; // Monday first, as Chinese calendars are
          const monthLabel = `${cal.year}-${String(m + 1).padStart(2, '0')}`;
          return (
            <Card key={m} class="cal-month" title={monthLabel}>
              <table class="cal" aria-label={monthLabel}>
                <thead>
                  <tr>
                    {weekdays.map((w, i) => (
                      <th scope="col" class="cal-dow" key={`${w}${i}`}>
                        {w}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {Array.from({ length: Math.ceil((lead + days) / 7) }, (_, week) => (
                    <tr key={week}>
                      {Array.from({ length: 7 }, (_, dow) => {
                        const day = week * 7 + dow - lead + 1;
                        if (day < 1 || day > days) return <td key={dow} class="cal-day" />;
                        const date = `${monthLabel}-${String(day).padStart(2, '0')}`;
                        const cls = off.has(date)
                          ? 'holiday'
                          : extra.has(date)
                            ? 'workday'
                            : dow >= 5
                              ? 'weekend'
                              : '';
                        const title = off.has(date)
                          ? t('config.holiday')
                          : extra.has(date)
                            ? t('config.workday')
                            : undefined;
                        return (
                          <td key={dow} class={`cal-day ${cls}`} title={title}>
                            <span>{day}</span>
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          );
        })}
      </div>
    </>
  );
}
