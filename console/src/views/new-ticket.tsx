/**
 * Raise a ticket (POST /v1/tickets): a community or grid worker at a desk; the phone page `/w`
 * is linked when the runtime serves it. Idempotent: a double click files one ticket.
 */
import { useMemo, useState } from 'preact/hooks';
import { get, request, type Session } from '../api';
import { Field, PageHead, ProblemBox, useAsync } from '../components';
import { t, tv } from '../i18n';
import { useRefs } from '../refs';
import { navigate } from '../router';
import { openApiPathsSchema, ticketSchema } from '../schemas';

const channels = ['grid', 'hotline', 'market_day', 'night_patrol', 'walk_in', 'online'];

export function NewTicketView(props: { session: Session }) {
  const { refs } = useRefs();
  const phonePage = useAsync(() => get(openApiPathsSchema, '/openapi.json').then((d) => '/w' in d.paths), []);
  const [q, setQ] = useState('');
  const [form, setForm] = useState({
    dutyItemId: '',
    communityId: props.session.communityId ?? '',
    title: '',
    description: '',
    channel: 'grid',
    urgent: false,
    address: '',
    name: '',
    phone: '',
  });
  const [key] = useState(() => `console-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const items = useMemo(() => {
    const needle = q.trim();
    return (refs?.dutyItems ?? []).filter(
      (d) => !needle || d.name.includes(needle) || (d.category ?? '').includes(needle),
    );
  }, [refs, q]);
  const set = (k: keyof typeof form) => (e: Event) =>
    setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await request(
        ticketSchema,
        'POST',
        '/v1/tickets',
        {
          dutyItemId: form.dutyItemId,
          communityId: form.communityId,
          title: form.title.trim(),
          description: form.description.trim(),
          channel: form.channel,
          ...(form.urgent ? { priority: 'urgent' } : {}),
          ...(form.address.trim() ? { location: { address: form.address.trim() } } : {}),
          ...(form.name.trim() || form.phone.trim()
            ? {
                reporter: {
                  ...(form.name.trim() ? { name: form.name.trim() } : {}),
                  ...(form.phone.trim() ? { phone: form.phone.trim() } : {}),
                },
              }
            : {}),
        },
        { 'idempotency-key': key },
      );
      navigate(`tickets/${s.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <div class="view">
      <PageHead title={t('new.title')} lead={t('new.lead')}>
        {phonePage.data ? (
          <a class="btn" href="/w">
            {t('new.phonePage')} ↗
          </a>
        ) : null}
      </PageHead>
      <form class="card form-card" onSubmit={submit}>
        <Field label={t('new.dutySearch')} id="n-q">
          <input id="n-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </Field>
        <Field label={t('new.dutyItem')} id="n-duty" wide>
          <select id="n-duty" required value={form.dutyItemId} onChange={set('dutyItemId')} size={6}>
            {items.map((d) => (
              <option key={d.id} value={d.id}>
                {d.category ? `${d.category} · ` : ''}
                {d.name}（{tv('sla', d.slaClass)}）
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('new.community')} id="n-community">
          <select
            id="n-community"
            required
            value={form.communityId}
            onChange={set('communityId')}
            disabled={props.session.role === 'reporter'}
          >
            <option value="">—</option>
            {(refs?.communities ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('new.channel')} id="n-channel">
          <select id="n-channel" value={form.channel} onChange={set('channel')}>
            {channels.map((c) => (
              <option key={c} value={c}>
                {tv('channel', c)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('new.titleField')} id="n-title" wide>
          <input id="n-title" required maxLength={100} value={form.title} onInput={set('title')} />
        </Field>
        <Field label={t('new.description')} id="n-desc" wide>
          <textarea
            id="n-desc"
            required
            rows={4}
            maxLength={2000}
            value={form.description}
            onInput={set('description')}
          />
        </Field>
        <Field label={t('new.address')} id="n-address" wide>
          <input id="n-address" maxLength={200} value={form.address} onInput={set('address')} />
        </Field>
        <Field label={t('new.reporterName')} id="n-name">
          <input id="n-name" maxLength={40} value={form.name} onInput={set('name')} />
        </Field>
        <Field label={t('new.reporterPhone')} id="n-phone">
          <input id="n-phone" type="tel" inputMode="tel" value={form.phone} onInput={set('phone')} />
        </Field>
        <label class="check">
          <input
            type="checkbox"
            checked={form.urgent}
            onChange={(e) => setForm({ ...form, urgent: e.currentTarget.checked })}
          />
          {t('new.urgent')}
        </label>
        {error ? <ProblemBox error={error} /> : null}
        <div class="filter-buttons">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {t('new.submit')}
          </button>
        </div>
      </form>
    </div>
  );
}
