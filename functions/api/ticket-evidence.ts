/**
 * POST /v1/tickets/{id}/evidence: a signed-in lead unit adds a resolution photo from the console,
 * then cites the returned URL in its resolve. Photos are served where the phone page's are
 * (`/l/evidence/<name>`). Bodies carry a photo (base64), so the size limit is the photo's.
 */
import { StoreEvidence } from '../../shared/adapters/evidence';
import { NotFoundError, PayloadTooLargeError, ServiceUnavailableError } from '../../shared/domain/errors';
import type { EvidenceStore } from '../../shared/ports';
import { uploadTicketEvidence } from '../../shared/use-cases/ticket-evidence';
import type { Deps } from '../lib/deps';
import { httpHandler, json, parse, parseQuery, rawBody } from '../lib/http';
import { noQuery, ticketEvidenceBody, ticketIdPattern } from './schemas';

const MAX_UPLOAD_BYTES = 480 * 1024 + 4096;

/** AWS: S3 (built by the entry); the embedded runtime: the store, through the link service's. */
function evidenceStore(deps: Deps): EvidenceStore {
  if (deps.evidence) return deps.evidence;
  const links = deps.links;
  if (!links) throw new ServiceUnavailableError('photo storage is not configured');
  return new StoreEvidence(links.store);
}

export const makeTicketEvidence = (deps: Deps) =>
  httpHandler(deps, {
    'POST /v1/tickets/{id}/evidence': async (req) => {
      const principal = req.principal();
      parseQuery(req, noQuery);
      const id = req.params.id ?? '';
      if (!ticketIdPattern.test(id)) throw new NotFoundError(`ticket ${id} not found`);
      const raw = rawBody(req.event);
      if (Buffer.byteLength(raw, 'utf8') > MAX_UPLOAD_BYTES) throw new PayloadTooLargeError(MAX_UPLOAD_BYTES);
      const body = parse(ticketEvidenceBody, raw.trim() ? safeJson(raw) : {}, 'evidence body');
      const slot = await uploadTicketEvidence(req.deps, evidenceStore(req.deps), principal, id, body);
      return json(201, slot, { 'cache-control': 'no-store' });
    },
  });

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
