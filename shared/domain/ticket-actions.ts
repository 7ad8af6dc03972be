/**
 * What can be done to a ticket after it is raised, in one table: each action's body (the schema
 * the API validates and documents, and the type the use case receives) and who may take it (the
 * role, and the scope checked against the ticket). The API, the signed links and the use case all
 * read this table; nothing else decides who may act.
 */
import * as z from '../zod';
import { ForbiddenError, ValidationError } from './errors';
import { idSchema, ratings, type roles, type Ticket } from './model';
import type { Principal } from './principal';
import { optionalText, plainText, webUrl } from './text';
import { zodIssues } from './validation';

/** Free text, normalised and refused when it carries control characters or nothing visible. */
const text = (max: number) => plainText(max, { multiline: true });
/**
 * Evidence may be `http:` at parse time: the deployment's own photo URLs are plain HTTP on an
 * embedded runtime. The resolve handler refuses any other `http:` URL (ownHttpEvidenceOnly).
 */
const evidenceRef = webUrl(500, { allowHttp: true });

export const emptyBody = z.strictObject({});
export const noteBody = z.strictObject({ note: text(500) });
export const resolveBody = z.strictObject({
  summary: text(1000),
  evidence: z.optional(z.array(evidenceRef).check(z.maxLength(10))),
});
export const reasonBody = z.strictObject({ reason: text(500) });
export const extensionBody = z.strictObject({
  workingDays: z.number().check(z.int(), z.gte(1), z.lte(30)),
  reason: text(500),
});
export const decisionBody = z.strictObject({ approve: z.boolean() });
export const feedbackBody = z.strictObject({
  rating: z.enum(ratings),
  comment: z.optional(optionalText(500, { multiline: true })),
});
export const rulingBody = z.strictObject({
  decision: z.enum(['close', 'assign', 'reopen']),
  unitId: z.optional(idSchema),
  note: z.optional(optionalText(500, { multiline: true })),
});
export const reassignBody = z
  .strictObject({ unitId: idSchema, reason: text(500) })
  .check(
    z.meta({ examples: [{ unitId: 'u-street-xishan', reason: '原承办单位逾期未签收，改由属地街道办理' }] }),
  );

/** Each action's body. */
export const actionBodies = {
  acknowledge: emptyBody,
  arrive: emptyBody,
  progress: noteBody,
  resolve: resolveBody,
  return: reasonBody,
  extension: extensionBody,
  'extension/decision': decisionBody,
  urge: noteBody,
  feedback: feedbackBody,
  cancel: reasonBody,
  ruling: rulingBody,
  reassign: reassignBody,
} as const;

export type TicketAction = keyof typeof actionBodies;
export const ticketActionNames = Object.keys(actionBodies) as TicketAction[];
export type ActionBodyOf<A extends TicketAction> = z.output<(typeof actionBodies)[A]>;

/** An action with its body, one variant per action: the use case switches on `action`. */
export type ActionInput = { [A in TicketAction]: { action: A; body: ActionBodyOf<A> } }[TicketAction];

/**
 * The one way to make an ActionInput from outside (a request body, a link's form): validated
 * against the action's schema, so a body reaches the use case typed and checked. A bad body is a
 * ValidationError naming each field, as every request body's is.
 */
export function readAction<A extends TicketAction>(
  action: A,
  body: unknown,
): Extract<ActionInput, { action: A }> {
  const out = z.safeParse(actionBodies[action], body);
  if (!out.success) throw new ValidationError(`invalid ${action} body`, zodIssues(out.error));
  return { action, body: out.data } as Extract<ActionInput, { action: A }>;
}

// ---------------------------------------------------------------------------------------------
// Who may act
// ---------------------------------------------------------------------------------------------

type Role = (typeof roles)[number];

/**
 * Where the actor must stand relative to the ticket:
 * - `assigned unit`: a unit with a live (not returned) assignment on it;
 * - `lead unit`: that assignment is the lead's;
 * - `street`: a supervisor of the ticket's street (or of every street), or an admin;
 * - `community`: the reporter of the ticket's community;
 * - `city`: anywhere (the role alone decides).
 */
export type ActionScope = 'assigned unit' | 'lead unit' | 'street' | 'community' | 'city';

export interface ActionPolicy {
  roles: readonly Role[];
  scope: ActionScope;
  /** How refusals name the action ("supervisor of s-a may not urge in s-b"). */
  verb: string;
}

export const actionPolicy = {
  acknowledge: { roles: ['unit'], scope: 'assigned unit', verb: 'acknowledge' },
  arrive: { roles: ['unit'], scope: 'assigned unit', verb: 'report arrival' },
  progress: { roles: ['unit'], scope: 'assigned unit', verb: 'report progress' },
  resolve: { roles: ['unit'], scope: 'lead unit', verb: 'resolve' },
  return: { roles: ['unit'], scope: 'assigned unit', verb: 'return the ticket' },
  extension: { roles: ['unit'], scope: 'lead unit', verb: 'ask for an extension' },
  'extension/decision': { roles: ['supervisor', 'admin'], scope: 'street', verb: 'decide extensions' },
  urge: { roles: ['supervisor', 'admin'], scope: 'street', verb: 'urge' },
  feedback: { roles: ['reporter'], scope: 'community', verb: 'give the verdict' },
  cancel: { roles: ['admin'], scope: 'city', verb: 'cancel tickets' },
  ruling: { roles: ['supervisor', 'admin'], scope: 'street', verb: 'rule on tickets' },
  reassign: { roles: ['supervisor', 'admin'], scope: 'street', verb: 'reassign tickets' },
} as const satisfies Record<TicketAction, ActionPolicy>;

/**
 * The role half of the decision, which needs no ticket: the API answers 403 before reading one
 * (whether a reporter may acknowledge does not depend on any ticket's state). `name` is how the
 * refusal names the action (the API uses the route's action name).
 */
export function mayAttempt(actor: Principal, action: TicketAction, name: string = action): void {
  const allowed: readonly Role[] = actionPolicy[action].roles;
  if (!allowed.includes(actor.role)) throw new ForbiddenError(`${actor.role} may not ${name}`);
}

/**
 * The whole decision against the ticket, before the rules run: the role, then the scope. Unit
 * scopes are left to the rules, which find the actor's assignment anyway and refuse without one
 * (ticket-rules `assignmentOf`, reading this table for the lead's actions), so that a unit asking
 * the impossible of a closed ticket still hears 409 before 403, as it always has.
 */
export function authorize(actor: Principal, action: TicketAction, t: Ticket): void {
  const policy: ActionPolicy = actionPolicy[action];
  mayAttempt(actor, action, policy.verb);
  switch (policy.scope) {
    case 'street':
      if (actor.role === 'supervisor' && actor.streetId && actor.streetId !== t.streetId)
        throw new ForbiddenError(`supervisor of ${actor.streetId} may not ${policy.verb} in ${t.streetId}`);
      return;
    case 'community':
      if (actor.communityId !== t.communityId)
        throw new ForbiddenError(`reporter of ${actor.communityId} may not ${policy.verb} here`);
      return;
    case 'assigned unit':
    case 'lead unit':
    case 'city':
      return;
  }
}
