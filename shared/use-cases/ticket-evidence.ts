/**
 * A resolution photo uploaded by a signed-in unit from the console: the same slot the phone page's
 * link gets (shared/use-cases/links.ts), granted by the caller's role and assignment instead of a
 * link. Inline on the embedded runtime (the bytes come base64), a presigned PUT on AWS.
 */
import { randomBytes } from 'node:crypto';
import { toShanghaiIso } from '../domain/deadlines';
import { ConflictError, ForbiddenError, UnprocessableError } from '../domain/errors';
import type { Principal } from '../domain/principal';
import { requireRole } from '../domain/principal';
import type { EvidenceStore } from '../ports';
import {
  type EvidenceType,
  type EvidenceUpload,
  evidenceTypes,
  evidenceUrl,
  looksLike,
  MAX_EVIDENCE_BYTES,
} from './links';
import { getTicket, type TicketDeps } from './ticket-service';

const resolvable = ['received', 'dispatched', 'acknowledged', 'in_progress', 'reopened'];

export async function uploadTicketEvidence(
  deps: TicketDeps,
  evidence: EvidenceStore,
  actor: Principal,
  ticketId: string,
  input: { contentType: EvidenceType; size: number; data?: string | undefined },
): Promise<EvidenceUpload> {
  requireRole(actor, ['unit'], 'upload resolution photos');
  const t = await getTicket(deps, actor, ticketId);
  const a = t.assignments.find((x) => x.unitId === actor.unitId && x.status !== 'returned');
  if (a?.role !== 'lead')
    throw new ForbiddenError('only the lead unit resolves the ticket and adds its photos');
  if (!resolvable.includes(t.status))
    throw new ConflictError(`no photos are taken while the ticket is ${t.status}`, { status: t.status });
  if (input.size > MAX_EVIDENCE_BYTES)
    throw new UnprocessableError(`photos are limited to ${MAX_EVIDENCE_BYTES} bytes after downscaling`);
  const name = `${randomBytes(16).toString('base64url')}.${evidenceTypes[input.contentType]}`;
  const url = evidenceUrl(deps.publicBaseUrl, name);
  if (evidence.mode === 'inline') {
    const bytes = Buffer.from(input.data ?? '', 'base64');
    if (bytes.length === 0 || bytes.length !== input.size)
      throw new UnprocessableError('the photo data does not match its declared size');
    if (!looksLike(input.contentType, bytes))
      throw new UnprocessableError(`the photo is not a ${input.contentType} image`);
    await evidence.put({
      name,
      ticketId: t.id,
      contentType: input.contentType,
      bytes,
      at: toShanghaiIso(deps.clock.now()),
    });
    return { name, url };
  }
  const upload = await evidence.presignPut(name, input.contentType, input.size);
  return { name, url, upload: { method: 'PUT', ...upload } };
}
