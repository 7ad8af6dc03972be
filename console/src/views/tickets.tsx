/** Ticket search (GET /v1/tickets): by status, breached only; each role sees what it may see. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, qs } from '../api';
import { Card, Empty, Field, Loading, PageHead, ProblemBox } from '../components';
import { t, tv } from '../i18n';
import { useRefs } from '../refs';
import { navigate, type Route } from '../router';
import { type Ticket, ticketsSchema } from '../schemas';
import { TicketTable } from './ticket-table';

const statuses = [
  'received',
  'dispatched',
  'acknowledged',
  'in_progress',
  'resolved',
  'closed',
  'reopened',
  'returned',
  'cancelled',
];

export function TicketsView(props: { route: Route }) {
  const { refs } = useRefs();
  const status = props.route.query.get('status') ?? '';
  const breached = props.route.query.get('breached') === 'true';
  const [rows, setRows] = useState<Ticket[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const seq = useRef(0);

  const load = async (after?: string) => {
    const mine = ++seq.current;
    setLoading(true);
    setError(undefined);
    try {
      const page = await get(
        ticketsSchema,
        `/v1/tickets${qs({ status, breached: breached ? 'true' : undefined, limit: 50, cursor: after })}`,
      );
      if (mine !== seq.current) return;
      setRows((prev) => (after ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor ?? null);
    } catch (err) {
      if (mine === seq.current) setError(err);
    }
    if (mine === seq.current) setLoading(false);
  };
  useEffect(() => {
    load();
  }, [status, breached]);

  return (
    <div class="view">
      <PageHead title={t('tickets.title')} lead={t('tickets.lead')}>
        <button type="button" class="btn" onClick={() => load()} disabled={loading}>
          {t('common.refresh')}
        </button>
      </PageHead>
      <div class="filters card">
        <Field label={t('field.status')} id="t-status">
          <select
            id="t-status"
            value={status}
            onChange={(e) =>
              navigate('tickets', { status: e.currentTarget.value, breached: breached ? 'true' : undefined })
            }
          >
            <option value="">{t('common.all')}</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {tv('status', s)}
              </option>
            ))}
          </select>
        </Field>
        <label class="check">
          <input
            type="checkbox"
            checked={breached}
            onChange={(e) =>
              navigate('tickets', { status, breached: e.currentTarget.checked ? 'true' : undefined })
            }
          />
          {t('tickets.breachedOnly')}
        </label>
      </div>
      <Card>
        {error ? <ProblemBox error={error} onRetry={() => load()} /> : null}
        {!rows.length && loading ? <Loading /> : null}
        {!rows.length && !loading && !error ? <Empty /> : null}
        {rows.length ? <TicketTable tickets={rows} refs={refs} label={t('tickets.title')} /> : null}
        <div class="table-foot">
          <span class="muted">{t('common.loaded', { n: rows.length })}</span>
          {cursor ? (
            <button type="button" class="btn" onClick={() => load(cursor)} disabled={loading}>
              {t('common.loadMore')}
            </button>
          ) : null}
        </div>
      </Card>
    </div>
  );
}
