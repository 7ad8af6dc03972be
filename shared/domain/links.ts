/**
 * Signed links in messages (短信/邮件中的处理链接): what a link grants, for how long, and what its
 * holder may do with it right now. Pure: no I/O (shared/use-cases/links.ts signs).
 *
 * A link is `<publicBaseUrl>/l/<code>`: thirteen base62 characters, eleven random ones (65 bits,
 * the secret) and two of HMAC tag over them, so nearly every forged or mistyped code is refused
 * before the store is read. The code names a stored grant: one ticket, one party (a unit, or the
 * ticket's community for the verdict), the actions it allows, and an expiry; the grant carries
 * its own HMAC too. Timelines, logs and the notification list name a link by its id, a one-way
 * hash of the code: nothing shown anywhere gives back any part of a working code.
 */
import { createHash } from 'node:crypto';
import * as z from '../zod';
import { idSchema, instantSchema, notificationKinds, type Ticket } from './model';
import type { Principal } from './principal';

/** Random base62 characters of a code: 62^11 ≈ 2^65.5, the part nobody can derive or guess. */
export const LINK_SECRET_LENGTH = 11;
/** HMAC tag characters after the secret: a cheap first check, no extra secrecy claimed. */
export const LINK_TAG_LENGTH = 2;
export const LINK_CODE_LENGTH = LINK_SECRET_LENGTH + LINK_TAG_LENGTH;
/** Length of a link's id (its name in timelines, logs and lists). */
export const LINK_ID_LENGTH = 8;
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const linkCodePattern = /^[0-9A-Za-z]{13}$/;

/** A link lives at least this long, so a message read late still works… */
export const LINK_MIN_TTL_MS = 7 * 24 * 3600 * 1000;
/** …and never longer than this, whatever the clocks say. */
export const LINK_MAX_TTL_MS = 60 * 24 * 3600 * 1000;

export const unitLinkActions = ['acknowledge', 'arrive', 'progress', 'resolve', 'return'] as const;
export const communityLinkActions = ['feedback'] as const;
export const linkActions = [...unitLinkActions, ...communityLinkActions] as const;
export type LinkAction = (typeof linkActions)[number];

/** Progress notes may be posted again and again; everything else is done once per link. */
export function isSingleUse(action: LinkAction): boolean {
  return action !== 'progress';
}

export const linkPartySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('unit'), unitId: idSchema }),
  z.strictObject({ kind: z.literal('community'), communityId: idSchema }),
]);
export type LinkParty = z.infer<typeof linkPartySchema>;

export const linkGrantSchema = z.strictObject({
  code: z.string().check(z.regex(linkCodePattern)),
  ticketId: z.string().check(z.minLength(1), z.maxLength(64)),
  party: linkPartySchema,
  /** Empty for a recipient who is told but does not work the ticket (escalation levels 2 and 3). */
  actions: z.array(z.enum(linkActions)).check(z.maxLength(linkActions.length)),
  /** The message the link went out in. */
  notice: z.enum(notificationKinds),
  issuedAt: instantSchema,
  expiresAt: instantSchema,
});
export type LinkGrant = z.infer<typeof linkGrantSchema>;

/** When each single-use action was done through the link. */
export type LinkUse = Partial<Record<LinkAction, string>>;

/** Why a link does nothing. All but `expired`, `used` and the rest read as "invalid" to the holder. */
export type LinkRefusalReason =
  | 'malformed'
  | 'forged'
  | 'unknown'
  | 'tampered'
  | 'expired'
  | 'used'
  | 'not_granted'
  | 'other_ticket'
  | 'evidence_full';

/**
 * The link's public name: base62 of a SHA-256 of the code. One-way: knowing the id (from a
 * timeline, a log line or the notification list) gives no character of the code.
 */
export function linkIdOf(code: string): string {
  const digest = createHash('sha256').update(`whistle-link-id/v1\u0000${code}`).digest();
  let out = '';
  for (let i = 0; i < LINK_ID_LENGTH; i += 1) out += BASE62[(digest[i] ?? 0) % 62];
  return out;
}

/** The bytes the grant's HMAC covers: every field, in a fixed order, versioned. */
export function canonicalGrant(g: LinkGrant): string {
  const party = g.party.kind === 'unit' ? `unit:${g.party.unitId}` : `community:${g.party.communityId}`;
  return JSON.stringify(['v1', g.code, g.ticketId, party, [...g.actions], g.notice, g.issuedAt, g.expiresAt]);
}

/** Who the notice goes to, as a link party: a unit, or the ticket's community (the verdict). */
export function partyFor(t: Ticket, unitId: string | undefined): LinkParty {
  return unitId ? { kind: 'unit', unitId } : { kind: 'community', communityId: t.communityId };
}

/**
 * What a party's link may do. A unit working the ticket gets the unit actions; a unit that is only
 * told (the street office at level 2, the city at level 3) can look but not act; the community
 * gives the verdict.
 */
export function grantedActions(t: Ticket, party: LinkParty): LinkAction[] {
  if (party.kind === 'community') return [...communityLinkActions];
  return t.assignments.some((a) => a.unitId === party.unitId) ? [...unitLinkActions] : [];
}

/**
 * Until when: the last instant the party's open clocks still act at (level 3 of a unit's stages,
 * the verdict deadline for the community), at least LINK_MIN_TTL_MS and at most LINK_MAX_TTL_MS.
 */
export function linkExpiry(t: Ticket, party: LinkParty, now: Date): Date {
  const unitId = party.kind === 'unit' ? party.unitId : undefined;
  let latest = now.getTime() + LINK_MIN_TTL_MS;
  for (const c of t.clocks) {
    if (c.doneAt || c.unitId !== unitId) continue;
    const at = Date.parse(c.stage === 'feedback' ? c.dueAt : c.level3At);
    if (at > latest) latest = at;
  }
  return new Date(Math.min(latest, now.getTime() + LINK_MAX_TTL_MS));
}

export function isExpired(g: LinkGrant, now: Date): boolean {
  return now.getTime() >= Date.parse(g.expiresAt);
}

/**
 * The caller the domain sees: the link's unit or community, acting via a link. The sub names the
 * link by its id only (a hash of the code), so a recorded event cannot be turned back into a
 * working link.
 */
export function linkPrincipal(g: LinkGrant): Principal {
  const sub = `link:${linkIdOf(g.code)}`;
  return g.party.kind === 'unit'
    ? { sub, role: 'unit', unitId: g.party.unitId, via: 'link' }
    : { sub, role: 'reporter', communityId: g.party.communityId, via: 'link' };
}

/** Statuses in which units act on a ticket (ticket-rules: requireWorking). */
const working: readonly Ticket['status'][] = [
  'received',
  'dispatched',
  'acknowledged',
  'in_progress',
  'reopened',
];

/**
 * The actions the page offers now: granted, not yet used through this link, and possible in the
 * ticket's state. Only a hint for the page; the domain rules decide when the action is taken.
 * `returnOpen`: whether the unit's return window (policy and calendar) is still open.
 */
export function actionsNow(t: Ticket, g: LinkGrant, used: LinkUse, returnOpen = true): LinkAction[] {
  const open = (a: LinkAction) => g.actions.includes(a) && !(isSingleUse(a) && used[a]);
  if (g.party.kind === 'community') {
    const verdictDue = t.status === 'resolved' && !t.flags.includes('needs_ruling');
    return verdictDue && open('feedback') ? ['feedback'] : [];
  }
  const unitId = g.party.unitId;
  const a = t.assignments.find((x) => x.unitId === unitId && x.status !== 'returned');
  if (!a || !working.includes(t.status)) return [];
  const out: LinkAction[] = [];
  if (!a.acknowledgedAt) out.push('acknowledge');
  const arriveOpen = t.clocks.some((c) => c.stage === 'arrive' && c.unitId === unitId && !c.doneAt);
  if (a.acknowledgedAt && !a.arrivedAt && arriveOpen) out.push('arrive');
  const resolvedNow = Boolean(a.resolvedAt) && t.status !== 'reopened';
  if (a.role === 'lead' && a.acknowledgedAt && !resolvedNow) out.push('resolve');
  if (a.acknowledgedAt && !resolvedNow) out.push('progress');
  if (!a.resolvedAt && returnOpen) out.push('return');
  return out.filter(open);
}
