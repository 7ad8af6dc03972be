/** Small building blocks shared by the views: cards, badges, sortable headers, async state. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, download } from './api';
import { lang, t, tv } from './i18n';

export function Card(props: {
  title?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
  id?: string;
}) {
  const headingId = props.id ? `${props.id}-title` : undefined;
  return (
    <section class={`card ${props.class ?? ''}`} id={props.id} aria-labelledby={headingId}>
      {props.title || props.actions ? (
        <header class="card-head">
          {props.title ? <h2 id={headingId}>{props.title}</h2> : <span />}
          {props.actions ? <div class="card-actions">{props.actions}</div> : null}
        </header>
      ) : null}
      <div class="card-body">{props.children}</div>
    </section>
  );
}

export function PageHead(props: { title: string; lead?: string; children?: ComponentChildren }) {
  return (
    <div class="page-head">
      <div>
        <h1>{props.title}</h1>
        {props.lead ? <p class="lead">{props.lead}</p> : null}
      </div>
      {props.children ? <div class="page-tools">{props.children}</div> : null}
    </div>
  );
}

/** Escalation level: yellow (1, 催办), orange (2, 督办), red (3, 通报); `warning` is the blue notice. */
export function LevelBadge(props: { level: number; short?: boolean }) {
  if (props.level <= 0) return <span class="badge lv0">{t('level.0')}</span>;
  return (
    <span class={`badge lv${Math.min(props.level, 3)}`} data-level={props.level}>
      <span class="dot" aria-hidden="true" />
      {tv(props.short ? 'level.short' : 'level', props.level)}
    </span>
  );
}

export function WarningBadge() {
  return (
    <span class="badge warn">
      <span class="dot" aria-hidden="true" />
      {t('level.warning')}
    </span>
  );
}

const statusTone: Record<string, string> = {
  received: 'neutral',
  dispatched: 'info',
  acknowledged: 'info',
  in_progress: 'info',
  resolved: 'ok',
  closed: 'muted',
  reopened: 'warn',
  returned: 'warn',
  cancelled: 'muted',
};

export function StatusBadge(props: { status: string; prefix?: string }) {
  return (
    <span class={`pill ${statusTone[props.status] ?? 'neutral'}`}>
      {tv(props.prefix ?? 'status', props.status)}
    </span>
  );
}

/** A problem+json error, readable: title, detail and each field error. */
export function ProblemBox(props: { error: unknown; onRetry?: () => void }) {
  const e = props.error;
  const api = e instanceof ApiError ? e : undefined;
  const title =
    api?.status === 0
      ? t('error.network')
      : api?.status === 403
        ? t('error.forbidden')
        : (api?.problem.title ?? t('common.error'));
  const detail = api ? api.problem.detail : e instanceof Error ? e.message : String(e);
  return (
    <div class="problem" role="alert">
      <div class="problem-title">
        {title}
        {api && api.status > 0 ? <span class="problem-status">HTTP {api.status}</span> : null}
      </div>
      {detail ? <div class="problem-detail">{detail}</div> : null}
      {api?.problem.errors?.length ? (
        <>
          <div class="problem-detail">{t('error.validation')}</div>
          <ul class="problem-errors">
            {api.problem.errors.map((x) => (
              <li key={`${x.path}:${x.message}`}>
                <code>{x.path || '(body)'}</code> {x.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {props.onRetry ? (
        <button type="button" class="btn btn-small" onClick={props.onRetry}>
          {t('common.retry')}
        </button>
      ) : null}
    </div>
  );
}

export function Loading() {
  return (
    <div class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {t('common.loading')}
    </div>
  );
}

export function Empty(props: { children?: ComponentChildren }) {
  return <div class="empty">{props.children ?? t('common.empty')}</div>;
}

export function Field(props: { label: string; children: ComponentChildren; id: string; wide?: boolean }) {
  return (
    <div class={`field ${props.wide ? 'wide' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Async data
// ---------------------------------------------------------------------------------------------

export interface AsyncState<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `fn` when `deps` change; keeps the last data while reloading so tables do not flash. */
export function useAsync<T>(fn: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => mine === seq.current && setState({ data, loading: false }),
      (error: unknown) => mine === seq.current && setState((s) => ({ ...s, error, loading: false })),
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** Calls `fn` every `ms` while `on`, and not while the tab is hidden. */
export function useInterval(fn: () => void, ms: number, on: boolean): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!on) return;
    const id = setInterval(() => {
      if (document.visibilityState !== 'hidden') saved.current();
    }, ms);
    return () => clearInterval(id);
  }, [ms, on]);
}

// ---------------------------------------------------------------------------------------------
// Sortable tables (client-side sort of the loaded rows)
// ---------------------------------------------------------------------------------------------

export interface SortState {
  key: string;
  dir: 'asc' | 'desc';
}

type SortValue = string | number | null | undefined;

export function useSort<T>(
  rows: readonly T[],
  accessors: Record<string, (row: T) => SortValue>,
  initial: SortState,
): { sorted: T[]; sort: SortState; toggle: (key: string) => void } {
  const [sort, setSort] = useState(initial);
  const sorted = useMemo(() => {
    const get = accessors[sort.key];
    if (!get) return [...rows];
    const mul = sort.dir === 'asc' ? 1 : -1;
    return [...rows].sort((a, b) => {
      const x = get(a);
      const y = get(b);
      // Blanks (no rate yet, still open) sort last whatever the direction.
      if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
      if (y === null || y === undefined) return -1;
      if (typeof x === 'number' && typeof y === 'number') return (x - y) * mul;
      return String(x).localeCompare(String(y), 'zh-CN') * mul;
    });
  }, [rows, sort]);
  const toggle = useCallback(
    (key: string) =>
      setSort((s) => (s.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'desc' })),
    [],
  );
  return { sorted, sort, toggle };
}

export function SortTh(props: {
  col: string;
  label: string;
  sort: SortState;
  onSort: (key: string) => void;
  num?: boolean;
}) {
  const active = props.sort.key === props.col;
  const ariaSort = active ? (props.sort.dir === 'asc' ? 'ascending' : 'descending') : 'none';
  return (
    <th scope="col" aria-sort={ariaSort} class={props.num ? 'num' : undefined}>
      <button
        type="button"
        class={`sort ${active ? 'active' : ''}`}
        onClick={() => props.onSort(props.col)}
        title={t('common.sortBy', { col: props.label })}
      >
        {props.label}
        <span class="sort-icon" aria-hidden="true">
          {active ? (props.sort.dir === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}

/** Makes a whole table row open a link on click, while the link inside stays the keyboard target. */
export function rowLink(hrefValue: string) {
  return {
    class: 'clickable',
    onClick: (e: MouseEvent) => {
      if ((e.target as HTMLElement).closest('a,button,input,select,textarea')) return;
      location.hash = hrefValue.replace(/^#/, '');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Scroll regions, unit pickers, exports
// ---------------------------------------------------------------------------------------------

/** A scrolling table box: focusable and named, so keyboard users can scroll it (axe: scrollable-region-focusable). */
export function TableWrap(props: { label: string; tall?: boolean; children: ComponentChildren }) {
  return (
    <section
      class={`table-wrap ${props.tall ? 'tall' : ''}`}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a box that scrolls must take focus, or keyboard users cannot scroll it (WCAG 2.1.1; axe scrollable-region-focusable).
      tabIndex={0}
      aria-label={t('common.scrollRegion', { label: props.label })}
    >
      {props.children}
    </section>
  );
}

export interface PickerUnit {
  id: string;
  name: string;
  kind: string;
  streetId?: string | undefined;
}

/**
 * A searchable unit picker: a filter box over a native listbox, the street's own units first,
 * then the city departments. `units` is already scoped to what the caller may pick.
 */
export function UnitPicker(props: {
  id: string;
  label: string;
  units: readonly PickerUnit[];
  value: string;
  onChange: (id: string) => void;
  streetId?: string | undefined;
  allowAll?: boolean;
  size?: number;
}) {
  const [q, setQ] = useState('');
  const needle = q.trim().toLowerCase();
  const shown = props.units.filter(
    (u) => !needle || u.name.toLowerCase().includes(needle) || u.id.includes(needle),
  );
  const local = shown.filter((u) => u.streetId);
  const city = shown.filter((u) => !u.streetId);
  const byName = (a: PickerUnit, b: PickerUnit) =>
    (a.kind === 'street' ? 0 : 1) - (b.kind === 'street' ? 0 : 1) || a.name.localeCompare(b.name, 'zh-CN');
  const option = (u: PickerUnit) => (
    <option key={u.id} value={u.id}>
      {u.name}
    </option>
  );
  return (
    <div class="field wide unit-picker">
      <label for={`${props.id}-q`}>{props.label}</label>
      <input
        id={`${props.id}-q`}
        type="search"
        value={q}
        placeholder={t('ticket.unitSearch')}
        aria-controls={props.id}
        onInput={(e) => setQ(e.currentTarget.value)}
      />
      <select
        id={props.id}
        aria-label={props.label}
        size={props.size ?? 1}
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        {props.allowAll ? <option value="">{t('common.all')}</option> : null}
        {!props.allowAll && !props.value ? <option value="">—</option> : null}
        {local.length ? (
          <optgroup label={t('ticket.streetUnits')}>{[...local].sort(byName).map(option)}</optgroup>
        ) : null}
        {city.length ? (
          <optgroup label={t('ticket.cityDepts')}>{[...city].sort(byName).map(option)}</optgroup>
        ) : null}
      </select>
      {shown.length === 0 ? <span class="muted small">{t('ticket.unitNone')}</span> : null}
    </div>
  );
}

/** Excel, CSV and print for a list: the server writes the file with the same filters. */
export function ExportBar(props: { path: string; query: Record<string, string | number | undefined> }) {
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const go = async (format: 'xlsx' | 'csv') => {
    setBusy(format);
    setError(undefined);
    try {
      const q = new URLSearchParams();
      const all: Record<string, string | number | undefined> = { ...props.query, format, lang: lang() };
      for (const [k, v] of Object.entries(all)) if (v !== undefined && v !== '') q.set(k, String(v));
      await download(`${props.path}?${q}`);
    } catch (err) {
      setError(err);
    }
    setBusy(undefined);
  };
  return (
    <div class="export-bar no-print">
      <button
        type="button"
        class="btn"
        disabled={Boolean(busy)}
        onClick={() => go('xlsx')}
        data-export="xlsx"
      >
        {busy === 'xlsx' ? t('export.busy') : t('export.excel')}
      </button>
      <button type="button" class="btn" disabled={Boolean(busy)} onClick={() => go('csv')} data-export="csv">
        {busy === 'csv' ? t('export.busy') : t('export.csv')}
      </button>
      <button type="button" class="btn btn-ghost" onClick={() => window.print()}>
        {t('export.print')}
      </button>
      {error ? <ProblemBox error={error} /> : null}
    </div>
  );
}
