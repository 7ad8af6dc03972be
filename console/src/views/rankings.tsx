/**
 * Unit rankings (GET /v1/metrics/units): the 三率 and breaches per unit for a period, as a
 * sortable table, a bar chart of the three rates, and a weekly trend (one metrics call per week).
 */
import { useMemo, useState } from 'preact/hooks';
import { leagueTable, previousPeriod, type Ranked, scoreWeights } from '../../../shared/domain/rankings';
import { get, qs } from '../api';
import { Chart, type ChartOption, palette } from '../chart';
import {
  Card,
  Empty,
  ExportBar,
  Field,
  Loading,
  PageHead,
  ProblemBox,
  SortTh,
  TableWrap,
  useAsync,
  useSort,
} from '../components';
import { fmtRate, fmtTime, shanghaiDate, shortName, toShanghai } from '../format';
import { t } from '../i18n';
import { type Refs, useRefs } from '../refs';
import { navigate, type Route } from '../router';
import {
  type Metrics,
  type MetricsRow,
  metricsSchema,
  type StreetMetricsRow,
  streetMetricsSchema,
} from '../schemas';

const WEEKS = 8;
const TOP = 12;
const DAY = 86_400_000;

interface Week {
  label: string;
  received: number;
  breaches: number;
  responseRate: number | null;
  satisfactionRate: number | null;
}

function totals(items: MetricsRow[]) {
  const sum = (f: (r: MetricsRow) => number) => items.reduce((n, r) => n + f(r), 0);
  const received = sum((r) => r.received);
  const verdicts = sum((r) => r.verdicts);
  const resolvable = sum((r) => r.resolved + ((r as { overdueOpen?: number }).overdueOpen ?? 0));
  return {
    received,
    breaches: sum((r) => r.breaches),
    responseRate: received ? sum((r) => r.acknowledgedOnTime) / received : null,
    resolutionRate: resolvable ? sum((r) => r.resolvedOnTime) / resolvable : null,
    satisfactionRate: verdicts ? sum((r) => r.satisfied) / verdicts : null,
  };
}

interface Tables {
  period: Metrics;
  units: Ranked<MetricsRow>[];
  streets: Ranked<StreetMetricsRow>[];
  before: { from: string; to: string };
  weeks: Week[];
}

async function loadRankings(from: string, to: string): Promise<Tables> {
  const period = await get(metricsSchema, `/v1/metrics/units${qs({ from, to })}`);
  const before = previousPeriod(period.from ?? '', period.to ?? '');
  const [prevUnits, streets, prevStreets] = await Promise.all([
    get(metricsSchema, `/v1/metrics/units${qs(before)}`),
    get(streetMetricsSchema, `/v1/metrics/streets${qs({ from: period.from, to: period.to })}`),
    get(streetMetricsSchema, `/v1/metrics/streets${qs(before)}`),
  ]);
  const units = leagueTable(
    period.items.filter((r) => r.received > 0),
    prevUnits.items,
    (r) => r.unitId,
  );
  const streetTable = leagueTable(streets.items, prevStreets.items, (r) => r.streetId);
  // The server's clock may be simulated: weeks count back from the period's end as it reports it.
  const end = Date.parse(period.to ?? new Date().toISOString());
  const windows = Array.from({ length: WEEKS }, (_, i) => {
    const wFrom = end - (WEEKS - i) * 7 * DAY;
    const wTo = end - (WEEKS - 1 - i) * 7 * DAY;
    return { wFrom, wTo };
  });
  const results = await Promise.all(
    windows.map(({ wFrom, wTo }) =>
      get(
        metricsSchema,
        `/v1/metrics/units${qs({ from: toShanghai(new Date(wFrom).toISOString()), to: toShanghai(new Date(wTo).toISOString()) })}`,
      ),
    ),
  );
  const weeks = results.map((r, i) => ({
    label: shanghaiDate((windows[i]?.wFrom ?? 0) + DAY).slice(5),
    ...totals(r.items),
  }));
  return { period, units, streets: streetTable, before, weeks };
}

function RateCell(props: { r: number | null }) {
  const { r } = props;
  const tone = r === null ? '' : r >= 0.9 ? 'good' : r >= 0.7 ? 'fair' : 'poor';
  return (
    <td class="num rate">
      <span class="rate-value">{fmtRate(r)}</span>
      <span class="rate-track" aria-hidden="true">
        <span class={`rate-fill ${tone}`} style={{ width: `${(r ?? 0) * 100}%` }} />
      </span>
    </td>
  );
}

export function RankingsView(props: { route: Route }) {
  const { refs } = useRefs();
  const from = props.route.query.get('from') ?? '';
  const to = props.route.query.get('to') ?? '';
  const data = useAsync(() => loadRankings(from, to), [from, to]);
  const [showAll, setShowAll] = useState(false);
  const [draft, setDraft] = useState({ from, to });

  const serverNow = data.data?.period.to ? Date.parse(data.data.period.to) : Date.now();
  const preset = (days: number) =>
    navigate('rankings', { from: shanghaiDate(serverNow - (days - 1) * DAY), to: shanghaiDate(serverNow) });

  const items = data.data?.period.items ?? [];
  const rows = showAll ? items : items.filter((r) => r.received > 0 || r.breaches > 0);
  const sum = totals(items);

  return (
    <div class="view">
      <PageHead title={t('rankings.title')} lead={t('rankings.lead')}>
        <fieldset class="btn-group">
          <legend class="sr-only">{t('rankings.period')}</legend>
          <button type="button" class="btn" onClick={() => preset(7)}>
            {t('rankings.last7')}
          </button>
          <button type="button" class="btn" onClick={() => preset(30)}>
            {t('rankings.last30')}
          </button>
          <button type="button" class="btn" onClick={() => preset(90)}>
            {t('rankings.last90')}
          </button>
        </fieldset>
      </PageHead>

      <form
        class="filters card"
        onSubmit={(e) => {
          e.preventDefault();
          navigate('rankings', draft);
        }}
      >
        <Field label={t('common.from')} id="r-from">
          <input
            id="r-from"
            type="date"
            value={draft.from || (data.data?.period.from ?? '').slice(0, 10)}
            onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })}
          />
        </Field>
        <Field label={t('common.to')} id="r-to">
          <input
            id="r-to"
            type="date"
            value={draft.to || (data.data?.period.to ?? '').slice(0, 10)}
            onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })}
          />
        </Field>
        <div class="filter-buttons">
          <button type="submit" class="btn btn-primary">
            {t('common.search')}
          </button>
        </div>
        <label class="check">
          <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.currentTarget.checked)} />
          {t('rankings.showAll')}
        </label>
      </form>

      {data.error ? <ProblemBox error={data.error} onRetry={data.reload} /> : null}
      {!data.data ? (
        data.error ? null : (
          <Loading />
        )
      ) : (
        <>
          <div class="kpis">
            <div class="kpi">
              <div class="kpi-label">{t('rankings.totalReceived')}</div>
              <div class="kpi-value">{sum.received}</div>
            </div>
            <div class="kpi kpi-lv3">
              <div class="kpi-label">{t('rankings.totalBreaches')}</div>
              <div class="kpi-value">{sum.breaches}</div>
            </div>
            <div class="kpi">
              <div class="kpi-label">{t('rankings.avgResponse')}</div>
              <div class="kpi-value">{fmtRate(sum.responseRate)}</div>
            </div>
            <div class="kpi">
              <div class="kpi-label">{t('rankings.avgResolution')}</div>
              <div class="kpi-value">{fmtRate(sum.resolutionRate)}</div>
            </div>
            <div class="kpi">
              <div class="kpi-label">{t('rankings.avgSatisfaction')}</div>
              <div class="kpi-value">{fmtRate(sum.satisfactionRate)}</div>
            </div>
          </div>
          <div class="grid-2">
            <Card title={t('rankings.chart', { n: TOP })}>
              {rows.length ? <RatesChart rows={rows} refs={refs} /> : <Empty />}
            </Card>
            <Card title={t('rankings.trend', { n: WEEKS })}>
              <TrendChart weeks={data.data.weeks} />
            </Card>
          </div>
          <Definitions before={data.data.before} />
          <Card
            title={t('rankings.streets')}
            id="street-ranking"
            actions={<ExportBar path="/v1/exports/rankings" query={{ from, to, of: 'streets' }} />}
          >
            <LeagueTable
              label={t('rankings.streets')}
              rows={data.data.streets}
              name={(r) => refs?.streetById.get(r.streetId)?.name ?? r.streetId}
            />
          </Card>
          <Card
            title={t('rankings.units')}
            id="unit-ranking"
            actions={<ExportBar path="/v1/exports/rankings" query={{ from, to, of: 'units' }} />}
          >
            <LeagueTable
              label={t('rankings.units')}
              rows={data.data.units}
              name={(r) => refs?.unitName(r.unitId) ?? r.unitId}
            />
          </Card>
          <Card title={t('rankings.table')}>
            {rows.length ? <RankingTable rows={rows} refs={refs} /> : <Empty />}
          </Card>
        </>
      )}
    </div>
  );
}

function RatesChart(props: { rows: MetricsRow[]; refs: Refs | undefined }) {
  const option = useMemo((): ChartOption => {
    const top = [...props.rows]
      .sort((a, b) => b.received - a.received)
      .slice(0, TOP)
      .reverse();
    const names = top.map((r) => shortName(props.refs?.unitName(r.unitId) ?? r.unitId));
    const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);
    const series = (name: string, color: string, f: (r: MetricsRow) => number | null) => ({
      name,
      type: 'bar',
      data: top.map((r) => pct(f(r))),
      itemStyle: { color, borderRadius: [0, 3, 3, 0] },
      barMaxWidth: 10,
    });
    return {
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        valueFormatter: (v: unknown) => (v === null ? '—' : `${v}%`),
      },
      legend: { top: 0, itemWidth: 12, itemHeight: 8 },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: {
        type: 'value',
        max: 100,
        axisLabel: { formatter: '{value}%' },
        splitLine: { lineStyle: { color: palette.grid } },
      },
      yAxis: {
        type: 'category',
        data: names,
        axisTick: { show: false },
        axisLine: { lineStyle: { color: palette.grid } },
        // Names wrap rather than being cut: the grid makes room for them (containLabel).
        axisLabel: { width: 112, overflow: 'break', lineHeight: 14 },
      },
      series: [
        series(t('rankings.responseRate'), palette.response, (r) => r.responseRate),
        series(t('rankings.resolutionRate'), palette.resolution, (r) => r.resolutionRate),
        series(t('rankings.satisfactionRate'), palette.satisfaction, (r) => r.satisfactionRate),
      ],
    };
  }, [props.rows, props.refs]);
  const n = Math.min(TOP, props.rows.length);
  return (
    <Chart option={option} height={Math.max(220, 60 + n * 34)} label={t('rankings.chart', { n: TOP })} />
  );
}

function TrendChart(props: { weeks: Week[] }) {
  const option = useMemo(
    (): ChartOption => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0, itemWidth: 12, itemHeight: 8 },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: {
        type: 'category',
        data: props.weeks.map((w) => w.label),
        axisTick: { show: false },
        axisLine: { lineStyle: { color: palette.grid } },
      },
      yAxis: [
        { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: palette.grid } } },
        { type: 'value', max: 100, min: 0, axisLabel: { formatter: '{value}%' }, splitLine: { show: false } },
      ],
      series: [
        {
          name: t('rankings.received'),
          type: 'bar',
          data: props.weeks.map((w) => w.received),
          itemStyle: { color: palette.received, borderRadius: [3, 3, 0, 0] },
          barMaxWidth: 18,
        },
        {
          name: t('rankings.breaches'),
          type: 'bar',
          data: props.weeks.map((w) => w.breaches),
          itemStyle: { color: palette.breaches, borderRadius: [3, 3, 0, 0] },
          barMaxWidth: 18,
        },
        {
          name: t('rankings.responseRate'),
          type: 'line',
          yAxisIndex: 1,
          smooth: true,
          connectNulls: true,
          data: props.weeks.map((w) =>
            w.responseRate === null ? null : Math.round(w.responseRate * 1000) / 10,
          ),
          itemStyle: { color: palette.response },
        },
        {
          name: t('rankings.satisfactionRate'),
          type: 'line',
          yAxisIndex: 1,
          smooth: true,
          connectNulls: true,
          data: props.weeks.map((w) =>
            w.satisfactionRate === null ? null : Math.round(w.satisfactionRate * 1000) / 10,
          ),
          itemStyle: { color: palette.satisfaction },
        },
      ],
    }),
    [props.weeks],
  );
  return <Chart option={option} height={300} label={t('rankings.trend', { n: WEEKS })} />;
}

function RankingTable(props: { rows: MetricsRow[]; refs: Refs | undefined }) {
  const name = (id: string) => props.refs?.unitName(id) ?? id;
  const { sorted, sort, toggle } = useSort(
    props.rows,
    {
      unit: (r) => name(r.unitId),
      received: (r) => r.received,
      acknowledgedOnTime: (r) => r.acknowledgedOnTime,
      responseRate: (r) => r.responseRate,
      resolved: (r) => r.resolved,
      resolutionRate: (r) => r.resolutionRate,
      verdicts: (r) => r.verdicts,
      satisfactionRate: (r) => r.satisfactionRate,
      returned: (r) => r.returned,
      reopened: (r) => r.reopened,
      breaches: (r) => r.breaches,
    },
    { key: 'responseRate', dir: 'desc' },
  );
  const th = (col: string, label: string, num = true) => (
    <SortTh col={col} label={label} sort={sort} onSort={toggle} num={num} />
  );
  return (
    <TableWrap label={t('rankings.table')} tall>
      <table class="table" aria-label={t('rankings.table')}>
        <thead>
          <tr>
            <th scope="col" class="num">
              {t('field.rank')}
            </th>
            {th('unit', t('field.unit'), false)}
            {th('received', t('rankings.received'))}
            {th('acknowledgedOnTime', t('rankings.ackOnTime'))}
            {th('responseRate', t('rankings.responseRate'))}
            {th('resolved', t('rankings.resolved'))}
            {th('resolutionRate', t('rankings.resolutionRate'))}
            {th('verdicts', t('rankings.verdicts'))}
            {th('satisfactionRate', t('rankings.satisfactionRate'))}
            {th('returned', t('rankings.returned'))}
            {th('reopened', t('rankings.reopened'))}
            {th('breaches', t('rankings.breaches'))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r, i) => (
            <tr key={r.unitId}>
              <td class="num rank">{i + 1}</td>
              <td>{name(r.unitId)}</td>
              <td class="num">{r.received}</td>
              <td class="num">{r.acknowledgedOnTime}</td>
              <RateCell r={r.responseRate} />
              <td class="num">{r.resolved}</td>
              <RateCell r={r.resolutionRate} />
              <td class="num">{r.verdicts}</td>
              <RateCell r={r.satisfactionRate} />
              <td class="num">{r.returned}</td>
              <td class="num">{r.reopened}</td>
              <td class={`num ${r.breaches ? 'bad' : ''}`}>{r.breaches}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** Every figure on the page, defined; the score's formula with its weights. */
function Definitions(props: { before: { from: string; to: string } }) {
  const pct = (x: number) => Math.round(x * 100);
  return (
    <Card title={t('rankings.definitions')} id="definitions">
      <p class="formula" data-testid="score-formula">
        {t('rankings.formula', {
          r: pct(scoreWeights.responseRate),
          s: pct(scoreWeights.resolutionRate),
          f: pct(scoreWeights.satisfactionRate),
        })}
      </p>
      <dl class="defs">
        <dt>{t('rankings.responseRate')}</dt>
        <dd>{t('rankings.def.response')}</dd>
        <dt>{t('rankings.resolutionRate')}</dt>
        <dd>{t('rankings.def.resolution')}</dd>
        <dt>{t('rankings.satisfactionRate')}</dt>
        <dd>{t('rankings.def.satisfaction')}</dd>
        <dt>{t('rankings.breaches')}</dt>
        <dd>{t('rankings.def.breaches')}</dd>
        <dt>{t('rankings.streets')}</dt>
        <dd>{t('rankings.def.streetResponse')}</dd>
      </dl>
      <p class="muted small">
        {t('rankings.previous', {
          from: fmtTime(props.before.from, true),
          to: fmtTime(props.before.to, true),
        })}
      </p>
    </Card>
  );
}

function Change(props: { rank: number | null; score: number | null; hasPrevious: boolean }) {
  if (!props.hasPrevious) return <span class="muted">{t('rankings.new')}</span>;
  const parts: string[] = [];
  if (props.score !== null) parts.push(`${props.score > 0 ? '+' : ''}${props.score}`);
  const r = props.rank;
  const arrow = r === null || r === 0 ? '' : r > 0 ? '▲' : '▼';
  return (
    <span class={r && r > 0 ? 'up' : r && r < 0 ? 'down' : ''}>
      {parts.join(' ')}
      {arrow ? (
        <span
          class="rank-move"
          title={r && r > 0 ? t('rankings.up', { n: r }) : t('rankings.down', { n: Math.abs(r ?? 0) })}
        >
          {' '}
          {arrow}
          {Math.abs(r ?? 0)}
          <span class="sr-only">
            {r && r > 0 ? t('rankings.up', { n: r }) : t('rankings.down', { n: Math.abs(r ?? 0) })}
          </span>
        </span>
      ) : null}
    </span>
  );
}

function LeagueTable<T extends MetricsRow | StreetMetricsRow>(props: {
  label: string;
  rows: Ranked<T>[];
  name: (r: T) => string;
}) {
  if (!props.rows.length) return <Empty />;
  return (
    <TableWrap label={props.label}>
      <table class="table cards" aria-label={props.label}>
        <thead>
          <tr>
            <th scope="col" class="num">
              {t('field.rank')}
            </th>
            <th scope="col">{t('field.name')}</th>
            <th scope="col" class="num">
              {t('rankings.score')}
            </th>
            <th scope="col" class="num">
              {t('rankings.scoreChange')}
            </th>
            <th scope="col" class="num">
              {t('rankings.received')}
            </th>
            <th scope="col" class="num">
              {t('rankings.responseRate')}
            </th>
            <th scope="col" class="num">
              {t('rankings.resolutionRate')}
            </th>
            <th scope="col" class="num">
              {t('rankings.satisfactionRate')}
            </th>
            <th scope="col" class="num">
              {t('rankings.breaches')}
            </th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={props.name(r.row)}>
              <td class="num rank" data-label={t('field.rank')}>
                {r.rank ?? '—'}
              </td>
              <th scope="row" class="card-title">
                {props.name(r.row)}
              </th>
              <td class="num score" data-label={t('rankings.score')}>
                {r.score ?? '—'}
              </td>
              <td class="num" data-label={t('rankings.scoreChange')}>
                <Change rank={r.rankChange} score={r.scoreChange} hasPrevious={Boolean(r.previous?.score)} />
              </td>
              <td class="num" data-label={t('rankings.received')}>
                {r.row.received}
              </td>
              <td class="num" data-label={t('rankings.responseRate')}>
                {fmtRate(r.row.responseRate)}
              </td>
              <td class="num" data-label={t('rankings.resolutionRate')}>
                {fmtRate(r.row.resolutionRate)}
              </td>
              <td class="num" data-label={t('rankings.satisfactionRate')}>
                {fmtRate(r.row.satisfactionRate)}
              </td>
              <td class={`num ${r.row.breaches ? 'bad' : ''}`} data-label={t('rankings.breaches')}>
                {r.row.breaches}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
