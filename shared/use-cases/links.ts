/**
 * Signed links: minted for every notice before it is built, opened by the phone page, and used
 * for exactly the actions they grant. An action through a link is the same domain action as
 * through the API (`act`), taken by a Principal built from the grant.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { toShanghaiIso } from '../domain/deadlines';
import { UnprocessableError } from '../domain/errors';
import {
  BASE62,
  canonicalGrant,
  grantedActions,
  isExpired,
  isSingleUse,
  LINK_SECRET_LENGTH,
  LINK_TAG_LENGTH,
  type LinkAction,
  type LinkGrant,
  type LinkParty,
  type LinkRefusalReason,
  linkCodePattern,
  linkExpiry,
  linkGrantSchema,
  linkPrincipal,
  partyFor,
} from '../domain/links';
import type { NotificationKind, Ticket } from '../domain/model';
import { readAction } from '../domain/ticket-actions';
import type { EvidenceStore, LinkStore, StoredLink } from '../ports';
import type { NoticeContext, NoticeSpec } from './notify';
import { act, type NoticeLinks, type TicketDeps } from './ticket-service';

// ---------------------------------------------------------------------------------------------
// Codes and signatures
// ---------------------------------------------------------------------------------------------

/** Base62 of `count` CSPRNG characters (rejection sampling: no modulo bias). */
function randomBase62(count: number): string {
  let out = '';
  while (out.length < count) {
    for (const b of randomBytes(count * 2)) {
      if (b < 248 && out.length < count) out += BASE62[b % 62];
    }
  }
  return out;
}

/** Fixed-length base62 of the first 8 bytes of a digest (bias of 62^count in 2^64: nil). */
function digestBase62(digest: Buffer, count: number): string {
  let n = digest.readBigUInt64BE(0);
  let out = '';
  for (let i = 0; i < count; i += 1) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * HMAC-SHA256 with the deployment's link secret (Secrets Manager on AWS, a key file in the data dir
 * on the embedded runtime). Codes and grants are signed under distinct labels, so one can never
 * stand in for the other.
 */
export class LinkSigner {
  private readonly key: Buffer;

  constructor(secret: string | Uint8Array) {
    this.key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (this.key.length < 16) throw new Error('the link secret must be at least 16 bytes');
  }

  private mac(label: string, text: string): Buffer {
    return createHmac('sha256', this.key).update(`whistle-${label}/v1\u0000${text}`).digest();
  }

  newCode(): string {
    const secret = randomBase62(LINK_SECRET_LENGTH);
    return secret + digestBase62(this.mac('link-code', secret), LINK_TAG_LENGTH);
  }

  /** Well-formed and carrying our tag: checked before any store read. */
  checkCode(code: string): 'ok' | 'malformed' | 'forged' {
    if (!linkCodePattern.test(code)) return 'malformed';
    const secret = code.slice(0, LINK_SECRET_LENGTH);
    const tag = digestBase62(this.mac('link-code', secret), LINK_TAG_LENGTH);
    return sameText(tag, code.slice(LINK_SECRET_LENGTH)) ? 'ok' : 'forged';
  }

  sign(grant: LinkGrant): string {
    return this.mac('link-grant', canonicalGrant(grant)).toString('base64url');
  }

  /**
   * The secret path segment of a gateway's receipt URL (`/v1/receipts/<provider>/<key>`): the
   * gateways sign nothing, so the URL registered with them is the credential.
   */
  receiptKey(provider: string): string {
    return this.mac('receipt-url', provider).toString('base64url').slice(0, 32);
  }

  verify(grant: LinkGrant, sig: string): boolean {
    return sameText(this.sign(grant), sig);
  }
}

/** A link that does nothing, and why: the phone page explains it; nothing else happens. */
export class LinkRefusal extends Error {
  override readonly name = 'LinkRefusal';
  constructor(
    readonly reason: LinkRefusalReason,
    readonly link?: StoredLink,
  ) {
    super(`link refused: ${reason}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Minting and opening
// ---------------------------------------------------------------------------------------------

const specKey = (spec: Pick<NoticeSpec, 'kind' | 'unitId' | 'key'>) =>
  `${spec.kind}\u0000${spec.unitId ?? ''}\u0000${spec.key}`;

/** An authentic but expired link comes back with its grant, so the page can say since when. */
export type LinkOpening =
  | { ok: true; link: StoredLink }
  | { ok: false; reason: LinkRefusalReason; link?: StoredLink };

export class LinkService implements NoticeLinks {
  constructor(
    readonly store: LinkStore,
    private readonly signer: LinkSigner,
  ) {}

  /** Whether `key` is the receipt URL key of `provider` (constant time). */
  isReceiptKey(provider: string, key: string): boolean {
    return sameText(this.signer.receiptKey(provider), key);
  }

  receiptKey(provider: string): string {
    return this.signer.receiptKey(provider);
  }

  /** Store a new grant for the party and return its code (a fresh one on the rare collision). */
  async mint(t: Ticket, party: LinkParty, notice: NotificationKind, now: Date): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const grant: LinkGrant = {
        code: this.signer.newCode(),
        ticketId: t.id,
        party,
        actions: grantedActions(t, party),
        notice,
        issuedAt: toShanghaiIso(now),
        expiresAt: toShanghaiIso(linkExpiry(t, party, now)),
      };
      const stored: StoredLink = { grant, sig: this.signer.sign(grant), used: {}, evidence: [] };
      if (await this.store.putLink(stored)) return grant.code;
    }
    throw new Error('could not mint a unique link code');
  }

  /**
   * One link per notice, stored before the notice is built, so a message never carries a link
   * the page cannot open. A retried task mints again; the record it finds keeps the first link,
   * which stays valid, and the spare grant is never sent.
   */
  async forNotices(
    t: Ticket,
    specs: readonly NoticeSpec[],
    ctx: { now: Date; publicBaseUrl: string },
  ): Promise<NonNullable<NoticeContext['linkFor']>> {
    const urls = new Map<string, string>();
    await Promise.all(
      specs.map(async (spec) => {
        const code = await this.mint(t, partyFor(t, spec.unitId), spec.kind, ctx.now);
        urls.set(specKey(spec), `${ctx.publicBaseUrl}/l/${code}`);
      }),
    );
    return (_t, spec) => {
      const url = urls.get(specKey(spec));
      if (!url) throw new Error(`no link was minted for the ${spec.kind} notice ${spec.key}`);
      return url;
    };
  }

  /** The stored link behind a code, or why it does nothing (tag first: no read for a forgery). */
  async open(code: string, now: Date): Promise<LinkOpening> {
    const check = this.signer.checkCode(code);
    if (check !== 'ok') return { ok: false, reason: check };
    const link = await this.store.getLink(code);
    if (!link) return { ok: false, reason: 'unknown' };
    const grant = linkGrantSchema.safeParse(link.grant);
    if (!grant.success || grant.data.code !== code || !this.signer.verify(grant.data, link.sig)) {
      return { ok: false, reason: 'tampered' };
    }
    const verified = { ...link, grant: grant.data };
    if (isExpired(grant.data, now)) return { ok: false, reason: 'expired', link: verified };
    return { ok: true, link: verified };
  }
}

// ---------------------------------------------------------------------------------------------
// Acting through a link
// ---------------------------------------------------------------------------------------------

export interface LinkDeps extends TicketDeps {
  links: LinkService;
}

async function openOrRefuse(deps: LinkDeps, code: string): Promise<StoredLink> {
  const opened = await deps.links.open(code, deps.clock.now());
  if (!opened.ok) throw new LinkRefusal(opened.reason, opened.link);
  return opened.link;
}

/** Evidence names as the upload hands them out: 22 random base64url characters and the type. */
export const evidenceNamePattern = /^[A-Za-z0-9_-]{22}\.(jpg|png|webp)$/;

export function evidenceUrl(publicBaseUrl: string, name: string): string {
  return `${publicBaseUrl}/l/evidence/${name}`;
}

export interface LinkActionResult {
  ticket: Ticket;
  link: StoredLink;
}

/**
 * Take `action` on the link's ticket as the link's party. A single-use action is marked on the
 * link first (a conditional write: two taps race, one wins) and unmarked if the domain refuses,
 * so the holder can try again once the ticket allows it. `ticketId`, when the page sends it,
 * must be the link's own ticket.
 */
export async function actThroughLink(
  deps: LinkDeps,
  code: string,
  action: LinkAction,
  body: Record<string, unknown>,
  opts: { ticketId?: string | undefined } = {},
): Promise<LinkActionResult> {
  const link = await openOrRefuse(deps, code);
  const { grant } = link;
  if (opts.ticketId !== undefined && opts.ticketId !== grant.ticketId)
    throw new LinkRefusal('other_ticket', link);
  if (!grant.actions.includes(action)) throw new LinkRefusal('not_granted', link);
  let fields = body;
  if (action === 'resolve') {
    const names = Array.isArray(body.evidence) ? body.evidence.map(String) : [];
    const foreign = names.filter((n) => !link.evidence.includes(n));
    if (foreign.length > 0)
      throw new UnprocessableError(`evidence not uploaded through this link: ${foreign.join(', ')}`);
    fields = {
      ...body,
      evidence: names.length ? names.map((n) => evidenceUrl(deps.publicBaseUrl, n)) : undefined,
    };
  }
  // The same schema as the API's body: the use case receives the action typed and checked.
  const input = readAction(action, fields);
  const single = isSingleUse(action);
  if (single) {
    const at = toShanghaiIso(deps.clock.now());
    if (link.used[action] || !(await deps.links.store.markLinkUsed(code, action, at))) {
      const now = (await deps.links.store.getLink(code)) ?? link;
      throw new LinkRefusal('used', now);
    }
  }
  try {
    const ticket = await act(deps, linkPrincipal(grant), grant.ticketId, input);
    return { ticket, link };
  } catch (err) {
    if (single) {
      await deps.links.store.unmarkLinkUsed(code, action).catch(() => {
        // The mark stays: the holder sees "already done" and can still act in the console.
      });
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------------------------

/** After the phone's downscale a photo is ~100–300 KB; the store item limit is 400 KB. */
export const MAX_EVIDENCE_BYTES = 350 * 1024;
/** The resolve body takes at most ten evidence URLs. */
export const MAX_EVIDENCE_PER_LINK = 10;
export const evidenceTypes = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;
export type EvidenceType = keyof typeof evidenceTypes;

/** Whether the bytes start like the image type they claim (magic numbers). */
export function looksLike(type: EvidenceType, b: Uint8Array): boolean {
  const at = (i: number) => b[i] ?? -1;
  const ascii = (from: number, text: string) => [...text].every((c, i) => at(from + i) === c.charCodeAt(0));
  if (type === 'image/jpeg') return at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff;
  if (type === 'image/png') return at(0) === 0x89 && ascii(1, 'PNG');
  return ascii(0, 'RIFF') && ascii(8, 'WEBP');
}

export interface EvidenceUpload {
  name: string;
  url: string;
  /** Presigned mode: where and how the phone uploads the bytes. */
  upload?: { method: 'PUT'; url: string; headers: Record<string, string> };
}

/**
 * A slot for one resolution photo on the link's ticket: stored at once (inline: the bytes come
 * base64 in the request) or handed a presigned PUT. Only a link that may still resolve uploads,
 * at most MAX_EVIDENCE_PER_LINK photos; the names are kept on the link for its resolve.
 */
export async function uploadEvidence(
  deps: LinkDeps,
  evidence: EvidenceStore,
  code: string,
  input: { contentType: EvidenceType; size: number; data?: string | undefined },
): Promise<EvidenceUpload> {
  const link = await openOrRefuse(deps, code);
  if (!link.grant.actions.includes('resolve')) throw new LinkRefusal('not_granted', link);
  if (link.used.resolve) throw new LinkRefusal('used', link);
  if (input.size > MAX_EVIDENCE_BYTES) {
    throw new UnprocessableError(`photos are limited to ${MAX_EVIDENCE_BYTES} bytes after downscaling`);
  }
  let bytes: Buffer | undefined;
  if (evidence.mode === 'inline') {
    bytes = Buffer.from(input.data ?? '', 'base64');
    if (bytes.length === 0 || bytes.length !== input.size) {
      throw new UnprocessableError('the photo data does not match its declared size');
    }
    if (!looksLike(input.contentType, bytes)) {
      throw new UnprocessableError(`the photo is not a ${input.contentType} image`);
    }
  }
  const name = `${randomBytes(16).toString('base64url')}.${evidenceTypes[input.contentType]}`;
  if (!(await deps.links.store.addLinkEvidence(code, name, MAX_EVIDENCE_PER_LINK))) {
    throw new LinkRefusal('evidence_full', link);
  }
  const url = evidenceUrl(deps.publicBaseUrl, name);
  if (bytes) {
    await evidence.put({
      name,
      ticketId: link.grant.ticketId,
      contentType: input.contentType,
      bytes,
      at: toShanghaiIso(deps.clock.now()),
    });
    return { name, url };
  }
  const upload = await evidence.presignPut(name, input.contentType, input.size);
  return { name, url, upload: { method: 'PUT', ...upload } };
}
