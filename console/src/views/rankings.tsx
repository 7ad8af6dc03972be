/**
 * Unit rankings (GET /v1/metrics/units): the 三率 and breaches per unit for a period, as a
 * sortable table, a bar chart of the three rates, and a weekly trend (one metrics call per week).
 */
import { useMemo, useState } from 'preact/hooks';
import { get, qs } from '../api';
import { Chart, type ChartOption, palette } from '../chart';
import { Card, Empty, Field, Loading, PageHead, ProblemBox, SortTh, useAsync, useSort } from '../components';
import { fmtRate, shanghaiDate, shortName, toShanghai } from '../format';
import { t } from '../i18n';
import { type Refs, useRefs } from '../refs';
import { navigate, type Route } from '../router';
import { type Metrics, type MetricsRow, metricsSchema } from '../schemas';

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
  return {
    received,
    breaches: sum((r) => r.breaches),
    responseRate: received ? sum((r) => r.acknowledgedOnTime) / received : null,
    satisfactionRate: verdicts ? sum((r) => r.satisfied) / verdicts : null,
  };
}

async function loadRankings(from: string, to: string): Promise<{ period: Metrics; weeks: Week[] }> {
  const period = await get(metricsSchema, `/v1/metrics/units${qs({ from, to })}`);
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
  return { period, weeks };
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
        axisLabel: { width: 150, overflow: 'truncate' },
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
    <div class="table-wrap tall">
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
    </div>
  );
}
