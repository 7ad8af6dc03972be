/** Display helpers: instants, durations and rates, the way Chinese government staff read them. */

import { t } from './i18n';
import type { Duration } from './schemas';

/**
 * API instants carry the Asia/Shanghai offset (`2026-10-08T17:30:00+08:00`): their wall-clock part
 * is already Beijing time, whatever the browser's time zone, so it is shown as written.
 */
export function fmtTime(iso: string | undefined, withYear = false): string {
  if (!iso) return '—';
  const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) && /\+08:00$/.test(iso) ? iso : toShanghai(iso);
  return withYear ? local.slice(0, 16).replace('T', ' ') : local.slice(5, 16).replace('T', ' ');
}

/** Any instant as a Beijing wall-clock ISO string (for instants with another offset). */
export function toShanghai(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

/** `YYYY-MM-DD` of an instant, in Beijing. */
export function shanghaiDate(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
}

export function fmtDuration(d: Duration | undefined): string {
  if (!d) return '—';
  if ('workingDays' in d) return t('common.workingDays', { n: d.workingDays });
  if (d.minutes % 60 === 0) return t('common.hours', { n: d.minutes / 60 });
  return t('common.minutes', { n: d.minutes });
}

/** A span in ms, compact: `45 分钟`, `3 小时`, `2 天`. */
export function fmtSpan(ms: number): string {
  const min = Math.round(Math.abs(ms) / 60_000);
  if (min < 120) return t('common.minutes', { n: min });
  const h = Math.round(min / 60);
  if (h < 48) return t('common.hours', { n: h });
  return t('common.days', { n: Math.round(h / 24) });
}

export function fmtRate(r: number | null | undefined): string {
  if (r === null || r === undefined) return '—';
  return `${(r * 100).toFixed(r === 1 || r === 0 ? 0 : 1)}%`;
}

/** Unit names without the city prefix, for charts where space is short. */
export function shortName(name: string): string {
  return name.replace(/^醴陵市/, '');
}
