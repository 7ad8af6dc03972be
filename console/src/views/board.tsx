/**
 * The live board: GET /v1/board every few seconds (open tickets by status and escalation level,
 * flagged tickets) and the open tickets themselves, listed per status.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { openStatuses } from '../../../shared/domain/statuses';
import { get, qs } from '../api';
import { Card, Empty, LevelBadge, Loading, PageHead, ProblemBox, useInterval } from '../components';
import { fmtTime } from '../format';
import { t, tv } from '../i18n';
import { useRefs } from '../refs';
import { href } from '../router';
import { type Board, boardSchema, type Ticket, ticketsSchema } from '../schemas';
import { TicketTable } from './ticket-table';

const REFRESH_MS = 5_000;

async function loadBoard(): Promise<{ board: Board; tickets: Ticket[] }> {
  const board = await get(boardSchema, '/v1/board');
  // Only the statuses that have tickets: one request each (the list is filtered by one status).
  const wanted = openStatuses.filter((s) => (board.byStatus[s] ?? 0) > 0);
  const pages = await Promise.all(
    wanted.map((status) => get(ticketsSchema, `/v1/tickets${qs({ status, limit: 100 })}`)),
  );
  return { board, tickets: pages.flatMap((p) => p.items) };
}

export function BoardView() {
  const { refs } = useRefs();
  const [data, setData] = useState<{ board: Board; tickets: Ticket[] }>();
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState(true);
  const [updated, setUpdated] = useState<Date>();
  const [status, setStatus] = useState('');
  const inflight = useRef(false);

  const refresh = async () => {
    if (inflight.current) return;
    inflight.current = true;
    try {
      setData(await loadBoard());
      setError(undefined);
      setUpdated(new Date());
    } catch (err) {
      setError(err);
    }
    inflight.current = false;
  };
  useEffect(() => {
    refresh();
  }, []);
  useInterval(refresh, REFRESH_MS, live);

  const matrix = useMemo(() => {
    const m = new Map<string, number[]>();
    for (const s of openStatuses) m.set(s, [0, 0, 0, 0]);
    for (const x of data?.tickets ?? []) {
      const row = m.get(x.status);
      if (row) row[Math.min(3, x.escalationLevel)] = (row[Math.min(3, x.escalationLevel)] ?? 0) + 1;
    }
    return m;
  }, [data]);

  const board = data?.board;
  const maxStatus = Math.max(1, ...Object.values(board?.byStatus ?? {}));
  const shown = (data?.tickets ?? []).filter((x) => !status || x.status === status);

  return (
    <div class="view">
      <PageHead title={t('board.title')} lead={t('board.lead')}>
        <span class="muted live-note" aria-live="polite">
          {live ? <span class="live-dot" aria-hidden="true" /> : null}
          {board?.at ? t('common.simTime', { t: fmtTime(board.at, true) }) : ''}
          {updated
            ? ` · ${t('common.updated', { t: updated.toLocaleTimeString('zh-CN', { hour12: false }) })}`
            : ''}
        </span>
        <button type="button" class="btn" aria-pressed={!live} onClick={() => setLive(!live)}>
          {live ? t('common.pause') : t('common.resume')}
        </button>
        <button type="button" class="btn" onClick={refresh}>
          {t('common.refresh')}
        </button>
      </PageHead>
      {error ? <ProblemBox error={error} onRetry={refresh} /> : null}
      {!board ? (
        error ? null : (
          <Loading />
        )
      ) : (
        <>
          <div class="kpis">
            <div class="kpi kpi-main">
              <div class="kpi-label">{t('board.open')}</div>
              <div class="kpi-value" data-testid="board-open">
                {board.open}
              </div>
            </div>
            {[0, 1, 2, 3].map((l) => (
              <div class={`kpi kpi-lv${l}`} key={l}>
                <div class="kpi-label">
                  <LevelBadge level={l} />
                </div>
                <div class="kpi-value">{board.byLevel[String(l)] ?? 0}</div>
              </div>
            ))}
            <div class="kpi kpi-flag">
              <div class="kpi-label">{t('board.flagged')}</div>
              <div class="kpi-value">{board.flagged.length}</div>
            </div>
          </div>

          <div class="grid-2">
            <Card title={t('board.byStatus')}>
              <ul class="hbars">
                {openStatuses.map((s) => {
                  const n = board.byStatus[s] ?? 0;
                  return (
                    <li key={s}>
                      <span class="hbar-label">{tv('status', s)}</span>
                      <span class="hbar-track">
                        <span class={`hbar-fill st-${s}`} style={{ width: `${(n / maxStatus) * 100}%` }} />
                      </span>
                      <span class="hbar-value">{n}</span>
                    </li>
                  );
                })}
              </ul>
            </Card>
            <Card title={t('board.matrix')}>
              <table class="table matrix">
                <thead>
                  <tr>
                    <th scope="col">{t('field.status')}</th>
                    {[0, 1, 2, 3].map((l) => (
                      <th scope="col" class="num" key={l}>
                        <LevelBadge level={l} short />
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {[...matrix].map(([s, counts]) => (
                    <tr key={s}>
                      <th scope="row">{tv('status', s)}</th>
                      {counts.map((n, l) => (
                        <td key={`${s}${l}`} class={`num heat ${n ? `heat-${l}` : ''}`}>
                          {n || '·'}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          </div>

          <Card
            title={`${t('board.list')} (${shown.length})`}
            actions={
              <fieldset class="chips">
                <legend class="sr-only">{t('field.status')}</legend>
                {['', ...openStatuses].map((s) => (
                  <button
                    type="button"
                    key={s || 'all'}
                    class={`chip ${status === s ? 'active' : ''}`}
                    aria-pressed={status === s}
                    onClick={() => setStatus(s)}
                  >
                    {s ? tv('status', s) : t('common.all')}
                    {s ? <span class="chip-count">{board.byStatus[s] ?? 0}</span> : null}
                  </button>
                ))}
              </fieldset>
            }
          >
            {shown.length ? <TicketTable tickets={shown} refs={refs} label={t('board.list')} /> : <Empty />}
          </Card>

          <Card title={t('board.flagged')}>
            {board.flagged.length ? (
              <ul class="flag-list">
                {board.flagged.map((f) => (
                  <li key={f.id}>
                    <a href={href(`tickets/${f.id}`)} class="code">
                      {f.code}
                    </a>
                    {f.flags.map((x) => (
                      <span class="pill warn" key={x}>
                        {tv('flag', x)}
                      </span>
                    ))}
                  </li>
                ))}
              </ul>
            ) : (
              <Empty>{t('board.flagsNone')}</Empty>
            )}
          </Card>
        </>
      )}
    </div>
  );
}
