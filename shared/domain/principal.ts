/**
 * Who is calling, as the authorizer verified it, and what they may see. Handlers never read raw
 * claims: they get a Principal parsed from the verified claims (local JWT or Cognito).
 */
import * as z from '../zod';
import { ForbiddenError, NotFoundError, UnauthorizedError } from './errors';
import { idSchema, roles, type Ticket } from './model';

/** The scope each scoped role must carry: a unit acts for its unit, a reporter for its community… */
export const scopeOfRole = { unit: 'unitId', reporter: 'communityId', dispatcher: 'streetId' } as const;

type ScopeField = (typeof scopeOfRole)[keyof typeof scopeOfRole];

/** The scope field a role requires and the claims lack, if any. */
export function missingScope(
  p: { role: string } & Partial<Record<ScopeField, string>>,
): ScopeField | undefined {
  const field = scopeOfRole[p.role as keyof typeof scopeOfRole];
  return field && !p[field] ? field : undefined;
}

export const principalSchema = z
  .object({
    sub: z.string().check(z.minLength(1), z.maxLength(128)),
    role: z.enum(roles),
    unitId: z.optional(idSchema),
    communityId: z.optional(idSchema),
    streetId: z.optional(idSchema),
    /** Set for principals acting through a signed link in a message (no login). */
    via: z._default(z.enum(['token', 'link']), 'token'),
  })
  .check(
    z.superRefine((p, ctx) => {
      const field = missingScope(p);
      if (field) ctx.addIssue({ code: 'custom', path: [field], message: `${p.role} role needs ${field}` });
    }),
  );
export type Principal = z.infer<typeof principalSchema>;

const cognitoGroupRole = (groups: unknown): string | undefined => {
  const list = Array.isArray(groups)
    ? groups
    : typeof groups === 'string'
      ? groups.replace(/[[\]]/g, '').split(/[ ,]+/)
      : [];
  for (const r of ['admin', 'supervisor', 'dispatcher', 'unit', 'reporter']) if (list.includes(r)) return r;
  return undefined;
};

/**
 * Map verified JWT claims to a Principal. Local tokens carry `role` and the scope ids directly;
 * Cognito ID tokens carry groups and `custom:` attributes.
 */
export function principalFromClaims(claims: Record<string, unknown> | undefined): Principal {
  if (!claims) throw new UnauthorizedError();
  const pick = (k: string) => (claims[k] ?? claims[`custom:${k}`]) as unknown;
  const candidate = {
    sub: claims.sub,
    role: claims.role ?? cognitoGroupRole(claims['cognito:groups']),
    unitId: pick('unitId'),
    communityId: pick('communityId'),
    streetId: pick('streetId'),
    via: claims.via ?? 'token',
  };
  for (const k of ['unitId', 'communityId', 'streetId'] as const) {
    if (candidate[k] === undefined || candidate[k] === '') delete (candidate as Record<string, unknown>)[k];
  }
  const parsed = principalSchema.safeParse(candidate);
  if (!parsed.success) throw new UnauthorizedError('the token does not carry a usable role and scope');
  return parsed.data;
}

/**
 * The token of an `Authorization: Bearer <token>` header. The scheme is case-insensitive (RFC 9110
 * §11.1: "bearer" and "BEARER" are the same); anything else (Basic, two credentials, a bare
 * token) has none.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization?.match(/^Bearer +([A-Za-z0-9._~+/-]+=*)$/i)?.[1];
}

export function requireRole(p: Principal, allowed: readonly Principal['role'][], action: string): void {
  if (!allowed.includes(p.role)) throw new ForbiddenError(`${p.role} may not ${action}`);
}

/** May this principal see the ticket at all? Out-of-scope tickets read as absent (404). */
export function canSee(p: Principal, t: Ticket): boolean {
  switch (p.role) {
    case 'admin':
      return true;
    case 'supervisor':
      return !p.streetId || p.streetId === t.streetId;
    case 'dispatcher':
      return p.streetId === t.streetId;
    case 'reporter':
      return p.communityId === t.communityId;
    case 'unit':
      return t.assignments.some((a) => a.unitId === p.unitId);
  }
}

export function requireVisible(p: Principal, t: Ticket | undefined, id: string): Ticket {
  if (!t || !canSee(p, t)) throw new NotFoundError(`ticket ${id} not found`);
  return t;
}

/** Dispatchers triage and merge within their street; supervisors within theirs; admins everywhere. */
export function requireDispatch(p: Principal, t: Ticket, action: string): void {
  requireRole(p, ['dispatcher', 'supervisor', 'admin'], action);
  if (p.role !== 'admin' && p.streetId && p.streetId !== t.streetId) {
    throw new ForbiddenError(`${p.role} of ${p.streetId} may not ${action} in ${t.streetId}`);
  }
}

/** Masks a phone number for roles that do not need it: +8613812345678 → +86138****5678. */
export function maskPhone(phone: string): string {
  if (phone.length <= 7) return '****';
  return `${phone.slice(0, phone.length - 8)}****${phone.slice(-4)}`;
}
