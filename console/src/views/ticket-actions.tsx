/**
 * What each role does to a ticket from the console, through the same API actions as the phone
 * links: supervisors reassign (改派) to a unit of the street and admins cancel; units sign for,
 * arrive, report progress, resolve with photos, return and ask for more time; the community
 * gives the resident's verdict.
 */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { post, type Session } from '../api';
import { Field, ProblemBox, UnitPicker } from '../components';
import { fmtTime } from '../format';
import { t, tv } from '../i18n';
import { type Refs, unitsServing } from '../refs';
import { evidenceSlotSchema, type Ticket, ticketSchema } from '../schemas';

type Act = (name: string, path: string, body: unknown, message: string) => Promise<void>;

const isClosed = (s: string) => s === 'closed' || s === 'cancelled';
const working = ['received', 'dispatched', 'acknowledged', 'in_progress', 'reopened'];

/** The urge text that fits where the ticket is: sign for it, or get it done. */
export function urgeDefault(x: Ticket): string {
  const lead = x.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  if (!lead) return t('ticket.urgeDefaultHeld');
  return lead.acknowledgedAt ? t('ticket.urgeDefaultAcked') : t('ticket.urgeDefault');
}

/** Text with its web addresses as links (the signed links in messages open the phone page). */
export function Linked(props: { text: string }) {
  const parts = props.text.split(/(https?:\/\/[^\s，。）)]+)/);
  return (
    <>
      {parts.map((p, i) =>
        /^https?:\/\//.test(p) ? (
          <a key={`${i}${p}`} href={p} target="_blank" rel="noopener noreferrer">
            {p}
          </a>
        ) : (
          <Fragment key={`${i}${p}`}>{p}</Fragment>
        ),
      )}
    </>
  );
}

/** One state for a set of forms: which action runs, its outcome, its problem. */
function useActions(ticket: Ticket, onTicket: (t: Ticket) => void) {
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const act: Act = async (name, path, body, message) => {
    setBusy(name);
    setError(undefined);
    setDone(undefined);
    try {
      onTicket(await post(ticketSchema, `/v1/tickets/${ticket.id}/${path}`, body));
      setDone(message);
    } catch (err) {
      setError(err);
    }
    setBusy(undefined);
  };
  const outcome = (
    <>
      {error ? <ProblemBox error={error} /> : null}
      {done ? (
        <p class="success" role="status">
          {done}
        </p>
      ) : null}
    </>
  );
  return { busy, act, outcome, setError };
}

// ---------------------------------------------------------------------------------------------
// Supervisors and admins
// ---------------------------------------------------------------------------------------------

export function SupervisorExtras(props: {
  ticket: Ticket;
  refs: Refs | undefined;
  admin: boolean;
  busy: string | undefined;
  act: Act;
}) {
  const { ticket, refs, busy, act } = props;
  const lead = ticket.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
  const [unitId, setUnitId] = useState('');
  const [reason, setReason] = useState('');
  const [cancelReason, setCancelReason] = useState('');
  const units = unitsServing(refs, ticket.streetId).filter((u) => u.id !== lead?.unitId);
  const reassignable = !isClosed(ticket.status) && ticket.status !== 'resolved';
  return (
    <>
      {reassignable ? (
        <form
          class="action-block"
          id="reassign"
          onSubmit={(e) => {
            e.preventDefault();
            act('reassign', 'reassign', { unitId, reason: reason.trim() }, t('ticket.reassignDone'));
          }}
        >
          <h3>{t('ticket.reassign')}</h3>
          <p class="muted small">{t('ticket.reassignHint')}</p>
          <UnitPicker
            id="reassign-unit"
            label={t('ticket.reassignUnit')}
            units={units}
            value={unitId}
            onChange={setUnitId}
            size={6}
          />
          <Field label={t('ticket.reassignReason')} id="reassign-reason">
            <textarea
              id="reassign-reason"
              rows={2}
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </Field>
          <button type="submit" class="btn btn-primary" disabled={Boolean(busy) || !unitId}>
            {t('ticket.reassignSend')}
          </button>
        </form>
      ) : null}
      {props.admin && !isClosed(ticket.status) ? (
        <form
          class="action-block"
          onSubmit={(e) => {
            e.preventDefault();
            act('cancel', 'cancel', { reason: cancelReason.trim() }, t('ticket.cancelDone'));
          }}
        >
          <h3>{t('ticket.cancel')}</h3>
          <Field label={t('ticket.cancelReason')} id="cancel-reason">
            <textarea
              id="cancel-reason"
              rows={2}
              value={cancelReason}
              onInput={(e) => setCancelReason(e.currentTarget.value)}
            />
          </Field>
          <button type="submit" class="btn btn-danger" disabled={Boolean(busy)}>
            {t('ticket.cancelSend')}
          </button>
        </form>
      ) : null}
    </>
  );
}

/** The new lead's deadlines, shown after a reassignment (its clock starts at the reassignment). */
export function NewClock(props: { ticket: Ticket }) {
  const d = props.ticket.deadlines;
  if (!d.acknowledgeBy) return null;
  return (
    <p class="muted small">
      {d.resolveBy
        ? t('ticket.newClock', { ack: fmtTime(d.acknowledgeBy), resolve: fmtTime(d.resolveBy) })
        : t('ticket.newClockAck', { ack: fmtTime(d.acknowledgeBy) })}
    </p>
  );
}

// ---------------------------------------------------------------------------------------------
// Units
// ---------------------------------------------------------------------------------------------

/** Photos are downscaled in the browser (≤ 1600 px, JPEG) before upload, as the phone page does. */
async function shrink(file: File): Promise<{ blob: Blob; type: string }> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', 0.8));
  if (!blob) throw new Error('could not encode the photo');
  return { blob, type: 'image/jpeg' };
}

async function base64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export function UnitActions(props: { ticket: Ticket; session: Session; onTicket: (t: Ticket) => void }) {
  const { ticket, session } = props;
  const { busy, act, outcome, setError } = useActions(ticket, props.onTicket);
  const [note, setNote] = useState('');
  const [summary, setSummary] = useState('');
  const [photos, setPhotos] = useState<string[]>([]);
  const [uploading, setUploading] = useState(false);
  const [reason, setReason] = useState('');
  const [days, setDays] = useState(3);
  const [extReason, setExtReason] = useState('');
  const a = ticket.assignments.find((x) => x.unitId === session.unitId && x.status !== 'returned');
  if (!a || !working.includes(ticket.status)) {
    return (
      <>
        {outcome}
        <p class="muted">{t('ticket.nothingNow')}</p>
      </>
    );
  }
  const lead = a.role === 'lead';
  const arriveClock = ticket.clocks.find((c) => c.stage === 'arrive' && c.unitId === a.unitId && !c.doneAt);

  const addPhotos = async (files: FileList | null) => {
    if (!files?.length) return;
    setUploading(true);
    setError(undefined);
    try {
      for (const file of [...files].slice(0, 10 - photos.length)) {
        const { blob, type } = await shrink(file);
        const slot = await post(evidenceSlotSchema, `/v1/tickets/${ticket.id}/evidence`, {
          contentType: type,
          size: blob.size,
          data: await base64(blob),
        });
        setPhotos((p) => [...p, slot.url]);
      }
    } catch (err) {
      setError(err);
    }
    setUploading(false);
  };

  return (
    <div class="actions">
      {outcome}
      {!a.acknowledgedAt ? (
        <div class="action-block">
          <h3>{t('ticket.ack')}</h3>
          <button
            type="button"
            class="btn btn-primary btn-block"
            disabled={Boolean(busy)}
            onClick={() => act('ack', 'acknowledge', {}, t('ticket.ackDone'))}
          >
            {t('ticket.ack')}
          </button>
        </div>
      ) : null}
      {a.acknowledgedAt && arriveClock && !a.arrivedAt ? (
        <div class="action-block">
          <h3>{t('ticket.arrive')}</h3>
          <button
            type="button"
            class="btn btn-primary btn-block"
            disabled={Boolean(busy)}
            onClick={() => act('arrive', 'arrive', {}, t('ticket.arriveDone'))}
          >
            {t('ticket.arrive')}
          </button>
        </div>
      ) : null}
      {a.acknowledgedAt ? (
        <form
          class="action-block"
          onSubmit={(e) => {
            e.preventDefault();
            act('progress', 'progress', { note: note.trim() }, t('ticket.progressDone'));
          }}
        >
          <Field label={t('ticket.progress')} id="progress-note">
            <textarea
              id="progress-note"
              rows={2}
              value={note}
              onInput={(e) => setNote(e.currentTarget.value)}
            />
          </Field>
          <button type="submit" class="btn" disabled={Boolean(busy)}>
            {t('ticket.progressSend')}
          </button>
        </form>
      ) : null}
      {a.acknowledgedAt && lead ? (
        <form
          class="action-block"
          onSubmit={(e) => {
            e.preventDefault();
            act(
              'resolve',
              'resolve',
              { summary: summary.trim(), ...(photos.length ? { evidence: photos } : {}) },
              t('ticket.resolveDone'),
            );
          }}
        >
          <h3>{t('ticket.resolve')}</h3>
          <Field label={t('ticket.resolveSummary')} id="resolve-summary">
            <textarea
              id="resolve-summary"
              rows={3}
              value={summary}
              onInput={(e) => setSummary(e.currentTarget.value)}
            />
          </Field>
          <Field label={t('ticket.resolvePhotos')} id="resolve-photos">
            <input
              id="resolve-photos"
              type="file"
              accept="image/*"
              multiple
              disabled={uploading || photos.length >= 10}
              onChange={(e) => addPhotos(e.currentTarget.files)}
            />
          </Field>
          {uploading ? <p role="status">{t('ticket.photoUploading')}</p> : null}
          {photos.length ? (
            <div class="thumbs">
              <span class="muted small">{t('ticket.photoAdded', { n: photos.length })}</span>
              {photos.map((u, i) => (
                <img key={u} src={u} alt={`${t('ticket.resolvePhotos')} ${i + 1}`} />
              ))}
            </div>
          ) : null}
          <button type="submit" class="btn btn-primary" disabled={Boolean(busy) || uploading}>
            {t('ticket.resolveSend')}
          </button>
        </form>
      ) : null}
      {lead && a.acknowledgedAt && !ticket.extension ? (
        <form
          class="action-block"
          onSubmit={(e) => {
            e.preventDefault();
            act(
              'extension',
              'extension',
              { workingDays: days, reason: extReason.trim() },
              t('ticket.extSent'),
            );
          }}
        >
          <h3>{t('ticket.askExtension')}</h3>
          <Field label={t('ticket.extDays')} id="ext-days">
            <input
              id="ext-days"
              type="number"
              min={1}
              max={10}
              value={days}
              onInput={(e) => setDays(Number(e.currentTarget.value))}
            />
          </Field>
          <Field label={t('ticket.extReason')} id="ext-reason">
            <textarea
              id="ext-reason"
              rows={2}
              value={extReason}
              onInput={(e) => setExtReason(e.currentTarget.value)}
            />
          </Field>
          <button type="submit" class="btn" disabled={Boolean(busy)}>
            {t('ticket.extSend')}
          </button>
        </form>
      ) : null}
      {!a.resolvedAt ? (
        <form
          class="action-block"
          onSubmit={(e) => {
            e.preventDefault();
            act('return', 'return', { reason: reason.trim() }, t('ticket.returnDone'));
          }}
        >
          <h3>{t('ticket.return')}</h3>
          <Field label={t('ticket.returnReason')} id="return-reason">
            <textarea
              id="return-reason"
              rows={2}
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </Field>
          <button type="submit" class="btn btn-danger" disabled={Boolean(busy)}>
            {t('ticket.returnSend')}
          </button>
        </form>
      ) : null}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// The community
// ---------------------------------------------------------------------------------------------

export function ReporterActions(props: { ticket: Ticket; session: Session; onTicket: (t: Ticket) => void }) {
  const { ticket } = props;
  const { busy, act, outcome } = useActions(ticket, props.onTicket);
  const [rating, setRating] = useState('satisfied');
  const [comment, setComment] = useState('');
  const awaiting = ticket.status === 'resolved' && !ticket.flags.includes('needs_ruling');
  if (!awaiting) {
    return (
      <>
        {outcome}
        <p class="muted">{t('ticket.noActions')}</p>
      </>
    );
  }
  return (
    <div class="actions">
      {outcome}
      <form
        class="action-block"
        onSubmit={(e) => {
          e.preventDefault();
          act(
            'feedback',
            'feedback',
            { rating, ...(comment.trim() ? { comment: comment.trim() } : {}) },
            t('ticket.verdictDone'),
          );
        }}
      >
        <h3>{t('ticket.verdict')}</h3>
        <fieldset class="choice">
          <legend>{t('ticket.verdictRating')}</legend>
          {['satisfied', 'basically_satisfied', 'unsatisfied'].map((r) => (
            <label key={r} class="check">
              <input
                type="radio"
                name="rating"
                value={r}
                checked={rating === r}
                onChange={() => setRating(r)}
              />
              {tv('rating', r)}
            </label>
          ))}
        </fieldset>
        <Field label={t('ticket.verdictComment')} id="verdict-comment">
          <textarea
            id="verdict-comment"
            rows={2}
            value={comment}
            onInput={(e) => setComment(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="btn btn-primary" disabled={Boolean(busy)}>
          {t('ticket.verdictSend')}
        </button>
      </form>
    </div>
  );
}
