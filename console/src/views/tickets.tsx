/**
 * Ticket search (GET /v1/tickets): by code, creation dates, status, unit, community, street, SLA
 * class and escalation level, all in the URL; each role sees what it may see, and the pickers
 * offer only that. Exports the whole filtered list.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ticketStatuses } from '../../../shared/domain/statuses';
import { currentSession, get, qs } from '../api';
import { Card, Empty, ExportBar, Field, Loading, PageHead, ProblemBox, UnitPicker } from '../components';
import { t, tv } from '../i18n';
import { unitsServing, useRefs } from '../refs';
import { navigate, type Route } from '../router';
import { type Ticket, ticketsSchema } from '../schemas';
import { TicketTable } from './ticket-table';

const filterKeys = [
  'code',
  'status',
  'unitId',
  'communityId',
  'streetId',
  'slaClass',
  'level',
  'from',
  'to',
  'breached',
] as const;
type Filters = Record<(typeof filterKeys)[number], string>;

function filtersOf(route: Route): Filters {
  return Object.fromEntries(filterKeys.map((k) => [k, route.query.get(k) ?? ''])) as Filters;
}

export function TicketsView(props: { route: Route }) {
  const { refs } = useRefs();
  const applied = filtersOf(props.route);
  const key = filterKeys.map((k) => applied[k]).join('|');
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
      const page = await get(ticketsSchema, `/v1/tickets${qs({ ...applied, limit: 50, cursor: after })}`);
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
  }, [key]);

  return (
    <div class="view">
      <PageHead title={t('tickets.title')} lead={t('tickets.lead')}>
        <button type="button" class="btn no-print" onClick={() => load()} disabled={loading}>
          {t('common.refresh')}
        </button>
      </PageHead>
      <TicketFilters applied={applied} />
      <div class="view-bar">
        <span class="muted">{t('common.loaded', { n: rows.length })}</span>
        <ExportBar path="/v1/exports/tickets" query={applied} />
      </div>
      <Card>
        {error ? <ProblemBox error={error} onRetry={() => load()} /> : null}
        {!rows.length && loading ? <Loading /> : null}
        {!rows.length && !loading && !error ? (
          <Empty>{applied.code ? t('search.notFound', { code: applied.code }) : t('common.empty')}</Empty>
        ) : null}
        {rows.length ? <TicketTable tickets={rows} refs={refs} label={t('tickets.title')} /> : null}
        <div class="table-foot no-print">
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

function TicketFilters(props: { applied: Filters }) {
  const { refs } = useRefs();
  const session = currentSession();
  const [f, setF] = useState<Filters>(props.applied);
  const appliedKey = JSON.stringify(props.applied);
  useEffect(() => setF(props.applied), [appliedKey]);
  const set = (k: keyof Filters) => (e: Event) =>
    setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const scopedStreet = session?.streetId;
  const street = scopedStreet || f.streetId || undefined;
  const communities = (refs?.communities ?? []).filter((c) => !street || c.streetId === street);
  const role = session?.role;
  return (
    <form
      class="filters card no-print"
      aria-label={t('tickets.filters')}
      onSubmit={(e) => {
        e.preventDefault();
        navigate('tickets', { ...f, code: f.code.replace(/\s+/g, '').toUpperCase() });
      }}
    >
      <Field label={t('field.code')} id="t-code">
        <input
          id="t-code"
          value={f.code}
          placeholder={t('field.code.placeholder')}
          autoComplete="off"
          onInput={set('code')}
        />
      </Field>
      <Field label={t('field.status')} id="t-status">
        <select id="t-status" value={f.status} onChange={set('status')}>
          <option value="">{t('common.all')}</option>
          {ticketStatuses.map((s) => (
            <option key={s} value={s}>
              {tv('status', s)}
            </option>
          ))}
        </select>
      </Field>
      {role === 'admin' || role === 'supervisor' ? (
        <>
          <UnitPicker
            id="t-unit"
            label={t('field.unit')}
            units={unitsServing(refs, street)}
            value={f.unitId}
            onChange={(unitId) => setF({ ...f, unitId })}
            allowAll
          />
          <Field label={t('field.street')} id="t-street">
            <select
              id="t-street"
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
        </>
      ) : null}
      {role !== 'reporter' ? (
        <Field label={t('field.community')} id="t-community">
          <select id="t-community" value={f.communityId} onChange={set('communityId')}>
            <option value="">{t('common.all')}</option>
            {communities.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      <Field label={t('field.slaClass')} id="t-sla">
        <select id="t-sla" value={f.slaClass} onChange={set('slaClass')}>
          <option value="">{t('common.all')}</option>
          {['urgent', 'fast', 'general', 'complex'].map((c) => (
            <option key={c} value={c}>
              {tv('sla', c)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('field.escalation')} id="t-level">
        <select id="t-level" value={f.level} onChange={set('level')}>
          <option value="">{t('common.all')}</option>
          {[0, 1, 2, 3].map((l) => (
            <option key={l} value={String(l)}>
              {tv('level', l)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('common.from')} id="t-from">
        <input id="t-from" type="date" value={f.from} onInput={set('from')} max={f.to || undefined} />
      </Field>
      <Field label={t('common.to')} id="t-to">
        <input id="t-to" type="date" value={f.to} onInput={set('to')} min={f.from || undefined} />
      </Field>
      <label class="check">
        <input
          type="checkbox"
          checked={f.breached === 'true'}
          onChange={(e) => setF({ ...f, breached: e.currentTarget.checked ? 'true' : '' })}
        />
        {t('tickets.breachedOnly')}
      </label>
      <div class="filter-buttons">
        <button type="submit" class="btn btn-primary">
          {t('common.search')}
        </button>
        <button
          type="button"
          class="btn btn-ghost"
          onClick={() => {
            setF(filtersOf({ path: [], query: new URLSearchParams() }));
            navigate('tickets');
          }}
        >
          {t('common.reset')}
        </button>
      </div>
    </form>
  );
}
