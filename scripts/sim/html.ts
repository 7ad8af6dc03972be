/**
 * The simulation reports as self-contained HTML pages: inline CSS and inline SVG charts, no
 * script and nothing fetched, so a page can be mailed or archived as one file. Labels are
 * Chinese with the English beside them (the console's audience reads Chinese first).
 */
import { escapeMarkup } from '../../functions/lib/markup';
import type { HeatReport } from './heat';
import type { Comparison, SeriesRow, SimReport, UnitRow } from './report';

const palette = {
  ink: '#1f2933',
  muted: '#6b7785',
  grid: '#e4e7eb',
  blue: '#2f6fde',
  teal: '#12a39a',
  amber: '#e0a100',
  orange: '#e8590c',
  red: '#c92a2a',
  violet: '#7048e8',
  grey: '#9aa5b1',
};
const levelColor = { 1: palette.amber, 2: palette.orange, 3: palette.red } as const;

const esc = (s: unknown): string => escapeMarkup(String(s));

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`;
const num = (x: number) => x.toLocaleString('en-US');
const signed = (x: number) => (x > 0 ? `+${num(x)}` : num(x));
const signedPct = (x: number | null) => (x === null ? '—' : `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)} pt`);

// ---------------------------------------------------------------------------------------------
// Charts (inline SVG)
// ---------------------------------------------------------------------------------------------

interface Series {
  name: string;
  color: string;
  values: number[];
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function legend(series: readonly Series[], x: number, y: number): string {
  let cx = x;
  return series
    .map((s) => {
      const item = `<rect x="${cx}" y="${y - 9}" width="10" height="10" fill="${s.color}" rx="2"/><text x="${cx + 14}" y="${y}" font-size="11" fill="${palette.ink}">${esc(s.name)}</text>`;
      cx += 24 + s.name.length * 7;
      return item;
    })
    .join('');
}

function yAxis(max: number, x0: number, x1: number, y0: number, h: number): string {
  const ticks = 4;
  let out = '';
  for (let i = 0; i <= ticks; i += 1) {
    const v = (max / ticks) * i;
    const y = y0 + h - (h * i) / ticks;
    out += `<line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke="${palette.grid}"/>`;
    out += `<text x="${x0 - 6}" y="${y + 4}" font-size="10" text-anchor="end" fill="${palette.muted}">${esc(num(Math.round(v * 10) / 10))}</text>`;
  }
  return out;
}

/** Grouped vertical bars: one group per category, one bar per series. */
export function barChart(title: string, categories: readonly string[], series: readonly Series[]): string {
  const w = 640;
  const h = 260;
  const left = 48;
  const top = 34;
  const plotH = h - top - 46;
  const plotW = w - left - 12;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const groupW = plotW / Math.max(1, categories.length);
  const barW = Math.max(2, Math.min(28, (groupW * 0.75) / Math.max(1, series.length)));
  let bars = '';
  categories.forEach((c, i) => {
    const gx = left + i * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const bh = (v / max) * plotH;
      const x = gx + j * barW;
      const y = top + plotH - bh;
      bars += `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="${s.color}"><title>${esc(`${c} · ${s.name}: ${num(v)}`)}</title></rect>`;
      if (v > 0 && barW >= 14)
        bars += `<text x="${(x + barW / 2).toFixed(1)}" y="${(y - 3).toFixed(1)}" font-size="9" text-anchor="middle" fill="${palette.muted}">${num(v)}</text>`;
    });
    bars += `<text x="${(left + i * groupW + groupW / 2).toFixed(1)}" y="${top + plotH + 16}" font-size="11" text-anchor="middle" fill="${palette.ink}">${esc(c)}</text>`;
  });
  return `<figure class="bar"><svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}"><text x="0" y="14" font-size="13" font-weight="600" fill="${palette.ink}">${esc(title)}</text>${yAxis(max, left, w - 12, top, plotH)}${bars}${legend(series, left, h - 8)}</svg></figure>`;
}

/** Lines over time (volumes, breaches). */
export function lineChart(title: string, labels: readonly string[], series: readonly Series[]): string {
  const w = 960;
  const h = 280;
  const left = 52;
  const top = 34;
  const plotH = h - top - 52;
  const plotW = w - left - 16;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const n = Math.max(1, labels.length - 1);
  const x = (i: number) => left + (plotW * i) / n;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const every = Math.max(1, Math.ceil(labels.length / 12));
  let out = yAxis(max, left, w - 16, top, plotH);
  labels.forEach((l, i) => {
    if (i % every === 0)
      out += `<text x="${x(i).toFixed(1)}" y="${top + plotH + 16}" font-size="10" text-anchor="middle" fill="${palette.muted}">${esc(l)}</text>`;
  });
  for (const s of series) {
    const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out += `<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"/>`;
    if (labels.length <= 60)
      s.values.forEach((v, i) => {
        out += `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.2" fill="${s.color}"><title>${esc(`${labels[i]} · ${s.name}: ${num(v)}`)}</title></circle>`;
      });
  }
  return `<figure class="wide"><svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}"><text x="0" y="14" font-size="13" font-weight="600" fill="${palette.ink}">${esc(title)}</text>${out}${legend(series, left, h - 8)}</svg></figure>`;
}

/** Horizontal bars, one row per item (rankings). */
export function hbarChart(
  title: string,
  rows: readonly { label: string; value: number; color: string; note?: string }[],
  format: (v: number) => string,
  max?: number,
): string {
  const w = 640;
  const rowH = 20;
  const labelW = 250;
  const top = 28;
  const h = top + rows.length * rowH + 8;
  const top1 = max ?? niceMax(Math.max(0, ...rows.map((r) => r.value)));
  const plotW = w - labelW - 70;
  const body = rows
    .map((r, i) => {
      const y = top + i * rowH;
      const bw = (Math.max(0, r.value) / top1) * plotW;
      return `<text x="${labelW - 6}" y="${y + 13}" font-size="11" text-anchor="end" fill="${palette.ink}">${esc(r.label)}</text><rect x="${labelW}" y="${y + 3}" width="${bw.toFixed(1)}" height="${rowH - 6}" fill="${r.color}" rx="2"><title>${esc(`${r.label}: ${format(r.value)}${r.note ? ` (${r.note})` : ''}`)}</title></rect><text x="${(labelW + bw + 4).toFixed(1)}" y="${y + 13}" font-size="10" fill="${palette.muted}">${esc(format(r.value))}${r.note ? ` · ${esc(r.note)}` : ''}</text>`;
    })
    .join('');
  return `<figure class="rank"><svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}"><text x="0" y="14" font-size="13" font-weight="600" fill="${palette.ink}">${esc(title)}</text>${body}</svg></figure>`;
}

// ---------------------------------------------------------------------------------------------
// Page pieces
// ---------------------------------------------------------------------------------------------

const css = `
:root{color-scheme:light}
body{font:14px/1.5 -apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",system-ui,sans-serif;color:${palette.ink};margin:0;background:#f5f7fa}
main{max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 10px;border-bottom:1px solid ${palette.grid};padding-bottom:4px}
.sub{color:${palette.muted};margin:0 0 16px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.tile{background:#fff;border:1px solid ${palette.grid};border-radius:8px;padding:10px 12px}
.tile b{display:block;font-size:22px}.tile span{color:${palette.muted};font-size:12px}
figure{margin:12px 0;background:#fff;border:1px solid ${palette.grid};border-radius:8px;padding:12px}
figure svg{width:100%;height:auto;display:block}
figure.rank svg,figure.bar svg{max-width:720px}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:12px}
.grid2 figure{margin:0}
table{border-collapse:collapse;width:100%;background:#fff;font-size:12.5px}
th,td{border-bottom:1px solid ${palette.grid};padding:4px 8px;text-align:right;white-space:nowrap}
th{background:#eef1f5;position:sticky;top:0}
td:first-child,th:first-child,td.l{text-align:left;white-space:normal}
tr.chronic td{background:#fff4e6}
.bad{color:${palette.red};font-weight:600}.good{color:${palette.teal};font-weight:600}
.note{color:${palette.muted};font-size:12px}
.scroll{max-height:560px;overflow:auto;border:1px solid ${palette.grid};border-radius:8px}
code{background:#eef1f5;padding:0 4px;border-radius:3px}
`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${css}</style></head><body><main>${body}</main></body></html>\n`;
}

function tiles(items: readonly [string, string, string?][]): string {
  return `<div class="tiles">${items.map(([v, l, cls]) => `<div class="tile"><b class="${cls ?? ''}">${esc(v)}</b><span>${esc(l)}</span></div>`).join('')}</div>`;
}

function kv(title: string, rec: Record<string, number>, labels: Record<string, string> = {}): string {
  const rows = Object.entries(rec).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((n, [, v]) => n + v, 0);
  return `<table><thead><tr><th>${esc(title)}</th><th>n</th><th>%</th></tr></thead><tbody>${rows
    .map(
      ([k, v]) =>
        `<tr><td>${esc(labels[k] ? `${labels[k]} · ${k}` : k)}</td><td>${num(v)}</td><td>${total ? ((100 * v) / total).toFixed(1) : '—'}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

const stageLabel: Record<string, string> = {
  acknowledge: '签收 acknowledge',
  arrive: '到场 arrive',
  resolve: '办结 resolve',
  feedback: '回访 feedback',
};
const channelLabel: Record<string, string> = {
  grid: '网格巡查',
  hotline: '热线',
  market_day: '赶集日',
  night_patrol: '夜巡',
  walk_in: '来访',
  online: '网上',
};
const classLabel: Record<string, string> = { urgent: '紧急', fast: '快速', general: '一般', complex: '复杂' };
const statusLabel: Record<string, string> = {
  received: '已受理',
  dispatched: '已派单',
  acknowledged: '已签收',
  in_progress: '办理中',
  resolved: '已办结',
  closed: '已关闭',
  reopened: '重办',
  returned: '已退单',
  cancelled: '已撤销',
};

function stageLevelChart(
  title: string,
  byStage: Record<string, { 1: number; 2: number; 3: number }>,
): string {
  const stages = ['acknowledge', 'arrive', 'resolve'].filter((s) => byStage[s]);
  return barChart(
    title,
    stages.map((s) => stageLabel[s] ?? s),
    ([1, 2, 3] as const).map((l) => ({
      name: `level ${l}${l === 1 ? ' 超时' : l === 2 ? ' 督办' : ' 通报'}`,
      color: levelColor[l],
      values: stages.map((s) => byStage[s]?.[l] ?? 0),
    })),
  );
}

function seriesChart(r: SimReport): string {
  const rows: SeriesRow[] = r.series.rows;
  const unit =
    r.series.bucket === 'week'
      ? 'per week 每周'
      : r.series.bucket === 'day'
        ? 'per day 每日'
        : 'per hour 每小时';
  return lineChart(
    `Tickets and breaches ${unit}`,
    rows.map((x) => x.label),
    [
      { name: 'created 新建', color: palette.blue, values: rows.map((x) => x.created) },
      { name: 'closed 关闭', color: palette.teal, values: rows.map((x) => x.closed) },
      { name: 'deadlines missed 超时', color: palette.amber, values: rows.map((x) => x.breaches) },
      { name: 'escalations L2–3 升级', color: palette.red, values: rows.map((x) => x.escalations) },
    ],
  );
}

function unitTable(units: readonly UnitRow[]): string {
  const ranked = [...units]
    .filter((u) => u.received > 0)
    .sort(
      (a, b) =>
        (a.resolutionRate ?? 1) - (b.resolutionRate ?? 1) || (a.responseRate ?? 1) - (b.responseRate ?? 1),
    );
  const rate = (x: number | null, bad: number) =>
    `<td class="${x !== null && x < bad ? 'bad' : ''}">${pct(x)}</td>`;
  return `<div class="scroll"><table><thead><tr><th>unit 承办单位</th><th>received 受理</th><th>response 响应率</th><th>resolution 办结率</th><th>satisfaction 满意率</th><th>L1</th><th>L2</th><th>L3</th><th>returned 退单</th><th>reopened 重办</th><th>no verdict</th></tr></thead><tbody>${ranked
    .map(
      (u) =>
        `<tr class="${u.chronic ? 'chronic' : ''}"><td>${esc(u.name)}${u.chronic ? ' <span class="note">(modelled as chronically late)</span>' : ''}<br><span class="note">${esc(u.unitId)}</span></td><td>${num(u.received)}</td>${rate(u.responseRate, 0.9)}${rate(u.resolutionRate, 0.85)}${rate(u.satisfactionRate, 0.9)}<td>${num(u.breachesByLevel[1])}</td><td>${num(u.breachesByLevel[2])}</td><td>${num(u.breachesByLevel[3])}</td><td>${num(u.returned)}</td><td>${num(u.reopened)}</td><td>${num(u.noVerdict)}</td></tr>`,
    )
    .join('')}</tbody></table></div>`;
}

function worstUnits(units: readonly UnitRow[], n = 15): string {
  const rows = [...units]
    .filter((u) => u.resolved + u.overdueOpen >= 5 && u.resolutionRate !== null)
    .sort((a, b) => (a.resolutionRate ?? 1) - (b.resolutionRate ?? 1))
    .slice(0, n)
    .map((u) => ({
      label: u.name.length > 22 ? `${u.name.slice(0, 21)}…` : u.name,
      value: u.resolutionRate ?? 0,
      color: u.chronic ? palette.red : (u.resolutionRate ?? 1) < 0.85 ? palette.orange : palette.blue,
      note: `${u.resolved + u.overdueOpen} due`,
    }));
  if (rows.length === 0) return '';
  return hbarChart(`Lowest resolution rates 办结率最低的单位 (≥ 5 due)`, rows, pct, 1);
}

function runFacts(r: SimReport): string {
  const e = r.run.engine;
  const s = r.run.store;
  const rows: [string, string][] = [
    ['wall time', `${r.run.wallSeconds} s (+ ${r.run.reportSeconds} s reading the report back)`],
    [
      'speed',
      `${r.run.ticketsPerWallSecond} tickets/s · ${r.run.simulatedDaysPerWallSecond} simulated days/s`,
    ],
    ['processes', `${r.run.shards} (each its own runtime and store)`],
    [
      'acted through',
      r.run.via === 'handlers' ? 'the API Lambda handlers (payload 2.0 events, in-process)' : 'the use cases',
    ],
    [
      'clock batching',
      `${r.run.resolutionSeconds} s · ${num(r.run.batches)} batches · ${num(r.run.timersFired)} timers fired`,
    ],
    [
      'store',
      `${s.transport} · ${num(s.writes)} writes (${s.writesPerTicket}/ticket) · ${num(s.reads)} reads (${s.readsPerTicket}/ticket)`,
    ],
    [
      'workflow executions',
      `${num(e.started)} started · ${num(e.succeeded)} finished · ${num(e.running)} still waiting · ${num(e.failed)} failed`,
    ],
    [
      'state transitions',
      `${num(e.transitions)} in finished executions · per execution mean ${e.transitionsPerFinished.mean}, median ${e.transitionsPerFinished.p50}, p95 ${e.transitionsPerFinished.p95}, max ${e.transitionsPerFinished.max}`,
    ],
    [
      'actions taken',
      Object.entries(r.run.actions)
        .map(([k, v]) => `${k} ${num(v)}`)
        .join(' · '),
    ],
    [
      'actions refused',
      Object.keys(r.run.refused).length
        ? Object.entries(r.run.refused)
            .map(([k, v]) => `${k}: ${num(v)}`)
            .join(' · ')
        : 'none',
    ],
    ['failures', r.run.failures.length ? r.run.failures.join(' | ') : 'none'],
    [
      'clock audit',
      `${num(r.run.clockAudit.checked)} open tickets checked · ${num(r.run.clockAudit.stranded)} stranded · ${num(r.run.clockAudit.repairs)} repaired in ${num(r.run.clockAudit.passes)} reconciler passes${r.run.clockAudit.sample.length ? ` · ${r.run.clockAudit.sample.join(' | ')}` : ''}`,
    ],
  ];
  return `<table><tbody>${rows.map(([k, v]) => `<tr><td class="l"><b>${esc(k)}</b></td><td class="l">${esc(v)}</td></tr>`).join('')}</tbody></table>`;
}

export function renderReportHtml(r: SimReport): string {
  const c = r.sla.city;
  const t = r.tickets;
  const b = r.sla.breaches;
  const esc2 = r.sla.escalations;
  const closed = t.byStatus.closed ?? 0;
  const open = t.created - closed - (t.byStatus.cancelled ?? 0);
  const body = `
<h1>吹哨报到 SLA report · ${esc(r.title)}</h1>
<p class="sub">${esc(r.label)} · seed <code>${esc(r.seed)}</code> · ${esc(r.window.start)} → ${esc(r.window.end)} (${r.window.intakeDays} intake day${r.window.intakeDays === 1 ? '' : 's'}, ${r.window.simulatedDays} simulated) · config v${r.config.version}${r.config.note ? ` (${esc(r.config.note)})` : ''}: ${num(r.config.streets)} streets, ${num(r.config.communities)} communities, ${num(r.config.units)} units${r.whatIf ? ` · what-if <b>${esc(r.whatIf.name)}</b>: ${esc(r.whatIf.description ?? '')}` : ''}</p>
${tiles([
  [num(t.created), 'tickets 工单'],
  [num(closed), `closed 已关闭 (${num(open)} open 未结)`],
  [pct(c.responseRate), '响应率 response rate', (c.responseRate ?? 1) < 0.9 ? 'bad' : 'good'],
  [pct(c.resolutionRate), '办结率 resolution rate', (c.resolutionRate ?? 1) < 0.85 ? 'bad' : 'good'],
  [pct(c.satisfactionRate), '满意率 satisfaction rate', (c.satisfactionRate ?? 1) < 0.9 ? 'bad' : 'good'],
  [num(b.deadlinesMissed), 'deadlines missed 超时 (level 1)'],
  [num(esc2.level2), 'level 2 督办 (street)'],
  [num(esc2.level3), 'level 3 通报 (city)'],
  [num(r.sla.warnings), 'blue warnings 预警 (75%)'],
  [num(t.reopens), 'reopens 重办'],
])}
<p class="note">City-wide 三率 over the window: response = acknowledged on time ÷ assignments received (less returned); resolution = resolved on time ÷ (resolved + overdue and open); satisfaction = (satisfied + basically satisfied) ÷ verdicts. Work still inside its deadline at the end of the window counts as received but not yet on time, so a short window (one day) shows a low response rate.</p>
${seriesChart(r)}
<h2>Breaches and escalations 超时与升级</h2>
<div class="grid2">
${stageLevelChart('Breaches by stage and level 各环节超时', b.byStage)}
${barChart(
  'Breaches by SLA class 各时限类别',
  Object.keys(b.bySlaClass).map((k) => `${classLabel[k] ?? ''} ${k}`),
  ([1, 2, 3] as const).map((l) => ({
    name: `level ${l}`,
    color: levelColor[l],
    values: Object.values(b.bySlaClass).map((v) => v[l]),
  })),
)}
</div>
<p class="note">${num(b.records)} breach records (one per level reached) on ${num(b.ticketsBreached)} tickets; ${num(esc2.ticketsAtLevel2)} tickets reached level 2 (the street 大工委 督办), ${num(esc2.ticketsAtLevel3)} level 3 (the city social-work department 通报).</p>
<h2>Units 承办单位 (三率)</h2>
${worstUnits(r.units)}
${unitTable(r.units)}
<p class="note">Sorted by resolution rate, worst first. Highlighted rows are the units the workload models as chronically late.</p>
<h2>Tickets 工单</h2>
<div class="grid2">
${kv('channel 渠道', t.byChannel, channelLabel)}
${kv('SLA class 时限类别', t.bySlaClass, classLabel)}
${kv('status at the end 状态', t.byStatus, statusLabel)}
${kv('closed because 关闭原因', t.closeReasons)}
${kv('verdict 评价', t.ratings)}
${kv('duty kind 事项类别', t.byKind)}
</div>
<p class="note">${num(t.returnedAssignments)} returns 退单 · extensions ${
    Object.entries(t.extensions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none'
  } · ${num(t.urgentFlagged)} raised as urgent · flags ${
    Object.entries(t.flags)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none'
  }</p>
<h2>Notifications 通知</h2>
${tiles([
  [num(r.notifications.sms), `SMS 短信 (${num(r.notifications.smsParts)} parts)`],
  [num(r.notifications.email), 'email 邮件'],
])}
${kv('kind · channel', r.notifications.byKind)}
${r.heat ? heatSection(r.heat) : ''}
<h2>The run 运行</h2>
${runFacts(r)}
<p class="note">Generated by <code>npm run simulate</code>: the real lifecycle ASL on the embedded engine, the API's Lambda handlers and the DynamoDB adapter on dynalite, in simulated time. Same seed, same workload.</p>`;
  return page(`SLA report · ${r.label}`, body);
}

/** The hottest partition keys against DynamoDB's per-partition limits. */
function heatSection(h: HeatReport): string {
  const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1 });
  const rows = h.hottest
    .map(
      (k) =>
        `<tr><td>${esc(k.index)}</td><td><code>${esc(k.partition)}</code></td><td>${n(k.rcuPerSecond)}</td><td>${n(k.wcuPerSecond)}</td><td>${n(k.busiestMinute.rcuPerSecond)} / ${n(k.busiestMinute.wcuPerSecond)}</td><td class="${k.loadOfLimit < 1 ? 'good' : 'bad'}">${(k.loadOfLimit * 100).toFixed(1)} %</td><td>${k.headroom === null ? '∞' : `${n(k.headroom)}×`}</td><td>${esc(k.measured.wcuPeakAt.slice(11, 19))}</td></tr>`,
    )
    .join('');
  return `<h2>Partition heat 分区热度</h2>
<p>Peak capacity units per second on each partition key (the table's and every index's), against DynamoDB's ${n(h.limits.rcuPerSecond)} RCU/s and ${n(h.limits.wcuPerSecond)} WCU/s per partition: ${h.allUnderLimit ? `every one of ${n(h.keys)} keys under, the hottest with ${h.headroom === null ? '∞' : `${n(h.headroom)}×`} headroom` : `<strong>keys over the limit</strong> (of ${n(h.keys)})`}. ${esc(h.scale === 1 ? 'As measured.' : h.note)}</p>
<table><thead><tr><th>index</th><th>partition key</th><th>RCU/s</th><th>WCU/s</th><th>busiest minute RCU/WCU per s</th><th>of limit</th><th>headroom</th><th>write peak (UTC)</th></tr></thead><tbody>${rows}</tbody></table>
<p>After the simulated day (the simulator's end-of-run drain of queued notices and its audit of every open ticket, at the last instant; in no peak above): ${n(h.afterEnd.rcu)} RCU, ${n(h.afterEnd.wcu)} WCU measured.</p>`;
}

export function renderComparisonHtml(cmp: Comparison): string {
  const a = cmp.baseline;
  const b = cmp.variant;
  const d = cmp.delta;
  const row = (label: string, x: string, y: string, delta: string, better?: boolean) =>
    `<tr><td>${esc(label)}</td><td>${esc(x)}</td><td>${esc(y)}</td><td class="${better === undefined ? '' : better ? 'good' : 'bad'}">${esc(delta)}</td></tr>`;
  const fewer = (n: number) => (n === 0 ? undefined : n < 0);
  const higher = (x: number | null) => (x === null || x === 0 ? undefined : x > 0);
  const stages = ['acknowledge', 'arrive', 'resolve'].filter(
    (s) => a.sla.breaches.byStage[s] || b.sla.breaches.byStage[s],
  );
  const cats: string[] = [];
  const base: number[] = [];
  const variant: number[] = [];
  for (const s of stages)
    for (const l of [1, 2, 3] as const) {
      cats.push(`${s.slice(0, 3)} L${l}`);
      base.push(a.sla.breaches.byStage[s]?.[l] ?? 0);
      variant.push(b.sla.breaches.byStage[s]?.[l] ?? 0);
    }
  const labels = [...new Set([...a.series.rows, ...b.series.rows].map((r) => r.label))].sort();
  const at = (rows: SeriesRow[], f: (r: SeriesRow) => number) => {
    const m = new Map(rows.map((r) => [r.label, f(r)]));
    return labels.map((l) => m.get(l) ?? 0);
  };
  const units = [...d.units].sort((x, y) => x.breaches - y.breaches);
  const unitRows = [...units.slice(0, 12), ...units.slice(-6).filter((u) => u.breaches > 0)];
  const body = `
<h1>What-if 政策推演 · ${esc(cmp.whatIf.name)}</h1>
<p class="sub">${esc(cmp.whatIf.description ?? '')} · ${esc(a.title)} · the same workload (seed <code>${esc(cmp.seed)}</code>, ${num(a.tickets.created)} tickets) under the baseline configuration and under the change.</p>
<table><thead><tr><th>figure</th><th>baseline 现行</th><th>what-if 调整后</th><th>Δ</th></tr></thead><tbody>
${row('响应率 response rate', pct(a.sla.city.responseRate), pct(b.sla.city.responseRate), signedPct(d.responseRate), higher(d.responseRate))}
${row('办结率 resolution rate', pct(a.sla.city.resolutionRate), pct(b.sla.city.resolutionRate), signedPct(d.resolutionRate), higher(d.resolutionRate))}
${row('满意率 satisfaction rate', pct(a.sla.city.satisfactionRate), pct(b.sla.city.satisfactionRate), signedPct(d.satisfactionRate), higher(d.satisfactionRate))}
${row('deadlines missed 超时', num(a.sla.breaches.deadlinesMissed), num(b.sla.breaches.deadlinesMissed), signed(d.deadlinesMissed), fewer(d.deadlinesMissed))}
${row('level 2 督办', num(a.sla.escalations.level2), num(b.sla.escalations.level2), signed(d.level2), fewer(d.level2))}
${row('level 3 通报', num(a.sla.escalations.level3), num(b.sla.escalations.level3), signed(d.level3), fewer(d.level3))}
${row('breach records', num(a.sla.breaches.records), num(b.sla.breaches.records), signed(d.breachRecords), fewer(d.breachRecords))}
${row('blue warnings 预警', num(a.sla.warnings), num(b.sla.warnings), signed(b.sla.warnings - a.sla.warnings))}
${row('extensions asked 延期', num(Object.values(a.tickets.extensions).reduce((n, v) => n + v, 0)), num(Object.values(b.tickets.extensions).reduce((n, v) => n + v, 0)), signed(Object.values(b.tickets.extensions).reduce((n, v) => n + v, 0) - Object.values(a.tickets.extensions).reduce((n, v) => n + v, 0)))}
${row('closed 已关闭', num(a.tickets.byStatus.closed ?? 0), num(b.tickets.byStatus.closed ?? 0), signed((b.tickets.byStatus.closed ?? 0) - (a.tickets.byStatus.closed ?? 0)))}
</tbody></table>
${barChart('Breaches by stage and level 各环节超时', cats, [
  { name: 'baseline 现行', color: palette.grey, values: base },
  { name: `what-if ${cmp.whatIf.name}`, color: palette.violet, values: variant },
])}
${lineChart('Deadlines missed over time 超时趋势', labels, [
  { name: 'baseline 现行', color: palette.grey, values: at(a.series.rows, (r) => r.breaches) },
  { name: `what-if ${cmp.whatIf.name}`, color: palette.violet, values: at(b.series.rows, (r) => r.breaches) },
])}
<h2>Units that change most 变化最大的单位</h2>
<table><thead><tr><th>unit</th><th>Δ breaches (level 1)</th><th>Δ resolution rate</th></tr></thead><tbody>${unitRows
    .map(
      (u) =>
        `<tr><td>${esc(u.name)} <span class="note">${esc(u.unitId)}</span></td><td class="${u.breaches < 0 ? 'good' : u.breaches > 0 ? 'bad' : ''}">${signed(u.breaches)}</td><td>${signedPct(u.resolutionRate)}</td></tr>`,
    )
    .join('')}</tbody></table>
<p class="note">Units behave the same in both runs: each one's delays are drawn from the seed, in working time, independent of the deadlines; only units that see they will be late decide differently about asking for an extension. The full reports: <code>${esc(a.scenario)}-seed${esc(cmp.seed)}.html</code> and <code>${esc(a.scenario)}-seed${esc(cmp.seed)}-${esc(cmp.whatIf.name)}.html</code>.</p>`;
  return page(`What-if · ${cmp.whatIf.name}`, body);
}
