/**
 * Lists as sheets for the weekly meeting: a title that says what, a line per filter, when it was
 * made, then the rows as the console shows them (names, not ids; Beijing time), in Chinese or
 * English. Written to Excel (functions/lib/xlsx.ts, a small writer of our own) or CSV (UTF-8 with
 * a BOM, so Excel opens it in Chinese).
 */
import type { ConfigSnapshot, Ticket } from '../../shared/domain/model';
import { leagueTable, scoreWeights } from '../../shared/domain/rankings';
import type { BreachRecord } from '../../shared/ports';
import type { StreetMetrics, UnitMetrics } from '../../shared/use-cases/metrics';
import { type BreachSummary, breachClosedAt, type CollectedBreaches } from '../../shared/use-cases/oversight';
import { writeXlsx } from '../lib/xlsx';

export type Lang = 'zh' | 'en';
type Cell = string | number | null;
type Kind = 'text' | 'number' | 'percent' | 'time';

export interface Sheet {
  name: string;
  title: string;
  lines: string[];
  columns: { header: string; width: number; kind?: Kind }[];
  rows: Cell[][];
}

const words = {
  zh: {
    breaches: '超时督办',
    rows: '超时明细（每级一行）',
    tickets: '超时工单',
    units: '超时单位',
    ticketList: '工单清单',
    unitRanking: '承办单位三率排名',
    streetRanking: '街道三率排名',
    generated: '导出时间',
    period: '统计期间',
    previous: '对比期间',
    filters: '筛选条件',
    none: '无（全部）',
    truncated: '注意：符合条件的记录超过 20,000 条，仅导出最新的 20,000 条。',
    count: '共 {n} 行',
    formula: `综合得分 = 响应率×${scoreWeights.responseRate * 100}% + 办结率×${scoreWeights.resolutionRate * 100}% + 满意率×${scoreWeights.satisfactionRate * 100}%（无数据的比率不计，其余按比例折算）`,
    defs: '响应率 = 按时签收数 ÷ 受理数；办结率 = 按时办结数 ÷（已办结数 + 逾期未办结数），只计按时办结；满意率 =（满意 + 基本满意）÷ 评价数',
  },
  en: {
    breaches: 'SLA breaches',
    rows: 'Breach rows (one per level)',
    tickets: 'Late tickets',
    units: 'Late units',
    ticketList: 'Tickets',
    unitRanking: 'Unit league table (three rates)',
    streetRanking: 'Street league table (three rates)',
    generated: 'Exported at',
    period: 'Period',
    previous: 'Compared with',
    filters: 'Filters',
    none: 'none (all)',
    truncated: 'Note: more than 20,000 records matched; the newest 20,000 are exported.',
    count: '{n} rows',
    formula: `Composite score = response × ${scoreWeights.responseRate * 100}% + resolution × ${scoreWeights.resolutionRate * 100}% + satisfaction × ${scoreWeights.satisfactionRate * 100}% (a rate with no data is left out, the others scaled up)`,
    defs: 'Response rate = acknowledged on time ÷ received; resolution rate = resolved on time ÷ (resolved + overdue unresolved), on-time resolutions only; satisfaction rate = (satisfied + basically satisfied) ÷ verdicts',
  },
} as const;

const values: Record<Lang, Record<string, string>> = {
  zh: {
    acknowledge: '签收',
    arrive: '到场',
    resolve: '办结',
    feedback: '回访',
    received: '已受理',
    dispatched: '已派单',
    acknowledged: '已签收',
    in_progress: '处置中',
    resolved: '已办结',
    closed: '已关闭',
    reopened: '重办',
    returned: '已退单',
    cancelled: '已撤销',
    urgent: '紧急',
    fast: '快速',
    general: '一般',
    complex: '复杂',
    level1: '一级催办',
    level2: '二级督办',
    level3: '三级通报',
    level0: '正常',
    open: '未完成',
  },
  en: {
    acknowledge: 'Acknowledge',
    arrive: 'Arrive',
    resolve: 'Resolve',
    feedback: 'Feedback',
    received: 'Received',
    dispatched: 'Dispatched',
    acknowledged: 'Acknowledged',
    in_progress: 'In progress',
    resolved: 'Resolved',
    closed: 'Closed',
    reopened: 'Reopened',
    returned: 'Returned',
    cancelled: 'Cancelled',
    urgent: 'Urgent',
    fast: 'Fast',
    general: 'General',
    complex: 'Complex',
    level1: 'L1 urged',
    level2: 'L2 supervised',
    level3: 'L3 public notice',
    level0: 'On time',
    open: 'Open',
  },
};

const filterNames: Record<Lang, Record<string, string>> = {
  zh: {
    unitId: '单位',
    stage: '环节',
    level: '级别',
    streetId: '街道',
    communityId: '社区',
    status: '状态',
    breached: '仅超时',
    code: '工单编号',
    slaClass: '时限类别',
    from: '起',
    to: '止',
  },
  en: {
    unitId: 'Unit',
    stage: 'Stage',
    level: 'Level',
    streetId: 'Street',
    communityId: 'Community',
    status: 'Status',
    breached: 'Breached only',
    code: 'Code',
    slaClass: 'SLA class',
    from: 'From',
    to: 'To',
  },
};

export interface Names {
  unit(id: string | undefined): string;
  street(id: string | undefined): string;
  community(id: string | undefined): string;
}

/** Names from the configuration; streets are named by their street office (街道). */
export function namesOf(config: Pick<ConfigSnapshot, 'units' | 'streets' | 'communities'>): Names {
  const units = new Map(config.units.map((u) => [u.id, u.name]));
  const streets = new Map(config.streets.map((s) => [s.id, s.name]));
  const communities = new Map(config.communities.map((c) => [c.id, c.name]));
  return {
    unit: (id) => (id ? (units.get(id) ?? id) : ''),
    street: (id) => (id ? (streets.get(id) ?? id) : ''),
    community: (id) => (id ? (communities.get(id) ?? id) : ''),
  };
}

/** `2026-10-08T17:30:00+08:00` → `2026-10-08 17:30` (Beijing wall clock, as the API speaks). */
export function wallClock(iso: string | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

const v = (lang: Lang, key: string | number | undefined) =>
  key === undefined ? '' : (values[lang][String(key)] ?? String(key));
const level = (lang: Lang, n: number) => v(lang, `level${Math.min(3, Math.max(0, n))}`);

function header(
  lang: Lang,
  what: string,
  filters: Record<string, unknown>,
  names: Names,
  at: string,
  extra: string[] = [],
) {
  const w = words[lang];
  const parts = Object.entries(filters)
    .filter(([, x]) => x !== undefined && x !== '')
    .map(([k, x]) => {
      const shown =
        k === 'unitId'
          ? names.unit(String(x))
          : k === 'streetId'
            ? names.street(String(x))
            : k === 'communityId'
              ? names.community(String(x))
              : k === 'level'
                ? level(lang, Number(x))
                : k === 'from' || k === 'to'
                  ? String(x).length > 10
                    ? wallClock(String(x))
                    : String(x)
                  : v(lang, String(x));
      return `${filterNames[lang][k] ?? k}: ${shown}`;
    });
  return {
    title: what,
    lines: [
      `${w.filters}: ${parts.length ? parts.join(lang === 'zh' ? '；' : '; ') : w.none}`,
      `${w.generated}: ${wallClock(at)}`,
      ...extra,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Breaches
// ---------------------------------------------------------------------------------------------

export function breachRowsSheet(
  lang: Lang,
  collected: CollectedBreaches,
  filters: Record<string, unknown>,
  names: Names,
  at: string,
): Sheet {
  const zh = lang === 'zh';
  const h = header(lang, `${words[lang].breaches} · ${words[lang].rows}`, filters, names, at, [
    ...(collected.truncated ? [words[lang].truncated] : []),
  ]);
  return {
    name: zh ? '超时明细' : 'Breach rows',
    ...h,
    columns: [
      { header: zh ? '级别' : 'Level', width: 14 },
      { header: zh ? '工单编号' : 'Code', width: 14 },
      { header: zh ? '标题' : 'Title', width: 30 },
      { header: zh ? '承办单位' : 'Unit', width: 30 },
      { header: zh ? '街道' : 'Street', width: 14 },
      { header: zh ? '环节' : 'Stage', width: 8 },
      { header: zh ? '时限' : 'Due', width: 17, kind: 'time' },
      { header: zh ? '超时时间' : 'Breached', width: 17, kind: 'time' },
      { header: zh ? '完成时间' : 'Done', width: 17, kind: 'time' },
      { header: zh ? '工单状态' : 'Ticket status', width: 10 },
    ],
    rows: collected.records.map((b: BreachRecord) => {
      const t = collected.tickets.get(b.ticketId);
      const closed = breachClosedAt(b, t);
      return [
        level(lang, b.level),
        b.code,
        t?.title ?? '',
        names.unit(b.unitId),
        names.street(b.streetId),
        v(lang, b.stage),
        wallClock(b.dueAt),
        wallClock(b.breachedAt),
        closed ? wallClock(closed) : v(lang, 'open'),
        v(lang, t?.status),
      ];
    }),
  };
}

export function breachTicketsSheet(
  lang: Lang,
  s: BreachSummary,
  filters: Record<string, unknown>,
  names: Names,
  at: string,
): Sheet {
  const zh = lang === 'zh';
  const sep = zh ? '、' : ', ';
  return {
    name: zh ? '超时工单' : 'Late tickets',
    ...header(lang, `${words[lang].breaches} · ${words[lang].tickets}`, filters, names, at, [
      ...(s.truncated ? [words[lang].truncated] : []),
    ]),
    columns: [
      { header: zh ? '最高级别' : 'Highest level', width: 14 },
      { header: zh ? '工单编号' : 'Code', width: 14 },
      { header: zh ? '标题' : 'Title', width: 30 },
      { header: zh ? '街道' : 'Street', width: 14 },
      { header: zh ? '超时单位' : 'Late units', width: 34 },
      { header: zh ? '超时环节' : 'Late stages', width: 14 },
      { header: zh ? '超时环节数' : 'Late stages (n)', width: 10, kind: 'number' },
      { header: zh ? '未完成' : 'Still open', width: 8, kind: 'number' },
      { header: zh ? '最早时限' : 'First due', width: 17, kind: 'time' },
      { header: zh ? '最近超时' : 'Last breach', width: 17, kind: 'time' },
      { header: zh ? '工单状态' : 'Ticket status', width: 10 },
    ],
    rows: s.byTicket.map((t) => [
      level(lang, t.maxLevel),
      t.code,
      t.title ?? '',
      names.street(t.streetId),
      t.units.map((u) => names.unit(u)).join(sep),
      t.stages.map((x) => v(lang, x)).join(sep),
      t.lateStages,
      t.open,
      wallClock(t.firstDueAt),
      wallClock(t.lastBreachedAt),
      v(lang, t.status),
    ]),
  };
}

export function breachUnitsSheet(
  lang: Lang,
  s: BreachSummary,
  filters: Record<string, unknown>,
  names: Names,
  at: string,
): Sheet {
  const zh = lang === 'zh';
  const columns: Sheet['columns'] = [
    { header: zh ? '承办单位 / 街道' : 'Unit / street', width: 34 },
    { header: zh ? '所属街道' : 'Unit street', width: 14 },
    { header: zh ? '超时工单' : 'Late tickets', width: 10, kind: 'number' },
    { header: zh ? '超时环节' : 'Late stages', width: 10, kind: 'number' },
    { header: zh ? '未完成' : 'Still open', width: 8, kind: 'number' },
    { header: zh ? '一级' : 'L1', width: 6, kind: 'number' },
    { header: zh ? '二级' : 'L2', width: 6, kind: 'number' },
    { header: zh ? '三级' : 'L3', width: 6, kind: 'number' },
    { header: zh ? '最近超时' : 'Last breach', width: 17, kind: 'time' },
  ];
  const rows: Cell[][] = s.byUnit.map((u) => [
    names.unit(u.unitId),
    u.unitStreetId ? names.street(u.unitStreetId) : zh ? '市直' : 'City',
    u.tickets,
    u.lateStages,
    u.open,
    u.byLevel[1],
    u.byLevel[2],
    u.byLevel[3],
    wallClock(u.lastBreachedAt),
  ]);
  // Per-street subtotals (the streets of the tickets), then the total: the same figures as the page.
  rows.push([]);
  for (const st of s.byStreet) {
    rows.push([
      `${zh ? '小计' : 'Subtotal'} · ${names.street(st.streetId)}`,
      '',
      st.tickets,
      st.lateStages,
      st.open,
      st.byLevel[1],
      st.byLevel[2],
      st.byLevel[3],
      '',
    ]);
  }
  const t = s.totals;
  rows.push([
    zh ? '合计' : 'Total',
    '',
    t.tickets,
    t.lateStages,
    t.open,
    t.byLevel[1],
    t.byLevel[2],
    t.byLevel[3],
    '',
  ]);
  return {
    name: zh ? '超时单位' : 'Late units',
    ...header(lang, `${words[lang].breaches} · ${words[lang].units}`, filters, names, at, [
      ...(s.truncated ? [words[lang].truncated] : []),
    ]),
    columns,
    rows,
  };
}

// ---------------------------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------------------------

export function ticketsSheet(
  lang: Lang,
  tickets: readonly Ticket[],
  truncated: boolean,
  filters: Record<string, unknown>,
  names: Names,
  at: string,
): Sheet {
  const zh = lang === 'zh';
  return {
    name: zh ? '工单' : 'Tickets',
    ...header(lang, words[lang].ticketList, filters, names, at, truncated ? [words[lang].truncated] : []),
    columns: [
      { header: zh ? '工单编号' : 'Code', width: 14 },
      { header: zh ? '标题' : 'Title', width: 30 },
      { header: zh ? '状态' : 'Status', width: 10 },
      { header: zh ? '升级级别' : 'Escalation', width: 14 },
      { header: zh ? '时限类别' : 'SLA class', width: 8 },
      { header: zh ? '牵头单位' : 'Lead unit', width: 30 },
      { header: zh ? '社区' : 'Community', width: 14 },
      { header: zh ? '街道' : 'Street', width: 14 },
      { header: zh ? '受理时间' : 'Created', width: 17, kind: 'time' },
      { header: zh ? '签收时限' : 'Acknowledge by', width: 17, kind: 'time' },
      { header: zh ? '办结时限' : 'Resolve by', width: 17, kind: 'time' },
      { header: zh ? '超时次数' : 'Breaches', width: 8, kind: 'number' },
    ],
    rows: tickets.map((t) => {
      const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
      return [
        t.code,
        t.title,
        v(lang, t.status),
        level(lang, t.escalationLevel),
        v(lang, t.slaClass),
        names.unit(lead?.unitId),
        names.community(t.communityId),
        names.street(t.streetId),
        wallClock(t.createdAt),
        wallClock(t.deadlines.acknowledgeBy),
        wallClock(t.deadlines.resolveBy),
        t.breaches.filter((b) => b.level === 1).length,
      ];
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// League tables
// ---------------------------------------------------------------------------------------------

export function rankingSheet<T extends UnitMetrics | StreetMetrics>(
  lang: Lang,
  of: 'units' | 'streets',
  current: readonly T[],
  previous: readonly T[],
  period: { from: string; to: string },
  before: { from: string; to: string },
  names: Names,
  at: string,
): Sheet {
  const zh = lang === 'zh';
  const w = words[lang];
  const key = (r: T) => ('unitId' in r ? r.unitId : r.streetId);
  const table = leagueTable(
    current.filter((r) => r.received > 0),
    previous,
    key,
  );
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? null : x);
  return {
    name: zh ? '排名' : 'Ranking',
    title: of === 'units' ? w.unitRanking : w.streetRanking,
    lines: [
      `${w.period}: ${wallClock(period.from)} – ${wallClock(period.to)}`,
      `${w.previous}: ${wallClock(before.from)} – ${wallClock(before.to)}`,
      w.formula,
      w.defs,
      `${w.generated}: ${wallClock(at)}`,
    ],
    columns: [
      { header: zh ? '名次' : 'Rank', width: 6, kind: 'number' },
      { header: of === 'units' ? (zh ? '承办单位' : 'Unit') : zh ? '街道' : 'Street', width: 32 },
      { header: zh ? '综合得分' : 'Score', width: 9, kind: 'number' },
      { header: zh ? '得分变化' : 'Score change', width: 9, kind: 'number' },
      { header: zh ? '名次变化' : 'Rank change', width: 9, kind: 'number' },
      { header: zh ? '受理' : 'Received', width: 8, kind: 'number' },
      { header: zh ? '响应率' : 'Response', width: 9, kind: 'percent' },
      { header: zh ? '办结率' : 'Resolution', width: 9, kind: 'percent' },
      { header: zh ? '满意率' : 'Satisfaction', width: 9, kind: 'percent' },
      { header: zh ? '上期得分' : 'Previous score', width: 9, kind: 'number' },
      { header: zh ? '按时签收' : 'Ack. on time', width: 9, kind: 'number' },
      { header: zh ? '已办结' : 'Resolved', width: 8, kind: 'number' },
      { header: zh ? '按时办结' : 'On time', width: 8, kind: 'number' },
      { header: zh ? '评价数' : 'Verdicts', width: 8, kind: 'number' },
      { header: zh ? '超时' : 'Breaches', width: 8, kind: 'number' },
    ],
    rows: table.map((r) => [
      r.rank,
      of === 'units' ? names.unit(key(r.row)) : names.street(key(r.row)),
      r.score,
      r.scoreChange,
      r.rankChange,
      r.row.received,
      pct(r.row.responseRate),
      pct(r.row.resolutionRate),
      pct(r.row.satisfactionRate),
      r.previous?.score ?? null,
      r.row.acknowledgedOnTime,
      r.row.resolved,
      r.row.resolvedOnTime,
      r.row.verdicts,
      r.row.breaches,
    ]),
  };
}

// ---------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------

const csvCell = (c: Cell | undefined) => {
  if (c === null || c === undefined) return '';
  const s = String(c);
  // Quote what CSV needs quoted; a leading = + - @ is prefixed so Excel never runs it as a formula.
  const safe = /^[=+\-@]/.test(s) && typeof c === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function toCsv(sheet: Sheet): string {
  const fmt = (c: Cell, kind: Kind | undefined) =>
    kind === 'percent' && typeof c === 'number' ? `${(c * 100).toFixed(1)}%` : c;
  const lines = [
    csvCell(sheet.title),
    ...sheet.lines.map(csvCell),
    '',
    sheet.columns.map((c) => csvCell(c.header)).join(','),
    ...sheet.rows.map((r) => r.map((c, i) => csvCell(fmt(c, sheet.columns[i]?.kind))).join(',')),
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/**
 * The sheet as an Excel workbook: the title in large bold type and the filter lines in grey, each
 * across the table's width; a blank row; the column headers bold on a light fill, frozen, with
 * an autofilter and repeated on every printed page (A4 landscape, one page wide); then the rows,
 * rates as percentages. Times stay text (`2026-10-08 17:30`), as the console shows them.
 */
export function toXlsx(sheet: Sheet, created = new Date()): Buffer {
  const n = sheet.columns.length;
  const across = (row: number) => ({ top: row, left: 1, bottom: row, right: n });
  const headRow = sheet.lines.length + 3; // title, lines, a blank row, then the header
  const lastRow = headRow + sheet.rows.length;
  return writeXlsx({
    creator: 'Whistle Dispatch',
    created,
    sheets: [
      {
        name: sheet.name,
        columns: sheet.columns.map((c) => ({
          width: c.width,
          ...(c.kind === 'percent' ? { numFmt: '0.0%' } : {}),
        })),
        rows: [
          { cells: [sheet.title], style: { bold: true, size: 14 } },
          ...sheet.lines.map((line) => ({ cells: [line], style: { color: 'FF555555' } })),
          [],
          {
            cells: sheet.columns.map((c) => c.header),
            style: { bold: true, fill: 'FFEEF2F7', borderBottom: 'FF999999' },
          },
          ...sheet.rows,
        ],
        merges: [across(1), ...sheet.lines.map((_, i) => across(i + 2))],
        frozenRows: headRow,
        ...(sheet.rows.length ? { autoFilter: { top: headRow, left: 1, bottom: lastRow, right: n } } : {}),
        printTitleRows: { from: headRow, to: headRow },
        page: { paperSize: 9, landscape: true, fitToWidth: true },
      },
    ],
  });
}

/** `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987). */
export function attachment(base: string, ext: 'xlsx' | 'csv'): string {
  const ascii = `${base.replace(/[^A-Za-z0-9._-]+/g, '-')}.${ext}`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(`${base}.${ext}`)}`;
}

export const sheetWords = words;
